"""A plugin's process (conform/harness/adapters/plugin_process.py), mended where rclose8 found it wanting:

- D1: `max_response_bytes` bounds the plugin's ANSWER as the http adapter bounds a body (UTF-8 bytes, exactly the
  limit passes), and the evidence it recorded is bounded apart and named when it is what is too large;
- D2: a process forked while another thread holds evidence's lock starts all the same;
- D3: what the plugin started in its process group ends when its process ends, not only on a timeout;
- D4: a Ctrl-C while a restarted plugin's start() runs leaves no process behind;
- D5: a plugin whose every process times out on the same operation stops the run as unreachable.
"""
from __future__ import annotations

import os
import threading
import time

import pytest

from conform.harness import evidence
from conform.harness.adapters import plugin_process
from conform.harness.adapters.python_plugin import _construct_found, _find_python
from conform.harness.config import AdapterConfig
from conform.harness.run import execute
from test_s6_implC_plugin_contained import ONE, config, gone_within

# Off Linux a plugin runs in conform's process (plugin_process.AVAILABLE). Never skipped in CI (Linux).
pytestmark = pytest.mark.skipif(not os.environ.get("CI") and not plugin_process.AVAILABLE,
                                reason="plugins are contained on Linux only")

SOUND = "python:conform.fixtures.sample_plugin:SampleSystemPlugin"


def _person_and_visit():
    from conform.harness.adapters import Subject
    from conform.reference.case import parse_person, parse_settlement

    person = parse_person({"psn_no": "S6G0001", "psn_type": "1101"}, "t")
    visit = parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "medfee_sumamt": "300.00",
                              "facility": "primary"}, "t", 0, person)
    return Subject("panzhihua", person), visit


# ---------------------------------------------------------------------------- D2: a lock held at the fork
def test_a_plugin_process_forked_while_another_thread_records_evidence_starts(monkeypatch):
    # Another thread holds evidence's lock (recording a call's evidence) at the moment the plugin's process is
    # forked. The child's copy of a held lock was held forever: its evidence.begin() waited, and the plugin
    # "gave no answer within" START_SECONDS, blamed on the vendor. Shortened here to 5 s.
    monkeypatch.setattr(plugin_process, "START_SECONDS", 5.0)
    cfg = AdapterConfig(timeout=2.0)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with evidence._lock:
            held.set()
            release.wait(0.5)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    held.wait()
    started = time.monotonic()
    plugin = plugin_process.contain(lambda: _construct_found(_find_python(SOUND), cfg), SOUND, "x", cfg)
    try:
        assert time.monotonic() - started < 4.0
        assert plugin.name == "sample-plugin"
    finally:
        plugin.close()
        holder.join()


# ---------------------------------------------------------------------------- D3: its helpers end with it
def test_what_a_plugin_started_ends_when_its_process_ends(tmp_path):
    marker = tmp_path / "helper.pid"
    os.environ["S6_IMPLG_MARKER"] = str(marker)   # read by the plugin's process, forked from this one
    try:
        run, _ = execute(adapter="python:s6_hostile_plugins:SpawnsThenEnds", config=config(tmp_path), **ONE)
    finally:
        del os.environ["S6_IMPLG_MARKER"]
    (check,) = run.checks
    assert check.status == "error" and "exited with status 1 during settle" in check.message, check.message
    helper = int(marker.read_text(encoding="utf-8"))
    # killed with the plugin's process group before that process was reaped (it was left running, holding the
    # plugin's output pipe, until its own minute was up)
    assert gone_within(helper, 2.0)


