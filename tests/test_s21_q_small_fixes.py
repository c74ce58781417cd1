"""Small defects s21 probe Q found between the docs and the tool, each pinned where it was fixed.

- the sample system's `--fault timeout` slept 5 s against the harness's default 10 s timeout: no timeout;
- 北京（四）“探索”: the Chinese reason said the document does not mention the residents' contribution;
- docs/openapi.yaml's Amount pattern allowed amounts the harness refuses;
- `conform list adapters` called a python: plugin in-process, which on Linux runs in a process of its own;
- the --help texts left out the ci profile's defaults and the thorough profile's budget.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conform.harness.cli import main

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ 1. the timeout fault outlasts the default timeout

def test_the_timeout_fault_sleeps_past_the_harness_default_timeout():
    from conform.fixtures.sample_system.__main__ import _parser
    from conform.fixtures.sample_system.faults import DEFAULT_SLEEP_S, Fault
    from conform.harness.config import DEFAULT_TIMEOUT_S, AdapterConfig

    assert AdapterConfig().timeout == DEFAULT_TIMEOUT_S
    assert DEFAULT_SLEEP_S > DEFAULT_TIMEOUT_S
    assert _parser().parse_args([]).fault_sleep == DEFAULT_SLEEP_S == Fault("timeout").sleep_s
    # the page says the figures the code has
    page = (ROOT / "docs" / "connect-your-system.md").read_text(encoding="utf-8")
    said = " ".join(page[page.index("## 6. "):page.index("## 7. ")].split())
    assert "`--fault-sleep S`" in said and f"by default {DEFAULT_SLEEP_S:g} s" in said
    assert f"`[adapter] timeout` of {DEFAULT_TIMEOUT_S:g} s" in said and "`--host ADDR`" in said


# ------------------------------------------------------------------ 3. 北京（四）“探索”

@pytest.mark.parametrize("relation", ["self", "spouse", "child"])
def test_beijing_resident_contribution_says_the_text_only_explores_it(relation):
    from conform.reference.account import check_use
    from conform.reference.policy import bind

    d = check_use(bind("beijing", "beijing-example"), relation, "resident_insurance_contribution")
    assert d.decision == "undetermined" and "(四)" in d.clause
    assert d.reason.startswith("（四）写明“探索个人账户用于支付") and "文件只提出探索，未确定可以使用" in d.reason
    assert "文件未写明" not in d.reason and "城乡居民基本医疗保险" in d.reason
    assert "探索 (to be explored)" in d.reason


def test_beijing_long_term_care_contribution_says_so_too():
    from conform.reference.account import check_use
    from conform.reference.policy import bind

    d = check_use(bind("beijing", "beijing-example"), "spouse", "government_insurance_contribution")
    assert d.decision == "undetermined" and "长期护理保险" in d.reason and "文件只提出探索" in d.reason


def test_a_use_the_text_is_silent_on_keeps_the_generic_reason():
    from conform.reference.account import check_use
    from conform.reference.policy import bind

    d = check_use(bind("nanchang", "nanchang-example"), "self", "resident_insurance_contribution")
    assert d.decision == "undetermined" and d.reason.startswith("文件未写明城乡居民基本医疗保险个人缴费可否使用个人账户")


def test_the_glossary_lists_beijing_for_the_residents_contribution():
    rows = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines()
    row = next(r for r in rows if r.startswith("| `resident_insurance_contribution`"))
    assert "攀枝花 第五条" in row and "北京（四）" in row and "浙江 二（四）" in row


# ------------------------------------------------------------------ 7. the openapi Amount is the harness's

def test_the_openapi_amount_pattern_is_the_harness_pattern():
    from conform.harness.adapters import wire

    doc = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    pattern = doc["components"]["schemas"]["Amount"]["pattern"]
    assert pattern == "^" + wire.AMOUNT.pattern.replace("(?:", "(") + "$"
    for text in ("115.00", "-140.00", "0", "1234567890123.45", "12345678901234", "1.234", "1e3", "+1.00", ""):
        assert bool(re.fullmatch(pattern.strip("^$"), text)) == (wire.AMOUNT.fullmatch(text) is not None), text


# ------------------------------------------------------------------ 8. where a python: plugin runs

def test_list_adapters_says_where_a_python_plugin_runs():
    from conform.harness.adapters import plugin_process

    rows = {r["name"]: r for r in json.loads(CliRunner().invoke(main, ["list", "adapters", "--json"]).output)}
    what = rows["python"]["what"]
    assert "in-process" not in what and "进程内插件" not in what
    assert ("a process of its own" in what) == plugin_process.AVAILABLE
    assert "in process" not in rows["sample"]["what"]


# ------------------------------------------------------------------ 6, 9. the help texts state the defaults

def _help(args: list[str]) -> str:
    return " ".join(CliRunner().invoke(main, args).output.split())


def test_conform_run_help_states_the_ci_profiles_defaults():
    text = _help(["run", "--help"])
    assert "default 2, 4 under CI=true (the ci profile), 120 with --thorough" in text
    assert "default 20, 30 under CI=true" in text
    assert "under CI=true, the ci profile, none: the same derandomized examples every run" in text


class _Group:
    """Stands in for pytest's parser and its option group: records each option's help."""

    def __init__(self) -> None:
        self.helps: dict[str, str] = {}

    def getgroup(self, *_a: object, **_k: object) -> "_Group":
        return self

    def addoption(self, name: str, **kw: object) -> None:
        self.helps[name] = " ".join(str(kw.get("help", "")).split())


def test_the_pytest_plugins_help_states_the_budget_and_exact_examples():
    from conform.harness.properties import settings

    parser = _Group()
    settings.pytest_addoption(parser)
    helps = parser.helps
    assert "thousands" not in helps["--conform-thorough"]
    assert f"as the time budget allows ({settings.THOROUGH_BUDGET} by default" in helps["--conform-thorough"]
    assert helps["--conform-examples"].startswith("exactly N examples per property, no time budget")
    assert "4 under CI=true" in helps["--conform-shrink-seconds"]
    assert "CI=true" in helps["--conform-seed"]


# ------------------------------------------------------------------ 13. 虚构 in a label makes a region fictitious

@pytest.mark.parametrize("label, fictitious", [("某市（示例配置，虚构/非真实数据）", True), ("某市公布的参数", False)])
def test_a_label_saying_xugou_is_fictitious_in_the_record_without_example(tmp_path, label, fictitious):
    from conform.harness.report.certify import region_record as _region

    text = (ROOT / "conform" / "fixtures" / "regions" / "panzhihua-example.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^name: .*$", "name: s21-label-city", text)
    text = re.sub(r"(?m)^label: .*$", f"label: {label}", text)
    text = re.sub(r"(?m)^example: true\n", "", text)
    path = tmp_path / "s21-label-city.yaml"
    path.write_text(text, encoding="utf-8")
    entry = _region(str(path))
    assert not entry["error"], entry["error"]
    assert (entry["example"], entry["fictitious"]) == (False, fictitious)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "whose `label` contains 虚构" in readme and "even without `example: true`" in readme


# ------------------------------------------------------------------ 10. what the draws do without a required value

def test_an_example_region_lacking_a_value_the_draws_avoid_is_still_drawn():
    from conform.harness import generators
    from conform.reference.policy import bind

    rules = bind("panzhihua", "panzhihua-example")
    assert rules.find("ordinary.ratio.remote_unfiled") is None  # required, not optional, and not given …
    assert any(s.region == "panzhihua-example" and not s.params for s in generators.settings_for("panzhihua"))
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "`DRAWS_AVOID`" in readme and "(`panzhihua-example` lacks it and is drawn)" in readme
    for key in generators.DRAWS_AVOID:  # … each value the draws avoid is named
        assert f"`{key}`" in readme, key


# ------------------------------------------------------------------ 5. conform run and ./fixtures/regions/

def test_the_readme_no_longer_says_run_refuses_what_list_regions_refuses():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "(as `conform run` would refuse it)" not in readme
    assert "while `conform run` without `--region` passes it by" in readme
