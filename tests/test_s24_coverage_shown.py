"""A 合格 says how much it covers (probe s24 W F1/F3/F4/F5).

A correct system leaving out every optional figure (the route split, the T003 clause) read 合格 with 78 of 223
checks not applicable and every article 通过 — 第九条 with no scenario passed; a platform configuration leaving a
facility level out never sent those visits, and nothing said so. Per-check 不适用 stays (optional → not compared);
what changes: the article reads 部分运行, the verdict line counts the not-applicable checks, the certification
record's 认证范围 names them by reason and what the platform configuration leaves out.
"""
from __future__ import annotations

import pytest

from conform.harness.coverage import article_index
from conform.harness.properties import load
from conform.harness.report import certify, model
from conform.harness.report.terminal import verdict_sentence
from conform.harness.results import CheckResult, RunResult

TAG = "beijing-5"
SPLIT = ("not applicable: 被测系统未报告此场景核对的按待遇路径拆分的统筹支付（V1 chronic_pay；本工具的可选扩展字段，"
         "国家平台报文没有），此场景无法完整核对 the system does not report the route split this scenario checks")
UNMAPPED = ("not applicable: 被测系统的应答未能确定此场景核对的按待遇路径拆分的统筹支付（V1 ordinary_pay），此场景无法完整核对 "
            "the system's answer does not tell the route split this scenario checks (V1 ordinary_pay): V1: fund_pay_type "
            "'310199' (output.setldetail[0], fund_payamt 120.00) not in [adapter.platform.fund_pay_type] (a code not "
            "listed counts as other): the rows routed to the pooling add up to 0.00, hifp_pay is 120.00")


def _run(na: int, message: str = SPLIT, adapter: dict | None = None) -> RunResult:
    """Every scenario of 北京 (五); the last `na` of them not applicable with `message`."""
    n = article_index()["beijing"]["5"].cases
    assert n > na
    checks = [CheckResult(nodeid=f"f.py::test_s{i}", kind="scenario", name=f"北京 (五) 场景 {i}", policy="beijing",
                          articles=[TAG], tags=["beijing", TAG], feature_file="beijing/x.feature", line=i + 1,
                          exercised=True, status="not_applicable" if i >= n - na else "passed",
                          message=message if i >= n - na else "")
              for i in range(n)]
    for prop in load().values():  # its property checks, passed: the row judges its scenarios alone
        if "5" in prop.clauses.get("beijing", ()):
            checks.append(CheckResult(nodeid=f"conform/harness/conformance/test_properties.py::test_{prop.id}[beijing]",
                                      kind="property", name=prop.check_name("beijing"), policy="beijing",
                                      articles=[f"beijing-{a}" for a in prop.clauses["beijing"]], status="passed",
                                      exercised=True))
    return RunResult(adapter=adapter or {"adapter": "http", "system": "http://127.0.0.1:9/"}, policies=["beijing"],
                     selection={"policies": ["beijing"], "articles": [], "tag": None}, checks=checks,
                     planned=len(checks), finished="2024-01-01T00:01:00+00:00")


def _row(data: dict) -> dict:
    return next(r for r in data["matrix"] if r["tag"] == TAG)


def test_an_article_with_a_scenario_not_applicable_reads_partly_run_with_the_reason():
    row = _row(model.build(_run(2)))
    assert row["result"] == "partial", row
    assert "2 个场景不适用" in row["reason"] and "被测系统未报告此场景核对的按待遇路径拆分的统筹支付" in row["reason"]
    # the reason keeps its qualifier: an optional extension of the tool's, no omission of the system's (probe s24 Y F3)
    assert "本工具的可选扩展字段" in row["reason"] and "（2 项）" in row["reason"]


def test_an_article_with_every_scenario_run_and_passed_still_reads_passed():
    assert _row(model.build(_run(0)))["result"] == "passed"


def test_the_verdict_line_counts_the_checks_not_applicable():
    run = _run(2)
    assert run.verdict == "合格"  # the verdict covers what was judged (docs/ci.md exit codes unchanged)
    said = verdict_sentence(run)
    assert "全部通过或不适用（不适用 2 项，原因见报告）" in said
    assert model.build(run)["verdict_line"] == said
    run.checks[0].status = "skipped"
    assert "全部通过、不适用或跳过（不适用 2 项，跳过 1 项，原因见报告）" in verdict_sentence(run)
    assert "不适用 0" not in verdict_sentence(_run(0)) and "（" not in verdict_sentence(_run(0)).split("检查中")[1]


