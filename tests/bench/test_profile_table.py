"""The profile table: self time goes to the top frame, inclusive time to every frame under it."""

from __future__ import annotations

from pathlib import Path

from bench.load.profile import ROOT, top_functions


def test_self_time_is_the_top_frame_and_ours_are_listed(tmp_path: Path) -> None:
    stacks = tmp_path / "raw.txt"
    stacks.write_text(
        f"run ({ROOT}/bot/router.py:10);dumps (/usr/lib/python3.11/json/__init__.py:200) 30\n"
        f"run ({ROOT}/bot/router.py:12) 10\n",
        encoding="utf-8",
    )
    top = top_functions(stacks, rate_hz=100, turns=2)
    assert top["samples"] == 40
    assert top["self"][0] == ("dumps (json/__init__.py)", 30, 150.0)
    assert ("run (bot/router.py)", 40, 200.0) in top["ours_inclusive"]
