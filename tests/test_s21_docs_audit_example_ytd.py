"""docs/audit.md §6: the worked example's command warns A-AUDIT-YTD-FROM-LEDGER, and the page's `--persons` ends it.

The exact command of §6 prints the note that the ledger starts on 2023-03-01 and its persons' earlier totals are
taken as 0, and every clause of the discrepancies carries `；A-AUDIT-YTD-FROM-LEDGER`; §6 did not say so (s21
probe Q). It now does, and shows a persons file of `{"year": 2023}` per person that removes both while the
discrepancies stay those worked by hand.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
from click.testing import CliRunner

from conform.harness.cli import main

DOC = Path(__file__).resolve().parent.parent / "docs" / "audit.md"
TEXT = DOC.read_text(encoding="utf-8")
SECTION = TEXT[TEXT.index("\n## 6. "):TEXT.index("\n## 7. ")]
YTD = "A-AUDIT-YTD-FROM-LEDGER"


def _audit(tmp_path: Path, name: str, *extra: str) -> tuple[str, list[tuple[str, str, str]], dict]:
    ledger = tmp_path / "docs-example.csv"
    ledger.write_text(re.search(r"```csv\n(.*?)```", SECTION, re.S).group(1), encoding="utf-8")
    out = tmp_path / name
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out), *extra], catch_exceptions=False)
    assert r.exit_code == 1, r.output
    parquet = out / "discrepancies.parquet"
    rows = duckdb.connect().execute(f"SELECT setl_id, field, clause FROM read_parquet('{parquet}') "
                                    "ORDER BY setl_id, field").fetchall()
    return r.output, rows, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_the_pages_command_warns_and_its_clauses_carry_the_reading(tmp_path):
    output, rows, summary = _audit(tmp_path, "plain")
    assert YTD in output and "3 人（共 3 人）未在人员信息中给出 2023 年的年初累计 ytd" in output
    # every figure resting on the earlier totals; a ratio (W1's pool_prop_selfpay) does not
    resting = [(s, f) for s, f, clause in rows if f"攀枝花 第七条；{YTD}" in clause]
    assert len(rows) == 15 and len(resting) == 14 and ("W1", "pool_prop_selfpay") not in resting, rows
    # the page says what was printed, and which clause the rows carry
    assert "3 人（共 3 人）未在人员信息中给出 2023 年的年初累计 ytd" in SECTION.replace("\n", "")
    assert f"`攀枝花 第七条；{YTD}`" in SECTION and "的 14 项" in SECTION


def test_the_pages_persons_file_removes_the_note_and_the_reading(tmp_path):
    persons_text = re.search(r"```json\n(.*?)```", SECTION, re.S).group(1)
    persons = [json.loads(line) for line in persons_text.splitlines() if line.strip()]
    assert persons == [{"psn_no": p, "ytd": {"year": 2023}} for p in "ABC"]
    path = tmp_path / "docs-example.persons.jsonl"
    path.write_text(persons_text, encoding="utf-8")
    assert "--persons docs-example.persons.jsonl" in SECTION
    plain_output, plain, plain_summary = _audit(tmp_path, "plain")
    output, rows, summary = _audit(tmp_path, "persons", "--persons", str(path))
    assert YTD not in output and not any(YTD in clause for _s, _f, clause in rows)
    assert YTD not in json.dumps(summary.get("warnings"), ensure_ascii=False)
    # the same discrepancies, the figures worked by hand
    assert [(s, f) for s, f, _c in rows] == [(s, f) for s, f, _c in plain]
    assert (summary["overpaid"], summary["underpaid"]) == ("200.00", "142.50") == \
        (plain_summary["overpaid"], plain_summary["underpaid"])
    assert all(c.startswith("攀枝花 第七条") for _s, _f, c in rows)
