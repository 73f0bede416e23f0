"""Accepted examples → Rasa training files, one per intent family, and the diff before writing.

Layout: the hand-written files stay as they are (`data/nlu/core.yml`, `chitchat.yml`...); the
editors' examples go to generated files next to them, `data/nlu/reviewed/<family>.yml`, the
family being the hand-written file the intent already lives in (`core`, `privacy`...) or `new`
for an intent editors created. The generated files are rebuilt from the accepted records every
time, so a revert simply drops a line; every example already present anywhere under
`data/nlu/` (case and spacing folded, entity markup removed) is left out, and the order is
stable (intents by name, examples in the order they were accepted) so diffs stay small.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from review.queue import normalise
from review.yamlfile import load_mapping

REVIEWED_DIR = Path("data") / "nlu" / "reviewed"
NEW_FAMILY = "new"
HEADER = (
    "# Generated from the examples editors accepted in the console («Обучение»); do not edit.\n"
)
_ENTITY_MARKUP = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
_UNSAFE = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")", "\n": " ", "\r": " "})


@dataclass(frozen=True)
class Example:
    """One accepted example, in the order it was accepted."""

    text: str
    intent: str


@dataclass(frozen=True)
class FileChange:
    """A generated file: its path under the project, what it holds now and what it will hold."""

    path: Path
    old: str
    new: str

    @property
    def diff(self) -> str:
        """The unified diff from the file on disk to the rendered one."""
        name = self.path.as_posix()
        return "".join(
            difflib.unified_diff(
                self.old.splitlines(keepends=True),
                self.new.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )


def _example_lines(block: str) -> Iterable[str]:
    for line in block.splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            yield stripped[2:]


def existing_examples(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Hand-written data: the family (file stem) of each intent, and the intent of every
    example by its normalised text."""
    families: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        content = load_mapping(path)
        for block in content.get("nlu") or []:
            if "intent" in block and isinstance(block.get("examples"), str):
                intent = str(block["intent"])
                families.setdefault(intent, path.stem)
                for example in _example_lines(block["examples"]):
                    seen.setdefault(normalise(_ENTITY_MARKUP.sub(r"\1", example)), intent)
    return families, seen


def cleaned(text: str) -> str:
    """A citizen's text as a training line: no markup characters, one line, single spaces."""
    return " ".join(text.translate(_UNSAFE).split())


def render(examples: Sequence[Example], root: Path) -> dict[Path, str]:
    """The generated files' contents by path (relative to `root`), deduplicated and ordered."""
    families, seen = existing_examples(root)
    by_intent: dict[str, list[str]] = {}
    for example in examples:
        text = cleaned(example.text)
        key = normalise(text)
        if not text or key in seen:
            continue
        seen[key] = example.intent
        by_intent.setdefault(example.intent, []).append(text)
    by_family: dict[str, list[str]] = {}
    for intent in sorted(by_intent):
        lines = "".join(f"      - {text}\n" for text in by_intent[intent])
        block = f"  - intent: {intent}\n    examples: |\n{lines}"
        by_family.setdefault(families.get(intent, NEW_FAMILY), []).append(block)
    return {
        REVIEWED_DIR / f"{family}.yml": HEADER + 'version: "3.1"\nnlu:\n' + "".join(blocks)
        for family, blocks in sorted(by_family.items())
    }


def changes(examples: Sequence[Example], root: Path) -> list[FileChange]:
    """Every generated file that differs from disk, including ones that are now empty."""
    rendered = render(examples, root)
    on_disk = {path.relative_to(root) for path in (root / REVIEWED_DIR).glob("*.yml")}
    result = []
    for path in sorted(set(rendered) | on_disk):
        old = (root / path).read_text(encoding="utf-8") if path in on_disk else ""
        new = rendered.get(path, "")
        if old != new:
            result.append(FileChange(path, old, new))
    return result


def write(file_changes: Sequence[FileChange], root: Path) -> None:
    """Write the changes (a file left with nothing is removed)."""
    for change in file_changes:
        target = root / change.path
        if not change.new:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(change.new, encoding="utf-8")
