"""The `clause` of a discrepancy is the article that decides the figure, and the same whichever route
(the plan, or the reference engine for the persons it cannot express) settles the person."""
from __future__ import annotations

import json

import duckdb
import pytest

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,act_pay_dedc,hifp_pay,"
          "psn_part_amt,acct_pay,psn_cash_pay")


def _clauses(tmp_path, policy: str, rows: list[str], persons: list[dict],
             header: str = HEADER) -> dict[tuple[str, str], tuple[str, str, str]]:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    pfile = tmp_path / "persons.jsonl"
    pfile.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], policy, f"{policy}-example", str(pfile), out=out)
    got = duckdb.sql(f"SELECT setl_id, field, CAST(CAST(diff AS DECIMAL(18, 2)) AS VARCHAR), clause, route "
                     f"FROM read_parquet('{out}/discrepancies.parquet')").fetchall()
    return {(s, f): (d, c, r) for s, f, d, c, r in got}


# A stay in hospital a year later changes nothing in 2023 but sends the person to the reference engine
# (吉林 二（七）: the plan does not settle persons with stays).
JILIN_ROUTES = {"plan": {}, "reference": {"hospital_stays": [{"begin": "2024-05-01", "end": "2024-05-10"}]}}


@pytest.mark.parametrize("route", JILIN_ROUTES)
def test_a_ratio_error_cites_the_ratio_not_the_cap_on_either_route(tmp_path, route):
    # 吉林, a retiree at a pharmacy: the region's deductible 200.00, ratio 50% at the pharmacy (一, as level
    # 1 and below) + 5 points for a retiree (二（二）) = 55%: (1000.00 − 200.00) × 55% = 440.00, far below the
    # cap. 520.00 recorded (65%) is 80.00 overpaid, decided by the ratio's articles and not by the cap's.
    got = _clauses(tmp_path, "jilin", ["O2,O,1201,2023-02-05,41,pharmacy,,1000.00,200.00,520.00,480.00,0.00,480.00"],
                   [{"psn_no": "O", "psn_type": "1201", **JILIN_ROUTES[route]}])
    diff, clause, settled_by = got[("O2", "hifp_pay")]
    assert (diff, settled_by) == ("80.00", route)
    # the ledger holds 2023 from 02-05 (no ytd for O): the deductible left, and so the payment, rest on the reading
    assert clause == "吉林 一；吉林 二（二）；A-AUDIT-YTD-FROM-LEDGER"


