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


# probe s28 R R3: the audit matches a vendor's header case and surrounding spaces aside (`--map jsbh=setl_id` renames
# the file's JSBH), so JSBH and jsbh are one column; two meanings given to it were merged and the second dropped
# silently, while summary.json recorded both renames.
@pytest.mark.parametrize("maps, where", [
    (["JSBH=setl_id", "jsbh=psn_no"], ("--map 'JSBH=setl_id'", "--map 'jsbh=psn_no'")),
    (["jsbh=psn_no", " JSBH =setl_id"], ("--map 'jsbh=psn_no'", "--map ' JSBH =setl_id'")),
])
def test_one_column_spelled_in_another_case_given_two_meanings_is_refused(maps, where) -> None:
    with pytest.raises(AuditInputError) as e:
        load_mapping(maps)
    said = str(e.value)
    assert all(w in said for w in where) and "are one column" in said and "two --map arguments" in said, said


def test_two_files_or_one_file_spelling_one_column_two_ways_are_refused(tmp_path: Path) -> None:
    m1 = _file(tmp_path, "m1.toml", '[columns]\nJSBH = "setl_id"\n')
    m2 = _file(tmp_path, "m2.yaml", 'columns:\n  Jsbh: psn_no\n')
    with pytest.raises(AuditInputError) as e:
        load_mapping([m1, m2])
    assert "m1.toml" in str(e.value) and "m2.yaml" in str(e.value) and "'psn_no'" in str(e.value), str(e.value)
    m12 = _file(tmp_path, "m12.toml", '[columns]\nJSBH = "setl_id"\n" jsbh " = "psn_no"\n')
    with pytest.raises(AuditInputError) as e:
        load_mapping([m12])
    said = str(e.value)
    assert said.count("m12.toml") == 2 and "one --map file gives" in said and "'setl_id'" in said, said


def test_the_audit_refuses_it_before_writing_a_summary(tmp_path: Path) -> None:
    ledger = _file(tmp_path, "ledger.csv", LEDGER.replace("setl_id,", "JSBH,"))
    levels = _file(tmp_path, "levels.toml", '[codes.hosp_lv]\n"1" = "tertiary"\n')
    with pytest.raises(AuditInputError):
        audit([ledger], "zhejiang", "zhejiang-example", mapping=[levels, "JSBH=setl_id", "jsbh=psn_no"],
              out=tmp_path / "out")
    assert not (tmp_path / "out" / "summary.json").exists()


def test_one_column_in_two_cases_with_one_meaning_is_no_conflict() -> None:
    m = load_mapping(["JSBH=setl_id", "jsbh=setl_id"])
    assert set(m.columns.values()) == {"setl_id"}
