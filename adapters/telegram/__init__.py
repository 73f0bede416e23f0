"""Telegram channel: webhook in, Bot API out (aiogram 3)."""

from adapters.telegram.callbacks import CallbackRegistry
from adapters.telegram.parse import parse_update
from adapters.telegram.sender import TelegramSender, create_bot
from adapters.telegram.webhook import TelegramWebhook, setup_telegram

__all__ = [
    "CallbackRegistry",
    "TelegramSender",
    "TelegramWebhook",
    "create_bot",
    "parse_update",
    "setup_telegram",
]
