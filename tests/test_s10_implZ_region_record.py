"""The certification record pins the region figures it certifies (rregion D3, Q4, D2's record side, s10).

A regulator reading a 合格 must be able to tell which 起付线/比例/限额 it refers to: each region the checks
used is listed with its file, the SHA-256 of the file's bytes, whether it is a fictitious example or a real
region's figures, and its figures as written; the rule set's digest covers the region files. The regions
scenarios name only to see them refused (conform/fixtures/regions/invalid/) are listed apart.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from openpyxl import load_workbook

from conform.harness import resources
from conform.harness.report import certify, html, junit, model, xlsx
from conform.harness.report.terminal import region_lines
from conform.harness.results import CheckResult, RunResult, StepResult
from conform.reference.policy import REGION_DIR

EXAMPLE = REGION_DIR / "zhejiang-example.yaml"


def _city(tmp_path, name="s10-huzhou", example=False, cap="2500", label="湖州市门诊共济参数"):
    """zhejiang-example's figures as a city's own file (example flag and cap as given)."""
    lines = []
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("name:"):
            line = f"name: {name}"
        elif line.startswith("label:"):
            line = f"label: {label}"
        elif line.startswith("example:"):
            line = f"example: {'true' if example else 'false'}"
        elif line.strip().startswith("ordinary.cap:"):
            line = f'  ordinary.cap: "{cap}"'
        lines.append(line)
    path = tmp_path / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _property(regions, policy="zhejiang"):
    return CheckResult(nodeid=f"p::{policy}", kind="property", name="annual_cap", policy=policy, status="passed",
                       exercised=True, extra={"property": "annual_cap", "regions": list(regions)})


def _scenario(region, refused=False, policy="zhejiang"):
    steps = [StepResult("假如", '适用政策 "浙江"'), StepResult("假如", f'地区配置 "{region}"')]
    steps += ([StepResult("当", "校验地区配置"), StepResult("那么", '地区配置被拒绝，原因引用 "二（一）"')] if refused
              else [StepResult("那么", '统筹基金支付 "480.00" 元')])
    return CheckResult(nodeid=f"s::{region}", kind="scenario", name=f"场景 {region}", policy=policy, status="passed",
                       articles=["zhejiang-2.1"], exercised=True, steps=steps)


def _run(*checks):
    return RunResult(adapter={"adapter": "reference"}, policies=["zhejiang"], checks=list(checks), run_id="t",
                     finished="2026-12-03T00:00:00+00:00", seed="1", examples={"profile": "ci"})


def test_each_region_carries_its_file_sha256_and_figures_and_the_digest_covers_it(tmp_path):
    city = _city(tmp_path)
    cert = model.build(_run(_property([str(city)])))["certification"]
    [r] = cert["regions"]
    assert r["name"] == "s10-huzhou" and r["label"] == "湖州市门诊共济参数" and r["example"] is False
    assert r["sha256"] == hashlib.sha256(city.read_bytes()).hexdigest() and r["file"] == str(city)
    # the figures as the file writes them (text, not re-formatted): cap "2500", ratio "0.70"
    assert r["values"]["ordinary.cap"] == "2500" and r["values"]["ordinary.ratio.primary"] == "0.70"
    assert len(r["values"]) == 10 and r["error"] == "" and r["properties"] == 1 and r["scenarios"] == 0
    assert cert["ruleset_regions"] == 1 and cert["ruleset_files"] == certify.ruleset_digest()[1] + 1
    assert "地区配置" in cert["ruleset_words"] and "region files" in cert["ruleset_words"]
    # another figure in the same file: another region digest and another rule set
    _city(tmp_path, cap="3000")
    again = model.build(_run(_property([str(city)])))["certification"]
    assert again["regions"][0]["sha256"] != r["sha256"] and again["regions"][0]["values"]["ordinary.cap"] == "3000"
    assert again["ruleset_sha256"] != cert["ruleset_sha256"]
    assert cert["ruleset_sha256"] != certify.ruleset_digest()[0]  # without the region: the policies and features only


def test_a_real_region_is_certified_as_its_file_and_the_examples_keep_their_wording(tmp_path):
    city = _city(tmp_path)
    cert = model.build(_run(_property([str(city)]), _scenario("zhejiang-example")))["certification"]
    by_name = {r["name"]: r for r in cert["regions"]}
    assert by_name["s10-huzhou"]["fictitious"] is False and by_name["zhejiang-example"]["fictitious"] is True
    note = cert["scope_note"]
    sha = by_name["s10-huzhou"]["sha256"]
    assert "地区配置 s10-huzhou（浙江）湖州市门诊共济参数 不是示例配置" in note and sha in note
    assert "zhejiang-example（浙江） 为示例配置" in note and "s10-huzhou（浙江） 为示例配置" not in note
    # 浙江 drew under a real region: the scenarios' examples are not said to leave every real region uncertified
    assert "不证明被测系统符合任何真实统筹区" not in note and "真实统筹区的数值见下文" in note

    page = html.render(model.build(_run(_property([str(city)]), _scenario("zhejiang-example"))))
    record = page[page.index('id="record-regions"'):page.index('id="record-scope"')]
    assert sha in record and "非示例：按本文件数值认证" in record and "<code>ordinary.cap</code></td><td>2500" in record


def test_only_example_regions_keep_the_framework_note(tmp_path):
    cert = model.build(_run(_property(["zhejiang-example"])))["certification"]
    assert "不证明被测系统符合任何真实统筹区" in cert["scope_note"] and "--region" in cert["scope_note"]
    [r] = cert["regions"]
    assert r["file"] == "conform/fixtures/regions/zhejiang-example.yaml"
    assert r["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()


def test_regions_scenarios_must_see_refused_are_listed_apart(tmp_path):
    cert = model.build(_run(_scenario("invalid/zhejiang-primary-ratio-55", refused=True),
                            _scenario("zhejiang-example")))["certification"]
    assert [r["name"] for r in cert["regions"]] == ["zhejiang-example"]
    [refused] = cert["regions_refused"]
    assert refused["name"] == "zhejiang-primary-ratio-55" and "二（一）" in refused["error"]
    assert "zhejiang-primary-ratio-55" not in cert["scope_note"]
    assert cert["ruleset_regions"] == 2  # both files the scenarios read are in the digest
    page = html.render(model.build(_run(_scenario("invalid/zhejiang-primary-ratio-55", refused=True))))
    assert 'id="record-regions-refused"' in page and "未使用地区配置" in page


def test_a_region_that_does_not_load_is_shown_as_such(tmp_path):
    broken = tmp_path / "s10-broken.yaml"
    broken.write_text('name: s10-broken\npolicy: zhejiang\nvalues:\n  ordinary.cap: "2500\n', encoding="utf-8")
    bad_figure = _city(tmp_path, name="s10-pct")
    bad_figure.write_text(bad_figure.read_text(encoding="utf-8").replace('primary: "0.70"', 'primary: "75"'),
                          encoding="utf-8")
    data = model.build(_run(_property([str(broken), str(bad_figure), str(tmp_path / "absent.yaml")])))
    by_ref = {r["ref"]: r for r in data["certification"]["regions"]}
    assert by_ref[str(broken)]["error"].startswith("无法读取") and by_ref[str(broken)]["sha256"]
    assert by_ref[str(bad_figure)]["error"].startswith("数值无效") and "ordinary.ratio.primary" in by_ref[str(bad_figure)]["error"]
    assert by_ref[str(tmp_path / "absent.yaml")]["error"].startswith("无法读取")
    note = data["certification"]["scope_note"]
    assert "无法读取或数值无效" in note and "不是示例配置" not in note
    page = html.render(data)
    assert page.count("无法读取或数值无效 <span") == 3


def test_html_escapes_a_region_label_and_value(tmp_path):
    city = _city(tmp_path, label="<script>alert(1)</script>")
    page = html.render(model.build(_run(_property([str(city)]))))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_workbook_junit_and_terminal_name_each_region_with_its_sha256(tmp_path):
    city = _city(tmp_path)
    run = _run(_property([str(city)]), _scenario("invalid/zhejiang-primary-ratio-55", refused=True))
    data = model.build(run)
    sha = hashlib.sha256(city.read_bytes()).hexdigest()
    info = {r[0]: r[1] for r in load_workbook(xlsx.write(data, tmp_path / "r.xlsx"))["概要"]
            .iter_rows(values_only=True) if r[0]}
    detail = info["地区配置 s10-huzhou 文件与数值 file and figures"]
    assert f"SHA-256: {sha}" in detail and "ordinary.cap = 2500" in detail
    assert "非示例" in info["地区配置 Region configurations"]
    assert "zhejiang-primary-ratio-55" in info["用于验证拒绝的地区配置 Refused on purpose"]
    assert data["certification"]["ruleset_sha256"] in info["规则集摘要 Rule set SHA-256"]

    root = ET.fromstring(junit.render(data))
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["region:s10-huzhou"].startswith(f"sha256={sha}") and props["region:s10-huzhou"].endswith("real")
    assert props["ruleset_sha256"] == data["certification"]["ruleset_sha256"]

    lines = region_lines(run)
    # the file certified is named: a ./fixtures/regions/ file and a shipped one of the same name are told apart
    assert any(line.startswith(f"地区配置 Region s10-huzhou（浙江） {city} SHA-256 " + sha[:12]) for line in lines)
    assert any("refused on purpose (1)" in line for line in lines)


def _git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(repo)})


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_commit_is_marked_when_a_region_file_used_is_not_committed_as_it_is(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "tracked.yaml").write_text("a: 1\n", encoding="utf-8")
    _git(repo, "add", "tracked.yaml")
    _git(repo, "commit", "-q", "-m", "x")
    monkeypatch.setattr(resources, "source_root", lambda: repo)
    certify.git_commit.cache_clear()
    try:
        clean = certify.git_commit((str(repo / "tracked.yaml"),))
        assert clean and certify.DIRTY not in clean and certify.OUTSIDE not in clean
        (repo / "new.yaml").write_text("b: 1\n", encoding="utf-8")  # untracked, and used
        assert certify.DIRTY in certify.git_commit((str(repo / "new.yaml"),))
        assert certify.DIRTY not in certify.git_commit((str(repo / "tracked.yaml"),))  # not used: not asked
        (repo / "tracked.yaml").write_text("a: 2\n", encoding="utf-8")  # changed
        certify.git_commit.cache_clear()
        assert certify.DIRTY in certify.git_commit((str(repo / "tracked.yaml"),))
        outside = tmp_path / "city.yaml"
        outside.write_text("c: 1\n", encoding="utf-8")
        assert certify.OUTSIDE in certify.git_commit((str(outside),))
    finally:
        certify.git_commit.cache_clear()


def test_a_region_file_edited_during_the_run_is_not_pinned_as_checked(tmp_path):
    """A property records the SHA-256 of the file it drew under (extra["region_sha256"]); the record is built at
    the end: a file changed in between lists figures no check used, so it is marked, not shown as fine."""
    city = _city(tmp_path)
    before = certify.region_sha256(str(city))
    assert before == hashlib.sha256(city.read_bytes()).hexdigest()
    check = _property([str(city)])
    check.extra["region_sha256"] = {str(city): before}
    [same] = model.build(_run(check))["certification"]["regions"]
    assert same["error"] == "" and same["sha256"] == before
    _city(tmp_path, cap="3000")  # edited after the draws
    [edited] = model.build(_run(check))["certification"]["regions"]
    assert edited["error"].startswith("文件在运行中被修改") and before[:12] in edited["error"]
    assert certify.region_sha256(str(tmp_path / "absent.yaml")) == ""
