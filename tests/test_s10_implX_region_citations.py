"""A region's figures carry their own citation (s9 review rregion D6): a region file may name its document
(`source:` title, 文号, url, date) and, per value, the article and the quoted phrase; the trace then names,
beside the framework's clause, the region file the figure came from and where its document says it. A file
without citations (the examples, README's region) is read as before, its clauses unchanged."""
from __future__ import annotations

from pathlib import Path

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import compute_case
from conform.reference.policy import PolicyError, RegionSource, ValueCitation, bind, load_region_file

# 湖州 under the 浙江 opinions, figures and citations fictitious (a test city, not 湖州's published rules).
HUZHOU = """name: huzhou
label: 湖州市（测试，虚构）
policy: zhejiang
source:
  document: 湖州市职工基本医疗保险门诊共济保障实施细则
  number: 湖医保发〔2022〕99号
  date: "2022-12-01"
values:
  ordinary.deductible.in_service:
    value: "800"
    article: 第七条
    quote: 在职职工起付标准为800元
  ordinary.cap:
    value: "2500"
    article: 第七条
    quote: 年度最高支付限额为2500元
  ordinary.ratio.primary: "0.75"
  ordinary.ratio.unrated: "0.75"
  ordinary.ratio.secondary: "0.65"
  ordinary.ratio.tertiary:
    value: "55%"
    article: 第八条
  ordinary.ratio.pharmacy: "0.75"
  ordinary.retiree_ratio_bonus: "0.05"
  account.in_service.rate_of_base: "0.015"
  account.retiree.monthly: "100"
"""
CITE_800 = "地区配置 huzhou（湖医保发〔2022〕99号 第七条 “在职职工起付标准为800元”）"
CITE_2500 = "地区配置 huzhou（湖医保发〔2022〕99号 第七条 “年度最高支付限额为2500元”）"


def _file(tmp_path: Path, text: str = HUZHOU) -> Path:
    path = tmp_path / "huzhou.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _trace(region: str, psn_type: str, facility: str, amount: str, params: dict | None = None) -> dict:
    case = parse_case({"policy": "zhejiang", "region": region, **({"params": params} if params else {}),
                       "person": {"psn_no": "P1", "psn_type": psn_type},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "facility": facility, "med_type": "11",
                                        "medfee_sumamt": amount}]})
    out = compute_case(case)["settlements"][0]
    return out | {"steps": {t["step"]: t["clause"] for t in out["trace"]}}


def test_the_citations_are_kept_on_the_region_config(tmp_path):
    region = load_region_file(str(_file(tmp_path)))
    assert region.source == RegionSource("湖州市职工基本医疗保险门诊共济保障实施细则", "湖医保发〔2022〕99号", "", "2022-12-01")
    assert region.citations == {"ordinary.deductible.in_service": ValueCitation("第七条", "在职职工起付标准为800元"),
                                "ordinary.cap": ValueCitation("第七条", "年度最高支付限额为2500元"),
                                "ordinary.ratio.tertiary": ValueCitation("第八条", "")}
    assert region.values["ordinary.deductible.in_service"] == "800" and region.values["ordinary.ratio.tertiary"] == "55%"
    assert region.cite("ordinary.deductible.in_service") == CITE_800
    assert region.cite("ordinary.ratio.primary") == "地区配置 huzhou（湖医保发〔2022〕99号）"  # the document only


def test_the_trace_names_the_region_file_and_its_article_beside_the_framework_clause(tmp_path):
    """A retiree's 1000.00 at a 基层 institution: deductible 800 × 0.5 = 400 (浙江 二（一）减半执行, from the city's
    800 of its 第七条), ratio 75% + 5 points = 80%, pays (1000 − 400) × 80% = 480.00, within the cap 2500."""
    out = _trace(str(_file(tmp_path)), "1201", "primary", "1000.00")
    assert (out["act_pay_dedc"], out["hifp_pay"]) == ("400.00", "480.00")
    # 二（一）names no period for either yearly figure: the natural year is a reading (A-YEAR-BY-SETTLEMENT-DATE)
    assert out["steps"]["起付线"] == f"浙江 二（一）；{CITE_800}；A-YEAR-BY-SETTLEMENT-DATE"
    assert out["steps"]["支付比例"] == "浙江 二（一）；地区配置 huzhou（湖医保发〔2022〕99号）"
    assert out["steps"]["年度最高支付限额"] == f"浙江 二（一）；{CITE_2500}；A-ZJ-RETIREE-CAP；A-YEAR-BY-SETTLEMENT-DATE"


