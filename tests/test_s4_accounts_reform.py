"""浙江 二（三）“2023年起开始实施改革”: before the account reform the reference does not compute what the account
pays (A-BEFORE-VALIDITY), as it refuses a use dated then; 南昌 一 states the account pays 普通门诊 before its
reform, and that stays.

zhejiang-example with the city's valid_from 2022-07-01 (三（二）): deductible 600, 三级 50%.
  V1 2022-09-01 三级 1000.00: (1000 − 600) × 50% = 200.00, 个人负担 800.00; the account's part is not this document's
  V2 2023-02-01 三级  100.00: a new year, within the deductible: fund 0.00, 个人负担 100.00
"""
from __future__ import annotations

from conform.reference.case import parse_case
from conform.reference.engine import compute_case

V1 = {"id": "V1", "date": "2022-09-01", "med_type": "11", "facility": "tertiary", "medfee_sumamt": "1000.00"}
V2 = {"id": "V2", "date": "2023-02-01", "med_type": "11", "facility": "tertiary", "medfee_sumamt": "100.00"}


def _zj(settlements: list[dict], balance: str | None = "500.00") -> dict:
    person = {"psn_no": "Z1", "psn_type": "1101", **({"acct_balance": balance} if balance else {})}
    case = {"policy": "zhejiang", "region": "zhejiang-example", "params": {"valid_from": "2022-07-01"},
            "person": person, "settlements": settlements}
    return compute_case(parse_case(case))


def test_a_settlement_before_the_account_reform_leaves_the_account_part_undetermined():
    out = _zj([V1])
    (s,) = out["settlements"]
    assert (s["hifp_pay"], s["psn_part_amt"]) == ("200.00", "800.00")  # the city's pooling still settles it
    assert s["acct_pay"] is None and s["psn_cash_pay"] is None
    assert "浙江 二（三）" in s["acct_undetermined"] and "A-BEFORE-VALIDITY" in s["acct_undetermined"]
    step = next(t for t in s["trace"] if t["step"] == "个人账户支付")
    assert step["clause"] == "浙江 二（三）；A-BEFORE-VALIDITY"
    assert "acct_balance" not in out  # the account may have paid by the earlier rules: unknown after


def test_after_the_reform_a_balance_made_unknown_leaves_the_account_part_undetermined_naming_why():
    """V1 (before the reform) may have been paid from the account: V2's account part is not computed from a
    balance nobody knows, and says which settlement made it unknown (f4b2247; it read as 0.00 paid)."""
    out = _zj([V1, V2])
    v2 = out["settlements"][1]
    assert (v2["acct_pay"], v2["psn_cash_pay"]) == (None, None)
    assert "V1" in v2["acct_undetermined"] and "A-BEFORE-VALIDITY" in v2["acct_undetermined"]
    assert "acct_balance" not in out


def test_a_settlement_that_does_not_use_the_account_leaves_the_balance_known():
    out = _zj([{**V1, "acct_used_flag": False}, V2])
    assert out["settlements"][0]["acct_pay"] is None  # still not this document's to say
    assert out["settlements"][1]["acct_pay"] == "100.00"  # 500.00 untouched before the reform pays V2
    assert out["acct_balance"] == "400.00"


def test_the_reversal_of_such_a_settlement_is_undetermined_too():
    out = _zj([V1, {"id": "R1", "date": "2023-01-05", "reverses": "V1"}])
    r = out["settlements"][1]
    assert r["hifp_pay"] == "-200.00" and r["acct_pay"] is None and "acct_undetermined" in r


def test_from_the_reform_on_the_account_pays_as_ever():
    out = _zj([{**V1, "date": "2023-01-01"}])
    assert (out["settlements"][0]["acct_pay"], out["settlements"][0]["psn_cash_pay"]) == ("500.00", "300.00")
    assert out["acct_balance"] == "0.00"


def test_nanchang_states_the_account_pays_before_its_reform():
    """南昌 一: before 2023 普通门诊 costs are paid from the account, the fund paying nothing (A-BEFORE-VALIDITY)."""
    case = {"policy": "nanchang", "region": "nanchang-example",
            "person": {"psn_no": "N1", "psn_type": "1101", "acct_balance": "300.00"},
            "settlements": [{"id": "N1", "date": "2022-12-01", "med_type": "11", "facility": "tertiary",
                             "medfee_sumamt": "500.00"}]}
    out = compute_case(parse_case(case), with_trace=False)
    (s,) = out["settlements"]
    assert (s["hifp_pay"], s["acct_pay"], s["psn_cash_pay"]) == ("0.00", "300.00", "200.00")
    assert "acct_undetermined" not in s and out["acct_balance"] == "0.00"


def test_a_caller_that_needs_a_number_gets_one_with_the_reason_not_to_trust_it():
    """The sample system answers 2207 from to_output: an amount string on its wire, never 'None'."""
    from conform.reference.engine import PersonLedger, rules_for

    case = parse_case({"policy": "zhejiang", "person": {"psn_no": "Z1", "psn_type": "1101", "acct_balance": "500.00"},
                       "settlements": [V1]})
    led = PersonLedger(rules_for("zhejiang", "zhejiang-example", {"valid_from": "2022-07-01"}), case.person)
    out = led.settle(case.items[0]).to_output(with_trace=False)
    assert (out["acct_pay"], out["psn_cash_pay"]) == ("0.00", "800.00") and "二（三）" in out["acct_undetermined"]
    assert led.balance is None
