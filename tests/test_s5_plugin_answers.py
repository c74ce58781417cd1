"""Review s5 (D1, D2, D4): an in-process (python:) plugin is the system under test, held to what an HTTP
system is held to.

D1: an exception of the plugin's own (RuntimeError, KeyError, sys.exit) was a "harness error … a bug in
conform" (exit 4), kept as a refusal; it is the system's error `plugin_exception`, naming the plugin, the
operation and the exception, its last frames in the evidence. D2: a plugin's answer was not read: None was
a feature error, a list a harness error, a missing figure a failure, a float amount passed; each is read by
the http adapter's readers now. D4: a plugin call that never returned hung the run; it is bounded by
`[adapter] timeout` (SIGALRM in the main thread)."""
from __future__ import annotations

import signal
import threading
import time
from decimal import Decimal

import pytest

from conform.fixtures.sample_plugin import SampleSystemPlugin
from conform.harness import evidence
from conform.harness.adapters import SettlementRefused, Subject, SutError, SystemUnreachable, make_adapter
from conform.harness.config import AdapterConfig
from conform.reference.case import CreditRequest, parse_person, parse_settlement

PSN = "S5P0001"
PERSON = parse_person({"psn_no": PSN, "psn_type": "1101", "has_account": "1", "acct_balance": "500.00"}, "t")
VISIT = parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "medfee_sumamt": "300.00",
                          "facility": "primary"}, "t", 0, PERSON)


class Raising(SampleSystemPlugin):
    """settle raises what `Raising.error` says (set per test)."""

    error: BaseException = RuntimeError("vendor client blew up")

    def settle(self, psn_no, settlement):
        raise self.error


class Answering(SampleSystemPlugin):
    """Each operation's answer passed through `Answering.spoil[operation]` (set per test)."""

    spoil: dict = {}

    def _spoilt(self, op, out):
        return self.spoil[op](out) if op in self.spoil else out

    def presettle(self, psn_no, settlement):
        return self._spoilt("presettle", super().presettle(psn_no, settlement))

    def settle(self, psn_no, settlement):
        return self._spoilt("settle", super().settle(psn_no, settlement))

    def reverse(self, psn_no, setl_id):
        return self._spoilt("reverse", super().reverse(psn_no, setl_id))

    def query_ytd(self, psn_no, year):
        return self._spoilt("query_ytd", super().query_ytd(psn_no, year))

    def credit_month(self, psn_no, request):
        return self._spoilt("credit_month", super().credit_month(psn_no, request))

    def check_account_use(self, psn_no, relation, purpose, amount=None, date=None):
        return self._spoilt("check_account_use", super().check_account_use(psn_no, relation, purpose, amount, date))


class Optional(Answering):
    optional_figures = frozenset({"act_pay_dedc", "psn_part_amt"})


class Hanging(SampleSystemPlugin):
    """settle waits forever; with `swallow`, in a retry loop that catches every Exception."""

    swallow = False

    def settle(self, psn_no, settlement):
        while True:
            try:
                time.sleep(0.05)
            except Exception:  # noqa: BLE001 - the vendor's retry loop
                if not self.swallow:
                    raise


def plugin(cls: type, **config) -> SampleSystemPlugin:
    a = make_adapter(f"python:{__name__}:{cls.__name__}", AdapterConfig(**config))
    a.prepare_person(Subject("panzhihua", PERSON))
    return a


@pytest.fixture(autouse=True)
def _evidence():
    evidence.begin()
    yield
    evidence.take()
    Answering.spoil = {}


# ---------------------------------------------------------------------------- D1: the plugin's own exceptions
@pytest.mark.parametrize("error, name, said", [
    (RuntimeError("vendor client blew up <b>"), "RuntimeError", "vendor client blew up <b>"),
    (KeyError("nope"), "KeyError", "'nope'"),
    (SystemExit(3), "SystemExit", "sys.exit(3)"),
    (ZeroDivisionError("division by zero"), "ZeroDivisionError", "division by zero"),
])
def test_an_exception_of_the_plugins_own_is_the_systems_error_naming_plugin_operation_and_exception(
        monkeypatch, error, name, said):
    monkeypatch.setattr(Raising, "error", error)
    a = plugin(Raising)
    evidence.take()
    with pytest.raises(SutError) as e:
        a.settle(PSN, VISIT)
    assert type(e.value) is SutError and e.value.kind == "plugin_exception"
    assert e.value.message.startswith("settle: ")
    assert f"{__name__}.Raising.settle raised {name}: {said}" in e.value.message
    (entry,) = evidence.take()
    assert entry["operation"] == "settle" and entry["request"] == {"psn_no": PSN, "id": "V1"}
    assert "refused" not in entry["response"]
    assert entry["response"]["exception"] == f"{name}: {said}"
    frames = entry["response"]["traceback"]
    assert frames and "in settle" in frames[-1] and __file__ in frames[-1]   # the plugin's frame, on top
    assert not any("python_plugin.py" in f for f in frames)                  # not conform's wrappers
    assert e.value.evidence["response"] == entry["response"]


