"""The sizes of every part: full (`make bench`) or `--quick` (small, for a busy machine)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    """What to run and how big."""

    quick: bool
    soak_minutes: float
    logs: Path  # every process's log for this run
    out: Path  # measured/, README.md and the plots

    @property
    def levels(self) -> list[tuple[int, int]]:
        """(concurrent chats, turns per chat) of the load part."""
        return [(1, 5), (50, 2), (500, 1)] if self.quick else [(1, 20), (50, 5), (500, 2)]

    @property
    def rounds(self) -> int:
        """How many times each level runs, interleaved stock/product."""
        return 1 if self.quick else 2

    @property
    def turn_timeout_s(self) -> float:
        """The longest a driver waits for one answer."""
        return 60.0

    @property
    def phase_timeout_s(self) -> float:
        """The longest one load phase runs."""
        return 90.0 if self.quick else 180.0

    @property
    def scale_levels(self) -> list[tuple[int, int]]:
        """(chats, turns) of the scale-out part."""
        return [(50, 2)] if self.quick else [(50, 5), (500, 2)]

    @property
    def scale_configs(self) -> list[tuple[int, int]]:
        """(Rasa servers, app instances) of the scale-out part."""
        return [(1, 1), (2, 1), (1, 2), (2, 2)]

    @property
    def fault_chats(self) -> tuple[int, int]:
        """(chats, turns per chat) of each fault scenario."""
        return (10, 4) if self.quick else (40, 6)

    @property
    def fault_deadline_s(self) -> float:
        """The longest one fault scenario (load, fault, recovery, drain) runs."""
        return 300.0 if self.quick else 600.0

    @property
    def soak_chats(self) -> int:
        """Concurrent chats of the soak."""
        return 20 if self.quick else 50

    @property
    def soak_sample_s(self) -> float:
        """Memory sampling interval of the soak."""
        return 10.0 if self.quick else 30.0

    @property
    def growth(self) -> list[int]:
        """Training-data multiples of the training part."""
        return [1, 2] if self.quick else [1, 2, 4]
