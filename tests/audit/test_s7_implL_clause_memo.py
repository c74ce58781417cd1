"""The reference route's clauses are memoized by the shape of a settlement's trace (settle_ref._clauses): two
settlements whose steps cite the same articles must still get different clauses where a figure decides them —
whether the cap cut the fund's figure, whether a deductible took part of the settlement. Each pair is settled in
both orders with the memo emptied first, so the second always meets the first's entry.
"""
from __future__ import annotations

import datetime as dt

import pytest

from conform.audit import settle_ref
from conform.audit.settle_ref import RulesSpec, settle_known


def _row(sid: str, psn: str, med_type: str, facility: str, medfee_fen: int, date: dt.date, dise: str | None = None):
    # ROW_COLUMNS: setl_id, psn_no, psn_type, setl_date, med_type, facility, dise_codg, exclusion, remote,
    # acct_used_flag, init_setl_id, the amounts in fen (medfee_sumamt first), setl_time
    return (sid, psn, "1101", date, med_type, facility, dise, None, False, True, None,
            medfee_fen, 0, 0, 0, 0, 0, 0, 0, None)


def _last(policy: str, psn: str, rows: list[tuple]) -> dict:
    rules = RulesSpec(policy, f"{policy}-example").bind()
    return settle_known(rules, psn, rows, None)[-1]


# 南昌 (nanchang-example), 在职, a 定点零售药店 purchase (med_type 41): 起付线 600 元 and 年度最高支付限额 1800 元 (四（二）1),
# 58% at a pharmacy (四（四）, the region's ratio: A-NC-PHARMACY). A: 5000.00 → (5000 − 600) × 58% = 2552.00, cut to the
# cap 1800.00: the fund's figure rests on the cap's article 四（二）1. B: 1000.00 → (1000 − 600) × 58% = 232.00, under the cap: on the
# ratio's article 四（四）. The same steps citing the same articles; only whether the cap cut the figure differs.
CAP, PHARMACY = "南昌 四（二）1", "南昌 四（四）；A-NC-PHARMACY"
CAPPED = {"A": ([_row("A1", "A", "41", "pharmacy", 500000, dt.date(2023, 3, 1))], 180000, CAP),
          "B": ([_row("B1", "B", "41", "pharmacy", 100000, dt.date(2023, 3, 1))], 23200, PHARMACY)}


@pytest.mark.parametrize("order", [("A", "B"), ("B", "A")])
def test_a_cap_that_cut_the_figure_is_cited_whichever_came_first(order):
    settle_ref._CITED.clear()
    for psn in order:
        rows, hifp, fund = CAPPED[psn]
        got = _last("nanchang", psn, rows)
        assert (got["act_pay_dedc"], got["hifp_pay"], got["pool_prop_selfpay"]) == (60000, hifp, 5800)
        assert (got["clause_dedc"], got["clause_fund"], got["clause_ratio"]) == (CAP, fund, PHARMACY)


# 攀枝花 (panzhihua-example), 在职, 三级: M03900 (两病) pays 50% to a cap of 300 元, no deductible (第十条); past the cap the
# visit goes to ordinary pooling (第十一条, A-PZH-OVERFLOW-SPLIT): 200 元 deductible, 50% (第七条).
# X1, 1000.00: 1000 × 50% = 500 → 300.00 under 第十条, which pays for 300 / 50% = 600.00; the other 400.00 overflows, the deductible takes
# 200.00 of it (counted through 第十一条) and (400 − 200) × 50% = 100.00: hifp 400.00, act_pay_dedc 200.00.
# Y0, 500.00 ordinary: (500 − 200) × 50% = 150.00 uses up the deductible; Y1 as X1 but the deductible takes nothing:
# 300.00 + 400 × 50% = 500.00, act_pay_dedc 0.00. That 0.00 is decided by the ordinary deductible the overflow meets
# (第七条's 200 元, met by Y0; reached through 第十一条), not by the chronic article before it (the old pin, 第十条, was
# the defect of probe s29 A2 F5); no split is cited on it (none charged: the same under any split).
OVERFLOW = "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；攀枝花 第七条"
DEDUCTED = {"X": ([_row("X1", "X", "14", "tertiary", 100000, dt.date(2023, 3, 1), "M03900")], 40000, 20000, OVERFLOW),
            "Y": ([_row("Y0", "Y", "11", "tertiary", 50000, dt.date(2023, 2, 1)),
                   _row("Y1", "Y", "14", "tertiary", 100000, dt.date(2023, 3, 1), "M03900")], 50000, 0, "攀枝花 第十一条；攀枝花 第七条")}


@pytest.mark.parametrize("order", [("X", "Y"), ("Y", "X")])
def test_a_deductible_that_took_part_is_cited_whichever_came_first(order):
    settle_ref._CITED.clear()
    for psn in order:
        rows, hifp, dedc, clause = DEDUCTED[psn]
        got = _last("panzhihua", psn, rows)
        assert (got["hifp_pay"], got["act_pay_dedc"], got["clause_dedc"]) == (hifp, dedc, clause)
        assert got["clause_fund"] == "攀枝花 第十条；" + OVERFLOW
