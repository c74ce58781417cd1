"""Probe s24 W F2: a python: plugin declaring `settle` in `supports` raised NotApplicable only on the settlements
it would get wrong, and a defective system was certified 合格 (exit 0, 64 checks 不适用, the properties passing with
those examples "skipped"). NotApplicable is for an operation the adapter does not support at all (`supports`,
`Adapter.require`); raised by a declared operation it is the system's error (`plugin_exception`), in scenarios and
properties alike, in process and in the plugin's own process. An undeclared operation stays 不适用."""
from __future__ import annotations

import pytest

from conform.fixtures.sample_plugin import SampleSystemPlugin
from conform.harness import evidence
from conform.harness.adapters import NotApplicable, Subject, SutError, make_adapter
from conform.harness.adapters.base import OPERATIONS
from conform.harness.config import AdapterConfig
from conform.harness.run import CONFORMANCE, execute, exit_code
from conform.reference.case import CreditRequest, parse_person, parse_settlement

PSN = "S24NA001"
PERSON = parse_person({"psn_no": PSN, "psn_type": "1101", "has_account": "1", "acct_balance": "500.00"}, "t")
PRIMARY = parse_settlement({"id": "V1", "date": "2023-03-01", "med_type": "11", "medfee_sumamt": "300.00",
                            "facility": "primary"}, "t", 0, PERSON)
TERTIARY = parse_settlement({"id": "V2", "date": "2023-03-02", "med_type": "11", "medfee_sumamt": "3000.00",
                             "facility": "tertiary"}, "t", 1, PERSON)


class Selective(SampleSystemPlugin):
    """Declares every operation; its settle declines (NotApplicable) each tertiary visit and answers the rest."""

    name = "selective"

    def settle(self, psn_no, settlement):
        if settlement.facility == "tertiary":
            raise NotApplicable(self.name, "settle")
        return super().settle(psn_no, settlement)


class Disguised(SampleSystemPlugin):
    """Names another operation in its NotApplicable, and drops settle from `supports` before declining."""

    name = "disguised"

    def settle(self, psn_no, settlement):
        if settlement.facility == "tertiary":
            self.supports = self.supports - {"settle"}
            raise NotApplicable("someone-else", "route_split")
        return super().settle(psn_no, settlement)


class Withdrawing(SampleSystemPlugin):
    """Takes settle out of `supports` after its first settlement, so that `require` would decline the next ones."""

    name = "withdrawing"

    def settle(self, psn_no, settlement):
        out = super().settle(psn_no, settlement)
        self.supports = self.supports - {"settle"}
        return out


class NoCredit(SampleSystemPlugin):
    """Does not declare credit_month, and says so if asked anyway."""

    name = "no-credit"
    supports = frozenset(OPERATIONS) - {"credit_month"}

    def credit_month(self, psn_no, request):
        raise NotApplicable(self.name, "credit_month")


@pytest.fixture(autouse=True)
def _evidence():
    evidence.begin()
    yield
    evidence.take()


def _raised(call, *args):
    try:
        call(*args)
    except Exception as e:  # noqa: BLE001 - what the call raised is the subject of the test
        return e
    return None


def _plugin(cls: type, contained: bool):
    a = make_adapter(f"python:{__name__}:{cls.__name__}", AdapterConfig(), contained=contained)
    a.prepare_person(Subject("panzhihua", PERSON))
    return a


@pytest.mark.parametrize("contained", [False, True], ids=["in_process", "contained"])
@pytest.mark.parametrize("cls", [Selective, Disguised])
def test_a_declared_operation_declining_one_call_is_the_systems_error(cls, contained):
    a = _plugin(cls, contained)
    try:
        assert a.settle(PSN, PRIMARY)["setl_id"]   # the same operation answers other calls
        raised = _raised(a.settle, PSN, TERTIARY)   # caught here: a NotApplicable escaping would skip the test
        assert isinstance(raised, SutError) and not isinstance(raised, NotApplicable), repr(raised)
        assert raised.kind == "plugin_exception"
        assert raised.message.startswith("settle: ") and "declares settle in `supports`" in raised.message
        kept = evidence.take()
        assert kept and "declares settle in `supports`" in kept[-1]["response"]["error"]
    finally:
        getattr(a, "close", a.stop)()


