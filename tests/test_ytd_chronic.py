"""Opening year-to-date chronic totals (`person.ytd.chronic_pay` / `chronic_dedc`) are read under the cap
they count against, or refused: never dropped as if nothing had been paid.

吉林 二（三）: 门诊慢性病与普通门诊统筹起付标准合并计算; a region may cap a disease 按病种, the other
diseases share chronic.cap (A-JL-CHRONIC-CAP-PER-DISEASE); a disease-code opening total counts against the
cap that disease is settled under (A-JL-CHRONIC-YTD-BUCKET). 攀枝花 第十条 and 南昌 四（二）2 cap each disease
apart: a shared "*" total cannot be split among them.

Regions: the reviewer's 吉林 region (deductible 250, cap 1500, chronic 70% / cap 1000, no pharmacy ratio);
the example regions (conform/fixtures/regions/): 吉林 ordinary 200 / 二级 55%, chronic 70% / cap 3000, M00500 5000;
攀枝花 M03900 deductible 0 / 50% / cap 300, M00500 300 / 80% / 4000.
"""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from conform.harness.cli import main
from conform.reference.benefits import OpeningRefused
from conform.reference.case import CaseError, parse_case
from conform.reference.engine import PersonLedger, compute_case
from conform.reference.policy import bind

D = Decimal
JL_REVIEW = {"ordinary.deductible": "250", "ordinary.cap": "1500", "inpatient.retiree_ratio_bonus": "0.45",
             "chronic.ratio": "0.70", "chronic.cap": "1000"}


ORDINARY = {"id": "O1", "date": "2023-06-01", "med_type": "11", "facility": "secondary", "medfee_sumamt": "500"}


def chronic(sid, code, amount="1000.00", date="2023-06-01"):
    return {"id": sid, "date": date, "med_type": "14", "facility": "secondary", "dise_codg": code,
            "medfee_sumamt": amount}


def case(policy, ytd, settlements, diseases=(("M1", "chronic"),), region=None, params=None, person=None):
    data = {"policy": policy,
            "person": {"psn_no": "K", "psn_type": "1101",
                       "chronic_diseases": [{"dise_codg": c, "kind": k} for c, k in diseases],
                       "ytd": {"year": 2023, **ytd}, **(person or {})},
            "settlements": list(settlements)}
    if region:
        data["region"] = region
    if params:
        data["params"] = params
    return parse_case(data)


def settle(c, region=None, params=None):
    ledger = PersonLedger(bind(c.policy, region, params), c.person)
    return ledger, [ledger.settle(s) for s in c.items]


def steps(r):
    return {s["step"]: s for s in r.trace.render()}


# =========================================================================== 吉林: the shared cap


@pytest.mark.parametrize("key", ["M1", "*"])
def test_jilin_opening_chronic_pay_by_disease_code_counts_against_the_shared_cap(key):
    """The reviewer's K1: 1000 × 70% = 700, but only 1000 − 900 = 100.00 of the cap is left; it covers
    100 / 0.70 = 142.86 of the bill, and 1000 − 142.86 = 857.14 goes to ordinary pooling (六（三）,
    A-JL-CHRONIC-OVERFLOW): 857.14 × 55% = 471.43 (deductible 250 already met). Total 571.43 — by code or by "*"."""
    c = case("jilin", {"ordinary_dedc": "250.00", "chronic_pay": {key: "900.00"}}, [chronic("K1", "M1")])
    ledger, (r,) = settle(c, None, JL_REVIEW)
    assert (r.chronic_pay, r.ordinary_pay, r.hifp_pay, r.act_pay_dedc) == (
        D("100.00"), D("471.43"), D("571.43"), D("0.00"))
    assert ledger.ytd(2023).chronic_pay == {"*": D("1000.00")}
    pay = steps(r)["慢特病支付"]
    assert "此前已支付900.00元" in pay["detail"]
    # the reading is cited only where the shared cap's opening total was given by disease code
    assert ("A-JL-CHRONIC-YTD-BUCKET" in pay["clause"]) is (key == "M1")


