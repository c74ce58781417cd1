"""The plan is written once (DuckDB SQL) and transpiled for Spark; its parameters come from the bound rules.

By hand from the articles:
- 攀枝花 第七条: retirees at 三级 55% -> 11/20; in-service deductible 200 yuan = 20000 fen, cap 1000 = 100000 fen.
- 南昌 四（二）1: retiree ratio = in-service 50% at 三级 + 5 points = 55% -> 11/20; deductible 600 for both.
- 浙江 under zhejiang-example: the pharmacy is covered (50%); 吉林 under jilin-example: 50% too (一、可选).
"""
from __future__ import annotations

import re

from conform.audit import params, plan
from conform.reference.policy import bind_cached
from _kept import kept_audit


def _row(rules, role, facility):
    return next(r for r in params.params_rows(rules) if r["role"] == role and r["facility"] == facility)


def test_parameters_are_exact_fractions_from_the_rules():
    pzh = bind_cached("panzhihua", "panzhihua-example")
    r = _row(pzh, "retiree", "tertiary")
    assert (r["ratio_num"], r["ratio_den"], r["ratio_e4"]) == (11, 20, 5500)
    assert r["ratio_cite"] == "攀枝花 第七条"
    s = _row(pzh, "in_service", "secondary")
    assert (s["dedc"], s["cap"], s["ratio_num"], s["ratio_den"]) == (20000, 100000, 3, 5)
    nc = _row(bind_cached("nanchang", "nanchang-example"), "retiree", "tertiary")
    assert (nc["ratio_num"], nc["ratio_den"], nc["dedc"]) == (11, 20, 60000)


def test_a_framework_without_its_region_is_refused():
    import pytest

    from conform.reference.policy import PolicyError

    with pytest.raises(PolicyError, match="must be supplied by a region configuration"):
        params.tables(bind_cached("zhejiang"))


def test_remote_unfiled_ratio_missing_is_recorded_not_guessed():
    s = params.settings_row(bind_cached("panzhihua", "panzhihua-example"))
    assert s["remote_elig"] and s["remote_num"] is None and "ordinary.ratio.remote_unfiled" in s["remote_err"]


def test_every_stage_transpiles_to_spark_with_integer_division():
    for name in plan.STAGES:
        duck, spark = plan.sql(name, fields=plan.RECORDED), plan.sql(name, "spark", plan.RECORDED)
        assert "//" not in spark
        if "//" in duck:
            assert re.search(r"\bDIV\b", spark)  # sqlglot IntDiv: floor on non-negative operands in both engines
    compare = plan.sql("compare", "spark", ("hifp_pay", "pool_prop_selfpay"))
    assert "DATE_FORMAT" in compare and "STRFTIME" not in compare


def test_no_window_gathers_every_row_in_one_partition():
    """A window with no PARTITION BY puts every row in one task on Spark, which no cluster can share out
    (Spark warns 'Moving all data to a single partition'); each of the plan's windows is partitioned."""
    import sqlglot
    from sqlglot import exp

    texts = {name: plan.sql(name, "spark") for name in plan.NAMED}
    texts["compare"] = plan.sql("compare", "spark", plan.RECORDED)
    for name, text in texts.items():
        for window in sqlglot.parse_one(text, read="spark").find_all(exp.Window):
            assert window.args.get("partition_by"), f"{name}: {window.sql('spark')}"


def test_the_few_reversals_and_differing_rows_reach_the_joins_as_stages_of_their_own():
    """On Spark a lookup straight into `ledger` is sized as the whole ledger and shuffles every row;
    a stage is written and read back, so its (small) size is known and it is broadcast. No statement
    after `reversals` looks for reversals in the ledger itself, and `compare` starts from `differing`."""
    import sqlglot
    from sqlglot import exp

    later = [n for n in plan.STAGES if n != "reversals"] + ["compare"]
    for name in later:
        tree = sqlglot.parse_one(plan.sql(name, fields=plan.RECORDED), read="duckdb")
        for sub in tree.find_all(exp.In):
            query = sub.args.get("query")
            if query is not None:
                sources = {t.name for t in query.find_all(exp.Table)}
                assert "ledger" not in sources, f"{name}: {sub.sql('duckdb')}"
    compare = sqlglot.parse_one(plan.sql("compare", fields=plan.RECORDED), read="duckdb")
    assert {t.name for t in compare.find_all(exp.Table)} >= {"differing", "reversals"}
    assert "expected" not in {t.name for t in compare.find_all(exp.Table)}


