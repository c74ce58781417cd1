"""s21 probe S: the report folder and junit.xml say what this run found, and only that.

1. two `conform run` without --out in the same second get a folder each (reserved as the run starts);
2. a report file that cannot be written: refused before anything runs when it can be known (a folder in its
   place), else exit 4 with the other reports written and the console never saying exit 0;
3. an earlier run's reports in --out are removed once a run starts there (not by a usage error);
4. an incomplete run's junit.xml has an erring testcase saying so;
5. a known failure under --baseline (exit 0) is a <skipped> testcase, not a <failure>;
6. junit.xml escapes the bidi and invisible characters as report.html and report.xlsx do;
7. a symbolic link as --out is refused;
9. a refused --article prints no progress line first; the testsuites' time is the run's wall time.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from report_samples import sample_run
from test_report_gate import StopAfter

from conform import display
from conform.harness import run as run_mod
from conform.harness.cli import main as cli
from conform.harness.report import junit, model, write_reports

XSD = Path(__file__).resolve().parent.parent / "docs" / "junit-10.xsd"
FIVE = {"report.html", "report.xlsx", "junit.xml", "results.json", "manifest.sha256"}
SMALL = ("--article", "beijing-3", "--examples", "1")  # 23 checks, a few seconds


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(XSD)


def invoke(*args: str):
    result = CliRunner().invoke(cli, ["run", "--no-progress", *args])
    assert "Traceback" not in result.output, result.output
    return result


def earlier_reports(folder: Path) -> dict[str, bytes]:
    """A complete report set of an earlier (conformant) run in `folder`, and a file of the user's beside it."""
    run = sample_run(hostile=False)
    run.checks = [c for c in run.checks if c.status == "passed"]
    write_reports(run, folder, gate={"exit_code": 0, "reason": "earlier"})
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / "keep").mkdir()
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# ---------------------------------------------------------------- 1. one folder per run