# ---------------------------------------------------------------------------- D4: Ctrl-C in a restart
def test_ctrl_c_while_a_restarted_plugin_starts_leaves_no_process(monkeypatch):
    from conform.harness.adapters import SutError, make_adapter

    subject, visit = _person_and_visit()
    children: list = []
    opened = plugin_process._open

    def recording_open(*args, **kwargs):
        child, hello = opened(*args, **kwargs)
        children.append(child)
        return child, hello

    monkeypatch.setattr(plugin_process, "_open", recording_open)
    evidence.begin()
    a = make_adapter("python:s6_hostile_plugins:ResetsTheAlarm", AdapterConfig(timeout=0.5), contained=True)
    try:
        a.start()
        a.prepare_person(subject)
        with pytest.raises(SutError) as e:
            a.settle("S6G0001", visit)   # a timeout: the process is stopped, the next call starts another
        assert e.value.kind == "timeout"
        asked = plugin_process._Child.ask

        def interrupted(self, op, *args, **kwargs):
            if op == "start":
                raise KeyboardInterrupt   # the user's Ctrl-C while the new process's start() runs
            return asked(self, op, *args, **kwargs)

        monkeypatch.setattr(plugin_process._Child, "ask", interrupted)
        with pytest.raises(KeyboardInterrupt):
            a.prepare_person(subject)
        restarted = children[-1]
        assert len(children) == 2 and a._box[0] is None
        assert gone_within(restarted.pid, 2.0)   # killed, not left to conform's exit
        assert restarted.req not in plugin_process._parent_fds and restarted.resp not in plugin_process._parent_fds
    finally:
        a.stop()
        evidence.take()
        for child in children:
            child.kill()


# ---------------------------------------------------------------------------- D1: the answer, as an HTTP body
def _settle_once(plugin: str, monkeypatch, **attrs):
    """The plugin's settle of one visit, run contained with max_response_bytes `limit`; (answer or SutError,
    the evidence). Class attributes are set before its process is forked, so it has them."""
    import s6_hostile_plugins as hostile

    limit = attrs.pop("limit")
    for name, value in attrs.items():
        monkeypatch.setattr(getattr(hostile, plugin), name, value)
    return settle_contained(f"python:s6_hostile_plugins:{plugin}", limit)


def settle_contained(spec: str, limit: int):
    """One visit settled by the plugin `spec` in a process of its own, with max_response_bytes `limit`: (answer
    or SutError, the evidence of the call)."""
    from conform.harness.adapters import SutError, make_adapter

    subject, visit = _person_and_visit()
    evidence.begin()
    a = make_adapter(spec, AdapterConfig(max_response_bytes=limit), contained=True)
    try:
        a.prepare_person(subject)
        evidence.take()
        try:
            out: object = a.settle("S6G0001", visit)
        except SutError as e:
            out = e
        return out, evidence.take()
    finally:
        a.stop()


def test_chinese_in_an_answer_counts_its_utf8_bytes_as_an_http_body_does(monkeypatch):
    # 300 000 × 中 (U+4E2D, in U+0800–U+FFFF: 3 bytes in UTF-8) = 900 000 bytes, plus a few hundred of figures:
    # under 1 000 000. As \u4e2d escapes (6 bytes each) it was 1 800 000 bytes, and too_large.
    out, _ = _settle_once("AnswersInChinese", monkeypatch, chars=300_000, limit=1_000_000)
    assert isinstance(out, dict) and out["note"] == "中" * 300_000, out


@pytest.mark.parametrize("size, passes", [(1 << 20, True), ((1 << 20) + 1, False)])
def test_an_answer_of_exactly_the_limit_passes_and_one_byte_more_is_too_large(monkeypatch, size, passes):
    # http.read_body refuses a body only when its size > limit: 1 048 576 bytes pass a 1 MiB limit, 1 048 577 do
    # not. The answer's JSON alone is measured, not the reply around it (its seq, its evidence).
    out, _ = _settle_once("AnswersOfSize", monkeypatch, size=size, limit=1 << 20)
    if passes:
        assert isinstance(out, dict) and out["hifp_pay"], out
    else:
        assert getattr(out, "kind", None) == "too_large", out
        assert out.message == ("settle: the answer is larger than 1048576 bytes (max_response_bytes; its JSON is "
                               "1048577 bytes)")


