"""A python: plugin runs in a process of its own (conform/harness/adapters/plugin_process.py): nothing it
does can end or fool `conform run`.

In conform's own process a plugin could end the run with its own status and no report (os._exit(0): exit
0, read as conformant), outlast `[adapter] timeout` where the alarm could not reach it (blocked in C, the
alarm reset), turn a timeout into its own exception (alarm swallowed, then raised), and pass its own
KeyboardInterrupt off as the user's Ctrl-C. Each test runs one of tests/s6_hostile_plugins.py's plugins
the way `conform run` runs it; each fails with the plugin in conform's process (before the change).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import s6_hostile_plugins as hostile
from conform.harness.adapters import plugin_process
from conform.harness.run import execute, exit_code

# Off Linux a plugin runs in conform's process (plugin_process.AVAILABLE): these do not hold there. Never
# skipped in CI, which runs on Linux.
pytestmark = pytest.mark.skipif(not os.environ.get("CI") and not plugin_process.AVAILABLE,
                                reason="plugins are contained on Linux only")

TESTS = str(Path(__file__).resolve().parent)
# one scenario that prepares a person and settles one visit (攀枝花 第七条)
ONE = {"articles": ("panzhihua-7",), "tag": "not conform_property", "extra_args": ("-k", "跨过起付线")}


def config(tmp_path: Path, **keys: object) -> str:
    path = tmp_path / "conform.toml"
    path.write_text("[adapter]\n" + "".join(f"{k} = {v!r}\n" for k, v in keys.items()), encoding="utf-8")
    return str(path)


def one_check(tmp_path: Path, plugin: str, **keys: object):
    run, code = execute(adapter=f"python:s6_hostile_plugins:{plugin}", config=config(tmp_path, **keys), **ONE)
    assert len(run.checks) == 1, [c.name for c in run.checks]
    return run, code, run.checks[0]


def conform_run(args: list[str], cwd: Path, **popen: object) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": TESTS + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.update(popen.pop("env", {}))  # type: ignore[arg-type]
    return subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "run", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has ended
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone_within(pid: int, seconds: float) -> bool:
    until = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > until:
            return False
        time.sleep(0.05)
    return True


# ---------------------------------------------------------------------------- gap 1: the plugin's process ends
def test_a_plugin_ending_its_process_during_a_call_is_exit_3_with_every_check_reported(tmp_path):
    out = tmp_path / "out"
    proc = conform_run(["--adapter", "python:s6_hostile_plugins:ExitsInSettle", "--article", "panzhihua-7",
                        "--tag", "not conform_property", "--out", str(out), "--no-progress"], tmp_path)
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 3, (stdout[-2000:], stderr[-2000:])   # not 0: nothing was certified
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["gate"]["exit_code"] == 3 and data["verdict"] != "合格"
    checks = data["checks"]
    assert len(checks) == data["run"]["planned"] > 1    # each check after the first was run and kept too
    errors = [c for c in checks if c["status"] == "error"]
    assert errors and all("插件抛出异常" in c["message"] for c in errors)   # plugin_exception, as the report says it
    said = ("settle: the plugin s6_hostile_plugins.ExitsInSettle's process exited with status 0 during settle, "
            "giving no answer")
    assert said in errors[0]["message"]
    assert said in " ".join(stdout.split())             # the terminal's failures say it as well (lines wrap)


def test_a_segfault_in_a_plugin_is_its_error_naming_the_signal_and_keeping_its_last_output(tmp_path):
    run, code, check = one_check(tmp_path, "CrashesInSettle")
    assert check.status == "error" and exit_code(run, code) == 3
    assert ("settle: the plugin s6_hostile_plugins.CrashesInSettle's process was killed by signal 11 (SIGSEGV) "
            "during settle") in check.message
    (entry,) = [e for e in check.evidence if e["operation"] == "settle"]
    assert entry["response"]["error"].startswith("plugin_exception: settle:")
    assert "Segmentation fault" in entry["response"]["output"]   # faulthandler's report, from the plugin's process


# ---------------------------------------------------------------------------- gaps 2, 3: the timeout by the clock
@pytest.mark.parametrize("plugin", ["MasksTheAlarm", "ResetsTheAlarm"])
def test_a_call_no_alarm_reaches_is_a_timeout_at_the_configured_seconds(tmp_path, plugin):
    run, code, check = one_check(tmp_path, plugin, timeout=0.5)
    assert check.status == "error" and exit_code(run, code) == 3, check.message
    assert "(timeout): settle: no answer within 0.5 s" in check.message
    assert check.duration < hostile.BLOCKED_SECONDS / 2   # not the plugin's 8 s: it was stopped at 0.5 s


def test_a_plugin_swallowing_the_alarm_then_raising_its_own_error_is_a_timeout(tmp_path):
    run, code, check = one_check(tmp_path, "SwallowsThenRaises", timeout=0.5)
    assert check.status == "error", check.message
    assert "(timeout): settle: no answer within 0.5 s" in check.message
    assert "plugin_exception" not in check.message and "gave up" not in check.message
    assert check.duration < hostile.SWALLOW_SECONDS


def test_after_a_timeout_the_next_call_starts_the_plugin_afresh():
    from conform.harness import evidence
    from conform.harness.adapters import SutError, Subject, make_adapter
    from conform.harness.config import AdapterConfig
    from conform.reference.case import parse_person, parse_settlement

    person = parse_person({"psn_no": "S6C0001", "psn_type": "1101"}, "t")
    visit = parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "medfee_sumamt": "300.00",
                              "facility": "primary"}, "t", 0, person)
    evidence.begin()
    a = make_adapter("python:s6_hostile_plugins:ResetsTheAlarm", AdapterConfig(timeout=0.5), contained=True)
    try:
        a.start()
        a.prepare_person(Subject("panzhihua", person))
        with pytest.raises(SutError) as e:
            a.settle("S6C0001", visit)
        assert e.value.kind == "timeout"
        # a new process, a new instance: the person it prepared is gone, prepared again it answers
        a.prepare_person(Subject("panzhihua", person))
        assert a.presettle("S6C0001", visit)["hifp_pay"]
    finally:
        a.stop()
        evidence.take()


# ---------------------------------------------------------------------------- gap 4: its KeyboardInterrupt
def test_a_plugins_own_keyboard_interrupt_is_its_error_not_the_users_ctrl_c(tmp_path):
    run, code, check = one_check(tmp_path, "RaisesKeyboardInterrupt")
    assert not run.incomplete and exit_code(run, code) == 3
    assert check.status == "error"
    assert ("(plugin_exception): settle: s6_hostile_plugins.RaisesKeyboardInterrupt.settle raised "
            "KeyboardInterrupt: vendor cancelled") in check.message
    (entry,) = [e for e in check.evidence if e["operation"] == "settle"]
    assert "in settle" in entry["response"]["traceback"][-1]   # the plugin's frame, from its process


# ---------------------------------------------------------------------------- answers bounded as HTTP bodies
def test_an_answer_larger_than_max_response_bytes_is_too_large(tmp_path):
    run, code, check = one_check(tmp_path, "AnswersTooMuch", max_response_bytes=1 << 20)
    assert check.status == "error", check.message
    assert "(too_large): settle: the answer is larger than 1048576 bytes (max_response_bytes" in check.message


# ---------------------------------------------------------------------------- a sound plugin, and the user
def test_a_sound_plugin_passes_its_whole_run_in_a_process_of_its_own(tmp_path):
    out = tmp_path / "out"
    proc = conform_run(["--adapter", "python:s6_hostile_plugins:TellsItsProcess", "--out", str(out),
                        "--no-progress"], tmp_path)
    stdout, stderr = proc.communicate(timeout=1800)
    assert proc.returncode == 0, (stdout[-2000:], stderr[-2000:])
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "合格" and data["counts"]["passed"] > 100
    assert data["run"]["adapter"]["adapter"] == "sample-plugin"
    assert data["run"]["adapter"]["pid"] != proc.pid    # the plugin answered from another process


def _waiting(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    """`conform run` with a plugin waiting in its first settle, and the plugin's process id."""
    marker = tmp_path / "plugin.pid"
    proc = conform_run(["--adapter", "python:s6_hostile_plugins:WaitsInSettle", "--config",
                        config(tmp_path, timeout=120), "--article", "panzhihua-7", "--tag", "not conform_property",
                        "--out", str(tmp_path / "out"), "--no-progress"], tmp_path,
                       env={"S6_IMPLC_MARKER": str(marker)})
    until = time.monotonic() + 300
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < until, proc.communicate(timeout=30)
        time.sleep(0.1)
    pid = int(marker.read_text(encoding="utf-8"))
    assert pid != proc.pid   # the plugin runs in a process of its own
    return proc, pid


