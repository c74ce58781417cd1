"""`conform settle`'s streamed output after a signal or a write error (probe s28 S F1, F2): the count it says is what
the output holds, and every line it holds is whole. A signal handled right after os.write returned, before its count
was added, left the count a whole block short; a write error left half a case in the file; a signal cut a pipe's
write in the middle of a case."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conform.harness import settle_cli
from conform.harness.settle_cli import Output, OutputError

CASES = [b'{"case": %d, "pad": "%s"}\n' % (i, b"x" * (300 + i % 50)) for i in range(5000)]


def _fill(out: Output) -> None:
    for c in CASES:
        out.write(c, 1)


def _signal_after(real, after: int):
    """os.write that writes, then (from the `after`-th call on) raises SIGINT before returning its count."""
    calls = [0]

    def write(fd: int, b) -> int:
        n = real(fd, b)
        calls[0] += 1
        if calls[0] >= after:
            signal.raise_signal(signal.SIGINT)
        return n
    return write


def test_a_signal_right_after_a_write_is_counted_with_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.jsonl"
    with open(path, "wb") as f:
        out = Output(f)
        monkeypatch.setattr(settle_cli.os, "write", _signal_after(os.write, 1))
        with pytest.raises(KeyboardInterrupt):
            _fill(out)
        monkeypatch.undo()
        said = out.stop()
    data = path.read_bytes()
    assert data and data.endswith(b"\n")
    lines = data.count(b"\n")
    assert said == f"output stopped after {lines} case(s): it is incomplete"


def test_a_signal_in_the_middle_of_a_pipe_write_finishes_the_case(monkeypatch: pytest.MonkeyPatch) -> None:
    r, w = os.pipe()
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(b"".join(iter(lambda: os.read(r, 65536), b""))))
    reader.start()
    with open(w, "wb", closefd=True) as f:
        out = Output(f)
        monkeypatch.setattr(settle_cli.os, "write", _signal_after(os.write, 3))  # the third PIPE_BUF of the block
        with pytest.raises(KeyboardInterrupt):
            _fill(out)
        monkeypatch.undo()
        count = out.cases_out
    reader.join()
    os.close(r)
    assert got[0].endswith(b"\n") and got[0].count(b"\n") == count > 0


def test_a_write_error_takes_the_half_case_back_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.jsonl"
    real = os.write

    def full_disk(fd: int, b) -> int:   # takes 1000 bytes of the block, then the disk is full
        if not hasattr(full_disk, "done"):
            full_disk.done = True  # type: ignore[attr-defined]
            return real(fd, bytes(b[:1000]))
        raise OSError(errno.ENOSPC, "No space left on device")

    with open(path, "wb") as f:
        out = Output(f)
        monkeypatch.setattr(settle_cli.os, "write", full_disk)
        with pytest.raises(OutputError) as e:
            _fill(out)
        monkeypatch.undo()
    data = path.read_bytes()
    n = data.count(b"\n")
    assert data.endswith(b"\n") and 0 < len(data) < 1000 and data == b"".join(CASES[:n])
    assert f"output stopped after {n} case(s)" in str(e.value)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM to a child process")
def test_conform_settle_stopped_by_sigterm_says_what_stdout_holds(tmp_path: Path) -> None:
    case = (b'{"policy":"panzhihua","person":{"psn_no":"P%d","psn_type":"1101"},"settlements":[{"id":"V1",'
            b'"date":"2023-03-01","med_type":"11","facility":"tertiary","medfee_sumamt":"500.00"}]}\n')
    src = tmp_path / "many.jsonl"
    src.write_bytes(b"".join(case % i for i in range(60000)))
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as f:
        p = subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "settle", "--jsonl", str(src)], stdout=f,
                             stderr=subprocess.PIPE)
        while p.poll() is None and (not out.exists() or out.stat().st_size < settle_cli.HOLD_BACK + 200_000):
            threading.Event().wait(0.02)
        p.send_signal(signal.SIGTERM)
        err = p.communicate(timeout=60)[1].decode()
    data = out.read_bytes()
    lines = data.count(b"\n")
    assert p.returncode in (130, 143) and data.endswith(b"\n"), (p.returncode, err)
    assert f"output stopped after {lines} case(s)" in err
