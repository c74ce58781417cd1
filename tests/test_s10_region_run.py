"""`conform run --region FILE`: a real 统筹区's published figures can be certified — the properties of its document
draw under that file alone — and a region file that cannot be used is a configuration error (exit 2) naming the
file, not a 合格 beside a note (rregion D1, D2, D7, D8; s10).

The city below is a test city; its figures are chosen inside 浙江 二（一）'s limits: 基层 80% ≥ the 60% floor
(“基层医疗机构政策范围内支付比例从60％起步”), every other figure the city's own choice."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

import conform.harness.generators as generators
import conform.harness.run as run_module
from conform.reference.policy import REGION_DIR, PolicyError

CITY = """\
name: s10-city
label: 测试市（真实配置的形式，数值为测试用）
policy: zhejiang
values:
  ordinary.deductible.in_service: "800"
  ordinary.cap: "2500"
  ordinary.ratio.primary: "0.80"
  ordinary.ratio.unrated: "0.80"
  ordinary.ratio.secondary: "0.65"
  ordinary.ratio.tertiary: "0.55"
  ordinary.ratio.pharmacy: "0.55"
"""
ACCOUNT = """\
  account.in_service.rate_of_base: "0.015"
  account.retiree.monthly: "120"
"""


@pytest.fixture(autouse=True)
def _fresh():
    """No region chosen and no cached setting before or after: a worker's later tests draw the examples again."""
    generators.choose_regions(())
    yield
    generators.choose_regions(())