def test_much_recorded_evidence_is_kept_in_part_and_never_makes_a_small_answer_too_large(monkeypatch):
    # 200 entries of 2 × 20 000 × 3 = 120 000 bytes of bodies each: 24 000 000 bytes, past EVIDENCE_BYTES
    # (8 MiB = 8 388 608). An entry is its two bodies and 73 bytes of JSON around them (`{"operation":"settle",
    # "request":{"n":12,"body":"…"},"response":{"body":"…"}}`): 120 073; 69 × 120 073 = 8 285 037 fit, 70 do not:
    # 69 entries kept, then a note of the 131 left out.
    # The answer (a few hundred bytes) is judged under a 1 MiB limit as it stands.
    out, kept = _settle_once("RecordsMuchEvidence", monkeypatch, entries=200, limit=1 << 20)
    assert isinstance(out, dict) and out["hifp_pay"], out
    bodies = [e for e in kept if e["request"] and "body" in e["request"]]
    assert len(bodies) == 69 and bodies[-1]["request"]["n"] == 68
    assert bodies[0]["response"]["body"] == "答" * 20_000   # whole: within EVIDENCE_TEXT characters
    (note,) = [e for e in kept if "not_kept" in e]
    assert note["not_kept"] == "131 more entries of evidence: the 8388608 bytes kept of one call's are full"


def test_a_reply_too_large_beside_its_answer_is_named_as_such_not_as_the_answer(monkeypatch):
    # What the parent accepts beside an answer (BESIDE_LIMIT) lowered after the plugin's process was forked:
    # its 100 entries (~12 MB, cut to 8 MiB there) are then more than this process reads. The message says
    # what was too large; the answer was a few hundred bytes.
    from conform.harness.adapters import SutError, make_adapter
    import s6_hostile_plugins as hostile

    monkeypatch.setattr(hostile.RecordsMuchEvidence, "entries", 100)
    subject, visit = _person_and_visit()
    evidence.begin()
    a = make_adapter("python:s6_hostile_plugins:RecordsMuchEvidence", AdapterConfig(max_response_bytes=1 << 20),
                     contained=True)
    try:
        a.prepare_person(subject)
        monkeypatch.setattr(plugin_process, "BESIDE_LIMIT", 1_000_000, raising=False)
        with pytest.raises(SutError) as e:
            a.settle("S6G0001", visit)
        assert e.value.kind == "too_large"
        assert e.value.message.startswith("settle: what the plugin's process sent beside the answer (the evidence "
                                          "it recorded, a refusal's or error's details) is larger than 1000000 bytes")
        assert "the answer is larger" not in e.value.message
    finally:
        a.stop()
        evidence.take()


# ---------------------------------------------------------------------------- D5: timeouts between answers
def test_a_plugin_timing_out_in_every_settle_stops_the_run_as_unreachable(tmp_path):
    # Every check prepares its person (answered at once by the plugin's new process), then settles (the first
    # settle in that process: 5 s, past the 0.5 s timeout). The calls in a row that failed were never more than
    # one, so the run went on check after check at `timeout` each; settle's own count reaches 3 at the third.
    run, code = execute(adapter="python:s6_hostile_plugins:SlowFirstSettle",
                        config=config(tmp_path, timeout=0.5, consecutive_failures=3),
                        articles=("panzhihua-7",), tag="not conform_property")
    assert run.unreachable, [c.message for c in run.checks]
    timed_out = [c for c in run.checks if "(timeout): settle: no answer within 0.5 s" in c.message]
    assert len(timed_out) == 2
    said = [c.message for c in run.checks if "system unreachable: 3 settle calls in a row gave no answer" in c.message]
    assert said and "other operations answering between them" in said[0]


# ---------------------------------------------------------------------------- D7: conform's own failure
def test_a_request_conform_cannot_send_is_conforms_failure_not_the_plugins():
    # An argument that does not pickle (none of conform's does today) was reported as "plugin raised
    # PicklingError" (plugin_exception); it is conform's own, and the plugin's process, sent nothing, still answers.
    from conform.harness.adapters import SutError, make_adapter
    from conform.harness.adapters.python_plugin import Unsendable

    subject, visit = _person_and_visit()
    evidence.begin()
    a = make_adapter(SOUND, AdapterConfig(), contained=True)
    try:
        a.prepare_person(subject)
        with pytest.raises(Unsendable, match="settle: conform cannot send its request to the plugin's process"):
            a.settle("S6G0001", lambda: None)
        assert a.presettle("S6G0001", visit)["hifp_pay"]
    except SutError as e:
        pytest.fail(f"blamed on the plugin: {e}")
    finally:
        a.stop()
        evidence.take()
