"""Roll-ups on a realistic discrepancy set: every breakdown adds up to the totals, computed here in Decimal."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pyarrow.parquet as pq
from _synth_fixtures import discrepancies_from_planted, summary_for, write_discrepancies
from openpyxl import load_workbook

from conform.audit.report import rollups, write_reports
from conform.audit.synth import synth_ledger


def test_breakdowns_add_up_to_the_totals(tmp_path):
    ledger = tmp_path / "zj.parquet"
    synth_ledger(4000, "zhejiang", ledger, defect_rate=0.3, seed=21, workers=1)
    disc = discrepancies_from_planted(ledger, tmp_path / "d.parquet")
    rows = pq.read_table(disc).to_pylist()
    # The money is what stands of a settlement and its reversal together, in the settlement's month (the
    # reversal's, when only the reversal differs).
    pairs: dict[str, list] = {}
    for r in rows:
        if r["field"] == "hifp_pay":
            net_row = pairs.setdefault(r["init_setl_id"] or r["setl_id"], [Decimal(0), r])
            net_row[0] += r["diff"]
            if r["init_setl_id"] is None:
                net_row[1] = r
    assert any(r["init_setl_id"] for r in rows if r["field"] == "hifp_pay"), "reversals make the netting meaningful"
    over = sum((n for n, _ in pairs.values() if n > 0), Decimal(0))
    under = -sum((n for n, _ in pairs.values() if n < 0), Decimal(0))
    by_month: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in rows:
        by_month[r["month"]][0] += 0  # a month with discrepancies on other fields only shows 0 / 0
    for n, r in pairs.values():
        by_month[r["month"]][0 if n > 0 else 1] += abs(n)
    assert over > 0 and under > 0

    con = rollups.connect(disc)
    data = rollups.collect(con)
    con.close()
    fen = lambda d: int(d * 100)  # noqa: E731
    assert (data["totals"]["overpaid"], data["totals"]["underpaid"]) == (fen(over), fen(under))
    assert data["totals"]["settlements"] == len({r["setl_id"] for r in rows})
    for key in ("by_month", "by_facility", "by_psn_type", "by_institution"):
        assert sum(g["overpaid"] for g in data[key]) == fen(over), key
        assert sum(g["underpaid"] for g in data[key]) == fen(under), key
    assert {g["month"]: (g["overpaid"], g["underpaid"]) for g in data["by_month"]} == \
        {m: (fen(a), fen(b)) for m, (a, b) in by_month.items()}
    # every settlement falls in exactly one class; the classes carry the whole over/underpayment
    assert sum(c["settlements"] for c in data["classes"]) == data["totals"]["settlements"]
    assert sum(c["overpaid"] for c in data["classes"]) == fen(over)
    assert sum(c["underpaid"] for c in data["classes"]) == fen(under)
    # the by-field table's hifp_pay, netted the same way, is the headline: not the rows' plain sums
    (hifp,) = [f for f in data["by_field"] if f["field"] == "hifp_pay"]
    assert (fen(Decimal(hifp["higher"])), fen(Decimal(hifp["lower"]))) == (fen(over), fen(under))
    assert (hifp["n_higher"], hifp["n_lower"]) == (sum(n > 0 for n, _ in pairs.values()), sum(n < 0 for n, _ in pairs.values()))
    assert hifp["n"] == sum(r["field"] == "hifp_pay" for r in rows)
    assert len(data["classes"]) >= 5
    for c in data["classes"]:  # each class's example is one of its own settlements
        example_fields = {r["field"] for r in rows if r["setl_id"] == c["example"]}
        assert example_fields and ", ".join(sorted(example_fields)) in c["field_sets"]

    out = tmp_path / "audit-r"
    assert write_reports(out, disc, summary_for(disc)) == 1
    wb = load_workbook(out / "audit.xlsx", read_only=True)
    detail = list(wb["差异明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == len(rows)
    month_sheet = {r[0]: r for r in wb["按月份"].iter_rows(min_row=2, values_only=True)}
    assert set(month_sheet) == set(by_month)


def test_top_persons_and_institutions_are_only_the_overpaid(tmp_path):
    ledger = tmp_path / "zj.parquet"
    synth_ledger(1500, "zhejiang", ledger, defect_rate=0.3, seed=5, workers=1)
    disc = discrepancies_from_planted(ledger, tmp_path / "d.parquet")
    rows = pq.read_table(disc).to_pylist()
    over: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["field"] == "hifp_pay" and r["diff"] > 0:
            over[r["psn_no"]] += r["diff"]
    con = rollups.connect(disc)
    data = rollups.collect(con, top=10_000)
    con.close()
    assert {p["psn_no"]: p["overpaid"] for p in data["top_persons"]} == {k: int(v * 100) for k, v in over.items()}
    assert len({r["psn_no"] for r in rows}) > len(over) > 0  # some persons had discrepancies but no overpayment
    assert data["top_institutions"] and all(i["overpaid"] > 0 for i in data["top_institutions"])
    assert len(data["by_institution"]) >= len(data["top_institutions"])


def _diff(setl_id: str, field: str, recorded: str, expected: str, psn_no: str | None = None,
          reverses: str | None = None) -> dict:
    """One discrepancy row (psn_no as write_discrepancies gives it unless named; a reversal names its settlement)."""
    row = {"setl_id": setl_id, "field": field, "recorded": recorded, "expected": expected}
    row.update({k: v for k, v in (("psn_no", psn_no), ("init_setl_id", reverses)) if v is not None})
    return row


def _classes(tmp_path, rows):
    con = rollups.connect(write_discrepancies(tmp_path / "d.parquet", rows))
    data = rollups.collect(con)
    con.close()
    return data, {c["cls"]: c for c in data["classes"]}


def test_a_reversal_is_classed_by_what_it_says_of_the_settlement_it_reverses(tmp_path):
    """A reversal's amounts are its settlement's negated, so its diffs are too: R1 gave back no deductible
    (0.00 where −200.00 was due: 撤销后未冲回), diff +200.00, which says the settlement's deductible is counted
    200.00 too little. The ratio is not negated on a reversal: R2's says what the settlement's does."""
    rows = [
        _diff("R1", "act_pay_dedc", "0.00", "-200.00", reverses="S1"),
        # S2 paid 100.00 too much at the wrong (in-service) ratio; R2 reversed what S2 recorded
        _diff("S2", "pool_prop_selfpay", "0.5000", "0.6000", "P2"),
        _diff("S2", "hifp_pay", "250.00", "300.00", "P2"),
        _diff("R2", "pool_prop_selfpay", "0.5000", "0.6000", "P2", reverses="S2"),
        _diff("R2", "hifp_pay", "-250.00", "-300.00", "P2", reverses="S2"),
        # S3 overpaid 100.00 (no cap), reversed as recorded: the pair nets to 0, both rows 统筹基金多付
        _diff("S3", "hifp_pay", "500.00", "400.00", "P3"),
        _diff("R3", "hifp_pay", "-500.00", "-400.00", "P3", reverses="S3"),
        # R4 alone differs by a fen
        _diff("R4", "hifp_pay", "-57.49", "-57.50", "P4", reverses="S4"),
    ]
    data, by = _classes(tmp_path, rows)
    got = {c["cls"]: c["settlements"] for c in data["classes"]}
    assert got == {"dedc_low": 1, "ratio_low": 2, "over": 2, "fen": 1}
    assert "dedc_high" not in by and "under" not in by and "ratio_high" not in by
    # the money is still that of each pair netted, once: S2/R2 net 0, S3/R3 net 0, R4 −0.01
    assert (by["ratio_low"]["overpaid"], by["ratio_low"]["underpaid"]) == (0, 0)
    assert (by["over"]["overpaid"], by["over"]["underpaid"]) == (0, 0)
    assert (by["fen"]["overpaid"], by["fen"]["underpaid"]) == (1, 0)
    assert sum(c["overpaid"] for c in data["classes"]) == data["totals"]["overpaid"]
    assert sum(c["underpaid"] for c in data["classes"]) == data["totals"]["underpaid"]


def test_a_class_example_is_a_settlement_when_the_class_has_one(tmp_path):
    """A reversal's only trace step is 结算撤销: the worked example is a settlement where the class has one,
    even when its reversals are more typical (their effect on hifp_pay is the median, their ids sort first)."""
    rows = [
        _diff("A-R1", "act_pay_dedc", "0.00", "-200.00", reverses="S9"),
        _diff("A-R1", "hifp_pay", "-50.00", "-150.00", reverses="S9"),
        _diff("A-R2", "act_pay_dedc", "0.00", "-200.00", "P2", reverses="S8"),
        _diff("A-R2", "hifp_pay", "-50.00", "-150.00", "P2", reverses="S8"),
        _diff("Z1", "act_pay_dedc", "0.00", "200.00", "P3"),
        _diff("Z1", "hifp_pay", "350.00", "50.00", "P3"),
        # a class of reversals only still has an example
        _diff("R5", "hifp_pay", "-57.49", "-57.50", "P5", reverses="S5"),
    ]
    data, by = _classes(tmp_path, rows)
    assert by["dedc_low"]["settlements"] == 3 and by["dedc_low"]["example"] == "Z1"
    assert by["fen"]["example"] == "R5"
    assert write_reports(tmp_path / "out", tmp_path / "d.parquet", summary_for(tmp_path / "d.parquet")) == 1
    page = (tmp_path / "out" / "audit.html").read_text(encoding="utf-8")
    assert "撤销结算 <code>S5</code>" in page  # the reversal example says which settlement it reverses


def test_a_class_cites_the_clauses_of_the_fields_that_decide_it(tmp_path):
    """A deductible class cites the deductible's article, not the account's that happened to sort first."""
    dedc, ratio, acct, fund, cap = "攀枝花 第七条 起付线", "攀枝花 第七条 比例", "个人账户使用范围", "攀枝花 第七条", "攀枝花 第七条 限额"
    rows = [
        {"setl_id": "S1", "field": "act_pay_dedc", "recorded": "0.00", "expected": "200.00", "clause": dedc},
        {"setl_id": "S1", "field": "hifp_pay", "recorded": "150.00", "expected": "50.00", "clause": fund},
        {"setl_id": "S1", "field": "acct_pay", "recorded": "10.00", "expected": "0.00", "clause": acct},
        {"setl_id": "S2", "field": "act_pay_dedc", "recorded": "50.00", "expected": "200.00", "clause": dedc + "；A-YEAR"},
        {"setl_id": "S3", "field": "pool_prop_selfpay", "recorded": "0.5000", "expected": "0.6000", "clause": ratio},
        {"setl_id": "S3", "field": "hifp_pay", "recorded": "250.00", "expected": "300.00", "clause": ratio},
        {"setl_id": "S3", "field": "acct_pay", "recorded": "1.00", "expected": "0.00", "clause": acct},
        {"setl_id": "S4", "field": "hifp_pay", "recorded": "900.00", "expected": "800.00", "clause": cap},
        {"setl_id": "S4", "field": "psn_part_amt", "recorded": "100.00", "expected": "200.00", "clause": "A-PSN"},
        {"setl_id": "S5", "field": "psn_part_amt", "recorded": "100.00", "expected": "200.00", "clause": "A-PSN"},
        {"setl_id": "S5", "field": "acct_pay", "recorded": "100.00", "expected": "200.00", "clause": acct},
    ]
    _, by = _classes(tmp_path, rows)
    assert by["dedc_low"]["clauses"] == f"{dedc}；A-YEAR"
    assert by["ratio_low"]["clauses"] == ratio
    assert by["over"]["clauses"] == cap
    assert by["other"]["clauses"] == f"A-PSN；{acct}"


def test_a_lone_reversal_is_classed_by_the_money_it_leaves(tmp_path):
    # R1 gave back 50.00 of the 150.00 its settlement S1 paid (S1 itself is right, so not listed): the
    # fund is 100.00 short of what it should have got back — overpaid 100.00, class 统筹基金多付
    disc = write_discrepancies(tmp_path / "d.parquet", [
        {"setl_id": "R1", "init_setl_id": "S1", "field": "hifp_pay", "recorded": "-50.00", "expected": "-150.00"}])
    con = rollups.connect(disc)
    data = rollups.collect(con)
    con.close()
    assert [(c["cls"], c["overpaid"], c["underpaid"]) for c in data["classes"]] == [("over", 10000, 0)]
    assert (data["totals"]["overpaid"], data["totals"]["underpaid"]) == (10000, 0)


def _classes_of(tmp_path, csv_text: str) -> dict[str, str]:
    """{差异类型: 涉及字段} of the 按差异类型 sheet after auditing `csv_text` under 攀枝花."""
    from conform.audit.run import audit

    ledger = tmp_path / "ledger.csv"
    ledger.write_text(csv_text, encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    ws = load_workbook(out / "audit.xlsx", read_only=True)["按差异类型"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    return {r[0]: r[head.index("涉及字段")] for r in rows[1:] if r[0]}


def test_without_hifp_pay_a_fund_overpayment_is_classed_by_fund_pay_sumamt(tmp_path):
    # 攀枝花 第七条, in service, tertiary: deductible 200, 50%, cap 1000. C1: (2000 − 200) × 50% = 900.00;
    # C2 may pay min(600 × 50%, 1000 − 900) = 100.00: 300.00 recorded is 200.00 overpaid by the fund,
    # which an export without hifp_pay records in fund_pay_sumamt — not "only the person's share differs".
    classes = _classes_of(tmp_path, (
        "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,fund_pay_sumamt,psn_part_amt\n"
        "C1,C,1101,2023-06-01,11,tertiary,2000.00,200.00,900.00,1100.00\n"
        "C2,C,1101,2023-07-01,11,tertiary,600.00,0.00,300.00,300.00\n"))
    assert list(classes) == ["统筹基金多付（如未控制年度最高支付限额）"], classes


def test_a_wrong_fund_total_with_the_right_pooled_fund_is_its_own_class(tmp_path):
    # hifp_pay 900.00 is right (as above), but 基金支付总额 records 950.00 with no other fund paying
    classes = _classes_of(tmp_path, (
        "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay,fund_pay_sumamt,psn_part_amt\n"
        "C1,C,1101,2023-06-01,11,tertiary,2000.00,200.00,900.00,950.00,1100.00\n"))
    assert list(classes) == ["基金支付总额不符"], classes


def test_a_reversal_without_its_own_descriptive_columns_is_reported_as_its_settlements(tmp_path):
    """A 2208 row often leaves psn_type, med_type and the institution blank: they are the reversed settlement's.
    攀枝花 第七条, in service, 三级: S1 500.00 → deductible 200.00, (500 − 200) × 50% = 150.00 (recorded so).
    R1 gave back only 100.00 of it: expected −150.00, diff −100 − (−150) = +50.00, the fund overpaid 50.00 —
    listed and rolled up under S1's institution, level, type and medical category, not under blanks."""
    import csv

    from conform.audit.run import audit

    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,fixmedins_name,medfee_sumamt,hifp_pay,init_setl_id\n"
        "S1,P1,1101,2023-03-01,11,tertiary,H510400001,攀枝花市中心医院,500.00,150.00,\n"
        "R1,P1,,2023-03-02,,,,,-500.00,-100.00,S1\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert (code, s["persons_reference"]) == (1, 0)
    rows = list(csv.DictReader((out / "discrepancies.csv").read_text(encoding="utf-8").splitlines()))
    assert [(r["setl_id"], r["field"], r["diff"], r["init_setl_id"]) for r in rows] == [("R1", "hifp_pay", "50.00", "S1")]
    assert {k: rows[0][k] for k in ("psn_type", "med_type", "facility", "fixmedins_code", "fixmedins_name")} == {
        "psn_type": "1101", "med_type": "11", "facility": "tertiary", "fixmedins_code": "H510400001",
        "fixmedins_name": "攀枝花市中心医院"}
    ws = load_workbook(out / "audit.xlsx", read_only=True)["按机构"]
    by_institution = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert [r[:5] for r in by_institution] == [("H510400001", "攀枝花市中心医院", "三级定点医疗机构", 1, 1)]
    assert [float(x) for x in by_institution[0][5:8]] == [50.0, 0.0, 50.0]


