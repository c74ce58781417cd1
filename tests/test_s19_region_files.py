"""Region files (probe s19/probeI, D3–D6).

D3: a cited figure's quote in 万元 (60万元) or with a thousands comma (5,000元) was refused beside the very figure it
    states ("the quote names 60 but the value is '600000'"; "5,000" read as 0 and 5).
D4: `conform list regions` passed (exit 0, no ✗) a folder holding both X.yaml and X.yml, which `conform settle`
    refuses by name ("both … exist; keep one of them").
D5: a region file given by path whose `name:` is a shipped example's (jilin-example) was accepted by `conform settle`
    and `conform audit`, whose traces then cited "地区配置 jilin-example" for another file's figures; `conform run`
    refused it. Now one check (policy._check_name_free) refuses it for all three.
D6: a list (or nothing) under a key the policy does not leave to a region was refused as "expected a value … not
    list" without the region or file; it is now refused as an unknown key, naming region and file, as a text value is.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conform.harness import generators
from conform.harness.cli import main
from conform.reference.policy import PolicyError, forget_named_region_files, load_region_file

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ROOT / "conform" / "fixtures" / "regions"


def example(policy: str, name: str, **values) -> str:
    """A shipped example region's text under another name (not an example), with `values` replaced or added."""
    data = yaml.safe_load((REGIONS / f"{policy}-example.yaml").read_text(encoding="utf-8"))
    data["name"], data["example"], data["label"] = name, "false", f"{name}（测试）"
    data["values"].update(values)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def invoke(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


@pytest.fixture(autouse=True)
def _forget_names():
    yield
    generators._CHOSEN.clear()  # noqa: SLF001 - later tests draw under the example regions again
    forget_named_region_files()
    generators.clear_caches()


# --------------------------------------------------------------------------- D3 quotes in 万元 and with commas


def nanchang_file(tmp_path: Path, key: str, value: str, quote: str) -> Path:
    p = tmp_path / "nc-city.yaml"
    p.write_text(example("nanchang", "nc-city", **{key: {"value": value, "article": "附件2", "quote": quote}}),
                 encoding="utf-8")
    return p


@pytest.mark.parametrize("key, value, quote", [
    # 60万元 = 60 × 10000 = 600000 (南昌 四（二）2 “年度最高支付限额从4000元到60万元”: the ceiling itself)
    ("chronic.M00500.cap", "600000", "恶性肿瘤门诊治疗年度最高支付限额为60万元"),
    # 1.5万元 = 1.5 × 10000 = 15000 (exactly: Decimal, never a float)
    ("chronic.M00500.cap", "15000", "年度限额1.5万元"),
    # 5,000元: the digit groups 5 and 000 joined by the comma are one figure, 5000
    ("chronic.M03900.cap", "5000", "高血压年度限额5,000元"),
    # 12,345.67 with its decimals: 12345.67
    ("chronic.M03900.cap", "12345.67", "年度限额12,345.67元"),
    # two figures, 4000 and 60 × 10000 = 600000: the value 600000 is one of them
    ("chronic.M00500.cap", "600000", "年度最高支付限额从4000元到60万元"),
])
def test_a_quote_in_wan_or_with_a_thousands_comma_states_its_figure(tmp_path, key, value, quote):
    region = load_region_file(str(nanchang_file(tmp_path, key, value, quote)))
    assert region.values[key] == value and region.citations[key].quote == quote
    # and settles: the trace cites the region's own quote beside the framework clause
    case = {"policy": "nanchang", "region": str(tmp_path / "nc-city.yaml"),
            "person": {"psn_no": "P1", "psn_type": "1101"},
            "settlements": [{"id": "S1", "date": "2023-07-01", "med_type": "11", "facility": "secondary",
                             "medfee_sumamt": "100.00"}]}
    result = invoke("settle", "-", stdin=json.dumps(case, ensure_ascii=False))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value, quote, named", [
    # 60万元 is 600000, not 60000 (a slipped zero) nor 60
    ("60000", "年度最高支付限额为60万元", "600000"),
    ("60", "年度最高支付限额为60万元", "600000"),
    # 5,000元 is 5000, not 6000; the old reading named "0、5"
    ("6000", "高血压年度限额5,000元", "5000"),
])
def test_a_quote_naming_another_figure_is_still_refused(tmp_path, value, quote, named):
    path = nanchang_file(tmp_path, "chronic.M00500.cap", value, quote)
    with pytest.raises(PolicyError) as e:
        load_region_file(str(path))
    msg = str(e.value)
    assert str(path) in msg and "chronic.M00500.cap" in msg, msg
    assert f"the quote names {named} but the value is {value!r}" in msg, msg
    assert "cite the phrase that states this figure" in msg, msg


# --------------------------------------------------------------------------- D4 X.yaml beside X.yml