def test_jilin_a_disease_with_a_cap_of_its_own_keeps_its_opening_total_apart():
    """jilin-example: M00500 has its own cap 5000, M00100 shares 3000.
    Opening M00500 4900, M00100 2950 (shared). V1 M00500 1000: 700 > 5000 − 4900 = 100 → 100.00;
    100 / 0.70 = 142.86; (1000 − 142.86) × 55% = 471.43 (deductible 200 met). V2 M00100 100: 70 > 3000 − 2950
    = 50 → 50.00; 50 / 0.70 = 71.43; (100 − 71.43) × 55% = 15.71."""
    c = case("jilin", {"ordinary_dedc": "200", "chronic_pay": {"M00500": "4900", "M00100": "2950"}},
             [chronic("V1", "M00500"), chronic("V2", "M00100", "100.00", "2023-06-02")],
             diseases=(("M00500", "chronic"), ("M00100", "chronic")))
    ledger, (r1, r2) = settle(c, "jilin-example")
    assert (r1.chronic_pay, r1.ordinary_pay) == (D("100.00"), D("471.43"))
    assert (r2.chronic_pay, r2.ordinary_pay) == (D("50.00"), D("15.71"))
    assert ledger.ytd(2023).chronic_pay == {"M00500": D("5000.00"), "*": D("3000.00")}
    assert "A-JL-CHRONIC-YTD-BUCKET" not in steps(r1)["慢特病支付"]["clause"]
    assert "A-JL-CHRONIC-YTD-BUCKET" in steps(r2)["慢特病支付"]["clause"]


def test_jilin_shared_total_beside_a_code_of_the_same_cap_is_refused_as_ambiguous():
    c = case("jilin", {"chronic_pay": {"*": "900.00", "M1": "300.00"}}, [chronic("K1", "M1")])
    with pytest.raises(OpeningRefused) as e:
        settle(c, None, JL_REVIEW)
    assert e.value.field == "chronic_pay.*" and "person K" in str(e.value) and "M1" in str(e.value)
    assert "A-JL-CHRONIC-YTD-BUCKET" in e.value.zh


def test_jilin_shared_key_where_every_registered_disease_has_its_own_cap_is_refused():
    c = case("jilin", {"chronic_pay": {"*": "900.00"}}, [chronic("V1", "M00500")], diseases=(("M00500", "chronic"),))
    with pytest.raises(OpeningRefused) as e:
        settle(c, "jilin-example")
    assert e.value.field == "chronic_pay.*"
    assert "person K" in str(e.value) and "'*'" in str(e.value) and "M00500" in str(e.value)
    assert "参保人 K" in e.value.zh and "“*”" in e.value.zh


def test_jilin_opening_chronic_deductible_is_refused_and_points_to_ordinary_dedc():
    """二（三）合并计算: the chronic deductible is the ordinary one; given apart it was silently ignored."""
    c = case("jilin", {"ordinary_dedc": "100.00", "chronic_dedc": {"M1": "150.00"}}, [chronic("K1", "M1")])
    with pytest.raises(OpeningRefused) as e:
        settle(c, None, JL_REVIEW)
    assert e.value.field == "chronic_dedc.M1"
    assert "ordinary_dedc" in str(e.value) and "吉林 二(三)" in str(e.value) and "合并计算" in e.value.zh


def test_jilin_opening_pay_of_a_special_disease_is_refused():
    """二（四）: a 门诊特殊疾病 is paid along inpatient rules, so its payments are inpatient_pay, not chronic_pay."""
    c = case("jilin", {"chronic_pay": {"S1": "900.00"}}, [ORDINARY], diseases=(("S1", "special"), ("M1", "chronic")))
    with pytest.raises(OpeningRefused, match="inpatient_pay") as e:
        settle(c, None, JL_REVIEW)
    assert e.value.field == "chronic_pay.S1"


