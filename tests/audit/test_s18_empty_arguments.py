"""An argument given empty (`conform audit "$LEDGER" --persons "$PERSONS"` with a variable unset) is refused
before any work. An empty path is the current folder to every reader: `conform audit ""` audited whatever
ledger files the current folder held, `--institutions ""` read the folder as a ledger, and `--persons ""` or
`--encoding ""` were taken as not given — the audit ran without the persons file it was meant to have."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.harness.cli import main

LEDGER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
          "T1,P1,1101,2023-05-04,11,tertiary,400.00,0.00\n")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """The current folder holds a ledger, which an empty path would find."""
    (tmp_path / "ledger.csv").write_text(LEDGER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("extra, named", [
    (["", "--policy", "zhejiang"], "LEDGER argument 1"),
    (["ledger.csv", " ", "--policy", "zhejiang"], "LEDGER argument 2"),
    (["ledger.csv", "--policy", "zhejiang", "--persons", ""], "--persons"),
    (["ledger.csv", "--policy", "zhejiang", "--institutions", ""], "--institutions"),
    (["ledger.csv", "--policy", "zhejiang", "--map", "a=b", "--map", ""], "--map"),
    (["ledger.csv", "--policy", "zhejiang", "--encoding", ""], "--encoding"),
    (["ledger.csv", "--policy", "zhejiang", "--spark-master", " "], "--spark-master"),
    (["ledger.csv", "--policy", "zhejiang", "--memory-limit", ""], "--memory-limit"),
    (["ledger.csv", "--policy", "zhejiang", "--admdvs", ""], "--admdvs"),
    (["ledger.csv", "--policy", "zhejiang", "--region", ""], "--region"),
])
def test_an_empty_argument_is_refused_by_name_before_any_work(folder, extra, named):
    if "--region" not in extra:
        extra = extra + ["--region", "zhejiang-example"]
    r = CliRunner().invoke(main, ["audit", *extra, "--out", str(folder / "out")])
    assert r.exit_code == 2, r.output
    assert f"conform: error: {named}: empty value (e.g. an unset variable)" in r.output, r.output
    assert "稽核完成" not in r.output and "Traceback" not in r.output
    assert not (folder / "out").exists() and not (folder / "reports").exists()


def test_two_empty_arguments_are_named_together(folder):
    r = CliRunner().invoke(main, ["audit", "ledger.csv", "--policy", "zhejiang", "--region", "zhejiang-example",
                                  "--persons", "", "--out", ""])
    assert r.exit_code == 2 and "--persons, --out: empty value" in r.output, r.output


def test_the_same_run_with_the_arguments_filled_in_audits(folder):
    """The refusal is of the empty value only: the same command with a real --encoding runs. 400.00 at a
    tertiary hospital is under the example region's in-service deductible of 600 (二（一）), so the fund pays
    0.00, as recorded: a clean audit, exit 0."""
    r = CliRunner().invoke(main, ["audit", "ledger.csv", "--policy", "zhejiang", "--region", "zhejiang-example",
                                  "--encoding", "utf-8", "--out", str(folder / "out")])
    assert r.exit_code == 0 and "稽核完成" in r.output, r.output
    assert (folder / "out" / "summary.json").is_file()


def test_synth_ledger_out_empty_is_named(folder):
    r = CliRunner().invoke(main, ["synth-ledger", "--rows", "10", "--policy", "zhejiang", "--out", ""])
    assert r.exit_code == 2 and "--out: empty value (e.g. an unset variable); give FILE.parquet" in r.output, r.output
    assert sorted(p.name for p in folder.iterdir()) == ["ledger.csv"]
