"""Readings the texts leave open, named where the engine applies them, and dates a document does not give.

Worked by hand from the articles:
- 北京（三）: a retiree under 70 is credited 100 元/月; （四）lets the account pay a spouse's pharmacy costs. Both are
  the measures' own rules, in force from the issue date 2022-03-06 (A-BJ-EFFECTIVE); a region's valid_from dates
  the outpatient figures （五）leaves to it, not these. So with valid_from 2023-01-01, June 2022 is credited 100.00
  and a 50.00 use on 2022-06-01 from a 500.00 balance leaves 450.00; February 2022 (before 2022-03-06) is refused.
- 北京（五）leaves every ratio to the region; the measures have no retiree tilt. A region giving in-service ratios only
  lacks the retiree ratio itself: ordinary.ratio.retiree.<facility>, under （五）.
- A person retiring on 2023-07-15: July is credited as in service, 6000.00 × 2% = 120.00, citing
  A-ACCOUNT-RETIRE-MONTH; August as a retiree, 100.00 (born 1960, under 70).
- 南昌 四（二）1: a retiree's ratio is the in-service one + 5 points; a region pharmacy ratio of 97% gives 102%, paid
  at 100% (A-NC-RETIREE-RATIO-CAP): 1600.00 − 600 deductible = 1000.00 × 100% = 1000.00 (cap 2000).
- 攀枝花 第十条: the chronic deductible and cap are per disease (A-PZH-CHRONIC-PER-DISEASE), cited where another
  disease counted first.
- 吉林 二（四）: a special disease against a spent inpatient cap pays 0.00, and nothing passes to ordinary pooling
  (A-JL-SPECIAL-NO-OVERFLOW).
"""
from __future__ import annotations

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import compute_case
from conform.reference.policy import MissingParameter

BJ_RETIREE = {"psn_no": "BJ1", "psn_type": "1201", "birth_date": "1960-01-01", "acct_balance": "500.00"}


def _bj(**extra) -> dict:
    case = {"policy": "beijing", "region": "beijing-example", "params": {"valid_from": "2023-01-01"},
            "person": BJ_RETIREE, **extra}
    return compute_case(parse_case(case))


def test_a_beijing_region_start_does_not_date_the_measures_own_account_credit():
    out = _bj(account_credits=[{"month": "2022-06"}])
    (credit,) = out["account_credits"]
    assert credit["amount"] == "100.00"
    assert credit["trace"][-1]["clause"].startswith("北京 (三)")


def test_a_beijing_region_start_does_not_date_the_measures_own_account_use():
    out = _bj(account_uses=[{"id": "U1", "date": "2022-06-01", "relation": "spouse", "purpose": "pharmacy_selfpay",
                             "amount": "50.00"}])
    (use,) = out["account_uses"]
    assert (use["decision"], use["acct_balance"]) == ("allowed", "450.00")


def test_a_beijing_credit_before_the_measures_issue_date_is_still_refused():
    with pytest.raises(Exception, match="2022-03-06"):
        _bj(account_credits=[{"month": "2022-02"}])


def test_a_beijing_settlement_before_the_region_start_is_still_refused():
    with pytest.raises(Exception, match="2023-01-01"):
        _bj(settlements=[{"id": "V1", "date": "2022-12-31", "med_type": "11", "facility": "tertiary",
                          "medfee_sumamt": "2800.00"}])


def test_a_beijing_region_without_retiree_ratios_is_told_the_retiree_ratio_under_article_5():
    values = {"ordinary.deductible.in_service": "1800", "ordinary.deductible.retiree": "1300",
              "ordinary.cap.in_service": "20000", "ordinary.cap.retiree": "20000",
              "ordinary.ratio.in_service.tertiary": "0.70"}
    case = {"policy": "beijing", "params": values, "person": {"psn_no": "BJ2", "psn_type": "1201"},
            "settlements": [{"id": "V1", "date": "2023-03-05", "med_type": "11", "facility": "tertiary",
                             "medfee_sumamt": "2800.00"}]}
    with pytest.raises(MissingParameter) as e:
        compute_case(parse_case(case))
    assert e.value.key == "ordinary.ratio.retiree.tertiary"
    assert "北京 (五)" in str(e.value) and "retiree_ratio_bonus" not in str(e.value)


def test_a_zhejiang_settlement_before_the_default_start_names_the_reading_that_dates_it():
    case = {"policy": "zhejiang", "region": "zhejiang-example", "person": {"psn_no": "Z1", "psn_type": "1101"},
            "settlements": [{"id": "V1", "date": "2022-12-31", "med_type": "11", "facility": "tertiary",
                             "medfee_sumamt": "1600.00"}]}
    with pytest.raises(Exception, match="浙江 二（三）；A-ZJ-VALID-FROM"):
        compute_case(parse_case(case))


