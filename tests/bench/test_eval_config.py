"""`make eval`'s config rewriting: another DIET seed or fewer epochs, nothing else touched."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from bench.eval import ROOT, lower_epochs, with_seed


def _load(text: str) -> Any:
    """A config text as data."""
    return YAML(typ="safe", pure=True).load(text)


def _diet(text: str) -> dict[str, Any]:
    """The DIETClassifier entry of a config text."""
    pipeline = _load(text)["pipeline"]
    return dict(next(c for c in pipeline if c["name"] == "DIETClassifier"))


def test_with_seed_replaces_only_diets_seed() -> None:
    """The served config with seed 7: DIET's seed changes, its epochs and the rest stay."""
    text = (ROOT / "config.yml").read_text(encoding="utf-8")
    changed = with_seed(text, 7)
    assert _diet(changed)["random_seed"] == 7
    assert _diet(changed)["epochs"] == _diet(text)["epochs"]
    before, after = _load(text), _load(changed)
    others = [c for c in before["pipeline"] if c["name"] != "DIETClassifier"]
    assert others == [c for c in after["pipeline"] if c["name"] != "DIETClassifier"]
    assert before["policies"] == after["policies"]


def test_with_seed_adds_a_seed_when_absent() -> None:
    """A DIET entry without a seed gets one."""
    text = "pipeline:\n  - name: DIETClassifier\n    epochs: 5\n"
    assert _diet(with_seed(text, 3)) == {"name": "DIETClassifier", "epochs": 5, "random_seed": 3}


def test_lower_epochs_keeps_the_seed() -> None:
    """Cross-validation's fewer epochs leave the seed as it was."""
    text = "pipeline:\n  - name: DIETClassifier\n    epochs: 60\n    random_seed: 42\n"
    assert _diet(lower_epochs(text, 40)) == {
        "name": "DIETClassifier",
        "epochs": 40,
        "random_seed": 42,
    }
