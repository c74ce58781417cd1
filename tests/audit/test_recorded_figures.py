"""What the audit compares: the recorded figures the export has — none is refused, a blank one is refused,
and without hifp_pay the fund's totals are not claimed.

Figures: 攀枝花 第七条, in-service, 三级: deductible 200 a natural year, 50%. S1: 500.00 in scope →
(500 − 200) × 50% = 150.00 from the fund, 350.00 the person's part.
"""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

BASE = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt"
S1 = "S1,A,1101,2023-03-01,11,tertiary,500.00"


def _run(tmp_path, lines: list[str], mapping: tuple[str, ...] = ()):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return audit([str(ledger)], "panzhihua", "panzhihua-example", None, mapping, write=False)


def test_a_ledger_without_recorded_figures_is_refused_not_called_clean(tmp_path):
    with pytest.raises(AuditInputError, match=r"ledger\.csv: the ledger has none of the recorded figures to audit "
                                              r"\(inscp_scp_amt, .*hifp_pay.*\).*--map"):
        _run(tmp_path, [BASE, S1])


def test_a_blank_recorded_figure_is_refused_and_located(tmp_path):
    rows = [BASE + ",hifp_pay,psn_part_amt", S1 + ",150.00,350.00", S1.replace("S1", "S2") + ",,350.00"]
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 3, column hifp_pay: blank"):
        _run(tmp_path, rows)


def test_without_hifp_pay_the_fund_totals_are_not_claimed(tmp_path):
    # fund_pay_sumamt recorded 250.00 against 150.00: a discrepancy of +100.00 on that field; hifp_pay
    # itself is not in the export, so overpaid / underpaid / the totals of hifp_pay are unknown, not 0.00
    code, s = _run(tmp_path, [BASE + ",fund_pay_sumamt", S1 + ",250.00"])
    assert code == 1
    assert s["discrepancies_by_field"] == {"fund_pay_sumamt": 1}
    assert [s[k] for k in ("recorded_hifp_pay_fen", "expected_hifp_pay_fen", "overpaid_fen", "underpaid_fen")] == \
        [None] * 4


def test_with_hifp_pay_the_totals_are_in_fen(tmp_path):
    code, s = _run(tmp_path, [BASE + ",hifp_pay", S1 + ",170.00"])
    assert code == 1
    assert [s[k] for k in ("recorded_hifp_pay_fen", "expected_hifp_pay_fen", "overpaid_fen", "underpaid_fen")] == \
        [17000, 15000, 2000, 0]


def test_skip_applies_to_a_ledger_that_gives_the_level_as_hosp_lv(tmp_path):
    # hosp_lv 3 = tertiary; the 生育门诊 row (med_type 51) is left out by [skip], as with a facility column
    mapping = tmp_path / "map.toml"
    mapping.write_text('[codes.hosp_lv]\n"3" = "tertiary"\n[skip]\nmed_type = ["51"]\n', encoding="utf-8")
    header = "setl_id,psn_no,psn_type,setl_date,med_type,hosp_lv,medfee_sumamt,hifp_pay"
    code, s = _run(tmp_path, [header, "S1,A,1101,2023-03-01,11,3,500.00,150.00", "S2,A,1101,2023-03-02,51,3,800.00,0.00"],
                   mapping=(str(mapping),))
    assert (code, s["rows_skipped"], s["discrepancies_by_field"]) == (0, 1, {"hifp_pay": 0})


def test_files_recording_different_figures_are_refused(tmp_path):
    # January records hifp_pay, February does not: February's fund payments would go unaudited while the
    # totals counted January's
    jan, feb = tmp_path / "2023-01.csv", tmp_path / "2023-02.csv"
    jan.write_text(f"{BASE},hifp_pay\n{S1},150.00\n", encoding="utf-8")
    feb.write_text(f"{BASE}\n{S1.replace('S1', 'S2').replace('03-01', '02-01')}\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"2023-02\.csv: has no hifp_pay, which .*2023-01\.csv records"):
        audit([str(jan), str(feb)], "panzhihua", "panzhihua-example", None, write=False)


def test_a_same_day_reversal_listed_first_without_a_time_is_named_with_the_way_out(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{BASE},init_setl_id,hifp_pay\nR1,A,1101,2023-03-01,11,tertiary,-500.00,S1,-150.00\n"
                      f"{S1},,150.00\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"line 2, column init_setl_id: reverses 'S1', which the export lists "
                                              r"after it on the same date; without setl_time .* export setl_time"):
        audit([str(ledger)], "panzhihua", "panzhihua-example", None, write=False)


def test_cash_without_the_account_payment_is_not_audited_and_says_so(tmp_path):
    # 个人负担 350.00 of which the account paid some amount the export does not carry: cash 150.00 cannot be
    # checked (it would read as a 200.00 discrepancy); 个人负担 still is
    code, s = _run(tmp_path, [BASE + ",psn_part_amt,psn_cash_pay", S1 + ",350.00,150.00"])
    assert (code, s["fields_audited"], s["discrepancies_by_field"]) == (0, ["psn_part_amt"], {"psn_part_amt": 0})
    assert "A-AUDIT-CASH-NO-ACCT" in {a["id"] for a in s["assumptions"]}


def test_a_reversal_at_midnight_listed_before_its_untimed_settlement_is_named_with_the_way_out(tmp_path):
    # S1 has no setl_time; R1, listed before it, is stamped 00:00:00 the same day — a lost time, which orders nothing
    # (docs/audit.md §1): the two go in the export's order, which puts the reversal first, refused as for two blank
    # times (above). (Before s19 a blank time sorted before a 00:00:00 one whatever the export said: this was taken,
    # and the export's own order, settlement at 00:00:00 then its blank-time reversal, refused — s19 probe G;
    # test_s11_implD_midnight_time.py.)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,setl_time,med_type,facility,medfee_sumamt,init_setl_id,hifp_pay\n"
                      "R1,A,1101,2023-03-01,2023-03-01 00:00:00,11,tertiary,-500.00,S1,-150.00\n"
                      "S1,A,1101,2023-03-01,,11,tertiary,500.00,,150.00\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"line 2, column init_setl_id: reverses 'S1', which the export lists "
                                              r"after it on the same date; without setl_time .* export setl_time"):
        audit([str(ledger)], "panzhihua", "panzhihua-example", None, write=False)


def test_a_refused_amount_is_shown_as_written_in_yuan(tmp_path):
    """The message quotes the cell as the export wrote it, in yuan: '-200.00', not the fen the audit
    computes in ('-20000'), which a vendor would look for in the file in vain."""
    head = BASE + ",fulamt_ownpay_amt,hifp_pay"
    with pytest.raises(AuditInputError, match=r"line 2, column fulamt_ownpay_amt: negative amount in a settlement "
                                              r"\(2207\) row: '-200\.00'$"):
        _run(tmp_path, [head, S1 + ",-200.00,150.00"])
    with pytest.raises(AuditInputError, match=r"line 2, column medfee_sumamt: parts exceed the total .*: '500\.00'$"):
        _run(tmp_path, [head, S1 + ",500.05,0.00"])
