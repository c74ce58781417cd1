"""Opening year-to-date totals (a person's `ytd`) under a key no settlement reads are refused at their field,
never read as 0 — also where the person's chronic_diseases are not given, and for inpatient_pay and special_dedc
under a document that routes nothing along inpatient rules. Refusals show input text escaped.

Example regions (fictitious, conform/fixtures/regions/):
  南昌 nanchang-example: M03900 85% / cap 4000 (deductible 0, 四（二）2); M00500 90% / 60000.
  攀枝花 panzhihua-example: M03900 (两病) deductible 0 / 50% / cap 300; M00500 300 / 80% / 4000.
"""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from conform.harness.cli import main
from conform.reference.benefits import OutsideValidity
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind

D = Decimal
ZJ = {"ordinary.deductible.in_service": "600", "ordinary.cap": "4000", "ordinary.ratio.primary": "0.60",
      "ordinary.ratio.unrated": "0.60", "ordinary.ratio.secondary": "0.55", "ordinary.ratio.tertiary": "0.50",
      "ordinary.ratio.pharmacy": "0.50", "account.in_service.rate_of_base": "0.02", "account.retiree.monthly": "100"}


def _ledger(policy, ytd, region=None, params=None, psn_no="NA", diseases=None):
    person = {"psn_no": psn_no, "psn_type": "1101", "ytd": {"year": 2023, **ytd}}
    if diseases:
        person["chronic_diseases"] = [{"dise_codg": c, "kind": k} for c, k in diseases]
    c = parse_case({"policy": policy, "person": person})
    return PersonLedger(bind(policy, region or f"{policy}-example", params), c.person)


# --------------------------------------------------------------------------- a code the region cannot settle


@pytest.mark.parametrize("policy, amount", [("nanchang", "3500"), ("panzhihua", "250")])
@pytest.mark.parametrize("name", ["chronic_pay", "chronic_dedc"])
def test_without_chronic_diseases_a_code_the_region_has_no_figures_for_is_refused(policy, amount, name):
    """The reviewer's typo M3900 for M03900: read as 0, the M03900 visit would be paid as if its cap were whole."""
    if policy == "nanchang" and name == "chronic_dedc":
        amount = "0.01"  # 南昌's chronic deductible is 0 for every disease; any non-zero total names the key
    refused = _ledger(policy, {name: {"M3900": amount}}).opening_refused
    assert refused is not None and refused.field == f"{name}.M3900"
    assert "M3900" in str(refused) and "M03900" in str(refused)  # the key, and the codes the region does settle
    assert "M3900" in refused.zh


def test_nanchang_the_right_key_without_chronic_diseases_is_read():
    """M03900 3500.00 of its 4000 cap paid: a 1000.00 visit gets 4000 − 3500 = 500.00, not 850.00."""
    c = parse_case({"policy": "nanchang", "person": {"psn_no": "NA", "psn_type": "1101", "chronic_diseases": [
        {"dise_codg": "M03900", "kind": "chronic"}], "ytd": {"year": 2023, "chronic_pay": {"M03900": "3500"}}},
        "settlements": [{"id": "T1", "date": "2023-05-01", "med_type": "14", "facility": "primary",
                         "dise_codg": "M03900", "medfee_sumamt": "1000.00"}]})
    ledger = PersonLedger(bind("nanchang", "nanchang-example"), c.person)
    assert ledger.settle(c.items[0]).hifp_pay == D("500.00")
    bare = _ledger("nanchang", {"chronic_pay": {"M03900": "3500"}})
    assert bare.opening_refused is None and bare.ytd(2023).chronic_pay == {"M03900": D("3500.00")}


def test_jilin_without_chronic_diseases_any_code_is_kept_where_the_shared_figures_settle_it():
    """吉林 has a chronic ratio and cap for every disease (二（三）): any code can be settled, so it is read."""
    ledger = _ledger("jilin", {"chronic_pay": {"M77": "100"}})
    assert ledger.opening_refused is None and ledger.ytd(2023).chronic_pay == {"*": D("100.00")}


