"""Two failures that rest on a named reading are blamed on it, not as plain breaches (probe s26/probe1 F5).

- 北京: the text dates nothing, and A-BJ-EFFECTIVE reads the month the account reform takes effect in (2022-03, from
  6 March) as credited in full. The reference's credit steps for that month cite the reading
  (account._reform_month_reading), so a system prorating it (26/31) fails on 北京（三） resting on A-BJ-EFFECTIVE.
- 攀枝花: after a mid-year retirement, which type's deductible and cap the rest of the year takes is
  A-MIDYEAR-RETIREMENT's. The cap and deductible steps cite it where, with the year's count carried, the in-service
  figure would be another (benefits._in_service_would) — not for a retiree with nothing counted this year, nor for one
  retired the whole year, as the carried count's rule (benefits._carried).

Each defective system is a real HTTP server in its own process (tests/_s26_f5_mutant.py)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sample_server import SampleServer

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.run import CONFORMANCE, execute
from conform.harness.steps.world import World
from conform.reference.case import CreditRequest

MUTANTS = Path(__file__).resolve().parent / "_s26_f5_mutant.py"
MIDYEAR = "A-MIDYEAR-RETIREMENT"
EFFECTIVE = "A-BJ-EFFECTIVE"


def _failed(name: str, article: str) -> list:
    with SampleServer(script=MUTANTS, script_args=(name,)) as server:
        run, _ = execute(adapter=server.url, articles=(article,), paths=(CONFORMANCE / "test_features.py",))
    failed = [c for c in run.checks if c.status == "failed"]
    assert failed, [(c.name, c.status) for c in run.checks]
    return failed


def test_a_prorated_first_month_fails_on_article_three_resting_on_a_bj_effective():
    [c] = _failed("bj_first_month_prorated", "beijing-3")
    assert "2022-03" in c.message and "100.65" in c.message, c.message  # 120.00 × 26/31
    assert c.failed_articles == ["beijing-3"], c.failed_articles
    assert c.extra.get("rests_on") == [EFFECTIVE], c.extra.get("rests_on")


def test_a_cap_kept_at_the_in_service_standard_after_retiring_rests_on_a_midyear_retirement():
    failed = _failed("dedc_cap_by_jan1_role", "panzhihua-7")
    [c] = [c for c in failed if c.name.startswith("年中退休后按退休人员标准")]
    # V2: retiree cap 1500 − 600 paid = 900 ≥ 650.00; the in-service 1000 − 600 = 400 cuts it to 400.00
    assert "650.00" in c.message and "400.00" in c.message, c.message
    assert c.failed_articles == ["panzhihua-7"], c.failed_articles
    assert MIDYEAR in (c.extra.get("rests_on") or []), c.extra.get("rests_on")


# --------------------------------------------------------------------------- the reference's working


def _credit_clauses(month: str, psn_type: str = "1101", **person) -> list[str]:
    a = ReferenceAdapter()
    w = World(a)
    w.policy, w.region = "beijing", "beijing-example"
    w.set_person(psn_no="BJ-S26", psn_type=psn_type, **person)
    w.ensure_person()
    out = a.credit_month(w.psn_no, CreditRequest(month, Decimal("6000.00") if psn_type == "1101" else None, None))
    return [t["clause"] for t in out["trace"]]


def test_the_reform_month_credit_cites_a_bj_effective_and_later_months_do_not():
    [march] = _credit_clauses("2022-03")
    assert EFFECTIVE in march.split("；"), march
    [april] = _credit_clauses("2022-04")
    assert EFFECTIVE not in april.split("；"), april
    # a retiree's fixed amount that month rests on it too
    [retiree] = _credit_clauses("2022-03", "1201", birth_date="1950-05-01")
    assert EFFECTIVE in retiree.split("；"), retiree


def _steps(visits: list[tuple[str, str]], retire: str | None, psn_type: str = "1101") -> list[dict]:
    w = World(ReferenceAdapter())
    w.policy, w.region = "panzhihua", "panzhihua-example"
    w.set_person(psn_no="PZH-S26", psn_type=psn_type, **({"retire_date": retire} if retire else {}))
    out = {}
    for day, fee in visits:
        out = w.settle({"date": day, "facility": "secondary", "med_type": "11", "medfee_sumamt": fee})
    return out["trace"]


def _clause(trace: list[dict], step: str) -> list[str]:
    [t] = [t for t in trace if t["step"] == step]
    return t["clause"].split("；")


def test_the_cap_step_cites_the_reading_where_the_in_service_cap_would_cut_the_payment():
    # 第七条 feature:256: V2 650.00 within the retiree's 900 left, the in-service 400 left would cut it
    trace = _steps([("2023-03-01", "1200.00"), ("2023-08-01", "1000.00")], "2023-07-01")
    assert MIDYEAR in _clause(trace, "年度最高支付限额")


def test_the_cap_step_cites_no_reading_where_either_cap_leaves_the_payment_whole():
    # V2 100.00 × 65% = 65.00: 900 or 400 left, the same 65.00
    trace = _steps([("2023-03-01", "1200.00"), ("2023-08-01", "100.00")], "2023-07-01")
    assert MIDYEAR not in _clause(trace, "年度最高支付限额")


def test_nothing_counted_or_a_retiree_all_year_cites_no_reading_on_the_cap_or_deductible():
    # retired 2023-07-01 with nothing counted before: 1500 × … — the retiree's own figures, no carried count
    trace = _steps([("2023-08-01", "3000.00")], "2023-07-01")
    assert MIDYEAR not in _clause(trace, "年度最高支付限额")
    assert MIDYEAR not in _clause(trace, "起付线")
    # retired before the year: a retiree all year
    trace = _steps([("2023-03-01", "1200.00"), ("2023-08-01", "1000.00")], "2022-07-01", "1201")
    assert MIDYEAR not in _clause(trace, "年度最高支付限额")
    assert MIDYEAR not in _clause(trace, "起付线")
