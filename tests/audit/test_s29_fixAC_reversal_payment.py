"""A reading that decides the deductible (A-REVERSAL; 浙江's A-YEAR-BY-SETTLEMENT-DATE) is cited on the payment computed
from that deductible, and A-REVERSAL on a payment that used cap room a reversal gave back — alike on the plan and the
reference route (probe s29 A2 F1).

攀枝花 第七条, panzhihua-example, in service: deductible 200.00 a natural year, cap 1000.00 a year; 二级 60%, 三级 50%.
No text speaks of reversals: that one gives back what its settlement counted is the reading A-REVERSAL (common.yaml).
浙江 二（一）, zhejiang-example, in service at 二级: deductible 600.00, 60%, cap 2000.00; the text names no period for
them, so the natural year of the settlement date is the tool's reading (zhejiang.yaml `year_reading`).
The reference route's persons are sent there by a retirement date years later (in service on every date here).
"""
from __future__ import annotations

import pytest

from _hand_audit import discrepancies

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,init_setl_id,medfee_sumamt,act_pay_dedc,hifp_pay,"
          "fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay")
ROUTES = {"plan": {}, "reference": {"retire_date": "2030-01-01"}}
SEVENTH = "攀枝花 第七条"
ZJ = "浙江 二（一）"
PAY_FIELDS = ("hifp_pay", "fund_pay_sumamt", "psn_part_amt")


def _run(tmp_path, rows: list[str], persons: list[dict], policy: str, region: str) -> dict:
    return discrepancies(tmp_path, HEADER, rows, persons, policy, region)


# A1 600.00 at 三级: deductible 200.00, (600 − 200) × 50% = 200.00; reversed right after (recorded right). A2 400.00:
# under A-REVERSAL the deductible is due again, 200.00, and (400 − 200) × 50% = 100.00 (cap left 1000.00). Recorded as a
# system keeping the reversed deductible: 0.00 and 400 × 50% = 200.00 — right under the other reading.
DEDUCTIBLE_ROWS = [
    "A1,A,1101,2023-02-01,11,tertiary,,600.00,200.00,200.00,200.00,400.00,0.00,400.00",
    "AR,A,1101,2023-02-01,11,tertiary,A1,-600.00,-200.00,-200.00,-200.00,-400.00,0.00,-400.00",
    "A2,A,1101,2023-03-01,11,tertiary,,400.00,0.00,200.00,200.00,200.00,0.00,200.00",
]


@pytest.mark.parametrize("route", ROUTES)
def test_a_payment_computed_from_a_deductible_the_reversal_decides_cites_it(tmp_path, route):
    got = _run(tmp_path, DEDUCTIBLE_ROWS, [{"psn_no": "A", "ytd": {"year": 2023}, **ROUTES[route]}],
               "panzhihua", "panzhihua-example")
    assert got[("A2", "act_pay_dedc")] == ("200.00", "-200.00", f"{SEVENTH}；A-REVERSAL", route)
    for f in PAY_FIELDS:  # the whole 100.00 多付 exists only under the reading
        assert got[("A2", f)][2:] == (f"{SEVENTH}；A-REVERSAL", route), f
    assert got[("A2", "hifp_pay")][:2] == ("100.00", "100.00")


# M1 200.00 at 二级: all to the deductible, nothing paid. M2 2000.00: deductible met, 2000 × 60% = 1200.00 > 1000.00 →
# 1000.00 (the whole cap), reversed right after: it gives back the payment, no deductible. M3 500.00: deductible met
# (M1's 200.00), 500 × 60% = 300.00; under A-REVERSAL 1000.00 of the cap is left → 300.00 (not cut). Had M2R given
# nothing back the cap would be spent and 0.00 right — as recorded. So the 300.00 少付 rests on the reading; the
# deductible (met by M1 either way) does not.
CAP_ROOM_ROWS = [
    "M1,M,1101,2023-03-01,11,secondary,,200.00,200.00,0.00,0.00,200.00,0.00,200.00",
    "M2,M,1101,2023-03-05,11,secondary,,2000.00,0.00,1000.00,1000.00,1000.00,0.00,1000.00",
    "M2R,M,1101,2023-03-05,11,secondary,M2,-2000.00,0.00,-1000.00,-1000.00,-1000.00,0.00,-1000.00",
    "M3,M,1101,2023-04-01,11,secondary,,500.00,0.00,0.00,0.00,500.00,0.00,500.00",
]


