"""The article coverage list agrees with the scenario tags, and tag selection works.

`features/articles.yaml` must mark every article of every document `tested`
(with scenarios tagged @<policy>-<id>) or `untestable` with a reason; the
checks themselves are exercised on small throw-away trees so each kind of
problem is shown to be caught.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conform.harness.coverage import article_index, check_coverage, scan_features
from conform.reference.policy import POLICY_IDS

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- the real list and tree


@pytest.mark.parametrize("policy", POLICY_IDS)
def test_every_article_is_tested_or_justified(policy: str) -> None:
    problems = check_coverage(policy=policy)
    assert not problems, "\n".join(problems)


def test_panzhihua_index_names_the_scenarios() -> None:
    index = article_index()["panzhihua"]
    assert list(index)[:2] == ["preamble", "1"]  # the document's own order
    art7 = index["7"]
    assert (art7.label, art7.status) == ("第七条", "tested")
    assert "三级医院一次就诊跨过起付线，分项自付不计入政策范围" in art7.scenarios
    assert art7.cases >= 40
    assert index["12"].status == "untestable" and "人社" in index["12"].reason
    assert index["12"].scenarios == []


# --------------------------------------------------------------------------- the checks, on small trees

ARTICLES_OK = """\
panzhihua:
  "7": {status: tested}
  "12": {status: untestable, reason: 规定市级各部门的职责分工。}
"""

FEATURE_OK = """\
# language: zh-CN
@panzhihua @panzhihua-7
功能: 示例
  场景: 一
    假如 适用政策 "攀枝花"

  场景大纲: 二
    假如 参保人 "<编号>" 为 "在职职工"

    例子:
      | 编号 |
      | A    |
      | B    |
"""


def _tree(tmp_path: Path, articles: str, features: dict[str, str]) -> tuple[Path, Path]:
    root = tmp_path / "features"
    for name, text in features.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    listed = root / "articles.yaml"
    listed.parent.mkdir(parents=True, exist_ok=True)
    listed.write_text(articles, encoding="utf-8")
    return listed, root


def _problems(tmp_path: Path, articles: str, features: dict[str, str]) -> list[str]:
    listed, root = _tree(tmp_path, articles, features)
    return check_coverage(listed, root, policy="panzhihua")


def _others_pending(problems: list[str]) -> list[str]:
    """Drop the 'not in the coverage list' lines for the articles a small list leaves out on purpose."""
    return [p for p in problems if "not in the coverage list" not in p]


def test_small_tree_without_problems(tmp_path: Path) -> None:
    problems = _others_pending(_problems(tmp_path, ARTICLES_OK, {"panzhihua/a.feature": FEATURE_OK}))
    assert problems == []
    listed, root = _tree(tmp_path, ARTICLES_OK, {"panzhihua/a.feature": FEATURE_OK})
    row = article_index(listed, root)["panzhihua"]["7"]
    assert row.scenarios == ["一", "二"]
    assert row.cases == 3  # one 场景 + two example rows


def test_article_missing_from_the_list(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ARTICLES_OK, {"panzhihua/a.feature": FEATURE_OK})
    assert any("第十九条 (panzhihua-19): not in the coverage list" in p for p in problems)


def test_pending_article_fails(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ARTICLES_OK + '  "19": {status: pending}\n', {"panzhihua/a.feature": FEATURE_OK})
    assert any("(panzhihua-19): still pending" in p for p in problems)


def test_tested_article_without_scenarios(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ARTICLES_OK + '  "8": {status: tested}\n', {"panzhihua/a.feature": FEATURE_OK})
    assert any("(panzhihua-8): marked tested but no scenario is tagged @panzhihua-8" in p for p in problems)


def test_untestable_needs_a_reason_and_no_scenarios(tmp_path: Path) -> None:
    articles = ARTICLES_OK + '  "8": {status: untestable}\n'
    tagged = FEATURE_OK.replace("  场景: 一", "  @panzhihua-12\n  场景: 一")
    problems = _problems(tmp_path, articles, {"panzhihua/a.feature": tagged})
    assert any("(panzhihua-8): marked untestable without a reason" in p for p in problems)
    assert any("(panzhihua-12): marked untestable but tagged on 1 scenario(s)" in p for p in problems)


def test_unknown_status_and_unknown_article_in_the_list(tmp_path: Path) -> None:
    articles = ARTICLES_OK + '  "8": {status: done}\n  "99": {status: tested}\n'
    problems = _problems(tmp_path, articles, {"panzhihua/a.feature": FEATURE_OK})
    assert any("(panzhihua-8): unknown status 'done'" in p for p in problems)
    assert any("lists article '99', which 攀枝花 does not have" in p for p in problems)


def test_tag_naming_an_article_that_does_not_exist(tmp_path: Path) -> None:
    bad = FEATURE_OK.replace("  场景: 一", "  @panzhihua-7.1\n  场景: 一")
    problems = _problems(tmp_path, ARTICLES_OK, {"panzhihua/a.feature": bad})
    assert any("a.feature:5 “一”: tag @panzhihua-7.1 names no article of 攀枝花" in p for p in problems)


def test_untagged_scenario(tmp_path: Path) -> None:
    untagged = "# language: zh-CN\n功能: 无标签\n  场景: 三\n    假如 适用政策 \"攀枝花\"\n"
    problems = _problems(tmp_path, ARTICLES_OK, {"panzhihua/a.feature": FEATURE_OK, "panzhihua/b.feature": untagged})
    assert any("b.feature:3 “三”: no article tag" in p for p in problems)
    assert any("b.feature:3 “三”: missing its policy tag @panzhihua" in p for p in problems)


def test_scenario_missing_its_policy_tag(tmp_path: Path) -> None:
    no_policy = FEATURE_OK.replace("@panzhihua @panzhihua-7", "@panzhihua-7")
    problems = _problems(tmp_path, ARTICLES_OK, {"panzhihua/a.feature": no_policy})
    assert any("a.feature:4 “一”: missing its policy tag @panzhihua" in p for p in problems)
    assert any("a.feature:7 “二”: missing its policy tag @panzhihua" in p for p in problems)


def test_examples_tags_count_per_block(tmp_path: Path) -> None:
    """Tags on a 例子 block apply to that block's rows only."""
    text = FEATURE_OK.replace("    例子:", "    @panzhihua-12\n    例子:")
    listed, root = _tree(tmp_path, ARTICLES_OK.replace("untestable, reason: 规定市级各部门的职责分工。", "tested"),
                         {"panzhihua/a.feature": text})
    index = article_index(listed, root)["panzhihua"]
    assert (index["12"].scenarios, index["12"].cases) == (["二"], 2)