def test_a_plugin_exception_is_bounded_and_one_whose_str_fails_is_still_named(monkeypatch):
    class Unprintable(Exception):
        def __str__(self):
            raise ValueError("no")

    monkeypatch.setattr(Raising, "error", RuntimeError("x" * 1_000_000))
    a = plugin(Raising)
    with pytest.raises(SutError) as e:
        a.settle(PSN, VISIT)
    assert len(e.value.message) <= 700 and "RuntimeError: xxx" in e.value.message
    monkeypatch.setattr(Raising, "error", Unprintable())
    with pytest.raises(SutError) as e:
        a.settle(PSN, VISIT)
    assert "raised Unprintable: (its message cannot be shown)" in e.value.message
    monkeypatch.setattr(Raising, "error", RecursionError("maximum recursion depth exceeded"))
    with pytest.raises(SutError) as e:
        a.settle(PSN, VISIT)
    assert e.value.kind == "plugin_exception"
    assert 1 <= len(evidence.take()[-1]["response"]["traceback"]) <= 8


def test_a_keyboard_interrupt_stays_an_interrupt(monkeypatch):
    monkeypatch.setattr(Raising, "error", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        plugin(Raising).settle(PSN, VISIT)


# A NotApplicable from settle, which Raising declares in `supports`, is no longer passed as it is: it is the system's
# error (probe s24 W F2, tests/test_s24_notapplicable_supported.py); one from an undeclared operation still is.
@pytest.mark.parametrize("error", [SettlementRefused("2207: infcode -1: 不予结算"),
                                   SutError("timeout", "2207: no answer within 10 s")])
def test_the_documented_exceptions_pass_as_they_are(monkeypatch, error):
    monkeypatch.setattr(Raising, "error", error)
    a = plugin(Raising)
    evidence.take()
    with pytest.raises(type(error)) as e:
        a.settle(PSN, VISIT)
    assert e.value is error
    kept = evidence.take()
    if isinstance(error, SettlementRefused):
        assert kept[0]["response"] == {"refused": "infcode: 2207: infcode -1: 不予结算"}
    else:
        assert kept[0]["response"] == {"error": "timeout: 2207: no answer within 10 s"}


def test_a_plugin_raising_in_a_run_gives_error_exit_3_not_a_harness_error(monkeypatch):
    from conform.harness.run import execute, exit_code

    monkeypatch.setattr(Raising, "error", RuntimeError("vendor client blew up"))
    run, code = execute(adapter=f"python:{__name__}:Raising", articles=("panzhihua-7",),
                        tag="not conform_property")
    statuses = {c.status for c in run.checks}
    assert "error" in statuses and "harness_error" not in statuses, statuses
    assert exit_code(run, code) == 3
    errored = [c for c in run.checks if c.status == "error"]
    assert all("plugin_exception" in c.message and "Raising.settle raised RuntimeError" in c.message for c in errored)


# ---------------------------------------------------------------------------- D2: the plugin's answers
def _drop(name):
    return lambda out: {k: v for k, v in out.items() if k != name}


def _set(name, value):
    return lambda out: {**out, name: value}


BAD_ANSWERS = [
    ("settle", lambda out: None, "missing_field", "settle: no answer"),
    ("settle", lambda out: ["not", "a", "dict"], "wrong_type", "settle: expected a dict in the platform's field names, got list"),
    ("settle", _drop("hifp_pay"), "missing_field", "settle: hifp_pay: missing"),
    ("settle", _drop("setl_id"), "missing_field", "settle: setl_id: missing"),
    ("settle", _set("hifp_pay", 115.0), "wrong_type", "settle: hifp_pay: expected an amount string"),
    ("settle", _set("hifp_pay", Decimal("115.00")), "wrong_type", "got Decimal"),
    ("settle", _set("hifp_pay", 10 ** 5000), "wrong_type", "got an int of 5001 digits"),
    ("settle", _set("hifp_pay", "１１５.００"), "wrong_type", "settle: hifp_pay:"),
    ("settle", _set("pool_prop_selfpay", 0.5), "wrong_type", "settle: pool_prop_selfpay: expected a ratio"),
    ("presettle", _drop("act_pay_dedc"), "missing_field", "presettle: act_pay_dedc: missing"),
    ("presettle", lambda out: "115.00", "wrong_type", "presettle: expected a dict"),
    ("query_ytd", _drop("ordinary_pay"), "missing_field", "query_ytd: ordinary_pay: missing"),
    ("query_ytd", _set("chronic_pay", {"M03900": 1.5}), "wrong_type", "query_ytd: chronic_pay.M03900: expected an amount"),
    ("query_ytd", lambda out: None, "missing_field", "query_ytd: no answer"),
    ("check_account_use", _set("decision", "yes"), "wrong_type", "check_account_use: decision: expected one of allowed"),
    ("check_account_use", _drop("decision"), "missing_field", "check_account_use: decision: missing"),
]


def _call(a, op):
    if op in ("presettle", "settle"):
        return getattr(a, op)(PSN, VISIT)
    if op == "reverse":
        a.settle(PSN, VISIT)
        return a.reverse(PSN, "V1")
    if op == "query_ytd":
        return a.query_ytd(PSN, 2023)
    if op == "credit_month":
        return a.credit_month(PSN, CreditRequest("2023-04", None, Decimal("300.00")))
    return a.check_account_use(PSN, "self", "medical_selfpay", "10.00")


@pytest.mark.parametrize("op, spoil, kind, said", BAD_ANSWERS)
def test_a_plugins_answer_is_read_as_an_http_answer_is(op, spoil, kind, said):
    Answering.spoil = {op: spoil}
    a = plugin(Answering)
    with pytest.raises(SutError) as e:
        _call(a, op)
    assert e.value.kind == kind and said in e.value.message, e.value.message
    assert "output." not in e.value.message          # the plugin's own field names, not the envelope's path
    entry = evidence.take()[-1]
    assert entry["operation"] == op and entry["response"]["error"].startswith(kind)


def test_reverse_and_credit_answers_are_read_too():
    Answering.spoil = {"reverse": _set("hifp_pay", -60)}
    with pytest.raises(SutError, match="reverse: hifp_pay: expected an amount string") as e:
        _call(plugin(Answering), "reverse")
    assert e.value.kind == "wrong_type"
    assert _call(plugin(Answering), "credit_month")["amount"]
    Answering.spoil = {"credit_month": _drop("amount")}
    with pytest.raises(SutError, match="credit_month: amount: missing"):
        _call(plugin(Answering), "credit_month")


def test_sound_answers_pass_unchanged_and_the_optional_figures_of_the_plugin_may_be_left_out():
    a = plugin(Answering)
    for op in ("presettle", "settle", "query_ytd", "check_account_use"):
        assert isinstance(_call(a, op), dict)
    assert a.reverse(PSN, "V1")["hifp_pay"].startswith("-")
    Answering.spoil = {"settle": _drop("act_pay_dedc")}
    with pytest.raises(SutError, match="act_pay_dedc: missing"):
        plugin(Answering).settle(PSN, VISIT)
    Optional.spoil = {"settle": _drop("act_pay_dedc")}
    assert "act_pay_dedc" not in plugin(Optional).settle(PSN, VISIT)


def test_the_answer_returned_is_the_plugins_own_object():
    marker = {}

    def keep(out):
        marker["out"] = out
        return out

    Answering.spoil = {"settle": keep}
    assert plugin(Answering).settle(PSN, VISIT) is marker["out"]


# ---------------------------------------------------------------------------- D4: a call that never returns
@pytest.mark.parametrize("swallow", [False, True])
def test_a_plugin_call_that_never_returns_is_a_timeout_within_the_configured_seconds(monkeypatch, swallow):
    monkeypatch.setattr(Hanging, "swallow", swallow)
    seen = []
    previous = signal.signal(signal.SIGALRM, lambda *a: seen.append(a))
    try:
        a = plugin(Hanging, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(SutError) as e:
            a.settle(PSN, VISIT)
        assert time.monotonic() - started < 3
        assert e.value.kind == "timeout" and e.value.message == "settle: no answer within 0.3 s"
        assert evidence.take()[-1]["response"] == {"error": "timeout: settle: no answer within 0.3 s"}
        # the alarm is off and the handler before it is back
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert signal.getsignal(signal.SIGALRM) is not None and seen == []
        signal.raise_signal(signal.SIGALRM)
        assert len(seen) == 1
        assert a.presettle(PSN, VISIT)["hifp_pay"]   # the plugin still answers what it can
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_calls_timing_out_in_a_row_make_the_system_unreachable():
    a = plugin(Hanging, timeout=0.2, consecutive_failures=2)
    with pytest.raises(SutError) as first:
        a.settle(PSN, VISIT)
    assert not isinstance(first.value, SystemUnreachable)
    with pytest.raises(SystemUnreachable, match="2 plugin calls in a row gave no answer within 0.2 s"):
        a.settle(PSN, VISIT)
    started = time.monotonic()
    with pytest.raises(SystemUnreachable):
        a.presettle(PSN, VISIT)                      # not tried again
    assert time.monotonic() - started < 0.1


def test_an_answer_in_time_resets_the_count():
    a = plugin(Hanging, timeout=0.2, consecutive_failures=2)
    for _ in range(2):
        with pytest.raises(SutError) as e:
            a.settle(PSN, VISIT)
        assert not isinstance(e.value, SystemUnreachable)
        a.presettle(PSN, VISIT)


def test_an_alarm_set_by_someone_else_is_left_alone():
    a = plugin(Answering, timeout=0.2)
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *x: fired.append(x))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        a.settle(PSN, VISIT)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < left <= 30 and fired == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_outside_the_main_thread_a_call_runs_without_the_alarm():
    a = plugin(Answering, timeout=0.2)
    got = []
    t = threading.Thread(target=lambda: got.append(a.settle(PSN, VISIT)))
    t.start()
    t.join(10)
    assert got and got[0]["hifp_pay"]
