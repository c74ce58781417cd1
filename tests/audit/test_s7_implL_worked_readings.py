"""audit.html's worked example names the audit's own readings (A-AUDIT-…) its expected figures rest on, with their
text: the engine's trace never states them, so without this a regulator could not see every reading a figure takes.

攀枝花 第七条 throughout (在职: 起付线 200 元, 三级 50%; 退休: 起付线 150 元, 三级 55%). Only the class section of the one
settlement that differs is read: the page's assumption table lists every reading of the run whichever applies.
"""
from __future__ import annotations

import re

from conform.audit.run import AUDIT_ASSUMPTIONS, LEDGER_ASSUMPTIONS, audit

# every column the document's rules read, so that no ledger-wide reading of a missing column applies, save
# oth_fund_pay and hosp_part_amt, which are absent (A-AUDIT-OTHER-FUNDS-ABSENT, A-AUDIT-HOSP-PART-ABSENT)
HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,remote,exclusion,medfee_sumamt,fulamt_ownpay_amt,"
          "overlmt_selfpay,preselfpay_amt,hifp_pay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay")
TEXT = {**{a["id"]: a["text"] for a in AUDIT_ASSUMPTIONS}, **LEDGER_ASSUMPTIONS}


def _worked(tmp_path, rows: list[str], setl_id: str) -> tuple[str, set[str]]:
    """The class section whose worked example is `setl_id`, and the ids of the run's assumption table."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert code == 1
    page = (out / "audit.html").read_text(encoding="utf-8")
    classes = page[page.index('<section id="classes">'):]
    classes = classes[:classes.index("</section>")]
    sections = [c for c in classes.split('<h3 id="class-')[1:] if f"<code>{setl_id}</code>" in c]
    assert len(sections) == 1
    return sections[0], {a["id"] for a in s["assumptions"]}


def _readings(section: str) -> list[str]:
    return re.findall(r"<li><b>(A-AUDIT-[A-Z0-9-]+)</b>：", section)


def test_an_account_payment_taken_as_recorded_shows_that_reading_with_its_text(tmp_path):
    # S1: 1000.00 in scope, (1000 − 200) × 50% = 400.00 from the fund, 个人负担 600.00. No persons file, so no opening
    # balance: acct_pay is taken as recorded but at most 个人负担 (A-AUDIT-ACCT-UNKNOWN), 700.00 → 600.00 expected.
    section, stated = _worked(tmp_path, ["S1,A,1101,2023-03-01,11,tertiary,false,,1000.00,0,0,0,"
                                         "400.00,400.00,600.00,700.00,0.00"], "S1")
    assert "个人账户支付 acct_pay" in section and "700.00" in section and "600.00" in section
    got = _readings(section)
    assert "A-AUDIT-ACCT-UNKNOWN" in got
    assert f"<b>A-AUDIT-ACCT-UNKNOWN</b>：{TEXT['A-AUDIT-ACCT-UNKNOWN']}</li>" in section
    # 个人负担 is what the account pays from: it rests on 医院负担 read as 0 (the column is absent), and so acct_pay;
    # the other funds (absent too) lower 个人负担 as well — both are the run's, and bear on acct_pay
    assert {"A-AUDIT-HOSP-PART-ABSENT", "A-AUDIT-OTHER-FUNDS-ABSENT"} <= set(got) <= stated | {"A-AUDIT-ACCT-UNKNOWN"}
    assert f"<b>A-AUDIT-HOSP-PART-ABSENT</b>：{TEXT['A-AUDIT-HOSP-PART-ABSENT']}</li>" in section


def test_a_ledger_wide_reading_is_shown_only_where_it_bears_on_a_differing_field(tmp_path):
    # S1: 400.00 from the fund as above; the ledger records 基金支付总额 450.00. Without the other funds' columns
    # fund_pay_sumamt = hifp_pay + 0 = 400.00 (A-AUDIT-OTHER-FUNDS-ABSENT); 医院负担 (A-AUDIT-HOSP-PART-ABSENT) comes
    # after the fund's total and decides only 个人负担 and what follows it, not this figure. (In January: the ledger
    # holds 2023 from its start, so the year's totals rest on no A-AUDIT-YTD-FROM-LEDGER.)
    section, stated = _worked(tmp_path, ["S1,A,1101,2023-01-05,11,tertiary,false,,1000.00,0,0,0,"
                                         "400.00,450.00,600.00,0.00,600.00"], "S1")
    assert "A-AUDIT-HOSP-PART-ABSENT" in stated
    assert _readings(section) == ["A-AUDIT-OTHER-FUNDS-ABSENT"]
    assert f"<b>A-AUDIT-OTHER-FUNDS-ABSENT</b>：{TEXT['A-AUDIT-OTHER-FUNDS-ABSENT']}</li>" in section


def test_a_settlement_that_rests_on_no_audit_reading_shows_none(tmp_path):
    # S1: 400.00 from the fund, recorded 450.00; the pool payment reads only 第七条 (the deductible, the ratio) and
    # every column it needs is in the ledger: no audit reading, although the run states four for other figures.
    # (In January: a ledger from March would rest the deductible left on A-AUDIT-YTD-FROM-LEDGER.)
    section, stated = _worked(tmp_path, ["S1,A,1101,2023-01-05,11,tertiary,false,,1000.00,0,0,0,"
                                         "450.00,400.00,600.00,0.00,600.00"], "S1")
    assert {"A-AUDIT-ACCT-UNKNOWN", "A-AUDIT-OTHER-FUNDS-ABSENT", "A-AUDIT-HOSP-PART-ABSENT"} <= stated
    assert "统筹基金支付 hifp_pay" in section and "A-AUDIT-" not in section
    assert 'class="readings"' not in section


def test_a_retirement_dated_by_the_ledger_shows_the_type_change_reading(tmp_path):
    # No persons file: the ledger's psn_type turns 1101 → 1201, so the person retired on 2023-06-01
    # (A-AUDIT-PSN-TYPE-CHANGE; the reference engine settles the person). R1 in service, 300.00: 起付线 200,
    # (300 − 200) × 50% = 50.00. R2 retired, 200.00: the 200.00 counted this year carries over (A-MIDYEAR-RETIREMENT)
    # and covers the retiree's 150, so 200 × 55% = 110.00; recorded 100.00.
    section, _ = _worked(tmp_path, ["R1,P,1101,2023-03-01,11,tertiary,false,,300.00,0,0,0,50.00,50.00,250.00,0.00,250.00",
                                    "R2,P,1201,2023-06-01,11,tertiary,false,,200.00,0,0,0,100.00,110.00,90.00,0.00,90.00"],
                         "R2")
    assert re.search(r"<td class=\"num\">100\.00</td><td class=\"num\">110\.00</td>", section)
    assert "A-AUDIT-PSN-TYPE-CHANGE" in _readings(section)
    assert f"<b>A-AUDIT-PSN-TYPE-CHANGE</b>：{TEXT['A-AUDIT-PSN-TYPE-CHANGE']}</li>" in section
