"""A settlement the audit cannot assess leaves the running totals after it unknown (A-AUDIT-AFTER-UNASSESSED).

攀枝花 第七条, in-service, 三级: deductible 200 a natural year, 50%. The example region gives no ratio for
an out-of-city visit without remote filing, so V1 (参保地 510400, 就医地 510100) cannot be assessed. How
much of the 2023 deductible it used is then unknown, so V2 cannot be assessed either; V3, in 2024, starts
a new year: (300 − 200) × 50% = 50.00, as recorded. With a known opening balance the account runs on
across the years, so V3 cannot be assessed either. A reversal of V1 takes it out again: V2 is then the
first standing settlement of 2023, (300 − 200) × 50% = 50.00.
"""
from __future__ import annotations

import json

import pytest

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,insuplc_admdvs,mdtrtarea_admvs,init_setl_id,"
          "medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay\n")
V1 = "V1,A,1101,2023-03-01,11,tertiary,510400,510100,,500.00,500.00,200.00,150.00,150.00,350.00,0.00,350.00\n"
# V2 recorded as if V1 had used the whole deductible: 300 × 50% = 150.00 — it may be right or wrong
V2 = "V2,A,1101,2023-04-10,11,tertiary,510400,510400,,300.00,300.00,0.00,150.00,150.00,150.00,0.00,150.00\n"
# V2 when V1 is reversed: the year's deductible 200 first, (300 − 200) × 50% = 50.00
V2_FRESH = "V2,A,1101,2023-04-10,11,tertiary,510400,510400,,300.00,300.00,200.00,50.00,50.00,250.00,0.00,250.00\n"
R1 = "R1,A,1101,2023-03-02,11,tertiary,510400,510100,V1,-500.00,-500.00,-200.00,-150.00,-150.00,-350.00,0.00,-350.00\n"
V3 = "V3,A,1101,2024-01-05,11,tertiary,510400,510400,,300.00,300.00,200.00,50.00,50.00,250.00,0.00,250.00\n"


def _audit(tmp_path, rows: str, persons: list[dict] | None = None):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + rows, encoding="utf-8")
    pfile = None
    if persons is not None:
        pfile = tmp_path / "persons.jsonl"
        pfile.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
        pfile = str(pfile)
    return audit([str(ledger)], "panzhihua", "panzhihua-example", pfile, write=False)


def _reasons(s) -> dict[str, int]:
    return {r["status"]: r["rows"] for r in s["unassessed_by_reason"]}


def test_rest_of_the_year_after_an_unassessed_settlement_is_not_assessed(tmp_path):
    code, s = _audit(tmp_path, V1 + V2 + V3)
    assert _reasons(s) == {"refused_parameter": 1, "refused_after": 1}
    # V3 (next year) is assessed and agrees; nothing differs, but the verdict cannot be clean
    assert sum(s["discrepancies_by_field"].values()) == 0
    assert code == 2
    assert any(a["id"] == "A-AUDIT-AFTER-UNASSESSED" for a in s["assumptions"])


def test_a_known_balance_carries_the_unknown_into_later_years(tmp_path):
    code, s = _audit(tmp_path, V1 + V2 + V3, [{"psn_no": "A", "psn_type": "1101", "acct_balance": "1000.00"}])
    assert _reasons(s) == {"refused_parameter": 1, "refused_after": 2}
    assert code == 2


def test_a_reversed_unassessed_settlement_no_longer_counts(tmp_path):
    code, s = _audit(tmp_path, V1 + R1 + V2_FRESH)
    # V1 and its reversal R1 cannot be assessed; V2 is, and agrees with (300 − 200) × 50% = 50.00
    assert _reasons(s) == {"refused_parameter": 2}
    assert sum(s["discrepancies_by_field"].values()) == 0
    assert code == 2


def test_the_reference_engines_reasons_are_in_the_summary(tmp_path):
    # A person the reference engine settles (R0 reverses V3 with V4 between them) has a settlement on
    # 2022-12-01, before 攀枝花's rules took effect (2023-01-01): refused, and the summary says why. (A
    # refusal in 2022 leaves 2023 assessable: the running totals start again in the new year.)
    rows = ("V0,A,1101,2022-12-01,11,tertiary,510400,510400,,100.00,100.00,0.00,0.00,0.00,100.00,0.00,100.00\n"
            + V3.replace("2024-01-05", "2023-01-05")
            + "R0,A,1101,2023-01-07,11,tertiary,510400,510400,V3,-300.00,-300.00,-200.00,-50.00,-50.00,-250.00,0.00,-250.00\n"
            + V3.replace("V3,", "V4,").replace("2024-01-05", "2023-01-06"))
    code, s = _audit(tmp_path, rows)
    assert s["persons_reference"] == 1
    # under the plan's own status for a date outside the document (as a person the plan settles gets it)
    (reason,) = [r for r in s["unassessed_by_reason"] if r["status"] == "refused_validity"]
    assert reason["rows"] == 1 and reason["example_setl_id"] == "V0"
    assert [d["example_setl_id"] for d in reason["details"]] == ["V0"]
    assert "before 攀枝花 takes effect on 2023-01-01" in reason["details"][0]["note"]
    assert {r["status"] for r in s["unassessed_by_reason"]} == {"refused_validity"}


