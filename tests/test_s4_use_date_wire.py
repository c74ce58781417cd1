"""The day of an account use, end to end: the adapter interface, the http wire (T003 `date`, optional in
docs/openapi.yaml), the platform profile's T003 hook, the reference adapter, the sample system, and the
use step (`个人账户于 "YYYY-MM-DD" 为 …`).

攀枝花 第十九条 “自2023年1月1日起实施，有效期5年”: in force 2023-01-01 to 2027-12-31; 第五条 allows the
account to pay the insured's own 就医个人负担 (medical_selfpay) inside it.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from jsonschema import Draft202012Validator
from test_platform_units import data_of, in_process, prepare

from conform.fixtures.sample_system.service import SampleSystem
from conform.harness.adapters import Adapter, NotApplicable, SettlementRefused, Subject, schema, takes_use_date, wire
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError
from conform.harness.steps.library import then_use, when_use
from conform.harness.steps.world import ScenarioError, World
from conform.reference.case import CaseError, parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
D = dt.date.fromisoformat


# --------------------------------------------------------------------------- the wire


def test_the_use_request_carries_the_date_only_when_there_is_one():
    assert wire.use_to_wire("P", "self", "medical_selfpay", None) == {"psn_no": "P", "relation": "self",
                                                                      "purpose": "medical_selfpay"}
    assert wire.use_to_wire("P", "self", "medical_selfpay", "30.00", D("2028-01-01"))["date"] == "2028-01-01"


def test_the_sample_system_reads_the_date_and_refuses_a_bad_one_naming_the_field():
    assert wire.use_from_wire({"relation": "self", "purpose": "medical_selfpay", "date": "2027-12-31"}).date \
        == D("2027-12-31")
    assert wire.use_from_wire({"relation": "self", "purpose": "medical_selfpay"}).date is None
    with pytest.raises(CaseError, match="date") as e:
        wire.use_from_wire({"relation": "self", "purpose": "medical_selfpay", "date": "2028-02-30"})
    assert "T003" in str(e.value)


def test_the_published_description_has_the_date_optional():
    doc = schema.description()
    data = doc["components"]["schemas"]["UseRequest"]["allOf"][1]["properties"]["input"]["properties"]["data"]
    assert "date" in data["properties"] and "date" not in data["required"]
    ref = {"$ref": "#/components/schemas/UseRequest", "components": doc["components"]}
    check = Draft202012Validator(ref, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for day in (None, D("2028-01-01")):
        env = {"infno": "T003", "msgid": "CONFORM00000202801011200000001",
               "input": {"data": wire.use_to_wire("P", "self", "medical_selfpay", "30.00", day)}}
        assert not list(check.iter_errors(env)), day
    env["input"]["data"]["date"] = "2028-01-01 00:00:00"
    assert list(check.iter_errors(env))  # a date, not a date-time


# --------------------------------------------------------------------------- systems honour it


def ask_sample(day: str | None) -> dict:
    system = SampleSystem()
    system.handle({"infno": "T001", "input": {"data": {"policy": "panzhihua",
                                                       "person": {"psn_no": "S1", "psn_type": "1101"}}}})
    data = {"psn_no": "S1", "relation": "self", "purpose": "medical_selfpay"}
    if day is not None:
        data["date"] = day
    return system.handle({"infno": "T003", "input": {"data": data}})


def test_the_sample_system_refuses_a_use_outside_validity_as_the_reference_does():
    for day in ("2022-12-31", "2028-01-01"):
        answer = ask_sample(day)
        assert answer["infcode"] == -1 and "第十九条" in answer["err_msg"], (day, answer)
    for day in (None, "2023-01-01", "2027-12-31"):
        answer = ask_sample(day)
        assert answer["infcode"] == 0 and answer["output"]["decision"] == "allowed", (day, answer)


def test_the_reference_adapter_checks_the_day():
    a = ReferenceAdapter()
    a.prepare_person(Subject("panzhihua", PERSON))
    assert a.check_account_use("T0001", "self", "medical_selfpay", date=D("2027-12-31"))["decision"] == "allowed"
    with pytest.raises(SettlementRefused, match="第十九条"):
        a.check_account_use("T0001", "self", "medical_selfpay", date=D("2028-01-01"))


def test_the_platform_profile_sends_the_date_on_its_t003_hook():
    a, sent = in_process(hooks=True)
    prepare(a, Subject("panzhihua", PERSON))
    assert a.check_account_use("T0001", "self", "medical_selfpay", date=D("2027-12-31"))["decision"] == "allowed"
    assert data_of(sent, "T003")["date"] == "2027-12-31"
    with pytest.raises(SettlementRefused, match="第十九条"):
        a.check_account_use("T0001", "self", "medical_selfpay", date=D("2028-01-01"))


# --------------------------------------------------------------------------- the step


class Undated(ReferenceAdapter):
    """An adapter written before uses had a date."""

    def check_account_use(self, psn_no, relation, purpose, amount=None):
        return super().check_account_use(psn_no, relation, purpose, amount)


def pzh_world(adapter: Adapter) -> World:
    w = World(adapter)
    w.policy = "panzhihua"
    w.set_person(psn_no="W1", psn_type="1101")
    return w


def request() -> SimpleNamespace:
    return SimpleNamespace(node=SimpleNamespace(user_properties=[]))


def test_takes_use_date_reads_the_class_signature():
    assert takes_use_date(ReferenceAdapter()) and not takes_use_date(Undated())

    class Kw(ReferenceAdapter):
        def check_account_use(self, psn_no, relation, purpose, amount=None, **kw):
            return super().check_account_use(psn_no, relation, purpose, amount, **kw)
    assert takes_use_date(Kw())


def test_a_dated_use_refused_by_the_system_is_the_refusal_the_step_expects():
    w = pzh_world(ReferenceAdapter())
    when_use(w, "本人", "就医个人负担医疗费", day="2028-01-01")
    assert w.last_use["decision"] == "refused" and "第十九条" in w.last_use["err_msg"]
    then_use(w, request(), "被拒绝", "第十九条")
    with pytest.raises(MismatchError) as e:  # the use's 依据 is looked for in the reason, as in a clause (rclose7 D4)
        then_use(w, request(), "被拒绝", "第五条")
    assert (e.value.mismatches[0].field, e.value.mismatches[0].expected) == ("clause", "第五条")
    with pytest.raises(MismatchError) as e:  # and a refusal where the text allows fails, naming the reason
        then_use(w, request(), "被允许")
    assert "第十九条" in e.value.mismatches[0].actual


def test_a_dated_use_inside_validity_is_judged_by_the_article():
    w = pzh_world(ReferenceAdapter())
    when_use(w, "本人", "就医个人负担医疗费", day="2027-12-31")
    then_use(w, request(), "被允许", "第五条")


def test_an_adapter_without_a_date_keeps_its_undated_uses_and_dated_ones_are_not_applicable():
    w = pzh_world(Undated())
    when_use(w, "本人", "就医个人负担医疗费")
    assert w.last_use["decision"] == "allowed"
    with pytest.raises(NotApplicable, match="takes no `date`"):
        when_use(w, "本人", "就医个人负担医疗费", day="2028-01-01")


def test_a_use_date_that_is_no_date_is_the_feature_s_mistake():
    w = pzh_world(ReferenceAdapter())
    with pytest.raises(ScenarioError, match="2027-02-30"):
        when_use(w, "本人", "就医个人负担医疗费", day="2027-02-30")