def test_every_person_gets_a_number_of_their_own():
    """`pid` keys the windows: two persons sharing one would be settled as one. 20,000 persons, each
    with a settlement, spread over the hash buckets (so many buckets hold several persons)."""
    import duckdb

    from conform.audit import persons

    con = duckdb.connect()
    try:
        params.load(con, bind_cached("zhejiang", "zhejiang-example"))
        persons.load(con, None)
        con.execute("""CREATE TABLE ledger AS SELECT 'S' || i AS setl_id, '3301' || lpad(CAST(i * 7919 % 1000003 AS VARCHAR), 12, '0')
            AS psn_no, '1101' AS psn_type, '11' AS med_type, DATE '2024-03-01' AS setl_date,
            CAST(NULL AS TIMESTAMP) AS setl_time, CAST(NULL AS VARCHAR) AS init_setl_id, i AS rid FROM range(20000) t(i)""")
        con.execute("CREATE TABLE reversals AS " + plan.sql("reversals"))
        n, pids, buckets = con.execute(
            f"SELECT count(*), count(DISTINCT pid), count(DISTINCT pid // 4294967296) FROM ({plan.sql('routed')})").fetchall()[0]
    finally:
        con.close()
    assert n == pids == 20000
    assert buckets > 100  # spread out, so the check covers persons numbered within the same bucket


def test_an_uncovered_pharmacy_purchase_is_not_pooled_and_counts_toward_no_deductible(tmp_path):
    """吉林 一: “有条件的统筹区可探索定点零售药店门诊保障服务工作” — a region that does not (jilin-example without
    ordinary.ratio.pharmacy) pools no pharmacy purchase: P1 (300.00 at a pharmacy) is none_pharmacy, fund 0.00 and
    deductible 0.00, and the year's deductible is still whole for the hospital visit after it.
    H1 in service, 三级 (二（二）50%), 1000.00, the region's deductible 200.00: (1000 − 200) × 50% = 400.00
    (cap 1500 far off). Had P1 counted, H1's deductible would be 0.00 and its fund 500.00."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "conform" / "fixtures" / "regions" / "jilin-example.yaml"
    lines = example.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.lstrip().startswith("ordinary.ratio.pharmacy:")]
    assert len(kept) == len(lines) - 1
    region = tmp_path / "jilin-no-pharmacy.yaml"
    region.write_text("".join(kept).replace("name: jilin-example", "name: jilin-no-pharmacy"), encoding="utf-8")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay\n"
                      "P1,A,1101,2023-02-01,41,pharmacy,300.00,0.00,0.00\n"
                      "H1,A,1101,2023-03-01,11,tertiary,1000.00,200.00,400.00\n", encoding="utf-8")
    with kept_audit([str(ledger)], "jilin", str(region), write=False) as (code, s, con):
        got = con.execute("SELECT l.setl_id, e.status, e.act_pay_dedc, e.hifp_pay FROM expected_rows e "
                          "JOIN ledger l ON l.rid = e.rid ORDER BY l.setl_id").fetchall()
    assert got == [("H1", "ordinary", 20000, 40000), ("P1", "none_pharmacy", 0, 0)]
    assert (code, sum(s["discrepancies_by_field"].values()), s["unassessed"], s["persons_reference"]) == (0, 0, 0, 0)


def test_the_expected_stage_keeps_only_what_differs_or_is_unassessed_and_sums_the_rest(tmp_path):
    """`expected` holds the rows the reports read one by one and one row summing the others; the totals from it
    equal the per-row definition's (`expected_rows`).
    攀枝花 第七条, in service, 三级 (deductible 200.00, 50%): A1 1000.00 → deductible 200.00, fund 400.00 (recorded
    so); A2 300.00 → 150.00, recorded 160.00 (differs); A3 on 2028-01-01, after 第十九条's five years: unassessed;
    B1 another person, 500.00 → (500 − 200) × 50% = 150.00 (recorded so)."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "A1,A,1101,2023-03-01,11,tertiary,1000.00,400.00\n"
                      "A2,A,1101,2023-04-01,11,tertiary,300.00,160.00\n"
                      "A3,A,1101,2028-01-01,11,tertiary,100.00,0.00\n"
                      "B1,B,1101,2023-03-01,11,tertiary,500.00,150.00\n", encoding="utf-8")
    with kept_audit([str(ledger)], "panzhihua", "panzhihua-example", write=False) as (code, s, con):
        kept = con.execute("SELECT l.setl_id, e.status, e.hifp_pay, e.n_rows FROM expected e JOIN ledger l "
                           "ON l.rid = e.rid ORDER BY l.setl_id").fetchall()
        rest = con.execute("SELECT n_rows, sum_hifp_pay, sum_rec_hifp_pay, n_unassessed FROM expected "
                           "WHERE rid IS NULL").fetchall()
        per_row = con.execute("SELECT count(*), sum(hifp_pay) FROM expected_rows").fetchall()[0]
    assert kept == [("A2", "ordinary", 15000, 1), ("A3", "refused_validity", None, 1)]
    assert rest == [(2, 55000, 55000, 0)]  # A1 and B1: 400.00 + 150.00, recorded alike
    assert per_row == (4, 70000)
    assert (s["expected_rows"], s["expected_hifp_pay_fen"], s["recorded_hifp_pay_fen"], s["unassessed"]) \
        == (4, 70000, 71000, 1)
