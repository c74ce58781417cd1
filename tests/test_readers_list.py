"""`conform list`: policies, articles with their coverage status, regions, parameters, adapters, defects."""
from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from conform.harness.cli import main as cli
from conform.harness.resources import articles_file
from conform.reference.policy import POLICY_IDS, load_policy


def listed(*args: str):
    result = CliRunner().invoke(cli, ["list", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_articles_carry_the_status_articles_yaml_gives_them():
    rows = json.loads(listed("articles", "--json"))
    coverage = yaml.safe_load(articles_file().read_text(encoding="utf-8"))
    assert len(rows) == sum(len(load_policy(p).articles) for p in POLICY_IDS)
    for r in rows:
        assert r["status"] == coverage[r["policy"]][r["article"]]["status"], r["tag"]
    untestable = next(r for r in rows if r["tag"] == "panzhihua-12")
    assert untestable["status_zh"] == "不可测试" and "人社部门" in untestable["reason"]
    assert next(r for r in rows if r["tag"] == "panzhihua-7")["scenarios"] > 10


def test_every_subject_in_text_and_json():
    everything = json.loads(listed("--json"))
    assert set(everything) == {"policies", "articles", "regions", "params", "adapters", "defects"}
    assert [p["id"] for p in everything["policies"]] == list(POLICY_IDS)
    nanchang = next(p for p in everything["policies"] if p["id"] == "nanchang")
    assert nanchang["draft"] and nanchang["name"] == "南昌（征求意见稿）"
    assert {r["name"] for r in everything["regions"]} >= {"jilin-example", "zhejiang-example"}
    deductible = next(r for r in everything["params"] if (r["policy"], r["key"]) == ("jilin", "ordinary.deductible"))
    assert deductible["constraint"]["max"] == "300" and "二（二）" in deductible["article"]
    assert {"deductible_per_visit", "timeout"} <= {d["name"] for d in everything["defects"]}
    assert {"reference", "http", "python"} <= {a["name"] for a in everything["adapters"]}
    text = listed()
    for heading in ("政策文件", "条款", "地区配置", "地区参数", "适配器", "示例系统的缺陷"):
        assert heading in text


def test_one_policy_and_a_bad_one():
    rows = json.loads(listed("regions", "--policy", "jilin", "--json"))
    assert rows and {r["policy"] for r in rows} == {"jilin"}
    result = CliRunner().invoke(cli, ["list", "articles", "--policy", "atlantis"])
    assert result.exit_code == 2 and "unknown policy atlantis" in result.output


def test_regions_include_the_working_folders_own_as_settle_finds_them(tmp_path, monkeypatch):
    """`conform settle` and `conform audit` find a region by name in ./fixtures/regions/ too (README, Adding a
    region): `conform list regions` shows it there, marked with its path; a file named like a shipped example
    is not the one that name means, so it is not listed as such."""
    own = tmp_path / "fixtures" / "regions"
    own.mkdir(parents=True)
    (own / "my-city.yaml").write_text("name: my-city\nlabel: 某市（虚构）\npolicy: jilin\nexample: true\n"
                                      "values:\n  ordinary.deductible: \"200\"\n", encoding="utf-8")
    (own / "jilin-example.yaml").write_text("name: jilin-example\nlabel: 冒名\npolicy: jilin\n"
                                            "values:\n  ordinary.deductible: \"200\"\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    rows = json.loads(listed("regions", "--policy", "jilin", "--json"))
    mine = [r for r in rows if r["name"] == "my-city"]
    assert len(mine) == 1 and mine[0]["file"] == str(Path("fixtures") / "regions" / "my-city.yaml")
    assert [r["label"] for r in rows if r["name"] == "jilin-example"] != ["冒名"]
    assert "my-city" in listed("regions")
