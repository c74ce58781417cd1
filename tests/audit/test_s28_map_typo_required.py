"""A mistyped --map source for a REQUIRED column (JSBHX for the header's JSBH, mapped to setl_id) was refused with the
generic "missing column(s) setl_id … rename a vendor's columns with --map", though the user had; docs/audit.md §2
promises the closest header name, and the message now names the --map argument and its mistyped source, as it does
for an optional column (probe s28 A F3).
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.harness.cli import main
from test_sources_input import _rows, _write_csv


def _vendor(tmp_path, **renamed):
    rows = _rows()
    rows[0] = [renamed.get(h, h) for h in rows[0]]
    return _write_csv(tmp_path / "vendor.csv", rows)


def test_a_map_file_mistyping_a_required_source_is_named_with_the_closest_header(tmp_path):
    ledger = _vendor(tmp_path, setl_id="JSBH")
    m = tmp_path / "vendor_map.toml"
    m.write_text('[columns]\nJSBHX = "setl_id"\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(ledger)], "panzhihua", "panzhihua-example", mapping=(str(m),), write=False, workers=1)
    assert e.value.file == str(ledger)
    assert e.value.detail == (f"--map {m}: [columns] JSBHX = 'setl_id': the file has no column 'JSBHX', nor "
                              "'setl_id'; did you mean 'JSBH'?")


def test_a_command_line_pair_is_named_as_given(tmp_path):
    ledger = _vendor(tmp_path, setl_id="JSBH")
    with pytest.raises(AuditInputError, match=r"--map JSBHX=setl_id: the file has no column 'JSBHX', nor 'setl_id'; "
                                              r"did you mean 'JSBH'\?"):
        audit([str(ledger)], "panzhihua", "panzhihua-example", mapping=("JSBHX=setl_id",), write=False, workers=1)


def test_a_mistyped_date_source_where_neither_date_nor_time_is_there(tmp_path):
    ledger = _vendor(tmp_path, setl_date="结算日期")
    with pytest.raises(AuditInputError, match=r"--map 结算日其=setl_date: the file has no column '结算日其', nor "
                                              r"'setl_date'; did you mean '结算日期'\?"):
        audit([str(ledger)], "panzhihua", "panzhihua-example", mapping=("结算日其=setl_date",), write=False, workers=1)


def test_a_missing_required_column_without_a_map_is_still_the_generic_refusal(tmp_path):
    ledger = _vendor(tmp_path, setl_id="JSBH")
    with pytest.raises(AuditInputError, match=r"missing column\(s\) setl_id \(present: JSBH, "):
        audit([str(ledger)], "panzhihua", "panzhihua-example", write=False, workers=1)


def test_the_right_source_is_read_and_the_cli_exits_2_on_the_typo(tmp_path):
    ledger = _vendor(tmp_path, setl_id="JSBH")
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", mapping=("JSBH=setl_id",), write=False, workers=1)
    assert sum(s["discrepancies_by_field"].values()) == 15
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--map", "JSBHX=setl_id", "--out", str(out)])
    assert r.exit_code == 2 and "did you mean 'JSBH'" in r.output and "Traceback" not in r.output
    assert not out.exists()
