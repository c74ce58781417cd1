"""A deductible step names A-REVERSAL only where its figure rests on what a reversal gave back (probe s26/probeR R2).

攀枝花 (panzhihua-example): ordinary deductible 200.00 a natural year (第七条, in-service, 三级, 50%); the fictitious
chronic disease M00500: deductible 300.00, 80%. V1 charges the whole deductible and is reversed (A-REVERSAL gives it
back); V2 charges it again — had the reversal given nothing back, nothing would be left to charge: V2's figure rests
on the reading. V3 charges nothing: the deductible is met with or without what the reversal gave back, so its figure
rests on the article alone (before, every later step of the year cited A-REVERSAL: the F2 mutant's CI failure, a
chronic deductible charged on every visit, "rested on A-REVERSAL").
"""
from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from conform.audit.run import audit
from conform.reference.case import Person, Settlement
from conform.reference.engine import PersonLedger, rules_for

REVERSAL = "A-REVERSAL"


def _visit(sid: str, day: int, total: str, med_type: str = "11", dise: str | None = None) -> Settlement:
    return Settlement(id=sid, date=dt.date(2023, 3, day), med_type=med_type, facility="tertiary",
                      medfee_sumamt=Decimal(total), dise_codg=dise)


def _dedc_step(res, label: str) -> dict:
    return next(s for s in res.trace.render() if s["step"] == label)


@pytest.mark.parametrize("med_type, dise, label, standard", [("11", None, "起付线", "200.00"),
                                                              ("14", "M00500", "慢特病起付线", "300.00")])
def test_the_deductible_cites_the_reversal_only_where_its_figure_rests_on_it(med_type, dise, label, standard):
    led = PersonLedger(rules_for("panzhihua", "panzhihua-example"), Person(psn_no="A", psn_type="1101"))
    v1 = led.settle(_visit("V1", 1, "1000.00", med_type, dise))
    assert v1.act_pay_dedc == Decimal(standard)
    led.reverse("V1", "R1", dt.date(2023, 3, 1))
    v2 = led.settle(_visit("V2", 2, "1000.00", med_type, dise))
    v3 = led.settle(_visit("V3", 3, "500.00", med_type, dise))
    assert (v2.act_pay_dedc, v3.act_pay_dedc) == (Decimal(standard), Decimal("0.00"))
    assert REVERSAL in _dedc_step(v2, label)["clause"]
    assert REVERSAL not in _dedc_step(v3, label)["clause"]


def test_a_part_left_that_the_reversal_decides_is_still_cited():
    # V2 charges 100.00 of the 200.00 given back: 100.00 left; V3 (150.00) charges those 100.00 — had the reversal
    # given nothing back, none: cited
    led = PersonLedger(rules_for("panzhihua", "panzhihua-example"), Person(psn_no="A", psn_type="1101"))
    led.settle(_visit("V1", 1, "1000.00"))
    led.reverse("V1", "R1", dt.date(2023, 3, 1))
    led.settle(_visit("V2", 2, "100.00"))
    v3 = led.settle(_visit("V3", 3, "150.00"))
    assert v3.act_pay_dedc == Decimal("100.00")
    assert REVERSAL in _dedc_step(v3, "起付线")["clause"]


HEAD = "setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,init_setl_id,medfee_sumamt,act_pay_dedc"


def _person(p: str) -> list[str]:
    # act_pay_dedc recorded 0.01 off on V2 and V3, so that their clauses are written (discrepancies only)
    return [f"{p}V1,{p},1101,2023-03-01,11,tertiary,,,1000.00,200.00",
            f"{p}R1,{p},1101,2023-03-01,11,tertiary,,{p}V1,-1000.00,-200.00",
            f"{p}V2,{p},1101,2023-03-02,11,tertiary,,,1000.00,199.99",
            f"{p}V3,{p},1101,2023-03-03,11,tertiary,,,500.00,0.01"]


def test_plan_and_reference_cite_the_same(tmp_path):
    # B has a chronic visit later in the year (a separate deductible in 攀枝花): the reference engine settles B
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEAD] + _person("A") + _person("B")
                                + ["BV9,B,1101,2023-06-01,14,tertiary,M00500,,100.00,100.00"]) + "\n", encoding="utf-8")
    _, s = audit([str(ledger)], "panzhihua", "panzhihua-example", None, write=False, keep_connection=True)
    con = s["_connection"]
    try:
        got = {sid: (route, REVERSAL in clause.split("；")) for sid, route, clause in con.execute(
            f"SELECT setl_id, route, clause FROM read_parquet('{s['_discrepancies']}') WHERE field = 'act_pay_dedc'"
            " AND setl_id <> 'BV9'").fetchall()}
        assert got == {"AV2": ("plan", True), "AV3": ("plan", False),
                       "BV2": ("reference", True), "BV3": ("reference", False)}
    finally:
        con.close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