def test_malformed_inputs_are_reported_not_raised(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "panzhihua: [unclosed\n", {"panzhihua/a.feature": "功能 without colon\n  场景\n"})
    assert any("articles.yaml: malformed YAML" in p for p in problems)
    assert any("a.feature: not valid Gherkin" in p for p in problems)
    problems = check_coverage(*_tree(tmp_path / "x", "shenzhen:\n  \"1\": {status: tested}\n", {}))
    assert any("unknown policy 'shenzhen'" in p for p in problems)


def test_a_changed_feature_file_is_read_again(tmp_path: Path) -> None:
    """scan_features keeps each file's scenarios while the file is unchanged (conform/harness/coverage.py): an
    edit, or a file turned into invalid Gherkin, is seen by the next scan in the same process."""
    listed, root = _tree(tmp_path, ARTICLES_OK, {"panzhihua/a.feature": FEATURE_OK})
    feature = root / "panzhihua" / "a.feature"
    assert [s.name for s in scan_features(root)[0]] == ["一", "二"]
    feature.write_text(FEATURE_OK.replace("场景: 一", "场景: 一个新名字"), encoding="utf-8")
    assert [s.name for s in scan_features(root)[0]] == ["一个新名字", "二"]
    feature.write_text("功能 without colon\n  场景\n", encoding="utf-8")
    scenarios, problems = scan_features(root)
    assert scenarios == [] and any("not valid Gherkin" in p.message for p in problems)


def test_scan_reads_the_real_tree() -> None:
    scenarios, problems = scan_features()
    assert problems == []
    assert all(s.file.startswith("features/") for s in scenarios)
    assert sum(s.cases for s in scenarios if "panzhihua" in s.tags) > 80


# --------------------------------------------------------------------------- selection by tag

PROBE = """\
import json, os

def pytest_collection_finish(session):
    from conform.harness.plugin import _scenario_of
    out = []
    for item in session.items:
        sc = _scenario_of(item)
        out.append({"feature": sc.feature.rel_filename if sc else None,
                    "marks": sorted({m.name for m in item.iter_markers()})})
    with open(os.environ["CONFORM_PROBE_OUT"], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
"""