@pytest.mark.parametrize("retire_date, july, cites", [
    ("2023-07-15", "120.00", True),   # in service on 1 July: 6000.00 × 2%
    ("2023-07-01", "100.00", False),  # a retiree from 1 July: the month is a retiree's, no reading needed
])
def test_the_month_of_retirement_is_credited_by_the_type_on_its_first_day_naming_the_reading(retire_date, july, cites):
    case = {"policy": "beijing", "person": {"psn_no": "BJ4", "psn_type": "1201", "birth_date": "1960-01-01",
                                            "retire_date": retire_date},
            "account_credits": [{"month": "2023-06", "base": "6000.00"}, {"month": "2023-07", "base": "6000.00"},
                                {"month": "2023-08"}]}
    june, jul, aug = compute_case(parse_case(case))["account_credits"]
    assert (june["amount"], jul["amount"], aug["amount"]) == ("120.00", july, "100.00")
    assert ("A-ACCOUNT-RETIRE-MONTH" in jul["trace"][-1]["clause"]) is cites
    assert "A-ACCOUNT-RETIRE-MONTH" not in june["trace"][-1]["clause"] + aug["trace"][-1]["clause"]


@pytest.mark.parametrize("ratio, pay, capped", [("0.97", "1000.00", True), ("0.90", "950.00", False)])
def test_nanchang_retiree_ratio_above_100_percent_pays_100_percent_naming_the_reading(ratio, pay, capped):
    # (1600.00 − 600) × min(100%, ratio + 5 points): 97% → 100% = 1000.00; 90% → 95% = 950.00
    case = {"policy": "nanchang", "params": {"ordinary.ratio.in_service.pharmacy": ratio},
            "person": {"psn_no": "N1", "psn_type": "1201"},
            "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "41", "facility": "pharmacy",
                             "medfee_sumamt": "1600.00"}]}
    (s,) = compute_case(parse_case(case))["settlements"]
    assert s["hifp_pay"] == pay
    assert any("A-NC-RETIREE-RATIO-CAP" in t["clause"] for t in s["trace"]) is capped


def test_panzhihua_per_disease_chronic_figures_name_the_reading_where_another_disease_counted():
    # M001 and M002 each: deductible 300, 80%, cap 4000 (第十条 leaves them to 现行政策). V1 (M001) 1000.00:
    # (1000 − 300) × 80% = 560.00. V2 (M002) 1000.00: its own deductible again, 560.00 — under one shared deductible
    # it would be 1000 × 80% = 800.00, so V2's deductible and payment rest on the per-disease reading; V1's do not.
    params = {f"chronic.{d}.{k}": v for d in ("M001", "M002")
              for k, v in (("deductible", "300"), ("ratio", "0.80"), ("cap", "4000"))}
    case = {"policy": "panzhihua", "params": params,
            "person": {"psn_no": "P1", "psn_type": "1101",
                       "chronic_diseases": [{"dise_codg": d, "kind": "chronic"} for d in ("M001", "M002")]},
            "settlements": [{"id": f"V{i}", "date": f"2023-03-0{i}", "med_type": "14", "dise_codg": d,
                             "facility": "secondary", "medfee_sumamt": "1000.00"} for i, d in ((1, "M001"), (2, "M002"))]}
    v1, v2 = compute_case(parse_case(case))["settlements"]
    assert (v1["hifp_pay"], v2["hifp_pay"]) == ("560.00", "560.00")
    steps = {t["step"]: t["clause"] for t in v2["trace"]}
    assert steps["慢特病起付线"] == steps["慢特病支付"] == "攀枝花 第十条；A-PZH-CHRONIC-PER-DISEASE"
    assert not any("A-PZH-CHRONIC-PER-DISEASE" in t["clause"] for t in v1["trace"])


@pytest.mark.parametrize("inpatient_ytd, pay, cites", [("150000.00", "0.00", True), ("0.00", "1275.00", False)])
def test_jilin_special_disease_against_a_spent_inpatient_cap_names_the_no_overflow_reading(inpatient_ytd, pay, cites):
    # jilin-example: 二级 inpatient deductible 500, ratio 85%, cap 150000: (2000 − 500) × 85% = 1275.00, or 0.00 when spent
    case = {"policy": "jilin", "region": "jilin-example",
            "person": {"psn_no": "J1", "psn_type": "1101", "chronic_diseases": [{"dise_codg": "S00100", "kind": "special"}],
                       "ytd": {"year": 2023, "inpatient_pay": inpatient_ytd}},
            "settlements": [{"id": "S1", "date": "2023-09-01", "med_type": "14", "dise_codg": "S00100",
                             "facility": "secondary", "medfee_sumamt": "2000.00"}]}
    (s,) = compute_case(parse_case(case))["settlements"]
    assert s["hifp_pay"] == pay
    assert any("A-JL-SPECIAL-NO-OVERFLOW" in t["clause"] for t in s["trace"]) is cites


# --------------------------------------------------------------------------- a reading is cited where it decides

