"""The setldetail fund rows — every row but the personal account's, a code the config does not list (`other`)
included — add up to setlinfo.fund_pay_sumamt where the answer gives both (基金支付总额 is every fund but the
account). A row of another fund repeating the pooling payment (390100 城乡居民) says the visit was paid twice and
fails on setldetail (s28 probeH4 F4: it was dropped silently because the 310100 rows alone add up to hifp_pay).
Figures: 攀枝花 第七条, scope 430, deductible 200, (430 − 200) × 50% = 115 pooled = fund_pay_sumamt."""
from __future__ import annotations

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject
from conform.harness.plugin import MismatchError
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
V1 = visit("V1", "2023-03-01", "500.00", fulamt_ownpay_amt="50.00", preselfpay_amt="20.00")


def adapter(infnos, change):
    def edit(env, answer):
        if env["infno"] in infnos and answer.get("infcode") == 0:
            change(answer["output"])
        return answer
    a, _ = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    return a


def other_fund_too(output):
    output["setldetail"] += [{**r, "fund_pay_type": "390100"} for r in output["setldetail"]
                             if r["fund_pay_type"] == "310100"]


def test_a_row_of_another_fund_repeating_the_pooling_fails_on_setldetail():
    a = adapter({"2207"}, other_fund_too)
    with pytest.raises(MismatchError) as e:
        a.settle("T0001", V1)
    [m] = e.value.mismatches
    assert (m.field, m.item) == ("setldetail", "V1 2207")
    assert "115.00" in m.expected and m.actual.startswith("230.00")


def test_a_reversal_whose_rows_exceed_its_fund_total_fails_too():
    a = adapter({"2208"}, other_fund_too)
    assert a.settle("T0001", V1)["hifp_pay"] == "115.00"
    with pytest.raises(MismatchError) as e:
        a.reverse("T0001", "V1")
    [m] = e.value.mismatches
    assert m.field == "setldetail" and "-115.00" in m.expected and m.actual.startswith("-230.00")


def test_another_fund_inside_fund_pay_sumamt_passes():
    """A 大额 row (390100 here, not listed: other) that fund_pay_sumamt counts is a consistent answer."""
    def big(output):
        output["setldetail"].append({"fund_pay_type": "390100", "fund_payamt": 10})
        output["setlinfo"]["fund_pay_sumamt"] += 10
        output["setlinfo"]["psn_part_amt"] -= 10
        output["setlinfo"]["psn_cash_pay"] -= 10
    a = adapter({"2206", "2207"}, big)
    got = a.settle("T0001", V1)
    assert (got["hifp_pay"], got["fund_pay_sumamt"]) == ("115.00", "125.00")


def test_no_rows_nothing_to_compare():
    a = adapter({"2206", "2207"}, lambda output: output.pop("setldetail"))
    assert a.settle("T0001", V1)["fund_pay_sumamt"] == "115.00"


def test_a_row_for_the_hospitals_share_beside_the_funds_passes():
    """A platform listing 医院负担 (hosp_part_amt, no fund's money, beside fund_pay_sumamt) as a row of its own: the
    rows add up to fund_pay_sumamt + hosp_part_amt, a whole answer (5.00 of the 115.00 part borne by the hospital)."""
    def hospital_row(output):
        output["setldetail"].append({"fund_pay_type": "999996", "fund_payamt": 5})
        output["setlinfo"]["hosp_part_amt"] = 5
        output["setlinfo"]["psn_part_amt"] -= 5
        output["setlinfo"]["psn_cash_pay"] -= 5
    a = adapter({"2206", "2207"}, hospital_row)
    assert a.settle("T0001", V1)["fund_pay_sumamt"] == "115.00"


def test_rows_past_the_funds_and_the_hospitals_share_still_fail():
    def too_much(output):
        output["setldetail"].append({"fund_pay_type": "999996", "fund_payamt": 7})
        output["setlinfo"]["hosp_part_amt"] = 5
    a = adapter({"2207"}, too_much)
    with pytest.raises(MismatchError) as e:
        a.settle("T0001", V1)
    assert [m.field for m in e.value.mismatches] == ["setldetail"]