def _collect(tmp_path: Path, expr: str) -> list[dict]:
    (tmp_path / "conform_probe.py").write_text(PROBE, encoding="utf-8")
    out = tmp_path / "collected.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]), "CONFORM_PROBE_OUT": str(out)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "conform/harness/conformance", "--collect-only", "-q",
                           "-p", "conform_probe", "-m", expr], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode in (0, 5), proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_select_one_article(tmp_path: Path) -> None:
    collected = _collect(tmp_path, "panzhihua-7")
    # Properties that check 第七条 carry the same tag; the rest must be exactly its scenarios.
    items = [it for it in collected if it["feature"] is not None]
    assert all({"panzhihua-7", "conform_property"} <= set(it["marks"]) for it in collected if it["feature"] is None)
    expected = article_index()["panzhihua"]["7"].cases
    assert expected > 0 and len(items) == expected
    for it in items:
        assert Path(it["feature"]).name == "第07条_普通门诊统筹.feature", it
        assert {"panzhihua", "panzhihua-7"} <= set(it["marks"])


def test_select_one_document(tmp_path: Path) -> None:
    items = [it for it in _collect(tmp_path, "panzhihua") if it["feature"] is not None]
    scenarios, _ = scan_features()
    assert len(items) == sum(s.cases for s in scenarios if "panzhihua" in s.tags)
    assert {Path(it["feature"]).parent.name for it in items} == {"panzhihua"}


def test_strict_markers_is_on(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.getini("strict_markers") or pytestconfig.getini("strict")
    registered = {line.split(":", 1)[0].split("(", 1)[0].strip() for line in pytestconfig.getini("markers")}
    scenarios, _ = scan_features()
    unregistered = sorted({t for s in scenarios for t in s.tags} - registered)
    assert unregistered == []


def test_project_config_refuses_unregistered_marks(tmp_path: Path) -> None:
    (tmp_path / "test_bogus.py").write_text(textwrap.dedent("""\
        import pytest

        @pytest.mark.panzhihua_nonexistent
        def test_x():
            pass
        """), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir",
                           str(tmp_path), "-o", "testpaths=", "-q", str(tmp_path / "test_bogus.py")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "panzhihua_nonexistent" in proc.stdout + proc.stderr


# --------------------------------------------------------------------------- docs/steps.md

KEYWORD_TYPES = {"假如": "given", "当": "when", "那么": "then"}


def _documented_examples() -> list[tuple[str, str]]:
    """(step type, text) of every example step in docs/steps.md's gherkin blocks (not the full feature)."""
    text = (ROOT / "docs" / "steps.md").read_text(encoding="utf-8")
    blocks = text.split("```gherkin\n")[1:]
    out = []
    for block in blocks:
        body = block.split("```", 1)[0]
        if "功能:" in body:
            continue
        kind = None
        for line in body.splitlines():
            line = line.strip()
            if not line or line.startswith(("|", "#")):
                continue
            keyword, _, rest = line.partition(" ")
            kind = KEYWORD_TYPES.get(keyword, kind if keyword in ("并且", "而且", "但是") else None)
            assert kind is not None, f"docs/steps.md: cannot tell the step type of {line!r}"
            out.append((kind, rest))
    return out


def _library_steps() -> list:
    import importlib

    from pytest_bdd.steps import step_function_context_registry

    # the step library and its plugin for the repeated 2207: imported, they register their steps
    modules = ("conform.harness.steps.library", "conform.harness.steps.repeat")
    for name in modules:
        importlib.import_module(name)
    return [c for c in step_function_context_registry.values() if c.step_func.__module__ in modules]


def test_every_documented_example_matches_exactly_one_step() -> None:
    steps = _library_steps()
    examples = _documented_examples()
    assert len(examples) >= len(steps)
    for kind, text in examples:
        matching = [c.parser.name for c in steps if c.type == kind and c.parser.is_matching(text)]
        assert len(matching) == 1, f"docs/steps.md example {text!r} matches {len(matching)} steps: {matching}"


def test_every_step_phrase_is_documented() -> None:
    examples = _documented_examples()
    missing = [f"{c.type}: {c.parser.name}" for c in _library_steps()
               if not any(kind == c.type and c.parser.is_matching(text) for kind, text in examples)]
    assert missing == [], "steps without an example in docs/steps.md:\n" + "\n".join(missing)
