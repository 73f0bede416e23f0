"""Telegram channel: webhook or long polling in, Bot API out (aiogram 3)."""

from adapters.telegram.callbacks import CallbackRegistry
from adapters.telegram.intake import UpdateIntake
from adapters.telegram.parse import parse_update
from adapters.telegram.polling import TelegramPoller
from adapters.telegram.sender import TelegramSender, create_bot
from adapters.telegram.typing import TypingIndicator
from adapters.telegram.webhook import TelegramWebhook, setup_telegram

__all__ = [
    "CallbackRegistry",
    "TelegramPoller",
    "TelegramSender",
    "TelegramWebhook",
    "TypingIndicator",
    "UpdateIntake",
    "create_bot",
    "parse_update",
    "setup_telegram",
]
