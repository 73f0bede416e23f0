"""The web chat channel: the page at `/` and its websocket under `/chat/`."""

from adapters.webchat.channel import WebchatSender, setup_webchat

__all__ = ["WebchatSender", "setup_webchat"]
