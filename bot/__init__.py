"""The app: settings, inbox/outbox, router, storage, web chat, health and metrics."""
