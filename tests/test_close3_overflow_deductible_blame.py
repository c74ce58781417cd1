"""A deductible charged again on a chronic visit's overflow to ordinary pooling is 第七条's (the ordinary
起付线), not 第十条's (慢特病起付线) — in the cause and in the articles the check fails (closing review
rclose3, defect 4).

An overflowing visit's act_pay_dedc is the sum of its two deductible steps (conform.reference.benefits: chronic_pooling
then ordinary_pooling each add to out.dedc): 慢特病起付线 (第十条) first, then 起付线 (第七条) on the part the
chronic cap no longer covers. The sample system's deductible_per_visit twin starts the ordinary deductible
afresh each visit: 攀枝花 c0070 / c0129 expect 0.00 (both parts met or nil) and get 200.00 (the ordinary
deductible of panzhihua-example). No step shows 200.00, so the step is the last one named 起付线.
"""
from __future__ import annotations

from conform.harness.report.causes import _root, blame, cited, group

PZH_OVERFLOW = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "500.00"},
                {"step": "慢特病起付线", "clause": "攀枝花 第十条", "value": "0.00"},
                {"step": "慢特病支付", "clause": "攀枝花 第十条", "value": "0.00"},
                {"step": "转入普通门诊统筹", "clause": "攀枝花 第十一条", "value": "500.00"},
                {"step": "起付线", "clause": "攀枝花 第七条", "value": "0.00"},
                {"step": "支付比例", "clause": "攀枝花 第七条", "value": "300.00"},
                {"step": "年度最高支付限额", "clause": "攀枝花 第七条", "value": "300.00"}]
MISMATCH = {"field": "act_pay_dedc", "expected": "0.00", "actual": "200.00", "item": "V2", "label": "本次起付线"}


def test_unit_the_overflows_deductible_is_put_at_the_ordinary_deductible():
    check = {"id": "c0070", "status": "failed", "kind": "scenario", "document": "攀枝花", "articles": ["panzhihua-9"],
             "path": "features/panzhihua/x.feature", "trace": PZH_OVERFLOW, "message": "", "extra": {},
             "mismatches": [MISMATCH]}
    [cause] = group([check], {})
    assert (cause["step"], cause["clause"]) == ("起付线", "攀枝花 第七条"), cause["headline"]
    assert blame([MISMATCH], {"": PZH_OVERFLOW}, "panzhihua") == (["panzhihua-7"], [])


def test_the_deductible_twin_fails_article_7_not_10_and_the_matrix_agrees_with_the_cause():
    from sample_server import SampleServer

    from conform.harness.report.model import build
    from conform.harness.run import execute

    with SampleServer(defect="deductible_per_visit") as twin:  # 第09条 and 第十一条's scenarios, c0070 and c0129
        run, _ = execute(adapter=twin.url, articles=("panzhihua-9", "panzhihua-11"), tag="not conform_property")
    overflow = [c for c in run.checks if c.status == "failed"
                and any((m.field, m.expected, m.actual) == ("act_pay_dedc", "0.00", "200.00") for m in c.mismatches)
                and any(t.get("step") == "慢特病起付线" for t in c.trace)]
    assert overflow, [(c.name, c.status) for c in run.checks]
    # the ordinary deductible of the part 第十一条 sends on cites 第十一条 first (按门诊统筹政策支付), then 第七条: never 第十条
    for c in overflow:
        assert c.failed_articles == ["panzhihua-11", "panzhihua-7"], (c.name, c.failed_articles)
    ids = {c.nodeid for c in overflow}
    report = build(run)
    for cause in report["causes"]:
        mine = [ch for ch in report["checks"] if ch["id"] in cause["checks"] and ch["nodeid"] in ids]
        if mine:
            assert (cause["step"], cause["clause"]) == ("起付线", "攀枝花 第十一条；攀枝花 第七条"), cause["headline"]
            assert cause["articles"] == ["panzhihua-7", "panzhihua-11"], cause["articles"]
    # a check fails the article its cause's step cites: the plugin reads the evidence as the cause does
    for ch in report["checks"]:
        field, step, clause = _root(ch)
        items = {m.get("item") for m in ch["mismatches"] if m["field"] == field}
        if ch["status"] != "failed" or not field or field == "infcode" or len(items) != 1:
            continue
        tags = cited(clause, "panzhihua")[0]
        if tags:
            assert set(ch["failed_articles"]) == set(tags), (ch["id"], ch["name"], step, clause, ch["failed_articles"])