def _credits(birth: str, months: list[str]) -> list[dict]:
    case = {"policy": "beijing", "person": {"psn_no": "BJ7", "psn_type": "1201", "birth_date": birth},
            "account_credits": [{"month": m} for m in months]}
    return compute_case(parse_case(case))["account_credits"]


@pytest.mark.parametrize("birth, cited", [("1953-05-10", [False, True, False]), ("1953-05-01", [False, False, False])])
def test_beijing_age_70_reading_is_cited_in_the_birthday_month_alone(birth, cited):
    # 北京（三）: under 70 100 元/月, 70周岁(含)以上 110. Born 1953-05-10: April 2023 69 (100.00), May turns 70 — the
    # month the reading decides (110.00), June 70 by any reading (110.00). Born on 1 May: 70 all May by any reading.
    got = _credits(birth, ["2023-04", "2023-05", "2023-06"])
    assert [c["amount"] for c in got] == ["100.00", "110.00", "110.00"]
    assert [("A-BJ-AGE70" in c["trace"][-1]["clause"]) for c in got] == cited


def _jilin(settlements: list[dict], **person) -> list[dict]:
    case = {"policy": "jilin", "region": "jilin-example",
            "person": {"psn_no": "J2", "psn_type": "1101", **person}, "settlements": settlements}
    return compute_case(parse_case(case))["settlements"]


def _cites(s: dict, label: str) -> str:
    return next(t["clause"] for t in s["trace"] if t["step"] == label)


def test_jilin_hospital_stay_reading_is_cited_on_the_admission_and_discharge_days_alone():
    # 六（三）住院期间不再享受普通门诊待遇: a stay 05-10 to 05-20. The 15th is within it by any reading (0.00, article
    # alone); the 10th and the 20th are, by A-JL-HOSPITAL-STAY, which counts both ends.
    visits = [{"id": f"V{d}", "date": f"2023-05-{d}", "med_type": "11", "facility": "secondary",
               "medfee_sumamt": "1000.00"} for d in (10, 15, 20)]
    got = _jilin(visits, hospital_stays=[{"begin": "2023-05-10", "end": "2023-05-20"}])
    assert [s["hifp_pay"] for s in got] == ["0.00", "0.00", "0.00"]
    assert [("A-JL-HOSPITAL-STAY" in _cites(s, "住院期间")) for s in got] == [True, False, True]


def test_jilin_emergency_per_visit_deductible_reading_is_cited_from_the_years_second_visit():
    # 二（五）急诊抢救参照同级别住院待遇 (jilin-example 二级: 住院起付标准 500, 85%): E1 1000.00 takes 500 by any reading,
    # (1000 − 500) × 85% = 425.00; E2 takes 500 again only by counting it per visit (A-JL-EMERGENCY-DEDUCTIBLE): 425.00.
    visits = [{"id": f"E{i}", "date": f"2023-0{i}-01", "med_type": "13", "facility": "secondary",
               "medfee_sumamt": "1000.00"} for i in (1, 2)]
    e1, e2 = _jilin(visits)
    assert (e1["hifp_pay"], e2["hifp_pay"]) == ("425.00", "425.00")
    assert "A-JL-EMERGENCY-DEDUCTIBLE" not in _cites(e1, "起付线（参照住院）")
    assert "A-JL-EMERGENCY-DEDUCTIBLE" in _cites(e2, "起付线（参照住院）")


def test_the_ordinary_steps_of_a_chronic_overflow_cite_the_clause_sending_the_rest_there():
    # 攀枝花 M001 (deductible 300, 80%, cap 400), in service, 二级 (第七条: deductible 200, 60%): V1 2000.00:
    # (2000 − 300) × 80% = 1360 > 400 → 400.00, covering 400 / 80% = 500.00; the other 2000 − 300 − 500 = 1200.00 goes
    # to ordinary pooling by 第十一条: deductible 200, (1200 − 200) × 60% = 600.00; hifp 1000.00. A system sending
    # nothing on breaks 第十一条 first: the ordinary deductible step cites it before 第七条.
    params = {"chronic.M001.deductible": "300", "chronic.M001.ratio": "0.80", "chronic.M001.cap": "400"}
    case = {"policy": "panzhihua", "params": params,
            "person": {"psn_no": "P9", "psn_type": "1101", "chronic_diseases": [{"dise_codg": "M001", "kind": "chronic"}]},
            "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "14", "dise_codg": "M001",
                             "facility": "secondary", "medfee_sumamt": "2000.00"}]}
    (s,) = compute_case(parse_case(case))["settlements"]
    assert s["hifp_pay"] == "1000.00"
    # where the part enters ordinary pooling; the 200.00 charged on it rests on how the crossing visit is split (another
    # reading sends nothing on from it: probe s23 G F3)
    assert _cites(s, "起付线") == "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；攀枝花 第七条"
    # the ratio and the cap are 第七条's alone: a fen off there is not the overflow's
    assert _cites(s, "支付比例") == _cites(s, "年度最高支付限额") == "攀枝花 第七条"