def test_zero_opening_amounts_are_read_as_given_under_any_key():
    c = case("jilin", {"ordinary_dedc": "250.00", "chronic_dedc": {"M1": "0.00"}, "chronic_pay": {"*": "0"}},
             [chronic("K1", "M1")])
    _, (r,) = settle(c, None, JL_REVIEW)
    assert r.chronic_pay == D("700.00")  # 1000 × 70%, the cap whole


# =========================================================================== 攀枝花, 北京: no shared cap


@pytest.mark.parametrize("name", ["chronic_pay", "chronic_dedc"])
def test_panzhihua_shared_key_is_refused_not_dropped(name):
    """攀枝花 第十条 leaves each disease's deductible and cap to the region (chronic.<disease>.*): a "*" total
    was dropped, so M03900 1000 × 50% = 500 → cap 300 paid 300.00 as if nothing had been paid."""
    c = case("panzhihua", {name: {"*": "200.00"}}, [chronic("V1", "M03900")], diseases=(("M03900", "two_disease"),))
    with pytest.raises(OpeningRefused) as e:
        settle(c, "panzhihua-example")
    assert e.value.field == f"{name}.*" and "person K" in str(e.value) and "dise_codg" in str(e.value)


def test_panzhihua_opening_by_code_is_read():
    """M03900: 1000 × 50% = 500; cap 300 − 200 already paid = 100.00."""
    c = case("panzhihua", {"chronic_pay": {"M03900": "200.00"}}, [chronic("V1", "M03900")],
             diseases=(("M03900", "two_disease"),))
    _, (r,) = settle(c, "panzhihua-example")
    assert r.chronic_pay == D("100.00")


def test_beijing_opening_chronic_pay_is_refused():
    c = case("beijing", {"chronic_pay": {"M1": "10.00"}}, [ORDINARY])
    with pytest.raises(OpeningRefused, match="no chronic-disease benefit"):
        settle(c, "beijing-example")


# =========================================================================== where the refusal is shown


def test_every_settlement_of_the_person_is_refused_with_the_reason_in_both_languages():
    """In a batch (`conform audit`) the person's rows are refused one by one, each naming the person and key."""
    c = case("panzhihua", {"chronic_pay": {"*": "200.00"}},
             [ORDINARY],
             diseases=(("M03900", "two_disease"),))
    ledger = PersonLedger(bind("panzhihua", "panzhihua-example"), c.person)
    with pytest.raises(OpeningRefused) as e:
        ledger.settle(c.items[0])
    assert str(e.value).startswith("settlement O1: person K: ytd.chronic_pay key '*'")
    assert e.value.zh.startswith("结算 O1：参保人 K 的期初年度累计 ytd.chronic_pay 中的键 “*”")


def test_compute_case_refuses_as_bad_input_naming_case_and_field():
    c = case("panzhihua", {"chronic_pay": {"*": "200.00"}}, [chronic("V1", "M03900")], region="panzhihua-example",
             diseases=(("M03900", "two_disease"),))
    with pytest.raises(CaseError) as e:
        compute_case(c)
    assert (e.value.item, e.value.field) == ("person ytd", "chronic_pay.*")
    assert str(e.value).startswith("case 0 (K), person ytd, field chronic_pay.*: person K:")


def test_conform_settle_exits_2_naming_file_line_case_and_field(tmp_path):
    data = {"policy": "jilin", "params": JL_REVIEW,
            "person": {"psn_no": "K", "psn_type": "1101", "chronic_diseases": [{"dise_codg": "M1", "kind": "chronic"}],
                       "ytd": {"year": 2023, "ordinary_dedc": "100.00", "chronic_dedc": {"M1": "150.00"}}},
            "settlements": [chronic("K1", "M1")]}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(main, ["settle", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert f"{path} line 1: case 0 (K), person ytd, field chronic_dedc.M1" in res.output
    assert "ytd.ordinary_dedc" in res.output
