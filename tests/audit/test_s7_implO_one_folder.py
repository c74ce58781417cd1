"""An audit's inputs kept together in one folder (raudit4 D8): the persons file (--persons), the institutions
table (--institutions) and a mapping file (--map) in the folder given as LEDGER are no ledger. They are left
out of the folder's (or a glob's) files — compared by resolved path, so a link or another spelling of the
path is the same file — and the console says so once each; a LEDGER argument that is itself the --persons
file is refused, naming both. Before, they were read as ledgers and refused for lacking ledger columns
("rename a vendor's columns with --map").

Figures by hand, 攀枝花 第七条 (panzhihua-example: in-service, deductible 200.00 a natural year; 三级 50%):
  A, S1 at H1 (三级 by the institutions table), 600.00 in scope: 200.00 to the deductible,
  (600.00 − 200.00) × 50% = 200.00 from the fund — as recorded: a clean ledger, exit 0.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.harness.cli import main

# JSBH is the vendor's name for setl_id: the mapping file renames it.
HEADER = "JSBH,psn_no,psn_type,setl_time,med_type,fixmedins_code,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay"
S1 = "S1,A,1101,2023-01-10 10:00:00,11,H1,600.00,600.00,200.00,200.00,0.5000"


def _together(folder: Path) -> dict[str, Path]:
    """The ledger, institutions table, persons file and mapping file of one audit in one folder. The mapping
    file is YAML (JSON is YAML) named .json, a suffix a ledger file may have too."""
    folder.mkdir()
    files = {"ledger": folder / "清单.csv", "institutions": folder / "定点机构.csv",
             "persons": folder / "persons.jsonl", "map": folder / "映射.json"}
    files["ledger"].write_text(f"{HEADER}\n{S1}\n", encoding="utf-8")
    files["institutions"].write_text("fixmedins_code,facility\nH1,tertiary\n", encoding="utf-8")
    files["persons"].write_text('{"psn_no": "A", "psn_type": "1101"}\n', encoding="utf-8")
    files["map"].write_text('{"columns": {"JSBH": "setl_id"}}\n', encoding="utf-8")
    return files


def _said(path: Path, option: str, zh: str) -> str:
    return f"  注意 note: {path} is the {option} file: not read as a ledger（该文件是 {option} 所给的{zh}，不作为结算清单读取）"


def test_a_folder_holding_the_persons_file_institutions_table_and_map_audits_clean(tmp_path):
    folder = tmp_path / "2023审计"
    files = _together(folder)
    r = CliRunner().invoke(main, ["audit", str(folder), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--persons", str(files["persons"]), "--institutions", str(files["institutions"]),
                                  "--map", str(files["map"]), "--out", str(tmp_path / "report"), "--workers", "1"])
    assert r.exit_code == 0, r.output
    notes = [line for line in r.stderr.splitlines() if "not read as a ledger" in line]
    # in the folder's order (sorted names: persons.jsonl, 定点机构.csv, 映射.json), once each
    assert notes == [_said(files["persons"], "--persons", "人员信息文件"),
                     _said(files["institutions"], "--institutions", "定点机构表"),
                     _said(files["map"], "--map", "映射文件")]
    s = json.loads((tmp_path / "report" / "summary.json").read_text(encoding="utf-8"))
    assert s["ledger"] == [str(files["ledger"])]
    assert s["files"] == [{"path": str(files["ledger"]), "rows": 1, "empty": None}]  # no left-out file listed
    assert s["rows_read"] == 1 and sum(s["discrepancies_by_field"].values()) == 0


def test_a_glob_and_another_spelling_of_the_path_leave_the_files_out_too(tmp_path, monkeypatch):
    """The folder as a glob and as a folder (the same files twice: each said once), the persons file named
    through a link outside the folder and the institutions table by a relative path: resolved, they are
    the folder's files."""
    folder = tmp_path / "2023审计"
    files = _together(folder)
    link = tmp_path / "people.jsonl"
    os.symlink(files["persons"], link)
    monkeypatch.chdir(tmp_path)
    said: list[str] = []
    code, s = audit([str(folder / "*"), str(folder)], "panzhihua", "panzhihua-example", persons_file=str(link),
                    institutions_file="2023审计/定点机构.csv", mapping=(str(files["map"]),), write=False,
                    workers=1, progress=said.append)
    assert code == 0 and s["ledger"] == [str(files["ledger"])] and s["rows_read"] == 1
    notes = [line for line in said if "not read as a ledger" in line]
    assert len(notes) == 3
    assert notes[0].startswith(f"注意 note: {files['persons']} is the --persons file")
    assert notes[1].startswith(f"注意 note: {files['institutions']} is the --institutions file")


def test_a_ledger_argument_that_is_the_persons_file_is_refused_naming_both(tmp_path):
    files = _together(tmp_path / "2023审计")
    with pytest.raises(AuditInputError) as e:
        audit([str(files["ledger"]), str(files["persons"])], "panzhihua", "panzhihua-example",
              persons_file=str(files["persons"]), institutions_file=str(files["institutions"]),
              mapping=(str(files["map"]),), write=False, workers=1)
    assert e.value.file == str(files["persons"])
    assert e.value.detail == (f"given both as a ledger (LEDGER) and as --persons {files['persons']}: a file is one or the "
                              "other; leave it out of the ledger arguments")


def test_a_folder_holding_only_the_persons_file_names_it(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    persons = folder / "persons.jsonl"
    persons.write_text('{"psn_no": "A"}\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(folder)], "panzhihua", "panzhihua-example", persons_file=str(persons), write=False, workers=1)
    assert e.value.detail == ("no ledger files found (.csv, .parquet, .xlsx, .jsonl) besides "
                              f"{persons} (the --persons file)")