def test_the_certificate_scope_names_the_not_applicable_checks_by_reason():
    scope = model.build(_run(3))["certification"]["scope_note"]
    assert "不涵盖 3 项不适用的检查" in scope
    assert "被测系统未报告此场景核对的按待遇路径拆分的统筹支付" in scope and "本工具的可选扩展字段" in scope and "（3 项）" in scope


def test_the_certificate_names_a_fund_pay_type_code_the_platform_config_does_not_map():
    scope = model.build(_run(2, UNMAPPED))["certification"]["scope_note"]
    assert "'310199'" in scope and "未映射" in scope


def test_the_certificate_names_what_the_platform_configuration_leaves_out():
    adapter = {"adapter": "platform", "system": "http://127.0.0.1:9/", "profile": "platform",
               "not_sendable": {"facility:pharmacy": "没有配置该级别的定点机构 no fixmedins_code configured for "
                                                     "facility level 'pharmacy' ([adapter.platform.facilities])"},
               "transactions_left_out": ["2203"]}
    scope = model.build(_run(0, adapter=adapter))["certification"]["scope_note"]
    assert "'pharmacy'" in scope and "从未发送" in scope and "2203" in scope
    assert certify.coverage_note([], {"adapter": "http"}) == ""


def test_the_platform_adapter_describes_what_its_configuration_leaves_out():
    import tomllib

    import httpx

    from conform.harness.config import parse_adapter_config
    from conform.fixtures.sample_system.platform import sample_config
    from conform.harness.adapters.platform.adapter import PlatformAdapter

    text = "\n".join(line for line in sample_config("http://sample/").splitlines() if not line.startswith("pharmacy = "))
    c = parse_adapter_config(tomllib.loads(text), "sample.toml", {})
    a = PlatformAdapter("http://sample/", c, inner=httpx.MockTransport(lambda r: httpx.Response(500)))
    said = a.describe()
    assert "facility:pharmacy" in said["not_sendable"], said
    assert set(said["transactions_left_out"]).isdisjoint(said["transactions"])


def test_a_5206_answer_about_another_year_is_refused_naming_it():
    import pytest

    from conform.harness.adapters import wire

    figures = {"ordinary_dedc": "0.00", "ordinary_pay": "0.00", "inpatient_pay": "0.00", "special_dedc": "0.00"}
    assert wire.read_cuminfo({"cuminfo": {**figures, "year": "2023"}}, 2023)["year"] == 2023
    assert wire.read_cuminfo({"cuminfo": figures}, 2023)["year"] == 2023  # year stays optional
    with pytest.raises(wire.WireError) as e:
        wire.read_cuminfo({"cuminfo": {**figures, "year": "2022"}}, 2023)
    assert e.value.path == "output.cuminfo.year" and "'2022'" in str(e.value) and "2023" in str(e.value)


def test_reasons_differing_only_by_a_predicate_or_an_id_are_one_reason():
    # the platform pool's reason names its predicate in ASCII parentheses, and a split's its visit: one reason each
    # (probe s24 Y F3: a scope note of "8 reasons; 38 more")
    pool = [{"status": "not_applicable", "message": f"not applicable: no pool person matches (policy=panzhihua, "
                                                    f"psn_type={t}, region=panzhihua-example)"} for t in ("1101", "1201")]
    split = [{"status": "not_applicable", "message": SPLIT.replace("V1", v)} for v in ("V1", "V2", "V3")]
    reasons = model.not_applicable_reasons([*pool, *split, {"status": "passed", "message": ""}])
    assert [n for _, n in reasons] == [3, 2], reasons
    assert reasons[1][0] == "no pool person matches"


@pytest.mark.parametrize("given", [2023, "2023", " 2023", 2023.0, "", None])
def test_a_5206_year_naming_the_year_asked_in_any_form_is_read(given):
    from conform.harness.adapters.wire import read_cuminfo

    cum = {"ordinary_dedc": "0.00", "ordinary_pay": "0.00", "inpatient_pay": "0.00", "special_dedc": "0.00"}
    if given is not None:
        cum["year"] = given
    assert read_cuminfo({"cuminfo": cum}, 2023)["year"] == 2023
