"""`benefit` names the benefit that settled a visit, not the med_type's route (probeC F6).

A chronic visit (med_type 14) whose disease cap was used up before it is paid by ordinary pooling alone (攀枝花
第十一条), at the ordinary ratio (A-CHRONIC-OVERFLOW-RATIO): its `benefit` is `ordinary`, as its ratio is. A visit
the chronic benefit paid any part of stays `chronic`. (`benefit` is no field a system answers: it is compared with
nothing, only shown, and read by `conform audit` as the row's status, where only `none…` means anything.)

攀枝花 example region: M00500 deductible 300, 80%, cap 4000; ordinary (in service) deductible 200, 二级 60%.
"""
from __future__ import annotations

from decimal import Decimal

from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind

D = Decimal


def _settle(settlements, ytd):
    case = parse_case({"policy": "panzhihua",
                       "person": {"psn_no": "P1", "psn_type": "1101", "ytd": ytd,
                                  "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]},
                       "settlements": settlements})
    ledger = PersonLedger(bind("panzhihua", "panzhihua-example"), case.person)
    return [ledger.settle(s) for s in case.items]


def _chronic(sid, date, amount):
    return {"id": sid, "date": date, "med_type": "14", "facility": "secondary", "dise_codg": "M00500",
            "medfee_sumamt": amount}


def test_a_chronic_visit_its_used_up_cap_left_to_ordinary_pooling_is_ordinary():
    """Cap used up (4000 paid): 500.00 all to ordinary pooling, (500 − 200) × 60% = 180.00 at 60%: `ordinary`."""
    (r,) = _settle([_chronic("S1", "2023-06-01", "500")],
                   {"year": 2023, "chronic_dedc": {"M00500": "300"}, "chronic_pay": {"M00500": "4000"}})
    assert (r.chronic_pay, r.ordinary_pay, r.pool_prop_selfpay) == (D("0.00"), D("180.00"), D("0.6"))
    assert r.benefit == "ordinary"


def test_a_visit_crossing_the_cap_stays_chronic():
    """3900 paid: 500 × 80% = 400 > 100 left → chronic 100.00, covering 100 / 80% = 125.00; the other 375.00 to
    ordinary pooling, (375 − 200) × 60% = 105.00. The chronic benefit paid first: `chronic`, at 80%. The next visit,
    the cap now used up, 500.00 × 60% = 300.00 (deductible met): `ordinary`."""
    r1, r2 = _settle([_chronic("S1", "2023-06-01", "500"), _chronic("S2", "2023-06-02", "500")],
                     {"year": 2023, "chronic_dedc": {"M00500": "300"}, "chronic_pay": {"M00500": "3900"}})
    assert (r1.chronic_pay, r1.ordinary_pay, r1.pool_prop_selfpay, r1.benefit) == (
        D("100.00"), D("105.00"), D("0.8"), "chronic")
    assert (r2.chronic_pay, r2.ordinary_pay, r2.pool_prop_selfpay, r2.benefit) == (
        D("0.00"), D("300.00"), D("0.6"), "ordinary")
