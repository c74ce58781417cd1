"""The figure worked by hand from the article: the comment above a scenario in its feature file.

Every scenario's expected figures are worked by hand in `#` comments: under its
场景 / 场景大纲 line above the steps (the features' convention), between steps, or
just above the scenario line (tags may sit between). A failed scenario's report shows
that working beside the system's figure, so a reader sees the law's arithmetic
before the engine's trace. Read from our own feature files, bounded all the same.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .. import resources

MAX_FILE = 1_000_000
MAX_LINES = 40


@lru_cache(maxsize=256)
def _lines(path: Path) -> tuple[str, ...]:
    try:
        with path.open(encoding="utf-8") as f:
            return tuple(f.read(MAX_FILE).splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def working(shown_path: str, line: int | None) -> list[str]:
    """The comment lines of the scenario at `line` (1-based) of the feature file, '#' removed."""
    if not shown_path or not line or not shown_path.endswith(".feature"):
        return []
    path = resources.locate(shown_path)
    if path is None:
        return []
    lines = _lines(path)
    i = line - 2  # the line above the scenario, 0-based
    found: list[str] = []
    while 0 <= i < len(lines) and len(found) < MAX_LINES:
        text = lines[i].strip()
        if text.startswith("#") and not text.startswith("# language:"):
            found.append(text.lstrip("#").strip())
        elif text.startswith("@"):
            pass  # tags between the comment and the scenario
        else:
            break
        i -= 1
    found.reverse()
    end = (".feature", "场景", "场景大纲", "例子", "背景", "规则", "功能", "@", "Scenario", "Examples")
    for text in lines[line:line + 400]:  # the scenario's body, up to the next block
        text = text.strip()
        if text.startswith(end[1:]) or len(found) >= MAX_LINES:
            break
        if text.startswith("#"):
            found.append(text.lstrip("#").strip())
    return found
