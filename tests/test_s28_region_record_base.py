"""A refusal scenario overriding one figure of a valid region (地区配置 "zhejiang-example" + 地区参数 …, 那么 地区配置被
拒绝) refuses the override, not the file: under `conform run --region my-city`, where no other scenario settles under
the example, the certification record listed the shipped example under 用于验证拒绝的地区配置 (probe s28 N F2)."""
from __future__ import annotations

from conform.harness.report import certify
from conform.harness.results import CheckResult, StepResult


def _refusal(region: str, override: bool) -> CheckResult:
    steps = [StepResult("假如", '适用政策 "浙江"'), StepResult("假如", f'地区配置 "{region}"')]
    if override:
        steps.append(StepResult("并且", '地区参数 "ordinary.ratio.primary" 为 "0.55"'))
    steps += [StepResult("当", "校验地区配置"), StepResult("那么", '地区配置被拒绝，原因引用 "二（一）"')]
    return CheckResult(nodeid=f"s::{region}", kind="scenario", name="配置被拒绝", policy="zhejiang",
                       status="passed", articles=["zhejiang-2.1"], exercised=True, steps=steps)


def _as_dicts(*checks: CheckResult) -> list[dict]:
    return [{"status": c.status, "kind": c.kind, "policy": c.policy,
             "steps": [{"text": s.text} for s in c.steps]} for c in checks]


def test_a_valid_base_whose_figure_is_overridden_is_not_listed_refused() -> None:
    used, refused = certify.region_refs(_as_dicts(_refusal("zhejiang-example", override=True)))
    assert refused == [] and "zhejiang-example" not in used


def test_a_file_refused_as_it_is_is_listed_refused() -> None:
    used, refused = certify.region_refs(_as_dicts(_refusal("invalid/zhejiang-primary-ratio-55", override=False),
                                                  _refusal("zhejiang-example", override=True)))
    assert refused == ["invalid/zhejiang-primary-ratio-55"] and used == {}
