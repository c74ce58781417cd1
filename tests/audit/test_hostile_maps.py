"""Hostile --map files and a JSON-lines ledger with a broken escape: refused naming the file (and line),
exit 2 — not a 2 GB alias expansion, a segfault in the YAML parser, a RecursionError or a message that names
only DuckDB's stream and a Python traceback."""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping
from conform.audit.run import audit

BOMB = """a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
codes:
  hosp_lv: *c
"""


@pytest.mark.parametrize("name, text, said, line", [
    ("bomb.yaml", BOMB, "alias *a is not accepted", 2),
    ("deep.yaml", "columns: " + "[" * 60000 + "]" * 60000 + "\n", "nested deeper than 32 levels", 1),
    ("deep.toml", "x = " + "[" * 60000 + "]" * 60000 + "\n", "nested too deeply", None),
])
def test_a_hostile_mapping_file_is_refused_where_it_is(tmp_path, name, text, said, line):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        load_mapping((str(path),))
    assert said in str(e.value) and e.value.file == str(path) and e.value.row == line


def test_a_lone_surrogate_escape_in_a_json_lines_ledger_names_its_line_and_field(tmp_path):
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text('{"setl_id":"S1","psn_no":"A","psn_type":"1101","setl_date":"2023-03-01","med_type":"11",'
                      '"facility":"tertiary","medfee_sumamt":"500.00","hifp_pay":"150.00"}\n'
                      '{"setl_id":"S2","psn_no":"B\\ud800","psn_type":"1101","setl_date":"2023-03-01","med_type":"11",'
                      '"facility":"tertiary","medfee_sumamt":"500.00","hifp_pay":"150.00"}\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(ledger)], "panzhihua", "panzhihua-example", write=False)
    assert "lone UTF-16 surrogate" in str(e.value) and "Traceback" not in str(e.value)
    assert (e.value.file, e.value.row, e.value.column) == (str(ledger), 2, "psn_no")


def test_a_paired_surrogate_escape_is_a_character_and_reads(tmp_path):
    """"\\ud83d\\ude00" is one character (😀): a name with it is read, not refused."""
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text('{"setl_id":"S1","psn_no":"A\\ud83d\\ude00","psn_type":"1101","setl_date":"2023-03-01",'
                      '"med_type":"11","facility":"tertiary","medfee_sumamt":"500.00","hifp_pay":"150.00"}\n',
                      encoding="utf-8")
    code, summary = audit([str(ledger)], "panzhihua", "panzhihua-example", write=False)
    # 攀枝花 第七条: (500 − 200) × 50% = 150.00 at a tertiary hospital, as recorded
    assert code == 0 and summary["rows_read"] == 1


def test_a_lone_surrogate_escape_in_a_field_name_names_its_line(tmp_path):
    """A key becomes a column name: "fixmedins_\\ud800code" on line 2 was an internal error (exit 3)."""
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text('{"setl_id":"S1","psn_no":"A","psn_type":"1101","setl_date":"2023-03-01","med_type":"11",'
                      '"facility":"tertiary","medfee_sumamt":"500.00","hifp_pay":"150.00"}\n'
                      '{"setl_id":"S2","psn_no":"B","fixmedins_\\ud800code":"H1"}\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(ledger)], "panzhihua", "panzhihua-example", write=False)
    assert "field name with a lone UTF-16 surrogate" in str(e.value)
    assert (e.value.file, e.value.row) == (str(ledger), 2)
