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

A strict set (`strict_sets`: the pinned phrases the dialogue depends on,
`tests/data/test_nlu_pinned.yml`) has no tolerance: the candidate is refused for any of its
phrases it gets wrong that the serving model gets right — one lost phrase is a broken
conversation, not noise — and it is left out of the pooled counts above. A serving report
without the list of its misses (made before the list was kept) counts as having missed none.
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
    phrase: str | None = None  # a strict set's phrase the candidate lost
    answered: str | None = None  # what the candidate answered it with


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
    strict_sets: frozenset[str] = frozenset(),
) -> Verdict:
    """Compare two reports; nothing serving yet means nothing to be worse than."""
    verdict = Verdict(passed=True)
    old_sets: dict[str, Any] = (serving or {}).get("sets", {})
    right = _Tally()
    per_intent: dict[str, _Tally] = {}
    for set_name, scores in sorted(candidate["sets"].items()):
        old = old_sets.get(set_name)
        pooled = old is not None and set_name not in strict_sets
        if old is not None and pooled:
            right.add(scores["examples"], scores["accuracy"], old["accuracy"])
        for intent, row in sorted(scores["per_intent"].items()):
            before = old["per_intent"].get(intent) if old is not None else None
            recall_before = float(before["recall"]) if before is not None else None
            support = int(row["support"])
            verdict.intents.append(
                IntentComparison(set_name, intent, support, recall_before, float(row["recall"]))
            )
            if pooled and recall_before is not None:
                tally = per_intent.setdefault(intent, _Tally())
                tally.add(support, float(row["recall"]), recall_before)
    if right.regressed(overall_tolerance, min_lost):
        verdict.regressions.append(right.regression("accuracy", None))
    for intent, tally in sorted(per_intent.items()):
        if tally.regressed(recall_tolerance, min_lost):
            verdict.regressions.append(tally.regression("recall", intent))
    for set_name in sorted(strict_sets & candidate["sets"].keys() if serving else ()):
        verdict.regressions.extend(_lost_phrases(set_name, candidate, old_sets.get(set_name)))
    verdict.passed = not verdict.regressions
    return verdict


def _lost_phrases(
    set_name: str, candidate: dict[str, Any], serving: dict[str, Any] | None
) -> list[Regression]:
    """The strict set's phrases the candidate misses and the serving model did not."""
    missed_before = {row["text"] for row in (serving or {}).get("missed", [])}
    return [
        Regression(set_name, "phrase", row["intent"], 1.0, 0.0, 1, row["text"], row["answered"])
        for row in candidate["sets"][set_name].get("missed", [])
        if row["text"] not in missed_before
    ]


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