def test_a_chronic_overflow_cites_the_chronic_the_overflow_and_the_ordinary_articles(tmp_path):
    # 攀枝花, person Q registered for M00500 (chronic), region: chronic deductible 300, 80%, cap 4000;
    # ordinary (第七条, in service, secondary): deductible 200, 60%.
    # Q1: (1000 − 300) × 80% = 560.00.  Q2 (5000.00): 5000 × 80% = 4000 > 4000 − 560 = 3440.00 left, which
    # covers 3440 / 80% = 4300.00; the other 700.00 goes to ordinary pooling (第十一条): (700 − 200) × 60%
    # = 300.00, deductible 200.00. Q2 expected 3440 + 300 = 3740.00; recorded 4000.00 (chronic cap not
    # applied, no overflow deductible): +260.00 and −200.00.
    got = _clauses(tmp_path, "panzhihua", [
        "Q1,Q,1101,2023-03-01,14,secondary,M00500,1000.00,300.00,560.00,440.00,0.00,440.00",
        "Q2,Q,1101,2023-04-01,14,secondary,M00500,5000.00,0.00,4000.00,1000.00,0.00,1000.00"],
        [{"psn_no": "Q", "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]}])
    diff, fund, _ = got[("Q2", "hifp_pay")]
    assert diff == "260.00"
    assert fund.split("；")[:2] == ["攀枝花 第十条", "攀枝花 第十一条"] and "攀枝花 第七条" in fund.split("；"), fund
    diff, dedc, _ = got[("Q2", "act_pay_dedc")]
    assert diff == "-200.00"
    # the 200.00 is the ordinary deductible on the overflow: 第七条, reached through 第十一条 (not 第十条's)
    # (and, the ledger holding 2023 from 03-01 without Q's ytd, A-AUDIT-YTD-FROM-LEDGER last)
    assert dedc.split("；")[0] == "攀枝花 第十一条" and dedc.split("；")[-2:] == ["攀枝花 第七条", "A-AUDIT-YTD-FROM-LEDGER"], dedc
    assert "第十条" not in dedc


@pytest.mark.parametrize("route", ["plan", "reference"])
def test_an_account_error_cites_the_documents_account_article(tmp_path, route):
    # 攀枝花, opening balance 300.00: 个人负担 of K1 = 500.00 − (500 − 200) × 50% = 350.00; the account
    # certainly pays 300.00 (A-AUDIT-ACCT-CREDITS), 200.00 recorded is 100.00 short. The account's article is
    # 第五条 (个人账户使用范围), with the assumption on how much of 个人负担 it pays, and the audit's own that
    # decided the figure (the credits past a short balance); cash is 个人负担 (第七条) less the account (第五条).
    person = {"psn_no": "K", "acct_balance": "300.00", **({"retire_date": "2030-01-01"} if route == "reference" else {})}
    got = _clauses(tmp_path, "panzhihua", ["K1,K,1101,2023-01-05,11,tertiary,,500.00,200.00,150.00,350.00,200.00,150.00"],
                   [person])
    diff, acct, settled_by = got[("K1", "acct_pay")]
    assert (diff, settled_by) == ("-100.00", route)
    assert acct == "攀枝花 第五条；A-ACCOUNT-SELFPAY；A-AUDIT-ACCT-CREDITS"
    diff, cash, _ = got[("K1", "psn_cash_pay")]
    assert diff == "100.00"
    assert cash == "攀枝花 第七条；攀枝花 第五条；A-ACCOUNT-SELFPAY；A-AUDIT-ACCT-CREDITS"


@pytest.mark.parametrize("route", ["plan", "reference"])
@pytest.mark.parametrize("balance, acct, cash, diff, basis", [
    # a balance of 1,000.00 covers the 350.00: the account pays all of it, exactly; 200.00 recorded is 150.00 short
    ("1000.00", "200.00", "150.00", "-150.00", ""),
    # a balance of exactly 350.00 covers the 350.00 too (not short: nothing is left for credits to decide), so
    # the balance decides it exactly: 200.00 recorded is 150.00 short, with no A-AUDIT-ACCT-CREDITS
    ("350.00", "200.00", "150.00", "-150.00", ""),
    # no balance: taken as recorded but at most 个人负担 350.00; 400.00 recorded is 50.00 too much
    (None, "400.00", "-50.00", "50.00", "；A-AUDIT-ACCT-UNKNOWN"),
])
def test_an_account_errors_clause_names_what_decided_the_figure(tmp_path, route, balance, acct, cash, diff, basis):
    person = {"psn_no": "K", **({"acct_balance": balance} if balance else {}),
              **({"retire_date": "2030-01-01"} if route == "reference" else {})}
    got = _clauses(tmp_path, "panzhihua", [f"K1,K,1101,2023-01-05,11,tertiary,,500.00,200.00,150.00,350.00,{acct},{cash}"],
                   [person])
    got_diff, clause, settled_by = got[("K1", "acct_pay")]
    assert (got_diff, settled_by, clause) == (diff, route, "攀枝花 第五条；A-ACCOUNT-SELFPAY" + basis)


# 浙江 has no stay rule: a reversal of the one before the settlement just before it, in 2024, sends the person to the
# reference engine (the plan takes only a reversal of the row just before it) and changes nothing in 2023.
ZHEJIANG_ROUTES = {"plan": [], "reference": [
    "Z2,Z,1201,2024-02-01,11,primary,,10.00,10.00,0.00,10.00,0.00,10.00,",
    "Z3,Z,1201,2024-02-02,11,primary,,10.00,10.00,0.00,10.00,0.00,10.00,",
    "Z4,Z,1201,2024-02-03,11,primary,,-10.00,-10.00,0.00,-10.00,0.00,-10.00,Z2"]}


@pytest.mark.parametrize("route", JILIN_ROUTES)
def test_a_retirees_deductible_by_a_named_reading_cites_it_on_either_route(tmp_path, route):
    # 吉林, a retiree (1201) at a 二级 hospital, first visit of 2023 (opening ytd given as 0): 吉林 二（二） gives one
    # deductible and names none for retirees, so the region's 200.00 applies to them by A-JL-RETIREE-DEDUCTIBLE.
    # Ratio 55% + 5 points = 60%: (300.00 − 200.00) × 60% = 60.00. Recorded: deductible 0.00, 300.00 × 60% = 180.00.
    got = _clauses(tmp_path, "jilin", ["J1,J,1201,2023-03-01,11,secondary,,300.00,0.00,180.00,120.00,0.00,120.00"],
                   [{"psn_no": "J", "psn_type": "1201", "ytd": {"year": 2023}, **JILIN_ROUTES[route]}])
    diff, clause, settled_by = got[("J1", "act_pay_dedc")]
    assert (diff, settled_by) == ("-200.00", route)
    assert clause == "吉林 二（二）；A-JL-RETIREE-DEDUCTIBLE"


@pytest.mark.parametrize("route", ZHEJIANG_ROUTES)
def test_a_retirees_cap_by_a_named_reading_cites_it_on_either_route(tmp_path, route):
    # 浙江 example city, a retiree (1201) at a 二级 hospital, opening ytd 0: deductible 600 × 0.5 = 300.00 (二（一）
    # 减半), ratio 60% + 5 points = 65%: (3500.00 − 300.00) × 65% = 2080.00 > the cap 2000.00, which 二（一） gives
    # once and a retiree takes by A-ZJ-RETIREE-CAP. Recorded 2080.00 (no cap): 80.00 overpaid, decided by the cap.
    got = _clauses(tmp_path, "zhejiang",
                   ["Z1,Z,1201,2023-01-05,11,secondary,,3500.00,300.00,2080.00,1420.00,0.00,1420.00,",
                    *ZHEJIANG_ROUTES[route]],
                   [{"psn_no": "Z", "psn_type": "1201", "ytd": {"year": 2023}}], header=HEADER + ",init_setl_id")
    diff, clause, settled_by = got[("Z1", "hifp_pay")]
    assert (diff, settled_by) == ("80.00", route)
    # 二（一）names no period for the cap: counting it by the natural year is a reading too (A-YEAR-BY-SETTLEMENT-DATE)
    assert clause == "浙江 二（一）；A-ZJ-RETIREE-CAP；A-YEAR-BY-SETTLEMENT-DATE"


@pytest.mark.parametrize("route", ZHEJIANG_ROUTES)
@pytest.mark.parametrize("med_type", ["13", "28"])
def test_an_emergency_or_day_surgery_paid_as_ordinary_pooling_cites_the_reading(tmp_path, route, med_type):
    # 攀枝花 names no emergency (13) nor day surgery (28) benefit: such a visit is settled as ordinary pooling by
    # A-EMERGENCY-ORDINARY, which the worked example's steps cite, and so must its figures' clause. In service at a
    # 三级 hospital (第七条): deductible 200.00, 50%: (1000.00 − 200.00) × 50% = 400.00; recorded 300.00 (−100.00).
    # Its reversal E2 gives back −400.00, recorded −300.00 (+100.00): its settlement's articles, marked A-REVERSAL.
    # The reference route: ZHEJIANG_ROUTES' 2024 rows (a reversal apart from its settlement), with 2024's own figures.
    got = _clauses(tmp_path, "panzhihua",
                   [f"E1,Z,1101,2023-03-01,{med_type},tertiary,,1000.00,200.00,300.00,700.00,0.00,700.00,",
                    f"E2,Z,1101,2023-03-02,{med_type},tertiary,,-1000.00,-200.00,-300.00,-700.00,0.00,-700.00,E1",
                    *(r.replace(",1201,", ",1101,") for r in ZHEJIANG_ROUTES[route])],
                   [{"psn_no": "Z", "psn_type": "1101", "ytd": {"year": 2023}}], header=HEADER + ",init_setl_id")
    assert got[("E1", "hifp_pay")] == ("-100.00", "攀枝花 第七条；A-EMERGENCY-ORDINARY", route)
    assert got[("E2", "hifp_pay")] == ("100.00", "攀枝花 第七条；A-EMERGENCY-ORDINARY；A-REVERSAL", route)