@pytest.mark.parametrize("contained", [False, True], ids=["in_process", "contained"])
def test_supports_changed_after_the_plugin_was_built_does_not_decline_a_declared_operation(contained):
    a = _plugin(Withdrawing, contained)
    try:
        assert a.settle(PSN, PRIMARY)["setl_id"]
        assert _raised(a.require, "settle") is None   # the harness asks this before each settle
    finally:
        getattr(a, "close", a.stop)()


@pytest.mark.parametrize("contained", [False, True], ids=["in_process", "contained"])
def test_an_operation_left_out_of_supports_stays_not_applicable(contained):
    a = _plugin(NoCredit, contained)
    try:
        with pytest.raises(NotApplicable):
            a.require("credit_month")     # what the harness asks before calling it
        raised = _raised(a.credit_month, PSN, CreditRequest(month="2023-03"))
        assert isinstance(raised, NotApplicable) and not isinstance(raised, SutError), repr(raised)
    finally:
        getattr(a, "close", a.stop)()


def test_a_run_with_a_plugin_declining_its_wrong_answers_is_not_certified():
    """The scenarios of 攀枝花 第七条 at a tertiary facility: each an error of the system (exit 3), not 不适用."""
    run, code = execute(adapter=f"python:{__name__}:Selective", articles=("panzhihua-7",),
                        tag="not conform_property")
    statuses = [c.status for c in run.checks]
    declined = [c for c in run.checks if "declares settle in `supports`" in (c.message or "")]
    assert declined and all(c.status == "error" for c in declined), statuses
    assert not [c for c in run.checks if c.status == "not_applicable" and "settle" in (c.message or "")]
    assert "passed" in statuses   # the settlements it answered are still judged
    assert run.verdict != "合格"
    assert exit_code(run, code) == 3


def test_a_property_does_not_skip_the_examples_a_declared_operation_declines():
    """Before: each property passed, the tertiary examples "skipped" as ones the system cannot be sent."""
    run, code = execute(adapter=f"python:{__name__}:Selective", policies=("panzhihua",),
                        paths=(CONFORMANCE / "test_properties.py",),
                        extra_args=("--conform-seed", "7", "--conform-examples", "20"))
    props = [c for c in run.checks if c.kind == "property"]
    assert props
    skipped = [c.name for c in props if "selective" in (c.message or "") and "已跳过" in (c.message or "")]
    assert not skipped, skipped
    declined = [c for c in props if "declares settle in `supports`" in (c.message or "")]
    assert declined and all(c.status == "error" for c in declined), [(c.name, c.status) for c in declined]
    assert not [c.name for c in props if c.status == "not_applicable" and "settle" in (c.message or "")]
    assert exit_code(run, code) == 3


class FixedPersons(SampleSystemPlugin):
    """A fixed test environment: it holds no retiree, and says so when asked to prepare one."""

    name = "fixed-persons"

    def prepare_person(self, subject):
        if subject.person.psn_type == "1201":
            raise NotApplicable(self.name, "prepare_person")
        return super().prepare_person(subject)


@pytest.mark.parametrize("contained", [False, True], ids=["in_process", "contained"])
def test_a_person_the_environment_does_not_hold_stays_not_applicable(contained):
    # declining a person comes before any figure is asked, so it hides no wrong answer (probe s24 Y F2): 不适用, as the
    # platform profile's pool says of a person it has not
    a = make_adapter(f"python:{__name__}:FixedPersons", AdapterConfig(), contained=contained)
    try:
        retiree = parse_person({"psn_no": "S24NA002", "psn_type": "1201"}, "t")
        raised = _raised(a.prepare_person, Subject("panzhihua", retiree))
        assert isinstance(raised, NotApplicable), repr(raised)
        a.prepare_person(Subject("panzhihua", PERSON))   # one it holds is prepared
    finally:
        getattr(a, "close", a.stop)()