def test_list_regions_marks_a_yaml_and_yml_of_one_name_and_exits_2(tmp_path, monkeypatch):
    folder = tmp_path / "fixtures" / "regions"
    folder.mkdir(parents=True)
    for suffix in (".yaml", ".yml"):
        (folder / f"jl-city{suffix}").write_text(example("jilin", "jl-city"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # settle refuses the name: which file it means would be a guess
    case = {"policy": "jilin", "region": "jl-city", "person": {"psn_no": "P1", "psn_type": "1101"},
            "settlements": [{"id": "S1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary",
                             "medfee_sumamt": "100.00"}]}
    settled = invoke("settle", "-", stdin=json.dumps(case))
    assert settled.exit_code == 2 and "keep one of them" in settled.output, settled.output
    # and so does the listing, on both files, each naming the other
    listed = invoke("list", "regions", "--policy", "jilin")
    assert listed.exit_code == 2, listed.output
    assert "✗ 2 个地区配置无效" in listed.output, listed.output
    for mine, other in (("yaml", "yml"), ("yml", "yaml")):
        line = next(x for x in listed.output.splitlines() if f"region file fixtures/regions/jl-city.{mine}:" in x)
        assert line.lstrip().startswith("✗ 无效 invalid:"), line
        assert f"fixtures/regions/jl-city.{other} exists too" in line and "keep one of them" in line, line
    rows = json.loads(invoke("list", "regions", "--policy", "jilin", "--json").output)
    assert [r["valid"] for r in rows if r["name"] == "jl-city"] == [False, False]


def test_one_file_of_a_name_lists_as_before(tmp_path, monkeypatch):
    folder = tmp_path / "fixtures" / "regions"
    folder.mkdir(parents=True)
    (folder / "jl-city.yml").write_text(example("jilin", "jl-city"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    listed = invoke("list", "regions", "--policy", "jilin")
    assert listed.exit_code == 0 and "✗" not in listed.output, listed.output


# --------------------------------------------------------------------------- D5 a path file named like an example


@pytest.fixture
def impostor(tmp_path) -> Path:
    """A file given by path whose `name:` is the shipped example's, with other figures (ordinary.deductible 250,
    the example's 100)."""
    p = tmp_path / "tonghua.yaml"
    p.write_text(example("jilin", "jilin-example", **{"ordinary.deductible": "250"}), encoding="utf-8")
    return p


def jilin_case(region: str) -> str:
    return json.dumps({"policy": "jilin", "region": region, "person": {"psn_no": "P1", "psn_type": "1101"},
                       "settlements": [{"id": "S1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary",
                                        "medfee_sumamt": "1000.00"}]}, ensure_ascii=False)


def assert_refused_naming(msg: str, path: Path) -> None:
    assert "Traceback" not in msg, msg
    assert "tonghua.yaml" in msg and "its name 'jilin-example' is already" in msg, msg
    assert "conform/fixtures/regions/jilin-example.yaml" in msg and "give this region a name of its own" in msg, msg


def test_settle_refuses_a_path_file_named_like_a_shipped_example(impostor):
    result = invoke("settle", "--trace", "-", stdin=jilin_case(str(impostor)))
    assert result.exit_code == 2, result.output
    assert "地区配置 jilin-example" not in result.output  # no trace attributing these figures to the example
    assert_refused_naming(result.output, impostor)


def test_audit_refuses_it_before_reading_the_ledger(impostor, tmp_path):
    # the region is bound before any ledger row is read: the ledger need not exist for the refusal
    result = invoke("audit", str(tmp_path / "ledger.csv"), "--policy", "jilin", "--region", str(impostor),
                    "--out", str(tmp_path / "out"), "--workers", "1")
    assert result.exit_code == 2, result.output
    assert_refused_naming(result.output, impostor)


def test_run_settle_and_audit_give_the_one_message(impostor):
    with pytest.raises(PolicyError) as loaded:
        load_region_file(str(impostor))
    with pytest.raises(PolicyError) as chosen:  # conform run --region PATH
        generators.choose_regions((str(impostor),))
    assert str(loaded.value) == str(chosen.value)
    assert_refused_naming(str(loaded.value), impostor)


def test_a_path_file_with_a_name_of_its_own_still_settles(tmp_path):
    p = tmp_path / "tonghua.yaml"
    p.write_text(example("jilin", "jl-tonghua", **{"ordinary.deductible": "250"}), encoding="utf-8")
    result = invoke("settle", "--trace", "-", stdin=jilin_case(str(p)))
    assert result.exit_code == 0, result.output
    # the example's own file by its name, and by its own path, are the shipped file: no clash with itself
    assert load_region_file("jilin-example").name == "jilin-example"
    assert load_region_file(str(REGIONS / "jilin-example.yaml")).name == "jilin-example"


# --------------------------------------------------------------------------- D6 a list under another document's key


@pytest.mark.parametrize("raw", ["[primary]", "", "{value: [primary], article: 第五条}"])
def test_another_documents_key_is_unknown_whatever_its_values_shape(tmp_path, raw):
    # ordinary.grassroots_bands is 浙江's (二（一）), not a value 吉林 leaves to a region
    text = example("jilin", "jl-city") + f"  ordinary.grassroots_bands: {raw}\n"
    p = tmp_path / "jl-city.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as e:
        load_region_file(str(p))
    msg = str(e.value)
    assert f"region jl-city (file {p})" in msg, msg
    assert "ordinary.grassroots_bands is not a value 吉林 leaves to a region (known:" in msg, msg
    assert "expected a value" not in msg, msg


def test_settle_names_the_unknown_list_key_as_it_does_a_text_one(tmp_path):
    said = {}
    for form, raw in (("list", "[primary]"), ("text", "primary")):
        p = tmp_path / f"jl-{form}.yaml"
        p.write_text(example("jilin", f"jl-{form}") + f"  ordinary.grassroots_bands: {raw}\n", encoding="utf-8")
        result = invoke("settle", "-", stdin=jilin_case(str(p)))
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        said[form] = result.output.replace(f"jl-{form}", "jl-X")
    assert said["list"] == said["text"]
