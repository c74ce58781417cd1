"""Where `conform audit` may write its report (--out) and reports/audit-latest.

The report is built beside its folder and renamed into place. A folder that cannot be renamed (a mount
point: a Docker volume, a Kubernetes emptyDir) or whose parent the user cannot write is built inside
instead, in a hidden folder, and the files moved in with summary.json last. The mount and other-uid
tests need root on Linux (as CI runs) and skip elsewhere.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from _synth_fixtures import summary_for, write_discrepancies
from click.testing import CliRunner

import conform.audit.report as report
from conform.audit.errors import AuditInputError
from conform.audit.report import FILES, html as html_report, write_reports
from conform.harness.cli import main

REPO = Path(__file__).resolve().parents[2]
HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay,psn_part_amt")
ROWS = [{"setl_id": "S1", "psn_no": "P1", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00"}]
ROOT_LINUX = sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0
# CI (root on Linux, .ci/run installs mount and util-linux) must run these: there a missing part fails, never skips.
IN_CI = bool(os.environ.get("CI"))


def _cannot(why: str) -> None:
    if IN_CI:
        pytest.fail(f"{why} (CI must run this test)")
    pytest.skip(why)


def _ledger(folder: Path, fund: str = "250.00", part: str = "150.00") -> Path:
    """攀枝花 retiree 1201 at 二级: (400 − 150) × 65% = 162.50 by the fund; 250.00 recorded is an overpayment."""
    p = folder / "ledger.csv"
    p.write_text(f"{HEADER}\nT1,P9,1201,2023-05-04,11,secondary,400.00,0,0,0,{fund},{part}\n", encoding="utf-8")
    return p


def _audit(ledger: Path, out: Path):
    return CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                     "--out", str(out)])


def _complete(folder: Path) -> dict:
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)  # no hidden folder left behind
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


@contextlib.contextmanager
def _tmpfs(where: Path, *options: str):
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", *(("-o", ",".join(options)) if options else ()), "tmpfs", str(where)],
                       capture_output=True, text=True)
    if r.returncode:
        _cannot(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


needs_mount = pytest.mark.skipif(not IN_CI and (not ROOT_LINUX or not shutil.which("mount")),
                                 reason="mounts a tmpfs: needs root on Linux (CI runs so)")


# 1 (a): an empty mount point as --out

@needs_mount
def test_an_empty_mount_point_gets_the_report(tmp_path):
    """`docker run -v ./out:/out … --out /out`: the folder cannot be renamed (EBUSY), so the report is built
    inside it; it used to run the whole audit and then fail with 'Device or resource busy'."""
    ledger = _ledger(tmp_path)
    with _tmpfs(tmp_path / "out") as out:
        r = _audit(ledger, out)
        assert r.exit_code == 1, r.output
        assert _complete(out)["discrepancies_by_field"]["hifp_pay"] == 1
        r = _audit(_ledger(tmp_path, fund="162.50", part="237.50"), out)  # the earlier report is replaced
        assert r.exit_code == 0, r.output
        assert _complete(out)["verdict"] == "clean"
        assert "Traceback" not in r.output


@needs_mount
def test_a_read_only_mount_point_is_refused_before_any_work(tmp_path):
    ledger = _ledger(tmp_path)
    with _tmpfs(tmp_path / "out", "ro") as out:
        r = _audit(ledger, out)
        assert r.exit_code == 2, r.output
        assert f"output folder {out} cannot be written: Read-only file system" in r.output
        assert "读取并校验清单" not in r.output and "Traceback" not in r.output  # refused before reading


@needs_mount
def test_a_bind_mount_from_the_same_filesystem_is_known_as_a_mount_point(tmp_path):
    """os.path.ismount does not see a bind mount within one filesystem; /proc/self/mountinfo does."""
    (tmp_path / "src dir").mkdir()
    out = tmp_path / "out dir"  # a space: mountinfo writes it \\040
    out.mkdir()
    if subprocess.run(["mount", "--bind", str(tmp_path / "src dir"), str(out)], capture_output=True).returncode:
        _cannot("cannot bind-mount here")
    try:
        assert not os.path.ismount(out) and report._is_mount(out)
        r = _audit(_ledger(tmp_path), out)
        assert r.exit_code == 1, r.output
        _complete(out)
    finally:
        subprocess.run(["umount", "-l", str(out)], check=False)


@needs_mount
def test_a_mount_point_not_recognised_in_advance_still_gets_the_report(tmp_path, monkeypatch):
    """Should a mount point escape _is_mount, renaming it fails with EBUSY at the end: the files built
    beside it are moved in instead of the work being lost."""
    monkeypatch.setattr(report, "_is_mount", lambda path: False)
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    with _tmpfs(tmp_path / "r" / "out") as out:
        assert write_reports(out, disc, summary_for(disc)) == 1
        _complete(out)
        assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


# building inside a folder keeps the guarantee: it looks complete (summary.json) only when it is

def test_built_inside_an_interrupted_run_keeps_the_earlier_report(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "_is_mount", lambda path: Path(path) == out)
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    out = tmp_path / "out"
    out.mkdir()
    assert write_reports(out, disc, summary_for(disc)) == 1
    before = {n: (out / n).read_bytes() for n in FILES}

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(html_report, "render", boom)
    with pytest.raises(KeyboardInterrupt):
        write_reports(out, write_discrepancies(tmp_path / "e.parquet", []), summary_for(disc))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing half-built left inside


def test_built_inside_a_failure_while_moving_the_files_in_leaves_no_summary(tmp_path, monkeypatch):
    """summary.json marks a complete report: the earlier one's goes first and the new one's last, so a
    folder with some new files and some old is never taken for a report."""
    monkeypatch.setattr(report, "_is_mount", lambda path: Path(path) == out)
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    out = tmp_path / "out"
    out.mkdir()
    write_reports(out, disc, summary_for(disc))
    real, moved = os.replace, []

    def replace(src, dst):
        if Path(dst).parent != out:
            return real(src, dst)
        if len(moved) == 2:
            raise OSError(errno.EIO, "Input/output error", str(dst))
        moved.append(dst)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(AuditInputError, match=f"cannot write the report to output folder {out}: Input/output error"):
        write_reports(out, disc, summary_for(disc))
    assert "summary.json" not in {p.name for p in out.iterdir()}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_hidden_folder_left_by_a_killed_run_is_not_taken_for_a_users_file(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "_is_mount", lambda path: Path(path) == out)
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / f".conform-audit.{dead.pid}.tmp").mkdir()
    (out / f".conform-audit.{dead.pid}.tmp" / "audit.html").write_text("half", encoding="utf-8")
    assert write_reports(out, disc, summary_for(disc)) == 1
    _complete(out)


# 1 (b): an existing folder of the user's in a parent the user cannot write

def _as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(cwd), "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(cwd)}
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                           "import sys; from conform.harness.cli import main; sys.argv[0] = 'conform'; main()", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not IN_CI and (not ROOT_LINUX or not shutil.which("setpriv")), reason="runs as another uid: needs root and setpriv")
def test_a_writable_folder_in_a_parent_that_is_not_writable_gets_the_report():
    base = Path(tempfile.mkdtemp(prefix="conform-out-folder-"))
    try:
        os.chmod(base, 0o755)  # root's: nobody cannot make a sibling here
        home, out = base / "home", base / "out"
        for d in (home, out):
            d.mkdir()
            os.chown(d, 65534, 65534)
        ledger = _ledger(base)
        r = _as_nobody("audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                       "--out", str(out), cwd=home)
        assert r.returncode == 1, r.stderr
        assert _complete(out)["discrepancies_by_field"]["hifp_pay"] == 1
        assert sorted(p.name for p in base.iterdir()) == ["home", "ledger.csv", "out"]
        # a folder it cannot write either is refused before any work, naming it
        os.chown(out, 0, 0)
        r = _as_nobody("audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                       "--out", str(out), cwd=home)
        assert r.returncode == 2, r.stderr
        assert f"output folder {out} cannot be written: Permission denied" in r.stderr
        assert "读取并校验清单" not in r.stderr and "Traceback" not in r.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


# 2: reports/audit-latest

def test_an_audit_latest_that_is_a_real_folder_is_left_with_a_warning(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    mine = Path("reports") / "audit-latest"
    mine.mkdir(parents=True)
    (mine / "summary.json").write_text("stale", encoding="utf-8")
    run = report.default_out_dir()
    assert write_reports(run, disc, summary_for(disc)) == 1
    err = capsys.readouterr().err
    assert f"conform: warning: {mine} is a folder, not the link to the latest report this tool keeps" in err
    assert "left as it is" in err and f"this run's report is in {run}" in err
    assert not mine.is_symlink() and (mine / "summary.json").read_text(encoding="utf-8") == "stale"
    _complete(run)


def test_an_audit_latest_that_cannot_be_updated_is_told(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)

    def refused(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(report, "point_latest", refused)
    run = report.default_out_dir()
    assert write_reports(run, disc, summary_for(disc)) == 1
    err = capsys.readouterr().err
    assert "conform: warning: reports/audit-latest could not be pointed at this run's report (Permission denied)" in err
    assert f"this run's report is in {run}" in err
    _complete(run)


# 3: --out a symbolic link

def test_a_symbolic_link_as_out_is_named_as_one_with_what_to_give(tmp_path):
    ledger = _ledger(tmp_path)
    target = tmp_path / "real"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    r = _audit(ledger, link)
    assert r.exit_code == 2, r.output
    assert f"output folder {link} is a symbolic link (to {target})" in r.output
    assert f"give the folder it points to (--out {target.resolve()}) or a new path" in r.output
    assert "读取并校验清单" not in r.output and "Traceback" not in r.output
    assert list(target.iterdir()) == [] and link.is_symlink()
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    r = _audit(ledger, dangling)
    assert r.exit_code == 2 and f"output folder {dangling} is a symbolic link" in r.output, r.output


@pytest.mark.parametrize("given, said", [
    (".", "the current folder or one above it"), ("..", "the current folder or one above it"),
    ("", "--out: empty value"), ("  ", "--out: empty value")])
def test_out_as_the_current_folder_or_empty_is_refused_before_any_work(tmp_path, monkeypatch, given, said):
    """`--out .` was exit 3 after the whole audit (no name to build beside); swapped into place whole, the
    report would have pulled the folder from under the user's shell. `--out ""` (an unset $OUT) is no folder."""
    from click.testing import CliRunner

    from conform.harness.cli import main

    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "T1,P1,1101,2023-05-04,11,tertiary,400.00,0.00\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
                                  "--out", given])
    assert r.exit_code == 2 and said in r.output and not list(out.iterdir()), r.output


def test_out_through_a_link_and_up_goes_where_the_system_resolves_it(tmp_path, monkeypatch):
    """lnk/../new is where mkdir would put it: beside the link's target, not beside the link."""
    from click.testing import CliRunner

    from conform.harness.cli import main

    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "T1,P1,1101,2023-05-04,11,tertiary,400.00,0.00\n", encoding="utf-8")
    (tmp_path / "real" / "x").mkdir(parents=True)
    (tmp_path / "lnk").symlink_to(tmp_path / "real" / "x")
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
                                  "--out", "lnk/../new"])
    assert r.exit_code == 0 and (tmp_path / "real" / "new" / "summary.json").is_file(), r.output