def test_an_article_without_a_quote_is_cited_alone(tmp_path):
    """In service at a 三级 hospital, 1500.00: (1500 − 800) × 55% = 385.00; the 55% cites the city's 第八条."""
    out = _trace(str(_file(tmp_path)), "1101", "tertiary", "1500.00")
    assert out["hifp_pay"] == "385.00"
    assert out["steps"]["支付比例"] == "浙江 二（一）；地区配置 huzhou（湖医保发〔2022〕99号 第八条）"


def test_a_value_the_case_replaces_is_not_cited_to_the_region(tmp_path):
    """params ordinary.deductible.in_service 600: the 300 (600 × 0.5) is the case's, not the city's 第七条."""
    out = _trace(str(_file(tmp_path)), "1201", "primary", "1000.00", {"ordinary.deductible.in_service": "600"})
    assert out["act_pay_dedc"] == "300.00"
    assert out["steps"]["起付线"] == "浙江 二（一）；A-YEAR-BY-SETTLEMENT-DATE"


def test_a_region_without_citations_keeps_the_framework_clause_alone():
    """zhejiang-example cites nothing (README's regions need not): its clauses are as before."""
    out = _trace("zhejiang-example", "1201", "primary", "1000.00")
    assert out["steps"]["起付线"] == "浙江 二（一）；A-YEAR-BY-SETTLEMENT-DATE"
    assert not any("地区配置" in c for c in out["steps"].values())


def test_a_quote_holding_the_clause_separator_is_cut_there(tmp_path):
    """“；” separates a clause's citations (join_cites, the reports' blame): a quote is cut at it, marked “…”."""
    text = HUZHOU.replace("quote: 在职职工起付标准为800元", "quote: 在职职工起付标准为800元；退休人员减半")
    region = load_region_file(str(_file(tmp_path, text)))
    assert region.citations["ordinary.deductible.in_service"].quote == "在职职工起付标准为800元；退休人员减半"
    assert region.cite("ordinary.deductible.in_service") == "地区配置 huzhou（湖医保发〔2022〕99号 第七条 “在职职工起付标准为800元…”）"


@pytest.mark.parametrize("old, new, said", [
    ("source:\n  document: 湖州市职工基本医疗保险门诊共济保障实施细则\n  number: 湖医保发〔2022〕99号\n  date: \"2022-12-01\"\n",
     "source: 湖医保发〔2022〕99号\n", "`source` must be a mapping of document, number, url, date, not str"),
    ("  date: \"2022-12-01\"", "  date: \"2022-13-01\"", "source: date: expected YYYY-MM-DD, got '2022-13-01'"),
    ("  date: \"2022-12-01\"", "  url: ftp://x", "source: url: expected an http(s):// address, got 'ftp://x'"),
    ("  date: \"2022-12-01\"", "  page: 3", "source: unknown key(s) page; allowed: document, number, url, date"),
    ("  document: 湖州市职工基本医疗保险门诊共济保障实施细则\n  number: 湖医保发〔2022〕99号\n", "",
     "source: give the document's title (document:) or its number"),
    ("    value: \"800\"\n    article: 第七条", "    article: 第七条", "values: ordinary.deductible.in_service: missing `value`"),
    ("    article: 第八条", "    article: 第八条\n    page: 3",
     "values: ordinary.ratio.tertiary: unknown key(s) page; allowed: value, article, quote"),
    ("quote: 在职职工起付标准为800元", "quote: " + "起" * 501, "longer than 500 characters"),
])
def test_a_malformed_citation_is_refused_naming_the_file(tmp_path, old, new, said):
    assert old in HUZHOU
    path = _file(tmp_path, HUZHOU.replace(old, new, 1))
    with pytest.raises(PolicyError) as e:
        load_region_file(str(path))
    assert str(e.value).startswith(f"region file {path}: ") and said in str(e.value), str(e.value)


