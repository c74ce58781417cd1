"""假设 lists first the assumptions this audit's figures rest on, then the document's other readings (probe s22 F item
3): once all 32 of 攀枝花's stood under “the figures rest on them”, A-AUDIT-ORDER (export order) and A-BEFORE-VALIDITY
among them, for a ledger where every row has its own setl_time and lies inside the validity period.

攀枝花 第七条, 在职, 定点零售药店 50%, 起付线 200.00. C1 (2023-05-01) recorded at 60%: 480.00 paid, 400.00 due; C1R reverses
it (A-REVERSAL in its clauses). C2 (2023-07-01) 240.00 paid, 200.00 due. The ledger holds 2023 from May with no ytd
for C or E (A-AUDIT-YTD-FROM-LEDGER, a warning).
"""
from __future__ import annotations

from openpyxl import load_workbook

from conform.audit.report.text import assumption_use
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,fixmedins_code,medfee_sumamt,fulamt_ownpay_amt,"
          "overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,"
          "psn_part_amt,acct_pay,psn_cash_pay,init_setl_id")
ROWS = ["C1,C,1101,2023-05-01 09:00:00,41,pharmacy,P1,1000.00,0,0,0,1000.00,200.00,480.00,0.6000,480.00,520.00,0.00,520.00,",
        "C1R,C,1101,2023-05-02 09:00:00,41,pharmacy,P1,-1000.00,0,0,0,-1000.00,-200.00,-480.00,0.6000,-480.00,-520.00,0.00,"
        "-520.00,C1",
        "C2,E,1101,2023-07-01 09:00:00,41,pharmacy,P1,600.00,0,0,0,600.00,200.00,240.00,0.6000,240.00,360.00,0.00,360.00,"]


def test_the_assumptions_the_figures_rest_on_come_first_and_the_others_are_said_to_be_unused(tmp_path):
    ledger = tmp_path / "l.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert code == 1 and "A-AUDIT-YTD-FROM-LEDGER" in " ".join(s["warnings"])
    stated = [a["id"] for a in s["assumptions"]]
    assert {"A-AUDIT-ORDER", "A-BEFORE-VALIDITY", "A-AUDIT-YTD-FROM-LEDGER"} <= set(stated)

    rows = list(load_workbook(out / "audit.xlsx")["假设"].iter_rows(values_only=True))
    assert rows[0][3].startswith("本次稽核")
    use = {r[0]: r[3] for r in rows[1:]}
    assert sorted(use) == sorted(stated)  # every assumption still listed, once
    rests = [r[0] for r in rows[1:] if r[3].startswith("本次稽核的数字所依据的假设")]
    assert [r[0] for r in rows[1:len(rests) + 1]] == rests  # those first
    # cited by the discrepancies' clauses, with how many: C1R's rows name A-REVERSAL
    assert "A-REVERSAL" in rests and "项差异引用" in use["A-REVERSAL"]
    # the warning that fired
    assert "A-AUDIT-YTD-FROM-LEDGER" in rests and "“注意”" in use["A-AUDIT-YTD-FROM-LEDGER"]
    for aid in ("A-AUDIT-ORDER", "A-BEFORE-VALIDITY", "A-PZH-FLEX-TIER2", "A-AUDIT-AFTER-UNASSESSED"):
        assert aid not in rests and use[aid].startswith("文件的其他假设：本清单的数字未用到"), (aid, use[aid])

    page = (out / "audit.html").read_text(encoding="utf-8")
    sec = page[page.index('<section id="assumptions">'):page.index('<section id="files">')]
    other = sec.index('id="assumptions-other"')
    assert "本次稽核的数字所依据的假设" in sec[:other] and "文件的其他假设：本清单的数字未用到" in sec[other:]
    for aid in ("A-REVERSAL", "A-AUDIT-YTD-FROM-LEDGER"):
        assert f"<td>{aid}</td>" in sec[:other], aid
    for aid in ("A-AUDIT-ORDER", "A-BEFORE-VALIDITY"):
        assert f"<td>{aid}</td>" in sec[other:] and f"<td>{aid}</td>" not in sec[:other], aid


def test_an_assumption_a_warning_names_is_used_and_a_longer_id_is_not_it():
    summary = {"warnings": ["该月未经稽核（A-AUDIT-MONTH-ABSENT）", "按A-AUDIT-ORDER-X处理"],
               "unassessed_by_reason": [{"reason": "病种类别无法确定（A-AUDIT-CHRONIC-REGISTERED）", "details": []}],
               "assumptions": [{"id": i, "text": "t", "cite": "c"} for i in
                               ("A-X", "A-AUDIT-ORDER", "A-AUDIT-MONTH-ABSENT", "A-AUDIT-CHRONIC-REGISTERED",
                                "A-AUDIT-REMOTE-ABSENT", "A-ROUND-FEN")]}
    got = assumption_use(summary, {"A-ROUND-FEN": 3}, {"A-AUDIT-REMOTE-ABSENT"})
    assert [a["id"] for a in got] == ["A-AUDIT-MONTH-ABSENT", "A-AUDIT-CHRONIC-REGISTERED", "A-AUDIT-REMOTE-ABSENT",
                                      "A-ROUND-FEN", "A-X", "A-AUDIT-ORDER"]
    used = {a["id"]: a["use"] for a in got if a["used"]}
    assert used["A-ROUND-FEN"].startswith("3 项差异引用") and "“注意”" in used["A-AUDIT-MONTH-ABSENT"]
    assert "“未能审核”" in used["A-AUDIT-CHRONIC-REGISTERED"] and "本清单适用" in used["A-AUDIT-REMOTE-ABSENT"]


def test_the_chronic_registration_reading_is_used_where_a_chronic_settlement_differs(tmp_path):
    """攀枝花 第十条, 门诊慢特病 M00500 (the example region: 起付线 300.00, 80%): K1 1000.00 in scope pays
    (1000 − 300) × 80% = 560.00, recorded 600.00. No persons file gives K's registration, so the code is taken as
    registered (A-AUDIT-CHRONIC-REGISTERED): K1's figures rest on it though no clause names it."""
    ledger = tmp_path / "k.csv"
    ledger.write_text(
        "setl_id,psn_no,psn_type,setl_date,med_type,dise_codg,facility,fixmedins_code,medfee_sumamt,fulamt_ownpay_amt,"
        "overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,"
        "psn_part_amt,acct_pay,psn_cash_pay\n"
        "K1,K,1101,2023-01-05,14,M00500,tertiary,H1,1000.00,0,0,0,1000.00,300.00,600.00,0.8000,600.00,400.00,0.00,400.00\n",
        encoding="utf-8")
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", out=tmp_path / "out")
    assert code == 1 and s["overpaid_fen"] == 4000
    use = {r[0]: r[3] for r in load_workbook(tmp_path / "out" / "audit.xlsx")["假设"].iter_rows(min_row=2, values_only=True)}
    assert use["A-AUDIT-CHRONIC-REGISTERED"].startswith("本次稽核的数字所依据的假设：4 项门诊慢特病（med_type 14）差异依据它")
    assert use["A-PZH-FLEX-TIER2"].startswith("文件的其他假设")