@pytest.mark.parametrize("route", ROUTES)
def test_an_uncapped_payment_that_used_cap_room_a_reversal_gave_back_cites_it(tmp_path, route):
    got = _run(tmp_path, CAP_ROOM_ROWS, [{"psn_no": "M", "ytd": {"year": 2023}, **ROUTES[route]}],
               "panzhihua", "panzhihua-example")
    assert ("M3", "act_pay_dedc") not in got
    assert got[("M3", "hifp_pay")] == ("300.00", "-300.00", f"{SEVENTH}；A-REVERSAL", route)
    for f in PAY_FIELDS:
        assert got[("M3", f)][2:] == (f"{SEVENTH}；A-REVERSAL", route), f


def test_a_reversal_a_month_later_gives_back_cap_room_the_next_payment_uses(tmp_path):
    """The probe's rev2 (reference route: a reversal not right after its settlement). K1 2000.00 at 三级: 200.00 and
    (2000 − 200) × 50% = 900.00; K2 400.00: deductible met, 400 × 50% = 200.00 > 1000 − 900 = 100.00 left → 100.00;
    KR reverses K1 a month later: 200.00 of the deductible and 900.00 of the cap come back. K3 600.00: deductible 200.00
    again, (600 − 200) × 50% = 200.00 ≤ 900.00 left → 200.00. Recorded as a system keeping K1: 200.00 and 0.00 (the
    cap spent), which is right under the other reading: the 200.00 少付 rests on A-REVERSAL."""
    rows = ["K1,K,1101,2023-02-01,11,tertiary,,2000.00,200.00,900.00,900.00,1100.00,0.00,1100.00",
            "K2,K,1101,2023-03-01,11,tertiary,,400.00,0.00,100.00,100.00,300.00,0.00,300.00",
            "KR,K,1101,2023-04-01,11,tertiary,K1,-2000.00,-200.00,-900.00,-900.00,-1100.00,0.00,-1100.00",
            "K3,K,1101,2023-05-01,11,tertiary,,600.00,200.00,0.00,0.00,600.00,0.00,600.00"]
    got = _run(tmp_path, rows, [{"psn_no": "K", "ytd": {"year": 2023}}], "panzhihua", "panzhihua-example")
    assert got[("K3", "hifp_pay")] == ("200.00", "-200.00", f"{SEVENTH}；A-REVERSAL", "reference")
    for f in PAY_FIELDS:
        assert got[("K3", f)][2:] == (f"{SEVENTH}；A-REVERSAL", "reference"), f


@pytest.mark.parametrize("route", ROUTES)
def test_zhejiang_year_reading_on_the_deductible_is_carried_to_the_payment(tmp_path, route):
    """P1 1000.00 at 二级, the first of 2023: deductible 600.00, (1000 − 600) × 60% = 240.00 (cap 2000.00 not reached).
    Recorded with a deductible of 500.00 and (1000 − 500) × 60% = 300.00. The deductible counts over the year of the
    settlement date (A-YEAR-BY-SETTLEMENT-DATE, cited on it), and the payment is computed from it: both cite it; the
    ratio (60%, recorded right) reads no total."""
    rows = ["P1,P,1101,2023-03-01,11,secondary,,1000.00,500.00,300.00,300.00,700.00,0.00,700.00"]
    got = _run(tmp_path, rows, [{"psn_no": "P", "ytd": {"year": 2023}, **ROUTES[route]}], "zhejiang", "zhejiang-example")
    assert got[("P1", "act_pay_dedc")] == ("600.00", "-100.00", f"{ZJ}；A-YEAR-BY-SETTLEMENT-DATE", route)
    assert got[("P1", "hifp_pay")] == ("240.00", "60.00", f"{ZJ}；A-YEAR-BY-SETTLEMENT-DATE", route)
    for f in PAY_FIELDS:
        assert got[("P1", f)][2:] == (f"{ZJ}；A-YEAR-BY-SETTLEMENT-DATE", route), f