def test_the_users_ctrl_c_still_stops_a_run_waiting_on_the_plugin_and_its_process_ends(tmp_path):
    proc, pid = _waiting(tmp_path)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout[-2000:], stderr[-2000:])   # before any check finished
    assert gone_within(pid, 10)


def test_conform_run_killed_leaves_no_plugin_process_behind(tmp_path):
    proc, pid = _waiting(tmp_path)
    proc.kill()
    proc.communicate(timeout=60)
    assert gone_within(pid, 10)


# ---------------------------------------------------------------------------- answers read as in process
def _contained(cls_name: str):
    from conform.harness.adapters import Subject, make_adapter
    from conform.harness.config import AdapterConfig
    from test_s5_plugin_answers import PERSON

    a = make_adapter(f"python:test_s5_plugin_answers:{cls_name}", AdapterConfig(), contained=True)
    a.prepare_person(Subject("panzhihua", PERSON))
    return a


@pytest.mark.parametrize("op, spoil, kind, said", __import__("test_s5_plugin_answers").BAD_ANSWERS)
def test_a_wrong_answer_crossing_the_pipe_is_named_as_in_process(op, spoil, kind, said):
    # The same answers as tests/test_s5_plugin_answers.py's in-process ones: a Decimal, a float, a list, an int
    # of 5001 digits, a missing figure arrive here as what they were and get the same kind and words.
    from conform.harness import evidence
    from conform.harness.adapters import SutError
    from test_s5_plugin_answers import Answering, _call

    evidence.begin()
    Answering.spoil = {op: spoil}   # before the plugin's process is forked: it has them too
    a = _contained("Answering")
    try:
        with pytest.raises(SutError) as e:
            _call(a, op)
        assert e.value.kind == kind and said in e.value.message, e.value.message
        assert evidence.take()[-1]["response"]["error"].startswith(kind)
    finally:
        Answering.spoil = {}
        a.stop()


