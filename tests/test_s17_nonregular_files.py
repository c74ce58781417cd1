"""Files that exist but are not regular files: a pipe (`--config <(envsubst < conform.toml.in)`, to keep a
key off disk) is read, once and bounded, and used for the whole run; a device (/dev/zero) is refused as
"not a regular file", never read (reading it never ends) and never called missing. The pytest plugin's
--conform-config /dev/zero ends with exit 2 and the one error line (it was read unbounded: OOM)."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

from click.testing import CliRunner

from conform.harness.cli import main
from conform.harness.report.certify import system_identity

ROOT = Path(__file__).resolve().parent.parent
CONFIG = '[system]\nname = "HIS-pipe"\nversion = "7.1"\n[adapter]\ntimeout = 5\n'


def _through_a_pipe(text: str) -> tuple[int, threading.Thread]:
    """The read end of a pipe a thread writes `text` into (as bash's <(…) gives /dev/fd/N)."""
    r, w = os.pipe()

    def write():
        with os.fdopen(w, "w") as f:
            f.write(text)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return r, t


def test_conform_run_reads_a_config_given_as_a_pipe(tmp_path):
    r, t = _through_a_pipe(CONFIG + 'name = "reference"\n')  # a file must name the system (probe s29 U2 F5)
    try:
        proc = subprocess.run([sys.executable, "-m", "conform.harness.cli", "run", "--config", f"/dev/fd/{r}",
                               "--article", "panzhihua-7", "--tag", "not conform_property", "--format", "json",
                               "--out", str(tmp_path / "out"), "--no-progress"],
                              cwd=ROOT, pass_fds=(r,), capture_output=True, text=True, timeout=300)
    finally:
        os.close(r)
        t.join(5)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:])
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    # the [system] table read again for the certification record: from the kept copy, not the drained pipe
    assert "HIS-pipe" in json.dumps(results, ensure_ascii=False)


def test_a_device_is_refused_as_not_a_regular_file(tmp_path):
    cfg = tmp_path / "ca.toml"
    cfg.write_text('[adapter]\nurl = "https://127.0.0.1:9/"\nca_file = "/dev/zero"\n', encoding="utf-8")
    for args, said in ((["--config", "/dev/zero"], "/dev/zero: not a regular file (a device)"),
                       (["--baseline", "/dev/zero"], "/dev/zero: not a regular file (a device)"),
                       (["--config", str(cfg)], "key adapter.ca_file: /dev/zero: not a regular file (a device)")):
        r = CliRunner().invoke(main, ["run", *args, "--article", "panzhihua-7", "--no-progress",
                                      "--out", str(tmp_path / "out")])
        assert r.exit_code == 2, r.output
        assert said in r.output and "no such" not in r.output and "Traceback" not in r.output, r.output


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # without the fix: MemoryError, not the OOM killer


def test_the_certification_record_never_reads_a_device():
    assert system_identity(None) == {}  # (imported here too: the call below runs in a process of its own)
    code = "from conform.harness.report.certify import system_identity as s; print(s('/dev/zero'))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                         preexec_fn=_limit_memory)
    assert run.returncode == 0 and run.stdout.strip() == "{}", run.stderr[-2000:]


def test_the_pytest_plugin_refuses_a_device_config_with_exit_2(tmp_path):
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--conform-adapter",
                          "http://127.0.0.1:9/", "--conform-config", "/dev/zero", "-m", "panzhihua-7"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120, preexec_fn=_limit_memory)
    said = run.stdout + run.stderr
    assert run.returncode == 2, said[-3000:]
    assert "conform: error: /dev/zero: not a regular file (a device)" in said, said[-3000:]
    assert "Traceback" not in said and "MemoryError" not in said and "no such" not in said, said[-3000:]


def test_the_pytest_plugin_reads_a_config_given_as_a_pipe(tmp_path):
    r, t = _through_a_pipe(CONFIG + 'url = "http://127.0.0.1:9/"\nconsecutive_failures = 1\n')
    try:
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--conform-adapter",
                              "http://127.0.0.1:9/", "--conform-config", f"/dev/fd/{r}", "-m", "panzhihua-7",
                              "--conform-report", str(tmp_path / "rep")],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300, pass_fds=(r,))
    finally:
        os.close(r)
        t.join(5)
    said = run.stdout + run.stderr
    assert "no such" not in said and "not a regular file" not in said, said[-3000:]
    assert run.returncode == 3, said[-3000:]  # read, used: the system on port 9 is unreachable
    assert "HIS-pipe" in (tmp_path / "rep" / "results.json").read_text(encoding="utf-8")