def test_a_reversal_of_a_row_refused_after_another_says_so_on_either_route(tmp_path):
    # V1 cannot be assessed (no remote ratio), so V2 and V4 are refused after it; R2 reverses V2 after V4
    # came between (which sends A to the reference engine): R2 too is refused because of V1, not for a
    # reason of its own — the same label the plan gives a reversal right after V2
    v4 = V2.replace("V2,", "V4,").replace("2023-04-10", "2023-04-20")
    r2 = "R2,A,1101,2023-04-25,11,tertiary,510400,510400,V2,-300.00,-300.00,0.00,-150.00,-150.00,-150.00,0.00,-150.00\n"
    code, s = _audit(tmp_path, V1 + V2 + v4 + r2)
    assert s["persons_reference"] == 1
    assert _reasons(s) == {"refused_parameter": 1, "refused_after": 3}  # V1's reason as the plan names it
    r2_plan = "R2,A,1101,2023-04-11,11,tertiary,510400,510400,V2,-300.00,-300.00,0.00,-150.00,-150.00,-150.00,0.00,-150.00\n"
    code, s = _audit(tmp_path, V1 + V2 + r2_plan + v4)
    assert s["persons_reference"] == 0
    assert _reasons(s) == {"refused_parameter": 1, "refused_after": 3}


def test_a_row_with_its_own_reason_gives_that_reason_on_either_route(tmp_path):
    """A flexible worker without flex_tier (攀枝花 第七条, A-PZH-FLEX-TIER2 decides only with the tier): every
    row lacks it, and each says so — what to fix — rather than 'an earlier row could not be assessed', on
    the plan (PA) as on the reference engine (PB, there because BR reverses B2 after B3)."""
    rows = ("A1,PA,1103,2023-03-01,11,secondary,510400,510400,,300.00,300.00,0.00,0.00,0.00,300.00,0.00,300.00\n"
            "A2,PA,1103,2023-03-02,11,secondary,510400,510400,,300.00,300.00,0.00,0.00,0.00,300.00,0.00,300.00\n"
            "B1,PB,1103,2023-03-01,11,secondary,510400,510400,,300.00,300.00,0.00,0.00,0.00,300.00,0.00,300.00\n"
            "B2,PB,1103,2023-03-02,11,secondary,510400,510400,,300.00,300.00,0.00,0.00,0.00,300.00,0.00,300.00\n"
            "B3,PB,1103,2023-03-03,11,secondary,510400,510400,,100.00,100.00,0.00,0.00,0.00,100.00,0.00,100.00\n"
            "BR,PB,1103,2023-03-04,11,secondary,510400,510400,B2,-300.00,-300.00,0.00,0.00,0.00,-300.00,0.00,-300.00\n")
    code, s = _audit(tmp_path, rows)
    assert code == 2 and s["persons_reference"] == 1
    assert _reasons(s) == {"refused_flex_tier": 6}  # none is refused_after, and BR its settlement's reason
    (reason,) = s["unassessed_by_reason"]
    assert all("flex_tier" in d["note"] for d in reason["details"]), reason["details"]  # PB's, in the engine's words


@pytest.mark.parametrize("route", ["plan", "reference"])
def test_a_row_the_fund_pays_nothing_on_is_not_assessed_after_an_unassessed_one_either(tmp_path, route):
    """A-AUDIT-AFTER-UNASSESSED: “同一参保人同一自然年度其后的结算也不审核” — whatever the later row is. A, with
    no account balance given, is in the benefit period 2023-01-01 – 2023-04-30; V1 cannot be assessed (as
    above). V2 (第八条（三）, 应由第三人负担) and V5 (after the period, 第七条) are rows the fund pays nothing
    on, whatever the running totals: still not assessed, as V1 leaves the year's totals unknown — refused
    after V1, not found to agree at 0.00. (A retirement date years ahead sends A to the reference engine.)"""
    header = HEADER.replace("init_setl_id,", "init_setl_id,exclusion,")
    rows = (V1.replace(",,500.00", ",,,500.00")
            + "V2,A,1101,2023-04-10,11,tertiary,510400,510400,,third_party,300.00,300.00,0.00,0.00,0.00,300.00,0.00,300.00\n"
            + "V5,A,1101,2023-05-10,11,tertiary,510400,510400,,,300.00,300.00,0.00,0.00,0.00,300.00,0.00,300.00\n")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(header + rows, encoding="utf-8")
    person = {"psn_no": "A", "psn_type": "1101", "benefit_period": {"begin": "2023-01-01", "end": "2023-04-30"},
              **({"retire_date": "2040-01-01"} if route == "reference" else {})}
    pfile = tmp_path / "persons.jsonl"
    pfile.write_text(json.dumps(person) + "\n", encoding="utf-8")
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", str(pfile), write=False)
    assert s["persons_reference"] == (route == "reference")
    assert _reasons(s) == {"refused_parameter": 1, "refused_after": 2}
    assert (code, s["unassessed"], sum(s["discrepancies_by_field"].values())) == (2, 3, 0)