def test_the_codec_keeps_what_json_cannot_hold_by_type_and_repr():
    from decimal import Decimal

    from conform.harness.adapters import plugin_process as pp
    from conform.harness.adapters import wire

    value = {"a": Decimal("115.00"), "b": (1, "x"), "c": {1: "one"}, "d": 10 ** 400, "e": float("nan"),
             "f": "\ud800 lone", "g": [[[[1]]]], "h": None, "i": -(10 ** 5000)}
    back = pp._parse(pp._dumps(pp._encode(value)))
    assert wire.got(back["a"]) == "Decimal Decimal('115.00')" and not isinstance(back["a"], str)
    assert back["b"] == (1, "x") and back["c"] == {1: "one"} and back["f"] == "\ud800 lone" and back["h"] is None
    assert wire.got(back["d"]) == "an int of 401 digits" and wire.got(back["i"]) == "an int of 5001 digits"
    assert back["e"] != back["e"] and back["g"] == [[[[1]]]]
    deep: list = []
    for _ in range(100):
        deep = [deep]
    assert "nested more than 32 levels deep" in repr(pp._parse(pp._dumps(pp._encode({"x": deep}))))
    with pytest.raises(pp._Garbled):
        pp._parse(b'{"x":' * 200 + b"1" + b"}" * 200)   # deeper than the child ever writes
    with pytest.raises(pp._Garbled):
        pp._parse(b'{"x": {"\\u0000conform": ["dict", [[[1], 2]]]}}')   # an unhashable key
