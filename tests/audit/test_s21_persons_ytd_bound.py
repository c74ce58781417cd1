"""Opening year-to-date ordinary totals the document makes impossible are refused (persons._ytd_beyond).

攀枝花 第七条 (the engine's figures, benefits.deductible_and_cap): deductible 200.00 in service, 150.00 retired; annual
cap 1000.00 in service, 1500.00 retired. A person who can be either in the year (no psn_type: the ledger's rows type
them; a retiree type without a retire date; a retire date inside the year) can have counted at most the larger:
deductible 200.00 (max(200, 150)), pooled payments 1500.00 (max(1000, 1500)). One only in service: 200.00 and 1000.00.
A total above is refused at its line and field, exit 2: it leaves nothing to pay, and every right row of the person
would be blamed (the probe's P102: ytd 250.00 / 5000.00 made the 60.00 paid on a 300.00 visit a 60.00 overpayment).
Where the rules give no figure (吉林 without a region: ordinary.deductible is left to it), nothing is refused.
"""
from __future__ import annotations

import json

import duckdb
import pytest

from conform.audit import persons
from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.reference.engine import rules_for

LEDGER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay\n"
          "S1,P101,1101,2023-03-10,11,secondary,300.00,200.00,60.00\n"
          "S2,P102,1101,2023-03-10,11,secondary,300.00,200.00,60.00\n")


def _audit(tmp_path, *records):
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ({"psn_no": "P101"},) + records),
                                      encoding="utf-8")
    return audit([str(tmp_path / "l.csv")], "panzhihua", "panzhihua-example", str(tmp_path / "p.jsonl"), write=False)


def _ytd(dedc="0.00", pay="0.00", **person):
    return {"psn_no": "P102", **person, "ytd": {"year": 2023, "ordinary_dedc": dedc, "ordinary_pay": pay}}


def test_the_probe_ytd_over_is_refused_at_its_line_and_field(tmp_path):
    with pytest.raises(AuditInputError) as e:
        _audit(tmp_path, _ytd("250.00", "5000.00"))  # 250.00 > 200.00, the larger deductible
    assert (e.value.row, e.value.column) == (2, "ytd.ordinary_dedc")
    assert "250.00" in e.value.detail and "at most 200.00" in e.value.detail and "攀枝花 第七条" in e.value.detail


@pytest.mark.parametrize("person, pay", [({}, "1500.01"),  # either role: max(1000, 1500) = 1500.00
                                         ({"psn_type": "1101"}, "1000.01"),  # in service only: 1000.00
                                         ({"psn_type": "1101", "retire_date": "2024-01-01"}, "1000.01")])
def test_pooled_payments_above_the_largest_cap_of_the_roles_held_are_refused(tmp_path, person, pay):
    with pytest.raises(AuditInputError) as e:
        _audit(tmp_path, _ytd("200.00", pay, **person))
    assert (e.value.row, e.value.column) == (2, "ytd.ordinary_pay")


@pytest.mark.parametrize("person, pay", [({}, "1500.00"),
                                         ({"psn_type": "1201"}, "1500.00"),  # the ledger may date a retirement
                                         ({"psn_type": "1101", "retire_date": "2023-07-01"}, "1500.00"),
                                         ({"psn_type": "1101"}, "1000.00")])
def test_totals_within_the_figures_are_taken(tmp_path, person, pay):
    # 200.00 counted and the cap of its role on 2023-03-10 (in service, 1000.00) reached: S2 (300.00) is owed no
    # deductible and nothing from the fund, so its recorded act_pay_dedc 200.00 and hifp_pay 60.00 differ: exit 1
    code, s = _audit(tmp_path, _ytd("200.00", pay, **person))
    assert code == 1 and s["persons_file"]["in_ledger"] == 2


def test_a_person_the_ledger_does_not_settle_that_year_is_not_refused(tmp_path):
    # P103 is in no ledger row: its opening totals change no figure (as the opening keys no settlement reads)
    code, s = _audit(tmp_path, {**_ytd("250.00", "5000.00"), "psn_no": "P103"})
    assert code == 0


def test_no_bound_where_the_rules_give_no_figure(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text(json.dumps(_ytd("9999.00", "99999.00")) + "\n", encoding="utf-8")
    rules = rules_for("jilin", None, None)  # ordinary.deductible is left to the region, and none is given
    assert list(persons.load(duckdb.connect(), str(f), policy=rules.policy, rules=rules)) == ["P102"]
    with pytest.raises(AuditInputError, match="ordinary_pay|ordinary_dedc"):  # the example region gives them
        rules = rules_for("jilin", "jilin-example", None)
        persons.load(duckdb.connect(), str(f), policy=rules.policy, rules=rules)