class _FrozenClock(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return dt.datetime(2026, 12, 5, 0, 0, 0, tzinfo=dt.timezone.utc)


def test_two_runs_in_the_same_second_never_share_a_report_folder(tmp_path, monkeypatch):
    """Run B starts, runs and writes its reports while run A, started in the same second, is between its checks
    and its reports (as two CI jobs sharing a workspace): each keeps a folder and a verdict of its own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_mod, "dt", types.SimpleNamespace(datetime=_FrozenClock, timezone=dt.timezone))
    from conform.harness import report

    real = report.write_reports
    calls: list[str] = []

    def write_with_a_second_run_meanwhile(run, target, *a, **kw):
        calls.append(str(target))
        if len(calls) == 1:  # run A's reports: run B, in the same second, goes first
            b = invoke(*SMALL, "--tag", "not conform_property")
            assert b.exit_code == 0, b.output
        return real(run, target, *a, **kw)

    monkeypatch.setattr(report, "write_reports", write_with_a_second_run_meanwhile)
    a = invoke(*SMALL)
    assert a.exit_code == 0, a.output
    folders = sorted(p for p in (tmp_path / "reports").iterdir() if p.name != "latest")
    assert [p.name for p in folders] == ["20261205T000000Z-reference", "20261205T000000Z-reference-2"]
    tags = []
    for folder in folders:
        assert {p.name for p in folder.iterdir()} == FIVE
        data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert data["run"]["run_id"] == folder.name
        tags.append(data["run"]["selection"]["tag"])
    assert sorted(tags, key=str) == sorted([None, "not conform_property"], key=str)  # A's and B's, one each


def test_the_run_folder_is_reserved_exclusively(tmp_path):
    first = run_mod._reserve_run_dir(tmp_path, "http://127.0.0.1:8080/")
    second = run_mod._reserve_run_dir(tmp_path, "http://127.0.0.1:8080/")
    assert first != second and first.is_dir() and second.is_dir()
    assert second.name.startswith(first.name)


def test_a_run_refused_after_it_started_leaves_no_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("--article", "no-such-article")
    assert result.exit_code == 2, result.output
    assert [p.name for p in (tmp_path / "reports").iterdir()] == []


# ---------------------------------------------------------------- 2. a report that cannot be written


def test_a_folder_where_a_report_goes_is_refused_before_anything_runs(tmp_path):
    out = tmp_path / "ci-report"
    (out / "junit.xml").mkdir(parents=True)
    result = invoke(*SMALL, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "junit.xml is a folder" in result.output
    assert "Exit code" not in result.output and "合格" not in result.output  # nothing ran, nothing judged
    assert [p.name for p in out.iterdir()] == ["junit.xml"]


def test_a_report_the_system_refuses_after_the_checks_exits_4_with_the_others_written(tmp_path, monkeypatch):
    from conform.harness.report import junit as junit_mod

    def disk_says_no(data, path):
        raise IsADirectoryError(21, "Is a directory", str(path))

    monkeypatch.setattr(junit_mod, "write", disk_says_no)
    out = tmp_path / "ci-report"
    result = invoke(*SMALL, "--out", str(out))
    assert result.exit_code == 4, result.output
    assert {p.name for p in out.iterdir()} == FIVE - {"junit.xml"}
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert list(data["reports_not_written"]) == ["junit"] and "IsADirectoryError" in data["reports_not_written"]["junit"]
    assert data["gate"]["exit_code"] == 4 and "the checks' own gate: 0" in data["gate"]["reason"]
    assert "Exit code 4" in result.output and "Exit code 0" not in result.output
    assert "results.json" in (out / "manifest.sha256").read_text(encoding="utf-8")


def test_a_manifest_the_system_refuses_is_named_in_results_json(tmp_path, monkeypatch):
    from conform import atomic

    real = atomic.write_text

    def no_manifest(target, text):
        if Path(target).name == "manifest.sha256":
            raise PermissionError(13, "Permission denied", str(target))
        return real(target, text)

    monkeypatch.setattr(atomic, "write_text", no_manifest)
    from conform.harness.report import ReportsNotWritten

    with pytest.raises(ReportsNotWritten) as e:
        write_reports(sample_run(), tmp_path, gate={"exit_code": 1, "reason": "r"}, keep_going=True)
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert list(data["reports_not_written"]) == ["manifest"] and data["gate"]["exit_code"] == 4
    assert "manifest.sha256: PermissionError" in str(e.value)


# ---------------------------------------------------------------- 3. no earlier report passes for this run's


def test_a_run_into_out_removes_the_earlier_runs_reports_and_nothing_else(tmp_path):
    out = tmp_path / "ci-report"
    out.mkdir()
    before = earlier_reports(out)
    assert FIVE <= set(before)
    result = invoke(*SMALL, "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"results.json", "manifest.sha256", "notes.txt", "keep"}
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "manifest.sha256").read_text(encoding="utf-8").split()[1::2] == ["results.json"]


@pytest.mark.parametrize("where", ["execute", "arguments"])
def test_a_run_stopped_at_start_up_leaves_no_earlier_report_in_out(tmp_path, monkeypatch, where):
    # stopped as the checks start (execute_detailed), or while conform checks its arguments (make_adapter)
    out = tmp_path / "ci-report"
    out.mkdir()
    earlier_reports(out)
    from conform.harness import adapters

    def stopped(*a, **kw):
        raise KeyboardInterrupt

    if where == "execute":
        monkeypatch.setattr(run_mod, "execute_detailed", stopped)
    else:
        monkeypatch.setattr(adapters, "make_adapter", stopped)
    result = invoke(*SMALL, "--out", str(out))
    assert result.exit_code == 130, result.output
    assert {p.name for p in out.iterdir()} == {"notes.txt", "keep"}


@pytest.mark.parametrize("args", [("--policy", "nowhere"), ("--article", "no-such-article"), ("--tag", "a and")])
def test_a_usage_error_removes_nothing(tmp_path, args):
    out = tmp_path / "ci-report"
    out.mkdir()
    before = earlier_reports(out)
    result = invoke("--examples", "1", *args, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


# ---------------------------------------------------------------- 4. an incomplete run's junit.xml


def _incomplete_run():
    run = sample_run(hostile=False)
    run.checks = [c for c in run.checks if c.status == "passed"]
    run.planned, run.incomplete = 862, True
    run.notes.append("未完成 incomplete run (interrupted): 1 of 862 checks finished")
    return run


def test_an_incomplete_runs_junit_errs_naming_why_and_how_many_did_not_run(tmp_path, schema):
    written = write_reports(_incomplete_run(), tmp_path, ("junit",), gate={"exit_code": 1, "reason": "运行未完成"})
    schema.validate(str(written["junit"]))
    root = ET.parse(written["junit"]).getroot()
    assert root.get("tests") == "2" and root.get("errors") == "1" and root.get("failures") == "0"
    errors = root.findall(".//testcase/error")
    assert len(errors) == 1 and errors[0].get("type") == "incomplete-run"
    assert "1 of 862 checks finished, 861 not run" in errors[0].get("message")
    assert "interrupted" in errors[0].text


def test_an_unreachable_runs_junit_says_so(tmp_path, schema):
    run = _incomplete_run()
    run.unreachable = "5 consecutive connection failures"
    written = write_reports(run, tmp_path, ("junit",))
    schema.validate(str(written["junit"]))
    error = ET.parse(written["junit"]).getroot().find(".//testcase/error[@type='incomplete-run']")
    assert "unreachable" in error.get("message")


def test_a_complete_runs_junit_has_no_such_testcase(tmp_path):
    run = sample_run(hostile=False)
    written = write_reports(run, tmp_path, ("junit",))
    root = ET.parse(written["junit"]).getroot()
    assert root.find(".//error[@type='incomplete-run']") is None
    assert int(root.get("tests")) == len(run.checks)


# ---------------------------------------------------------------- 5. known failures under --baseline


def test_a_known_failure_is_skipped_in_junit_its_text_kept(tmp_path, schema):
    run = sample_run(hostile=False)
    run.baseline = {"file": "base.json", "run_id": "r0", "known": ["t.py::test_fail", "t.py::test_error"],
                    "regressions": ["t.py::test_prop"], "fixed": []}
    written = write_reports(run, tmp_path, ("junit",))
    schema.validate(str(written["junit"]))
    root = ET.parse(written["junit"]).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    known = cases["三级医院比例错误"]
    assert known.find("failure") is None and known.find("error") is None
    skipped = known.find("skipped")
    assert skipped.get("message").startswith("[已知失败 known failure] ")
    assert "应为 400.00，实际 480.00" in skipped.get("message") and "hifp_pay" in skipped.text
    assert cases["系统出错"].find("error") is None and cases["系统出错"].find("skipped") is not None
    # the regression still fails, and the counts are of what the file holds
    assert cases["年度统筹支付不超过最高支付限额"].find("failure").get("message").startswith("[新增失败 regression]")
    assert root.get("failures") == "1" and root.get("errors") == "0"
    suite = root.find("testsuite")
    assert suite.get("failures") == "1" and suite.get("errors") == "0" and suite.get("skipped") == "3"


# ---------------------------------------------------------------- 6. bidi and invisible characters


def test_junit_escapes_what_report_html_escapes(tmp_path, schema):
    run = sample_run(hostile=False)
    hostile = "rtl:\u202eevil\u202c bom:\ufeff nel:\x85 zw:\u200b ctl:\x01"
    for c in run.checks:
        if c.status in ("failed", "error"):
            c.message = f"err_msg {hostile}"
    run.checks[0].name = "名称\u202e"
    written = write_reports(run, tmp_path, ("junit", "html"))
    text = written["junit"].read_text(encoding="utf-8")
    for ch in ("\u202e", "\u202c", "\ufeff", "\x85", "\u200b"):
        assert ch not in text, repr(ch)
    assert "rtl:\\u202eevil\\u202c bom:\\ufeff nel:\\x85 zw:\\u200b ctl:\ufffd" in text
    assert "名称\\u202e" in text
    assert "\\u202e" in written["html"].read_text(encoding="utf-8")
    schema.validate(str(written["junit"]))
    assert junit.clean("a\x01\ud800b") == display.xml_safe("a\x01\ud800b")  # what XML cannot hold: U+FFFD, as before


# ---------------------------------------------------------------- 7. a symbolic link as --out


def test_a_symbolic_link_as_out_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    archived = tmp_path / "reports" / "20260101T000000Z-reference"
    archived.mkdir(parents=True)
    before = earlier_reports(archived)
    os.symlink(archived.name, tmp_path / "reports" / "latest")
    result = invoke(*SMALL, "--out", "reports/latest")
    assert result.exit_code == 2, result.output
    assert "symbolic link" in result.output and str(archived) in result.output
    assert {p.name: p.read_bytes() for p in archived.iterdir() if p.is_file()} == before


# ---------------------------------------------------------------- 9. minor


def test_a_refused_article_prints_no_progress_line_first(tmp_path):
    result = invoke("--article", "no-such-article", "--out", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert result.output.startswith("conform: error: Unknown marker"), result.output
    assert "进度 progress" not in result.output


def test_junit_time_of_the_run_is_its_wall_time():
    run = sample_run(hostile=False)
    run.started, run.finished = "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:10+00:00"
    for c in run.checks:
        c.duration = 8.0  # two workers: 40 s of checks in 10 s
    root = ET.fromstring(junit.render(model.build(run)))
    assert root.get("time") == "10.000"
    assert root.find("testsuite").get("time") == "40.000"


def test_junit_time_falls_back_to_the_checks_sum(tmp_path):
    run = sample_run(hostile=False)
    run.started, run.finished = "2024-01-01T00:00:10+00:00", ""
    for c in run.checks:
        c.duration = 1.5
    root = ET.fromstring(junit.render(model.build(run)))
    assert root.get("time") == f"{1.5 * len(run.checks):.3f}"


def test_an_interrupted_runs_junit_lists_every_check_that_did_not_run(tmp_path, schema):
    """The checks that did not run are skipped testcases named as they are when they run (scenarios with their example
    row, properties by title and document), beside the erring 运行未完成 testcase: the JUnit holds every planned check."""
    ex = run_mod.execute_detailed(policies=("beijing",), plugins=(StopAfter(3),))
    run = ex.run
    assert ex.interrupted and run.incomplete and len(run.checks) == 3
    written = write_reports(run, tmp_path, ("junit", "json"), gate={"exit_code": 1, "reason": "运行未完成"})
    schema.validate(str(written["junit"]))
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    not_run = data["run"]["not_run"]
    assert len(not_run) == run.planned - 3 and not {n["nodeid"] for n in not_run} & {c.nodeid for c in run.checks}
    root = ET.parse(written["junit"]).getroot()
    assert int(root.get("tests")) == run.planned + 1
    skipped = [c for c in root.iter("testcase") if (c.find("skipped") is not None
                                                    and c.find("skipped").get("message").startswith("未运行 not run"))]
    assert len(skipped) == run.planned - 3
    names = {c.get("name") for c in skipped}
    assert any(n.endswith("〔beijing〕") for n in names)  # a property, as properties/runner.py names it
    suite = next(s for s in root if s.get("package") == "beijing")
    assert int(suite.get("tests")) == run.planned and int(suite.get("skipped")) >= run.planned - 3


def test_a_complete_run_lists_nothing_as_not_run(tmp_path):
    ex = run_mod.execute_detailed(articles=("beijing-3",), tag="not conform_property")
    assert not ex.run.incomplete and ex.run.planned_checks
    data = model.build(ex.run)
    assert data["run"]["not_run"] == []


def test_a_concurrent_runs_planned_checks_are_merged_in_collection_order():
    from conform.harness.results import RunResult
    from conform.harness.shards import merge

    def part(names):
        r = RunResult(planned=len(names), planned_checks=[{"nodeid": n, "name": n} for n in names])
        return {"run": r.to_dict(), "order": {"a": 0, "b": 1, "c": 2, "d": 3}, "pytest_code": 0, "usage_error": None,
                "collect_errors": [], "interrupted": False}

    ex = merge([part(["b", "d"]), part(["a", "c"])])
    assert [p["nodeid"] for p in ex.run.planned_checks] == ["a", "b", "c", "d"]
