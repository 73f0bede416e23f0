"""Content editors change in the console without a release: support contacts and the
out-of-scope routes.

The ticket store keeps the edited body of each kind (`actions.store`, table `tickets_content`),
so every action server instance reads the same one on its next turn; while nobody has edited a
kind, its YAML file under `content/` is the default. A body is checked by the same rules
whether it comes from a file or from the console, and refused with a `ContentError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

CONTACTS = "contacts"
OUT_OF_SCOPE = "out_of_scope"


class ContentError(ValueError):
    """A body the rules refuse: `problem` names the rule, `where` the field that breaks it."""

    def __init__(self, problem: str, where: str) -> None:
        """`where` is a path into the body, such as `chat_hours.weekday.open` or `topics.3`."""
        super().__init__(f"{where}: {problem}")
        self.problem = problem
        self.where = where


def read_mapping(path: Path) -> dict[str, Any]:
    """A content file's top-level mapping (pure-Python YAML, as every content reader uses)."""
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top")
    return data


def required_text(body: dict[str, Any], key: str, where: str | None = None) -> str:
    """A non-empty string field of a body, stripped; `text_missing` when absent or blank."""
    value = body.get(key)
    if not isinstance(value, str | int) or not str(value).strip():
        raise ContentError("text_missing", where or key)
    return str(value).strip()
