"""A route of the fund payment breaking Σ routes = hifp_pay, hifp_pay right, is the split's identity: blamed on the
visit's benefit, at no cap or deductible step, resting on no reading (probe s28/probeH4 F2).

In the platform profile the routes are read from setldetail's pooling rows (310100 …). A system truncating those rows
to the yuan, or leaving the 310100 row out, with setlinfo all right, was blamed on 浙江 二（一）"at the 年度最高支付限额
step" and, for an emergency visit, said to rest on A-EMERGENCY-ORDINARY: hifp_pay is right, so neither the cap nor which
route an emergency takes decided the difference — no reading lets the routes add up to other than hifp_pay. A route
moved to another benefit with the sum right (a routing reading's question) keeps its blame.
"""
from __future__ import annotations

import os
import threading
from dataclasses import asdict
from decimal import Decimal
from unittest import mock

import pytest

from conform.fixtures.sample_system import service as SV
from conform.fixtures.sample_system.server import SampleServer
from conform.harness.report.causes import CASH_CLAUSE, SPLIT_STEP, _root, _step, blame, split_identity
from conform.harness.run import CONFORMANCE, execute
from conform.reference.money import fmt

# the reference's working of a zhejiang emergency visit (from the probe's counterexample)
TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "2562.25"},
         {"step": "急诊", "clause": "A-EMERGENCY-ORDINARY", "decides": True},
         {"step": "起付线", "clause": "浙江 二（一）；A-YEAR-BY-SETTLEMENT-DATE", "value": "600.00"},
         {"step": "支付比例", "clause": "浙江 二（一）；A-ROUND-FEN", "value": "981.13"},
         {"step": "年度最高支付限额", "clause": "浙江 二（一）；A-YEAR-BY-SETTLEMENT-DATE", "value": "981.13"},
         {"step": "个人账户支付", "clause": "浙江 二（四）；A-ACCOUNT-SELFPAY", "value": "0.00"}]
ROUTES = {"hifp_pay": "981.13", "ordinary_pay": "981.13", "chronic_pay": "0.00", "inpatient_pay": "0.00"}


def _answers(system: dict, reference: dict) -> list[dict]:
    """A scenario's evidence: the system's answer, then the reference's (same operation and request)."""
    return [{"operation": "settle", "request": {"psn_no": "P", "id": "V1"}, "response": r} for r in (system, reference)]


def _m(field: str, expected: str, actual: str) -> dict:
    return {"field": field, "expected": expected, "actual": actual, "item": "V1"}


def test_a_route_short_of_a_right_hifp_pay_is_the_split_not_the_cap_nor_the_emergency_reading():
    m = _m("ordinary_pay", "981.13", "981.00")
    evidence = _answers({**ROUTES, "ordinary_pay": "981.00"}, ROUTES)
    assert split_identity(m, [m], evidence)
    assert _step(m, TRACE, evidence, [m]) == (SPLIT_STEP, f"{CASH_CLAUSE}；浙江 二（一）")
    assert blame([m], {"V1": TRACE}, "zhejiang", evidence) == (["zhejiang-2.1"], [])


def test_a_route_left_out_with_hifp_pay_right_is_the_split_too():
    m = _m("ordinary_pay", "981.13", "0.00")   # the 310100 row not listed
    evidence = _answers({**ROUTES, "ordinary_pay": "0.00"}, ROUTES)
    assert blame([m], {"V1": TRACE}, "zhejiang", evidence) == (["zhejiang-2.1"], [])


def test_a_route_moved_to_another_benefit_or_a_wrong_hifp_pay_is_not_the_split():
    moved = [_m("ordinary_pay", "981.13", "0.00"), _m("inpatient_pay", "0.00", "981.13")]   # the sum right
    evidence = _answers({**ROUTES, "ordinary_pay": "0.00", "inpatient_pay": "981.13"}, ROUTES)
    assert not split_identity(moved[0], moved, evidence)
    short = _m("ordinary_pay", "981.13", "981.00")
    evidence = _answers({**ROUTES, "ordinary_pay": "981.00", "hifp_pay": "981.00"}, ROUTES)
    assert not split_identity(short, [short], evidence)   # hifp_pay wrong as well: the payment, not its split
    assert not split_identity(short, [short], [])          # nothing known of hifp_pay: no identity claimed


def test_the_report_puts_a_property_s_split_failure_at_the_split():
    check = {"kind": "property", "mismatches": [_m("ordinary_pay", "981.13", "981.00")], "trace": TRACE,
             "evidence": [], "extra": {"identity": SPLIT_STEP}}
    assert _root(check) == ("ordinary_pay", SPLIT_STEP, f"{CASH_CLAUSE}；浙江 二（一）")


def _run_property(url: str, prop: str):
    """One seeded property on zhejiang against the system at `url`: seed 3 shrinks to an emergency visit (急诊, routed
    by A-EMERGENCY-ORDINARY)."""
    with mock.patch.dict(os.environ, {"CONFORM_PROFILE": "conform"}):
        run, _ = execute(adapter=url, policies=("zhejiang",),
                         tag="conform_property", paths=(CONFORMANCE / "test_properties.py",),
                         extra_args=("--conform-seed", "3", "--conform-examples", "20",
                                     "--conform-shrink-seconds", "30", "-k", f"test_{prop}"))
    [c] = [c for c in run.checks if c.extra.get("property") == prop]
    return c


def _floor(amount) -> Decimal:
    return Decimal(int(Decimal(str(amount)))).quantize(Decimal("0.01"))


def _http_floor(monkeypatch, prop: str):
    """The sample system (HTTP profile) answering ordinary_pay cut to the yuan, hifp_pay and the rest right."""
    orig = SV.SampleSystem._settle

    def settle(self, data, commit):
        out = orig(self, data, commit)
        out["setlinfo"]["ordinary_pay"] = fmt(_floor(out["setlinfo"]["ordinary_pay"]))
        return out

    monkeypatch.setattr(SV.SampleSystem, "_settle", settle)
    srv = SampleServer("127.0.0.1", 0, SV.SampleSystem())
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        return _run_property(f"http://127.0.0.1:{srv.server_address[1]}/", prop)
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("prop", ["money_identities", "differential"])
def test_routes_short_of_a_right_hifp_pay_blame_the_benefit_on_no_reading(monkeypatch, prop):
    # (in the platform profile the adapter itself now holds setldetail's rows to fund_pay_sumamt, probe s28 H4 F4, so
    # such rows fail there before any property reads them; the HTTP profile answers the routes as figures)
    c = _http_floor(monkeypatch, prop)
    assert c.status == "failed", (c.status, c.message[:400])
    assert "(ordinary_pay)" in c.message, c.message[:400]
    assert c.failed_articles == ["zhejiang-2.1"], c.failed_articles
    assert not c.extra.get("rests_on"), c.extra.get("rests_on")
    # the report's cause: at the split, not "在“年度最高支付限额”一步"
    assert _root(asdict(c))[1:] == (SPLIT_STEP, f"{CASH_CLAUSE}；浙江 二（一）"), _root(asdict(c))
