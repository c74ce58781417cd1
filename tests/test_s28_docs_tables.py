"""Every table row written in the README and docs/ renders as a row of a table (CommonMark + GFM tables, as GitHub
and GitLab render them): a blank line inside a table ends it, and the rows after it show as a paragraph of pipes —
docs/ci.md's exit codes 4 and 130 once did (probe s28 N F3)."""
from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def stray_rows(text: str) -> list[int]:
    """The 1-based lines that start like a table row (`| … |`) but are no table's, outside code blocks."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    inside: set[int] = set()
    for t in tokens:
        if t.map and (t.type == "table_open" or t.type in ("fence", "code_block")):
            inside.update(range(t.map[0], t.map[1]))
    return [i + 1 for i, line in enumerate(text.splitlines())
            if line.lstrip().startswith("|") and line.rstrip().endswith("|") and i not in inside]


def test_a_blank_line_splitting_a_table_is_found() -> None:
    table = "| a | b |\n| --- | --- |\n| 1 | 2 |\n"
    assert stray_rows(table) == []
    assert stray_rows(table + "\n| 3 | 4 |\n") == [5]
    assert stray_rows("```\n| not | a table |\n```\n") == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_table_row_is_in_a_table(doc: Path) -> None:
    assert stray_rows(doc.read_text(encoding="utf-8")) == [], f"{doc.name}: rows outside any table"
