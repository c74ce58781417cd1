"""Two --map arguments giving one column or one code two meanings are refused naming both (a key given twice in one
file already was; merged, the last won silently — probe s28 A F1); summary.json records the mapping used, each file
pinned by its SHA-256, as the region file is."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping, mapping_record
from conform.audit.run import audit

LEDGER = """setl_id,psn_no,psn_type,setl_date,med_type,hosp_lv,medfee_sumamt,hifp_pay
S1,P1,1101,2023-03-01,11,1,100.00,0.00
"""


def _file(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return str(tmp_path / name)


def test_two_files_mapping_one_code_differently_are_refused_naming_both(tmp_path: Path) -> None:
    city = _file(tmp_path, "city.toml", '[codes.hosp_lv]\n"1" = "tertiary"\n"2" = "secondary"\n')
    local = _file(tmp_path, "local.toml", '[codes.hosp_lv]\n"1" = "primary"\n')
    with pytest.raises(AuditInputError) as e:
        load_mapping([city, local])
    said = str(e.value)
    assert "city.toml" in said and "local.toml" in said and "'1'" in said and "tertiary" in said and "primary" in said


def test_two_pairs_mapping_one_column_to_two_targets_are_refused() -> None:
    with pytest.raises(AuditInputError) as e:
        load_mapping(["JSBH=psn_no", "JSBH=setl_id"])
    assert "JSBH=psn_no" in str(e.value) and "JSBH=setl_id" in str(e.value)


def test_the_same_meaning_twice_and_disjoint_maps_are_no_conflict(tmp_path: Path) -> None:
    city = _file(tmp_path, "city.toml", '[codes.hosp_lv]\n"1" = "tertiary"\n')
    again = _file(tmp_path, "again.yaml", 'codes:\n  hosp_lv:\n    "1": tertiary\n    "3": primary\n')
    m = load_mapping([city, again, "JSBH=setl_id", "JSBH=setl_id"])
    assert m.codes["hosp_lv"] == {"1": "tertiary", "3": "primary"} and m.columns == {"JSBH": "setl_id"}


def test_summary_records_the_mapping_with_each_file_pinned(tmp_path: Path) -> None:
    ledger = _file(tmp_path, "ledger.csv", LEDGER.replace("setl_id,", "JSBH,"))
    levels = _file(tmp_path, "levels.toml", '[codes.hosp_lv]\n"1" = "tertiary"\n')
    code, summary = audit([ledger], "zhejiang", "zhejiang-example", mapping=[levels, "JSBH=setl_id"],
                          out=tmp_path / "out")
    assert code in (0, 1)
    rec = summary["mapping"]
    assert rec["given"] == [{"file": levels, "sha256": hashlib.sha256(Path(levels).read_bytes()).hexdigest()},
                            {"pair": "JSBH=setl_id"}]
    assert rec["columns"] == {"JSBH": "setl_id"} and rec["codes"] == {"hosp_lv": {"1": "tertiary"}}
    written = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert written["mapping"] == rec
    assert mapping_record([], load_mapping([])) == {"given": [], "columns": {}, "codes": {}, "skip": {}}
