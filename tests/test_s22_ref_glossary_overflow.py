"""docs/glossary.md's `overflow_to_ordinary` row names every document whose policy file has the flag (probeC F4):
攀枝花 第十一条 fixes it, 吉林 六（三）fixes it by a reading (A-JL-CHRONIC-OVERFLOW), 南昌 四（二）2 leaves it to the
region (A-NC-CHRONIC-OVERFLOW). A row naming 攀枝花 alone says the others have no such rule."""
from __future__ import annotations

from pathlib import Path

from conform.reference.policy import POLICY_IDS, load_policy

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"
KEY = "chronic.overflow_to_ordinary"


def test_the_overflow_row_cites_each_document_with_the_flag_and_its_reading():
    (row,) = [line for line in GLOSSARY.read_text(encoding="utf-8").splitlines()
              if line.startswith("| `overflow_to_ordinary` |")]
    found = 0
    for pid in POLICY_IDS:
        policy = load_policy(pid)
        fixed, req = policy.params.get(KEY), policy.requirement_for(KEY)
        if fixed is None and req is None:
            continue
        found += 1
        article = fixed.cite if fixed else req.cite  # e.g. 吉林 六（三）；A-JL-CHRONIC-OVERFLOW
        head = article.split("；")[0]
        assert head in row, (pid, head, row)
        reading = (fixed.assumption if fixed else None) or next(
            (a for a in policy.assumptions if a.endswith("-CHRONIC-OVERFLOW")), None)
        if reading:
            assert reading in row, (pid, reading, row)
    assert found == 3  # 攀枝花, 吉林, 南昌
