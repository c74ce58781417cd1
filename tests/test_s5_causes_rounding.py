"""A figure one fen off is put at the step that rounds it, not at a later step that passes it on.

Closing review (s5): the sample twin `--defect rounding_half_even` run under 攀枝花 read "统筹基金支付（hifp_pay）
在‘年度最高支付限额’一步不符", 攀枝花 第七条, on a visit with 1000.00 of the cap left: (200.01 − 200.00) × 50% =
0.005 → 0.01 (四舍五入) answered 0.00 (银行家舍入). Blame took the last step showing the expected 0.01 (the cap
step, min(0.01, 1000.00)); the figure is produced, and rounded, at 支付比例, on a reading (A-ROUND-FEN: no text
states the rounding of a settlement).
"""
from __future__ import annotations

from conform.harness.report.causes import group

from sample_server import SampleServer

PZH_TRACE = [
    {"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "200.01",
     "detail": "200.01 − 全自费0.00 − 超限价0.00 − 先行自付0.00 = 200.01元"},
    {"step": "起付线", "clause": "攀枝花 第七条", "value": "200.00",
     "detail": "本年度起付线200.00元，此前已累计0.00元，尚余200.00元；本次计入起付线 min(200.01, 200.00) = 200.00元"},
    {"step": "支付比例", "clause": "攀枝花 第七条", "value": "0.01", "rounded": True,  # 0.005 → 0.01: a half fen rounded
     "detail": "三级定点医疗机构（在职）支付比例50%：(200.01 − 200.00) × 50% = 0.01元（四舍五入到分）"},
    {"step": "年度最高支付限额", "clause": "攀枝花 第七条", "value": "0.01",
     "detail": "年度限额1000.00元，此前已支付0.00元，尚余1000.00元；本次统筹支付 min(0.01, 1000.00) = 0.01元"}]


def check(actual: str, expected: str = "0.01", trace: list[dict] = PZH_TRACE) -> dict:
    return {"id": "c0019", "status": "failed", "kind": "scenario", "document": "攀枝花", "articles": ["panzhihua-7"],
            "path": "features/panzhihua/第07条_普通门诊统筹.feature", "trace": trace, "message": "", "extra": {},
            "mismatches": [{"field": "hifp_pay", "expected": expected, "actual": actual, "item": "V1",
                            "label": "统筹基金支付"}]}


def test_unit_one_fen_off_is_the_rounding_steps_and_names_the_rounding_reading():
    [cause] = group([check("0.00")], {})
    assert cause["step"] == "支付比例", cause["headline"]
    assert cause["clause"] == "攀枝花 第七条；A-ROUND-FEN", cause["clause"]
    # one fen over is a rounding too
    [cause] = group([check("0.02")], {})
    assert cause["step"] == "支付比例", cause["headline"]


def test_unit_more_than_a_fen_off_stays_at_the_cap():
    # a cap not reset on 1 January pays short by the whole payment: the ratio and cap steps both show the
    # expected figure, the system agreed on everything before, so it left the reference at the cap
    trace = [dict(t, value="150.00") if t["step"] in ("支付比例", "年度最高支付限额") else t for t in PZH_TRACE]
    [cause] = group([check("0.00", "150.00", trace)], {})
    assert (cause["step"], cause["clause"]) == ("年度最高支付限额", "攀枝花 第七条"), cause["headline"]


def test_unit_a_fen_off_an_exact_product_is_no_rounding():
    """(300.00 − 200.00) × 50% = 50.00 exactly: no rounding gives 49.99, so the fen is not the rounding's; the
    ratio step's text says 四舍五入到分 whatever the figure (closing review s6): the trace records rounded false."""
    exact = [dict(t, value="50.00", rounded=False,
                  detail="三级定点医疗机构（在职）支付比例50%：(300.00 − 200.00) × 50% = 50.00元（四舍五入到分）")
             if t["step"] == "支付比例" else dict(t, value="50.00") if t["step"] == "年度最高支付限额" else t
             for t in PZH_TRACE]
    [cause] = group([check("49.99", "50.00", exact)], {})
    assert "A-ROUND-FEN" not in cause["clause"], cause["clause"]
    assert cause["step"] == "年度最高支付限额", cause["headline"]


def test_unit_a_rounding_reading_the_step_cites_is_kept():
    trace = [dict(t, clause="浙江 二（一）；A-ZJ-HALF-FEN") if t["step"] == "支付比例" else t for t in PZH_TRACE]
    [cause] = group([check("0.00", trace=trace)], {})
    assert (cause["step"], cause["clause"]) == ("支付比例", "浙江 二（一）；A-ZJ-HALF-FEN"), cause["headline"]


def test_the_half_even_twin_under_panzhihua_fails_at_the_ratio_not_the_cap():
    from conform.harness.report.model import build
    from conform.harness.run import execute

    with SampleServer(defect="rounding_half_even") as server:
        run, _ = execute(adapter=server.url, articles=("panzhihua-7",), tag="not conform_property")
    report = build(run)
    assert report["causes"], [(c["name"], c["status"]) for c in report["checks"]]
    for cause in report["causes"]:
        assert cause["step"] != "年度最高支付限额", cause["headline"]
    [cause] = [c for c in report["causes"] if c.get("field") == "hifp_pay"]
    assert cause["step"] == "支付比例" and "A-ROUND-FEN" in cause["clause"], cause["headline"]
    assert cause["headline"].startswith("统筹基金支付（hifp_pay）在“支付比例”一步不符"), cause["headline"]
