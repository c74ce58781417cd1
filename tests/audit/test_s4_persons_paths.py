"""A persons-file error names the nested field or list element at fault as one path (hospital_stays[1].end,
ytd.ordinary_dedc), the item and field `conform settle` names for the same person, in every form of the file."""
from __future__ import annotations

import duckdb
import pytest

from conform.audit import persons
from conform.audit.errors import AuditInputError

OK_STAY = '{"begin": "2023-01-01", "end": "2023-01-03"}'


def _error(f) -> str:
    con = duckdb.connect()
    try:
        with pytest.raises(AuditInputError) as e:
            persons.load(con, str(f))
        return str(e.value)
    finally:
        con.close()


@pytest.mark.parametrize("extra, where, said", [
    ('"ytd": "2023"', "column ytd", "expected a mapping, got str"),
    ('"chronic_diseases": ["M03900"]', "column chronic_diseases[0]", "expected a mapping, got str"),
    ('"chronic_diseases": [{"dise_codg": "M1", "kind": "chronic"}, {"dise_codg": "M2"}]',
     "column chronic_diseases[1].kind", "missing"),
    (f'"hospital_stays": [{OK_STAY}, {{"begin": "2023-02-05", "end": "2023-02-01"}}]',
     "column hospital_stays[1].end", "2023-02-01 is before begin 2023-02-05"),
    ('"ytd": {"year": 2023, "foo": "1"}', "column ytd", "unknown field(s) foo"),
    ('"ytd": {"year": 2023, "ordinary_dedc": "x"}', "column ytd.ordinary_dedc", "not a number: 'x'"),
    ('"ytd": {"year": 2023, "chronic_pay": {"M1": "x"}}', "column ytd.chronic_pay.M1", "not a number: 'x'"),
    ('"benefit_period": {"begin": "x", "end": "2023-01-01"}', "column benefit_period.begin", "not a date"),
])
def test_a_json_line_names_the_nested_field(tmp_path, extra, where, said):
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "A", "psn_type": "1101"}\n{"psn_no": "K", "psn_type": "1101", ' + extra + "}\n",
                 encoding="utf-8")
    assert _error(f).startswith(f"{f}, line 2, {where}: {said}")


def test_a_csv_cell_of_json_names_the_field_inside_it(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text('psn_no,psn_type,ytd,hospital_stays\n'
                 'K,1101,"{""year"": 2023, ""ordinary_dedc"": ""x""}",\n', encoding="utf-8")
    assert _error(f).startswith(f"{f}, line 2, column ytd.ordinary_dedc: not a number")
    f.write_text('psn_no,psn_type,hospital_stays\n'
                 'K,1101,"[{""begin"": ""2023-02-05"", ""end"": ""2023-02-01""}]"\n', encoding="utf-8")
    assert _error(f).startswith(f"{f}, line 2, column hospital_stays[0].end: 2023-02-01 is before begin")


def test_a_key_with_control_characters_is_named_escaped(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text('{"psn_no": "K", "psn_type": "1101", "ytd": {"year": 2023, "chronic_pay": {"\\u001b]0;X\\u0007": "x"}}}\n',
                 encoding="utf-8")
    msg = _error(f)
    assert "column ytd.chronic_pay.\\x1b]0;X\\x07: not a number" in msg
    assert "\x1b" not in msg and "\x07" not in msg