# The plugin's blame (matrix, JUnit classname) and the cause read the same evidence. A payment short by a
# deductible charged again: the reference pays 1000 × 55% = 550.00, shown by the ratio and the cap step
# alike; the system charged 200.00 again and paid 440.00. Without the evidence the tie goes to the cap step;
# with it, to the deductible, as the cause says (吉林 c0033 under the deductible twin). The cap step cites
# another article here so that the two readings differ in the articles failed, not only in the step.
JL_TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1000.00"},
            {"step": "起付线", "clause": "吉林 二（二）", "value": "0.00"},
            {"step": "支付比例", "clause": "吉林 二（二）", "value": "550.00"},
            {"step": "年度最高支付限额", "clause": "吉林 二(三)", "value": "550.00"}]
REFERENCE = {"inscp_scp_amt": "1000.00", "act_pay_dedc": "0.00", "pool_prop_selfpay": "0.5500", "hifp_pay": "550.00"}


def test_the_plugins_blame_reads_the_checks_evidence_as_the_cause_does():
    from dataclasses import asdict

    from conform.harness import evidence
    from conform.harness.plugin import MismatchError, _blame_scenario
    from conform.harness.results import CheckResult, Mismatch

    evidence.begin()
    evidence.record("2207 门诊结算", {"infno": "2207", "input": {"data": {"mdtrt_id": "V2"}}},
                    {"infcode": 0, "output": {"setlinfo": {"mdtrt_id": "V2", **REFERENCE, "act_pay_dedc": "200.00",
                                                           "hifp_pay": "440.00"}}})
    evidence.record("settle", {"psn_no": "P", "id": "V2"}, {"id": "V2", **REFERENCE})
    ch = CheckResult(nodeid="f::c0033", kind="scenario", name="c0033", policy="jilin", articles=["jilin-2.3"],
                     status="failed")
    exc = MismatchError([Mismatch("hifp_pay", "550.00", "440.00", "V2", "统筹基金支付")], JL_TRACE)
    ch.mismatches, ch.trace = exc.mismatches, exc.trace  # as the plugin's makereport sets them before blaming
    _blame_scenario(ch, exc)
    assert ch.failed_articles == ["jilin-2.2"]
    assert [e["operation"] for e in ch.evidence] == ["2207 门诊结算", "settle"] and evidence.take() == []
    check = {**asdict(ch), "id": "c0033", "document": "吉林", "path": ""}
    [cause] = group([check], {})
    assert (cause["step"], cause["clause"], cause["articles"]) == ("起付线", "吉林 二（二）", ["jilin-2.2"])


def test_a_wrong_ratio_on_an_overflow_visit_blames_the_chronic_article_not_the_reading_alone():
    """The settlement records the chronic ratio (A-CHRONIC-OVERFLOW-RATIO); a wrong figure there (0.4000 for
    攀枝花's 两病 50%) breaks the article that sets that ratio — 第九条 for a disease registered as 两病 — not only
    the reading (the step cited the reading alone, so the check read as resting on a silent text and the article
    passed). The engine's own trace is used."""
    from conform.reference.case import parse_case
    from conform.reference.engine import compute_case

    case = parse_case({"policy": "panzhihua", "region": "panzhihua-example",
                       "person": {"psn_no": "P1", "psn_type": "1101",
                                  "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}]},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "facility": "secondary", "med_type": "14",
                                        "dise_codg": "M03900", "medfee_sumamt": "1000.00"}]})
    trace = compute_case(case)["settlements"][0]["trace"]
    wrong = {"field": "pool_prop_selfpay", "expected": "0.5000", "actual": "0.4000", "item": "V1", "label": "支付比例"}
    assert blame([wrong], {"V1": trace}, "panzhihua") == (["panzhihua-9"], ["A-CHRONIC-OVERFLOW-RATIO"])