def _run(args, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(run_module.run_command, [*args, "--examples", "3", "--format", "json",
                                                         "--no-progress", "--out", str(out)])
    data = json.loads((out / "results.json").read_text(encoding="utf-8")) if (out / "results.json").exists() else None
    return result, data


def _properties(data):
    return {c["extra"]["property"]: c for c in data["checks"] if c.get("kind") == "property"}


def test_the_properties_draw_under_the_given_region_alone(tmp_path):
    city = tmp_path / "city.yaml"
    city.write_text(CITY + ACCOUNT, encoding="utf-8")
    result, data = _run(["--region", str(city)], tmp_path)
    assert result.exit_code == 0, result.output
    props = _properties(data)
    # --region implies its document: only 浙江's checks ran
    assert {c["policy"] for c in data["checks"]} == {"zhejiang"}
    drew = {tuple(c["extra"]["regions"]) for c in props.values() if c["status"] == "passed"}
    assert drew == {("s10-city",)}  # by its name (not a path), not zhejiang-example, nor a variant derived from it
    assert props["account_credit"]["status"] == "passed"
    assert data["run"]["selection"]["regions"] == ["s10-city"]  # what the run certified (rregion2 D9)
    # the scenarios written under the example's (or no region's) figures run under the city (probe s27/probeH F5: they
    # were all 不适用, so a defect only a scenario catches was certified 合格); the reference under the city decides
    # each written figure: where it gives another (this city's deductible 800, not the example's 600), the scenario is
    # not applicable from that step, naming it — never failed against a right single-city system (rregion2 D1)
    scenarios = [c for c in data["checks"] if c["kind"] == "scenario"]
    asked = [c for c in scenarios if c["exercised"]]
    assert asked and all(c["status"] in ("passed", "not_applicable") for c in asked), [c["name"] for c in asked]
    na = [c for c in scenarios if c["status"] == "not_applicable"]
    assert na and all("--region" in c["message"] for c in na)
    assert any("zhejiang-example" in c["message"] and "与 --region s10-city 的数值不同" in c["message"] for c in na)
    # the record counts a region only for checks that ran: the example is not certified by n/a scenarios
    regions = {r["name"]: r for r in data["certification"]["regions"]}
    assert regions["s10-city"]["properties"] > 0 and not regions["s10-city"]["example"]
    assert regions.get("zhejiang-example", {"scenarios": 0})["scenarios"] < len(na)


def test_a_city_whose_credits_cannot_be_written_still_has_its_settlements_checked(tmp_path):
    """浙江 A-ZJ-ACCOUNT-METHOD: a city crediting by another method gives no account.* figure; its credits are not
    judged (not applicable), its 起付线/比例/限额 still are (they were all dropped before: rregion D7)."""
    city = tmp_path / "city.yaml"
    city.write_text(CITY, encoding="utf-8")
    result, data = _run(["--region", str(city)], tmp_path)
    assert result.exit_code == 0, result.output
    props = _properties(data)
    assert props["account_credit"]["status"] == "not_applicable"
    assert "account.in_service.rate_of_base" in props["account_credit"]["message"]
    for pid in ("deductible", "annual_cap", "settlement_exact"):
        assert props[pid]["status"] == "passed", (pid, props[pid]["message"])
        assert props[pid]["extra"]["regions"] == ["s10-city"]


def test_an_invalid_figure_in_the_given_region_is_a_configuration_error(tmp_path):
    city = tmp_path / "city.yaml"
    city.write_text(CITY.replace('primary: "0.80"', 'primary: "80"') + ACCOUNT, encoding="utf-8")
    result, data = _run(["--region", str(city)], tmp_path)
    assert result.exit_code == 2
    assert "ordinary.ratio.primary" in result.output and "'80'" in result.output
    assert data is None  # nothing that looks like a report


def test_a_region_of_another_document_than_policy_is_refused(tmp_path):
    city = tmp_path / "city.yaml"
    city.write_text(CITY + ACCOUNT, encoding="utf-8")
    result, _ = _run(["--region", str(city), "--policy", "beijing"], tmp_path)
    assert result.exit_code == 2
    assert "zhejiang" in result.output and "beijing" in result.output


def _regions_folder(tmp_path, monkeypatch, files: dict[str, str]):
    folder = tmp_path / "regions"
    shutil.copytree(REGION_DIR, folder)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(generators, "REGION_DIR", folder)
    generators.clear_caches()
    return folder


def test_an_invalid_example_region_fails_the_run_naming_the_file(tmp_path, monkeypatch):
    """A ratio "75" meant as 75% (rregion D1): exit 2 naming the file and the key, not 合格 with the region skipped."""
    bad = CITY.replace("name: s10-city", "name: s10-typo\nexample: true").replace('primary: "0.80"', 'primary: "75"')
    folder = _regions_folder(tmp_path, monkeypatch, {"s10-typo.yaml": bad + ACCOUNT})
    try:
        result, data = _run(["--policy", "zhejiang"], tmp_path)
        assert result.exit_code == 2, result.output
        assert str(folder / "s10-typo.yaml") in result.output and "ordinary.ratio.primary" in result.output
        assert data is None
        # another document's run is not held up by a 浙江 city's figure
        assert generators.broken_regions(("beijing",)) == []
    finally:
        generators.clear_caches()


def test_a_file_that_does_not_parse_or_names_no_document_fails_every_run(tmp_path, monkeypatch):
    folder = _regions_folder(tmp_path, monkeypatch, {
        "s10-broken.yaml": 'name: "s10-broken\n',                                    # an unclosed quote
        "s10-policy.yaml": CITY.replace("policy: zhejiang", "policy: zhejian"),     # rregion D8
    })
    try:
        broken = generators.broken_regions(("beijing",))
        assert len(broken) == 2
        assert any(str(folder / "s10-broken.yaml") in b and "line 2" in b for b in broken)
        assert any(str(folder / "s10-policy.yaml") in b and "'zhejian'" in b and "zhejiang" in b for b in broken)
        result, _ = _run(["--policy", "beijing"], tmp_path)
        assert result.exit_code == 2 and "s10-broken.yaml" in result.output
    finally:
        generators.clear_caches()


def test_a_later_run_without_region_draws_the_examples_again(tmp_path):
    city = tmp_path / "city.yaml"
    city.write_text(CITY + ACCOUNT, encoding="utf-8")
    assert generators.choose_regions((str(city),)) == {"zhejiang": ("s10-city",)}
    assert [s.region for s in generators.settings_for("zhejiang")] == ["s10-city"]
    generators.choose_regions(())
    assert "zhejiang-example" in [s.region for s in generators.settings_for("zhejiang")]


def test_the_given_file_is_drawn_and_asked_for_by_its_name(tmp_path, monkeypatch):
    """Requests carry `region` to the system under test: the city's name, never a path on the tester's machine
    (rregion2 D3: a file outside the region folders was sent as '/tmp/x/huzhou.yaml'). A name the folders already
    give to another file is refused naming both: the system would be asked for one region, the record pin another."""
    elsewhere = tmp_path / "elsewhere" / "s10-city.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(CITY + ACCOUNT, encoding="utf-8")
    assert generators.choose_regions((str(elsewhere),)) == {"zhejiang": ("s10-city",)}
    assert generators.settings_for("zhejiang")[0].rules.region_path.endswith("s10-city.yaml")
    folder = tmp_path / "fixtures" / "regions"  # the working folder's regions: the name means this file now
    folder.mkdir(parents=True)
    (folder / "s10-city.yaml").write_text(CITY + ACCOUNT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    generators.choose_regions(())
    with pytest.raises(PolicyError, match="s10-city.*already.*fixtures/regions/s10-city.yaml"):
        generators.choose_regions((str(elsewhere),))
    assert generators.choose_regions(("fixtures/regions/s10-city.yaml",)) == {"zhejiang": ("s10-city",)}


def test_an_example_region_saved_as_yml_is_drawn(tmp_path, monkeypatch):
    """A region name is found as NAME.yaml or NAME.yml (policy.py, implX D10): the draws read both."""
    example = CITY.replace("name: s10-city", "name: s10-yml\nexample: true") + ACCOUNT
    _regions_folder(tmp_path, monkeypatch, {"s10-yml.yml": example})
    try:
        assert "s10-yml" in generators.example_regions()["zhejiang"]
    finally:
        generators.clear_caches()


def test_the_reproduce_hint_repeats_the_region():
    """A counterexample's hint must rerun under the same figures (rregion2 D8): without --region it drew the
    examples' and reproduced nothing."""
    from conform.harness.properties.settings import PropertySettings, reproduce

    run = PropertySettings("conform", 7, front_end="run", regions=("fixtures/regions/my city.yaml",))
    assert reproduce(run, 7, 20) == "conform run --seed 7 --examples 20 --region 'fixtures/regions/my city.yaml'"
    plain = PropertySettings("conform", 7, regions=("huzhou",))
    assert reproduce(plain, 7) == "--conform-seed 7 --conform-region huzhou"


def test_the_record_carries_the_regions_own_citations(tmp_path):
    """A real region's record gives its document (source:) and each cited figure's article and phrase, beside the
    figure (rregion2 D2: the file cited them, the record dropped them)."""
    from conform.harness.report import certify
    from conform.harness.report.xlsx import _region_detail

    city = tmp_path / "s10-cited.yaml"
    city.write_text(CITY.replace("name: s10-city", "name: s10-cited").replace(
        "values:\n", "source:\n  document: 测试市实施细则\n  number: 测医保发〔2022〕1号\nvalues:\n").replace(
        '  ordinary.cap: "2500"\n', '  ordinary.cap:\n    value: "2500"\n    article: 第八条\n'
        '    quote: 年度最高支付限额为2500元\n') + ACCOUNT, encoding="utf-8")
    entry = certify.region_record(str(city))
    assert entry["error"] == "" and entry["values"]["ordinary.cap"] == "2500"
    assert entry["source"] == {"document": "测试市实施细则", "number": "测医保发〔2022〕1号"}
    assert entry["citations"] == {"ordinary.cap": {"article": "第八条", "quote": "年度最高支付限额为2500元"}}
    detail = _region_detail(entry)
    assert "出处 source: 测试市实施细则 测医保发〔2022〕1号" in detail
    assert "ordinary.cap = 2500（第八条 “年度最高支付限额为2500元”）" in detail


def test_the_reports_selection_names_the_region_certified():
    """The report's first screen (选择 row of report.html and the xlsx 概要) says which city's figures were certified
    (rregion2 D4)."""
    from conform.harness.report.model import selection_words

    said = selection_words({"policies": ["zhejiang"], "regions": ["huzhou"]}, {"zhejiang": "浙江"})
    assert said.startswith("浙江 · 按地区配置认证 certified against region huzhou")


def test_a_region_file_saved_in_gbk_is_told_to_be_saved_as_utf8(tmp_path):
    """The remedy, not only the byte (rregion2 D7): a Windows editor saves 湖州 as GBK."""
    from conform.reference.policy import load_region_file

    path = tmp_path / "s10-gbk.yaml"
    path.write_bytes((CITY.replace("name: s10-city", "name: s10-gbk") + ACCOUNT).encode("gbk"))
    with pytest.raises(PolicyError, match=r"invalid UTF-8 at byte \d+ \(line 2\): save the file as UTF-8.*GBK"):
        load_region_file(str(path))


@pytest.mark.parametrize("value, quote, ok", [
    ("2500", "年度最高支付限额为3000元", False),   # the quote contradicts the figure (rregion2 D5)
    ("2500", "年度最高支付限额为2500元", True),
    ("0.80", "基层医疗机构支付比例为80%", True),    # a ratio quoted in percent
    ("80%", "支付比例为80%", True),
    ("0.05", "报销比例提高5个百分点", True),        # in points
    ("800", "在职职工800元、退休人员400元", True),  # one of the figures named
    ("800", "起付标准为八百元", True),              # in words: nothing to compare
    ("0.75", "支付比例为70%", False),
])
def test_a_cited_figures_quote_must_state_it(tmp_path, value, quote, ok):
    from conform.reference.policy import load_region_file

    path = tmp_path / "s10-quoted.yaml"
    path.write_text(CITY.replace("name: s10-city", "name: s10-quoted").replace(
        '  ordinary.cap: "2500"\n', f'  ordinary.cap:\n    value: "{value}"\n    article: 第八条\n    quote: {quote}\n')
        if not value.startswith(("0.", "80%")) else CITY.replace("name: s10-city", "name: s10-quoted").replace(
        '  ordinary.ratio.primary: "0.80"\n',
        f'  ordinary.ratio.primary:\n    value: "{value}"\n    article: 第八条\n    quote: {quote}\n'),
        encoding="utf-8")
    if ok:
        load_region_file(str(path))
    else:
        with pytest.raises(PolicyError, match="the quote names .* but the value is"):
            load_region_file(str(path))
