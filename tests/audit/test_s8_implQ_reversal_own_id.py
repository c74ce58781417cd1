"""A reversal (2208) exported under its settlement's own setl_id (raudit4): two rows of one person with one setl_id,
the second's amounts the first's negated. Without init_setl_id the second row was refused as "negative amount in a
settlement (2207) row"; with init_setl_id naming that same id, as "duplicate setl_id". Both were true and no help.
Now the refusal (file, line, column setl_id; exit 2) is "duplicate setl_id" and says what the two rows most likely
are and what to do: export the reversal's own setl_id with the settlement's in init_setl_id, or --map the vendor's
columns. Only when medfee_sumamt shows it (non-zero, negated, one person): a plain duplicate is said alone.

Figures by hand: S1 600.00; its reversal −600.00 (a reversal's amounts are its settlement's negated, docs §1).
"""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,"
          "pool_prop_selfpay,init_setl_id")
S1 = "S1,A,1101,2023-01-10 10:00:00,11,tertiary,600.00,600.00,200.00,200.00,0.5000,"
R1 = "S1,A,1101,2023-01-12 09:00:00,11,tertiary,-600.00,-600.00,-200.00,-200.00,0.5000,"
LIKELY = ("its medfee_sumamt is that row's negated (600.00, -600.00), and neither names another settlement in "
          "init_setl_id, so the two are most likely a settlement (600.00) and its reversal (2208, -600.00) exported "
          "under one setl_id; export the reversal's own setl_id, with the settlement's in its init_setl_id")


def _refused(tmp_path, *files: list[str]) -> AuditInputError:
    paths = []
    for i, rows in enumerate(files):
        path = tmp_path / f"2023-0{i + 1}.csv"
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        paths.append(str(path))
    with pytest.raises(AuditInputError) as e:
        audit(paths, "panzhihua", "panzhihua-example", write=False, workers=1)
    return e.value


@pytest.mark.parametrize("init", ["", "S1"])
def test_a_reversal_under_its_settlements_id_is_said_to_be_one(tmp_path, init):
    e = _refused(tmp_path, [S1, R1 + init])
    path = str(tmp_path / "2023-01.csv")
    assert (e.file, e.row, e.column) == (path, 3, "setl_id")
    assert e.detail == (f"duplicate setl_id 'S1' (first at {path} line 2): {LIKELY} (docs/audit.md §1), or, where the "
                        "vendor's export holds them in columns of its own, map those with --map (e.g. --map <the "
                        "reversal's id>=setl_id --map <the settlement's id>=init_setl_id)")
    assert "negative amount" not in e.detail


def test_across_two_months_and_with_the_reversal_first_in_the_export(tmp_path):
    e = _refused(tmp_path, [S1], ["S2,B,1101,2023-02-01 10:00:00,11,tertiary,1.00,1.00,1.00,0.00,0.5000,", R1])
    assert (e.file, e.row) == (str(tmp_path / "2023-02.csv"), 3) and LIKELY in e.detail
    # the reversal listed first (a file sorted by amount): the pair is the same, named at the settlement's line
    (tmp_path / "sorted").mkdir()
    e = _refused(tmp_path / "sorted", [R1, S1])
    assert e.row == 3 and "(-600.00, 600.00)" in e.detail and "a settlement (600.00) and its reversal (2208, -600.00)" in e.detail


@pytest.mark.parametrize("second, said", [
    (S1, "duplicate setl_id 'S1'"),  # the same row twice: a duplicate
    (R1.replace(",A,", ",B,"), "negative amount in a settlement (2207) row"),  # another person's
    (R1.replace("-600.00,-600.00", "-500.00,-600.00"), "negative amount in a settlement (2207) row"),  # not negated
])
def test_without_the_amounts_showing_it_nothing_is_guessed(tmp_path, second, said):
    e = _refused(tmp_path, [S1, second])
    assert said in e.detail and "most likely" not in e.detail


def test_a_zero_settlement_twice_is_a_duplicate(tmp_path):
    zero = S1.replace("600.00,600.00,200.00,200.00", "0.00,0.00,0.00,0.00")
    e = _refused(tmp_path, [zero, zero])
    assert e.detail.startswith("duplicate setl_id 'S1'") and "most likely" not in e.detail
