"""Two refusals that quoted what the file does not hold (probe s28 A F4, F5):

- a JSON line's bare NaN / Infinity (what Python's json.dumps writes for a float NaN or infinity) was quoted as the
  text 'nan' ("a missing value written as text … pandas astype(str)?") or 'inf'; the message now names the literal;
- a file of only NUL bytes (a failed copy) got the CSV parser's "Could not skip initial 1 rows …"; it now says so.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.harness.cli import main
from test_sources_input import _rows


def _jsonl(tmp_path, literal: str, key: str = "hifp_pay"):
    rows = _rows()
    lines = []
    for r in rows[1:]:
        rec = dict(zip(rows[0], r))
        text = json.dumps(rec, ensure_ascii=False)
        if r[0] == "C1":  # as json.dumps writes float("nan") / float("inf"): a bare literal
            rec[key] = "__X__"
            text = json.dumps(rec, ensure_ascii=False).replace('"__X__"', literal)
        lines.append(text)
    p = tmp_path / "ledger.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _audit(p):
    return audit([str(p)], "panzhihua", "panzhihua-example", write=False, workers=1)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_a_bare_json_literal_is_named_as_written(tmp_path, literal):
    with pytest.raises(AuditInputError) as e:
        _audit(_jsonl(tmp_path, literal))
    assert (e.value.row, e.value.column) == (4, "hifp_pay")
    assert e.value.detail.startswith(f"the bare literal {literal} (not an amount, code or text")
    assert "'nan'" not in str(e.value) and "'inf'" not in str(e.value) and "as text" not in str(e.value)


def test_a_literal_in_a_column_no_one_reads_is_let_be(tmp_path):
    code, s = _audit(_jsonl(tmp_path, "NaN", key="memo_unread"))
    assert sum(s["discrepancies_by_field"].values()) == 15


@pytest.mark.parametrize("size", [10, 5000, 2_000_000])
def test_a_file_of_nul_bytes_is_said_to_be_one(tmp_path, size):
    p = tmp_path / "ledger.csv"
    p.write_bytes(b"\x00" * size)
    with pytest.raises(AuditInputError) as e:
        _audit(p)
    assert e.value.file == str(p) and e.value.row is None
    assert e.value.detail.startswith(f"the file holds only NUL bytes ({size:,} zero bytes)")
    assert "Could not skip" not in str(e.value)


def test_the_cli_exits_2_and_writes_no_report(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_bytes(b"\x00" * 10)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["audit", str(p), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out)])
    assert r.exit_code == 2 and "only NUL bytes" in r.output and "Traceback" not in r.output
    assert not out.exists()
