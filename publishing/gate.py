"""The regression gate: a candidate may not be worse than the serving model beyond a tolerance.

Pure arithmetic on two evaluation reports (`publishing.evaluate`), so its decisions are tested
without Rasa. Every set is compared on its own: a gain on one set does not buy a loss on another.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Regression:
    """One measure of one set (or one intent of one set) that fell more than allowed."""

    set: str
    measure: str  # accuracy, macro_f1 or recall
    intent: str | None
    serving: float
    candidate: float


@dataclass(frozen=True)
class IntentComparison:
    """An intent's recall on one set, for both models: what the editor reads in the table."""

    set: str
    intent: str
    support: int
    serving: float | None
    candidate: float


@dataclass
class Verdict:
    """Whether the candidate may be published, and every reason it may not."""

    passed: bool
    regressions: list[Regression] = field(default_factory=list)
    intents: list[IntentComparison] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The verdict as stored in the model's report."""
        return asdict(self)


def judge(
    candidate: dict[str, Any],
    serving: dict[str, Any] | None,
    *,
    overall_tolerance: float,
    recall_tolerance: float,
) -> Verdict:
    """Compare two reports set by set; nothing serving yet means nothing to be worse than."""
    verdict = Verdict(passed=True)
    for set_name, scores in sorted(candidate["sets"].items()):
        old = (serving or {}).get("sets", {}).get(set_name)
        for measure in ("accuracy", "macro_f1"):
            if old is not None and scores[measure] < old[measure] - overall_tolerance:
                verdict.regressions.append(
                    Regression(set_name, measure, None, old[measure], scores[measure])
                )
        for intent, row in sorted(scores["per_intent"].items()):
            before = old["per_intent"].get(intent) if old is not None else None
            recall_before = float(before["recall"]) if before is not None else None
            verdict.intents.append(
                IntentComparison(
                    set_name, intent, int(row["support"]), recall_before, float(row["recall"])
                )
            )
            if recall_before is not None and row["recall"] < recall_before - recall_tolerance:
                verdict.regressions.append(
                    Regression(set_name, "recall", intent, recall_before, float(row["recall"]))
                )
    verdict.passed = not verdict.regressions
    return verdict