def test_conform_settle_exits_2_naming_the_field(tmp_path):
    path = tmp_path / "nc.json"
    path.write_text(json.dumps({"policy": "nanchang", "region": "nanchang-example",
                                "person": {"psn_no": "NA", "psn_type": "1101",
                                           "ytd": {"year": 2023, "chronic_pay": {"M3900": "3500"}}},
                                "settlements": [{"id": "T1", "date": "2023-05-01", "med_type": "11",
                                                 "facility": "primary", "medfee_sumamt": "100.00"}]}),
                    encoding="utf-8")
    res = CliRunner().invoke(main, ["settle", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "chronic_pay.M3900" in res.output


# --------------------------------------------------------------------------- inpatient totals nothing reads


@pytest.mark.parametrize("name", ["inpatient_pay", "special_dedc"])
@pytest.mark.parametrize("policy, region, params", [("zhejiang", None, ZJ), ("panzhihua", "panzhihua-example", None),
                                                     ("nanchang", "nanchang-example", None)])
def test_inpatient_totals_are_refused_where_no_settlement_goes_along_inpatient_rules(name, policy, region, params):
    ledger = PersonLedger(bind(policy, region, params),
                          parse_case({"policy": policy, "person": {"psn_no": "Z", "psn_type": "1101",
                                                                   "ytd": {"year": 2023, name: "800.00"}}}).person)
    refused = ledger.opening_refused
    assert refused is not None and refused.field == name
    assert f"ytd.{name} (800.00)" in str(refused) and "person Z" in str(refused)


@pytest.mark.parametrize("name", ["inpatient_pay", "special_dedc"])
def test_jilin_reads_inpatient_totals(name):
    ledger = _ledger("jilin", {name: "800.00"})
    assert ledger.opening_refused is None and getattr(ledger.ytd(2023), name) == D("800.00")


def test_zhejiang_conform_settle_refuses_inpatient_pay_instead_of_echoing_it(tmp_path):
    path = tmp_path / "zj.json"
    path.write_text(json.dumps({"policy": "zhejiang", "params": ZJ,
                                "person": {"psn_no": "Z", "psn_type": "1101",
                                           "ytd": {"year": 2023, "inpatient_pay": "800.00"}},
                                "settlements": [{"id": "S1", "date": "2023-05-01", "med_type": "11",
                                                 "facility": "primary", "medfee_sumamt": "100.00"}]}),
                    encoding="utf-8")
    res = CliRunner().invoke(main, ["settle", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "inpatient_pay" in res.output and '"800.00"' not in res.output


# --------------------------------------------------------------------------- wording and escaping


def test_jilin_a_shared_total_with_per_code_amounts_is_not_said_to_be_unread():
    """'*' is read (the shared cap); what is refused is its ambiguity with the per-code amounts."""
    refused = _ledger("jilin", {"chronic_pay": {"*": "50.00", "M77": "10.00"}}).opening_refused
    assert refused is not None and refused.field == "chronic_pay.*"
    assert "read by no settlement" not in str(refused) and "没有任何结算读取" not in refused.zh
    assert "cannot be read" in str(refused) and "M77" in str(refused)


HOSTILE = "B\x1b]0;pwn\x07X"


@pytest.mark.parametrize("ytd, diseases", [
    ({"chronic_pay": {"M3900": "250"}}, None),                                   # no figures for the code
    ({"chronic_pay": {"M3900": "250"}}, [("M03900", "two_disease")]),            # not registered
    ({"chronic_pay": {"*": "250"}}, None),                                       # no shared cap
    ({"chronic_pay": {"M\x1b[2J": "250"}}, [("M03900", "two_disease")]),         # the key itself
])
def test_opening_refusals_escape_control_characters(ytd, diseases):
    refused = _ledger("panzhihua", ytd, psn_no=HOSTILE, diseases=diseases).opening_refused
    assert refused is not None
    for text in (str(refused), refused.zh, refused.field):
        assert "\x1b" not in text and "\x07" not in text, text
    assert repr(HOSTILE) in str(refused) and repr(HOSTILE) in refused.zh


def test_a_refused_settlements_id_is_escaped():
    sid = "S\x1b]0;pwn\x07"
    c = parse_case({"policy": "panzhihua", "person": {"psn_no": "P", "psn_type": "1101"},
                    "settlements": [{"id": sid, "date": "2022-05-01", "med_type": "11", "facility": "primary",
                                     "medfee_sumamt": "100.00"}]})
    with pytest.raises(OutsideValidity) as e:
        PersonLedger(bind("panzhihua", "panzhihua-example"), c.person).settle(c.items[0])
    assert repr(sid) in str(e.value)
    assert "\x1b" not in str(e.value) and "\x1b" not in e.value.zh
