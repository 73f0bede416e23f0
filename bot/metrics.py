"""Prometheus metrics of one app instance, kept in their own registry (no globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class Metrics:
    """Messages in/out per channel, turn latency and errors per component."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages_in = Counter(
            "gospom_messages_in", "Citizen messages accepted", ["channel"], registry=self.registry
        )
        self.messages_out = Counter(
            "gospom_messages_out", "Replies delivered", ["channel"], registry=self.registry
        )
        self.messages_dropped = Counter(
            "gospom_messages_dropped",
            "Citizen messages kept but not turned into Rasa turns (reason: flood)",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.turn_latency = Histogram(
            "gospom_turn_latency_seconds",
            "Time Rasa took for one turn",
            ["channel"],
            buckets=(0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30),
            registry=self.registry,
        )
        self.errors = Counter(
            "gospom_errors", "Errors per component", ["component"], registry=self.registry
        )

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)