def test_a_cited_value_is_checked_like_a_plain_one(tmp_path):
    """浙江 二（一）基层 from 60%: the 55% is refused whether or not the city cites an article for it."""
    text = HUZHOU.replace('  ordinary.ratio.primary: "0.75"', "  ordinary.ratio.primary:\n    value: \"0.55\"\n"
                                                               "    article: 第八条")
    with pytest.raises(PolicyError, match=r"ordinary.ratio.primary = 55% is below the floor 60%"):
        bind("zhejiang", str(_file(tmp_path, text)))


def test_a_two_disease_figure_keeps_the_regions_citation_beside_article_nine(tmp_path):
    """攀枝花 第九条 sends 两病 figures to the region (the step cites 第九条, not 第十条): the region's own citation
    stays. In service, M03900 registered as 两病 (example figures: deductible 0, ratio 50%, cap 300), 1000.00 at
    a 二级 hospital: 1000 × 50% = 500 capped at 300; 300 / 50% = 600 covered, 1000 − 600 = 400 goes to the
    ordinary pooling (第十一条): (400 − 200 deductible) × 60% (二级, 第七条) = 120; hifp_pay 300 + 120 = 420.00."""
    from conform.reference.policy import REGION_DIR

    text = (REGION_DIR / "panzhihua-example.yaml").read_text(encoding="utf-8")
    text = text.replace("name: panzhihua-example", "name: pzh\nsource:\n  number: 攀医保发〔2023〕1号")
    text = text.replace('  chronic.M03900.cap: "300"', '  chronic.M03900.cap:\n    value: "300"\n    article: 第三条\n'
                                                         '    quote: 年度限额300元')
    path = tmp_path / "pzh.yaml"
    path.write_text(text, encoding="utf-8")
    case = parse_case({"policy": "panzhihua", "region": str(path),
                       "person": {"psn_no": "P1", "psn_type": "1101",
                                  "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}]},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "facility": "secondary", "med_type": "14",
                                        "dise_codg": "M03900", "medfee_sumamt": "1000.00"}]})
    out = compute_case(case)["settlements"][0]
    assert out["hifp_pay"] == "420.00"
    pay = next(t["clause"] for t in out["trace"] if t["step"] == "慢特病支付")
    assert pay.startswith("攀枝花 第九条；") and "地区配置 pzh（攀医保发〔2023〕1号 第三条 “年度限额300元”）" in pay


def test_list_regions_shows_the_document_and_each_figures_article(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from conform.harness.cli import main as cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixtures" / "regions").mkdir(parents=True)
    (tmp_path / "fixtures" / "regions" / "huzhou.yaml").write_text(HUZHOU, encoding="utf-8")
    out = CliRunner().invoke(cli, ["list", "regions", "--policy", "zhejiang"]).output
    assert "      出处 source: 湖医保发〔2022〕99号 湖州市职工基本医疗保险门诊共济保障实施细则 2022-12-01" in out
    assert "      ordinary.deductible.in_service = 800  （第七条 “在职职工起付标准为800元”）" in out
    assert "      ordinary.ratio.tertiary = 55%  （第八条）" in out
    rows = json.loads(CliRunner().invoke(cli, ["list", "regions", "--policy", "zhejiang", "--json"]).output)
    mine = next(r for r in rows if r["name"] == "huzhou")
    assert mine["source"]["number"] == "湖医保发〔2022〕99号"
    assert mine["citations"]["ordinary.cap"] == {"article": "第七条", "quote": "年度最高支付限额为2500元"}
