"""The regression gate: a candidate may not be worse than the serving model beyond a tolerance.

Pure arithmetic on two evaluation reports (`publishing.evaluate`), so its decisions are tested
without Rasa. It counts phrases, over every held-out set both models were scored on: the
candidate is refused when it answers, as the bot acts, more than `overall_tolerance` of all
phrases fewer right, or when one intent loses more than `recall_tolerance` of its phrases —
and, in both cases, more than `min_lost` phrases (4: a sign test first calls a loss of 5
phrases with none gained real, 0.5^5 = 3 %). Why pooled and counted: two trainings of the
same data (another seed, a few more epochs, a fine-tune) move a set of 122 phrases by two to
four phrases either way, and an intent of 5 phrases by 20 % for one phrase; a gate per set and
per intent at a 1 % / 5 % tolerance refused about every other harmless retrain (measured on
2026-12-02: one new example, fine-tuned, −4 phrases on one set and +3 on another; another
fine-tune lost 3 of 47 support_contacts phrases). The table per set and intent (`intents`)
is still there for the editor to read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ALL_SETS = "все наборы"


@dataclass(frozen=True)
class Regression:
    """Accuracy over every set, or one intent's recall over every set, that fell too far."""

    set: str  # ALL_SETS: the phrases of every set both models were scored on
    measure: str  # accuracy or recall
    intent: str | None
    serving: float
    candidate: float
    lost: int = 0  # phrases the serving model got right and the candidate does not, net


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
    min_lost: int = 4,
) -> Verdict:
    """Compare two reports; nothing serving yet means nothing to be worse than."""
    verdict = Verdict(passed=True)
    old_sets: dict[str, Any] = (serving or {}).get("sets", {})
    right = _Tally()
    per_intent: dict[str, _Tally] = {}
    for set_name, scores in sorted(candidate["sets"].items()):
        old = old_sets.get(set_name)
        if old is not None:
            right.add(scores["examples"], scores["accuracy"], old["accuracy"])
        for intent, row in sorted(scores["per_intent"].items()):
            before = old["per_intent"].get(intent) if old is not None else None
            recall_before = float(before["recall"]) if before is not None else None
            support = int(row["support"])
            verdict.intents.append(
                IntentComparison(set_name, intent, support, recall_before, float(row["recall"]))
            )
            if recall_before is not None:
                tally = per_intent.setdefault(intent, _Tally())
                tally.add(support, float(row["recall"]), recall_before)
    if right.regressed(overall_tolerance, min_lost):
        verdict.regressions.append(right.regression("accuracy", None))
    for intent, tally in sorted(per_intent.items()):
        if tally.regressed(recall_tolerance, min_lost):
            verdict.regressions.append(tally.regression("recall", intent))
    verdict.passed = not verdict.regressions
    return verdict


@dataclass
class _Tally:
    """Phrases (of one intent, or all) and how many of them each model answered right."""

    phrases: int = 0
    candidate: int = 0
    serving: int = 0

    def add(self, phrases: int, candidate_rate: float, serving_rate: float) -> None:
        self.phrases += phrases
        self.candidate += round(candidate_rate * phrases)
        self.serving += round(serving_rate * phrases)

    def regressed(self, tolerance: float, min_lost: int) -> bool:
        lost = self.serving - self.candidate
        return lost > min_lost and lost > tolerance * self.phrases

    def regression(self, measure: str, intent: str | None) -> Regression:
        share = max(self.phrases, 1)
        return Regression(
            ALL_SETS,
            measure,
            intent,
            self.serving / share,
            self.candidate / share,
            self.serving - self.candidate,
        )
