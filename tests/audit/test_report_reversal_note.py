"""The note under a worked example that is a reversal (2208) agrees with how the reversal was classed
(conform/audit/report/rollups.py: a reversal whose settlement's hifp_pay does not differ carries the pair's money,
pair_net, and its hifp_pay difference counts as it stands).

攀枝花 第七条, in service, 三级 50%, deductible 200.00: F1 (1000.00 in scope) is settled right,
(1000.00 − 200.00) × 50% = 400.00; its reversal F1R takes back 450.00 where 400.00 was paid: 多退 50.00,
so F1 and F1R together leave the fund 50.00 short (统筹基金少付). The note once said the reversal's
differences run opposite to the original's, which read as F1 overpaid 50.00.
"""
from __future__ import annotations

from decimal import Decimal

from conform.audit.report.html import reversal_note
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,init_setl_id,medfee_sumamt,inscp_scp_amt,"
          "act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay")
ROWS = ["F1,F,1101,2023-03-01,11,tertiary,H3,,1000.00,1000.00,200.00,400.00,0.5000,400.00,600.00,0.00,600.00",
        "F1R,F,1101,2023-08-01,11,tertiary,H4,F1,-1000.00,-1000.00,-200.00,-450.00,0.5000,-450.00,-550.00,0.00,-550.00"]


def test_a_reversal_that_gives_back_too_much_is_explained_as_the_pairs_underpayment(tmp_path):
    ledger = tmp_path / "rev.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert code == 1 and (s["overpaid_fen"], s["underpaid_fen"]) == (0, 5000)
    page = (out / "audit.html").read_text(encoding="utf-8")
    section = page[page.index('id="class-under"'):]
    section = section[:min(i for i in (section.find("<h3", 1), section.find("</section>")) if i > 0)]
    assert "<code>F1R</code>" in section
    assert "方向相反" not in section
    assert ("原结算的统筹基金支付与规定相符；统筹支付的差额出自撤销本身，按原样计：撤销退回统筹基金支付 450.00 元，"
            "按规定应退回 400.00 元，多退 50.00 元，原结算与撤销相抵后统筹基金少付 50.00 元。") in section


def _row(field, recorded, expected, pair_net=None):
    return {"field": field, "init_setl_id": "G1", "recorded": recorded, "expected": expected,
            "diff": str(Decimal(recorded) - Decimal(expected)), "pair_net": pair_net}


def test_a_reversal_classed_by_what_it_says_of_its_settlement_keeps_the_opposite_direction_note():
    """G1 itself differs on hifp_pay (pair_net on G1's row): G1R's differences are read negated."""
    note = reversal_note([_row("act_pay_dedc", "0.00", "-200.00"), _row("hifp_pay", "-400.00", "-500.00")])
    assert note["own"] and note["init_setl_id"] == "G1"


def test_a_reversal_that_gives_back_too_little_leaves_the_fund_overpaid():
    note = reversal_note([_row("hifp_pay", "-350.00", "-400.00", Decimal("50.00"))])
    assert not note["own"]
    assert (note["back"], note["due"], note["more"], note["by"], note["net"], note["net_by"]) == \
        ("350.00", "400.00", "少退", "50.00", "多付", "50.00")


def test_a_settlement_has_no_reversal_note():
    assert reversal_note([{**_row("hifp_pay", "500.00", "400.00", Decimal("100.00")), "init_setl_id": None}]) is None
