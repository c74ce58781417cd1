"""A concurrent run (`concurrency` > 1) shows its progress like a run in one process: the parent reads
what its workers report and prints one heartbeat (or one bar) for the whole run. A reviewer following
docs/ci.md's own GitHub Actions example (concurrency = 4, --no-progress) saw 0 bytes on stderr over a
run of 197 checks: execute_sharded had no progress at all."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from sample_server import SampleServer

from conform.harness.progress import Progress

ROOT = Path(__file__).resolve().parent.parent
BEAT = re.compile(r"conform 进度 progress (\d+)/(\d+) .*通过 passed (\d+) · 失败 failed (\d+) · 错误 errors (\d+)"
                  r" · 已用 elapsed [\d:]+ · 预计剩余 left (\S+)")


def test_a_concurrent_run_without_a_terminal_prints_heartbeats(tmp_path):
    with SampleServer(latency_ms=20) as server:  # a few seconds' run: the parent reads its workers once a second
        cfg = tmp_path / "conform.toml"
        cfg.write_text(f'[adapter]\nurl = "{server.url}"\ntimeout = 10\nconcurrency = 2\n', encoding="utf-8")
        env = {**os.environ, "CONFORM_HEARTBEAT_CHECKS": "10", "CONFORM_HEARTBEAT_SECONDS": "600"}
        proc = subprocess.run([sys.executable, "-c", "from conform.harness.cli import main; main()", "run",
                               "--config", str(cfg), "--article", "nanchang-4.2.1", "--tag", "not conform_property",
                               "--out", str(tmp_path / "out"), "--format", "json", "--no-progress"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["run"]["adapter"]["workers"] == 2
    total = len(data["checks"])
    beats = [BEAT.search(line) for line in proc.stderr.splitlines() if "conform 进度" in line]
    # at least one beat while the run goes and the last (a quiet machine runs these checks in two seconds)
    assert all(beats) and len(beats) >= 2 and int(beats[0][1]) < int(beats[-1][1]), proc.stderr[-2000:]
    done = [int(b[1]) for b in beats]
    assert done == sorted(done) and done[-1] == total > 20
    assert {int(b[2]) for b in beats} == {total}  # the whole run's total, not one worker's
    assert int(beats[-1][3]) == total and beats[-1][6] == "0:00"


def _state(path: Path, **kw) -> None:
    base = {"total": 10, "done": 0, "passed": 0, "failed": 0, "errors": 0, "current": "", "since": None,
            "examples": None, "left": 5.0, "exact": True, "at": time.time(), "finished": False}
    base.update(kw)
    path.write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")


def test_a_stalled_worker_does_not_stall_the_heartbeat(tmp_path, capsys):
    """One worker stuck in a check (its file no longer changes), one not even reporting: the parent's
    timer still beats, sums what is known and names the stuck check with how long it has run."""
    a, b = tmp_path / "0.progress.json", tmp_path / "1.progress.json"
    _state(a, done=4, passed=3, failed=1, current="攀枝花 第七条 卡住的场景", since=time.time() - 400)
    ticker = Progress(sys.stderr, "heartbeat", seconds=0.2)
    ticker.follow([a, b], lambda i: True)
    time.sleep(1.2)
    ticker.stop()
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "conform 进度" in ln]
    assert len(lines) >= 3, lines
    assert all(ln.startswith("conform 进度 progress 4/10 (40%) · 通过 passed 3 · 失败 failed 1") for ln in lines[:-1])
    assert "当前 current: 攀枝花 第七条 卡住的场景（已运行 running 6:4" in lines[1]
    # worker 1 has said nothing: worker 0's part is only a lower bound of the time left
    assert "预计剩余 left 至少 at least ~0:0" in lines[1]


def test_the_parent_sums_its_workers_and_ends_on_the_merged_run(tmp_path, capsys):
    from conform.harness.results import CheckResult, RunResult

    a, b = tmp_path / "0.progress.json", tmp_path / "1.progress.json"
    _state(a, total=6, done=6, passed=6, left=0.0, finished=True)
    _state(b, total=5, done=2, passed=1, errors=1, left=30.0, current="南昌 四（二）1 某场景", since=time.time())
    ticker = Progress(sys.stderr, "heartbeat", seconds=600, checks=1)
    ticker.follow([a, b], lambda i: True)
    deadline = time.monotonic() + 10
    while ticker.done != 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    line = ticker.line()
    assert line.startswith("conform 进度 progress 8/11 (72%) · 通过 passed 7 · 失败 failed 0 · 错误 errors 1")
    assert "预计剩余 left 约 ~0:30" in line or "预计剩余 left 约 ~0:29" in line
    assert line.endswith("当前 current: 南昌 四（二）1 某场景")
    run = RunResult(checks=[CheckResult(nodeid=f"n{i}", kind="scenario", name="x", policy=None, articles=[],
                                        status="passed") for i in range(11)])
    run.planned = 11
    ticker.finish(run)
    last = [ln for ln in capsys.readouterr().err.splitlines() if "conform 进度" in ln][-1]
    assert last.startswith("conform 进度 progress 11/11 (100%) · 通过 passed 11") and "left 0:00" in last
    assert not [t for t in threading.enumerate() if t.name in ("conform-heartbeat", "conform-follow")]


def test_a_worker_writes_its_state_for_the_parent(tmp_path):
    from conform.harness.run import execute_detailed

    module = tmp_path / "test_three.py"
    module.write_text("import pytest\n\npytestmark = pytest.mark.conform_property\n\n"  # counted as checks
                      "def test_a():\n    pass\n\ndef test_b():\n    assert False\n\ndef test_c():\n    pass\n",
                      encoding="utf-8")
    state = tmp_path / "0.progress.json"
    execute_detailed(paths=(module,), plugins=(Progress(mode="file", state=state),))
    data = json.loads(state.read_text(encoding="utf-8"))
    assert (data["total"], data["done"], data["passed"], data["failed"], data["finished"]) == (3, 3, 2, 1, True)
    assert data["left"] == 0 and data["current"] == ""