def test_a_wrong_ratio_names_the_class_before_a_wrong_deductible(tmp_path):
    """CLASSES is ordered: a settlement whose ratio and deductible both differ is 支付比例, not 起付线.
    S1: ratio 0.5000 where 0.6000 (−0.1000) and deductible 300.00 where 200.00 (+100.00): ratio_low.
    S2: ratio 0.7000 where 0.6000 (+0.1000) and deductible 0.00 where 200.00 (−200.00): ratio_high.
    by_field, by hand: act_pay_dedc higher 100.00 (S1), lower 200.00 (S2); the ratio one higher, one lower, and
    no sum (a sum of ratio differences means nothing)."""
    rows = [
        _diff("S1", "pool_prop_selfpay", "0.5000", "0.6000", "P1"),
        _diff("S1", "act_pay_dedc", "300.00", "200.00", "P1"),
        _diff("S2", "pool_prop_selfpay", "0.7000", "0.6000", "P2"),
        _diff("S2", "act_pay_dedc", "0.00", "200.00", "P2"),
    ]
    data, by = _classes(tmp_path, rows)
    assert {c: by[c]["settlements"] for c in by} == {"ratio_low": 1, "ratio_high": 1}
    assert {f["field"]: (f["n_higher"], f["n_lower"], f["higher"], f["lower"]) for f in data["by_field"]} == {
        "act_pay_dedc": (1, 1, "100.00", "200.00"), "pool_prop_selfpay": (1, 1, None, None)}
