"""Integrity of the policy data (conform/reference/policies/*.yaml) against the article texts.

Every figure the engine uses must be traceable: each parameter, requirement,
exclusion, eligibility rule, route and account-use rule names an article that
exists in conform/reference/policies/texts/<policy>.yaml and quotes it verbatim (modulo
whitespace, and “……” standing for omitted text). Every assumption id that is
referenced is defined. The figures themselves are checked against a table read
by hand from /work/shared/policies/*.txt, article by article.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conform.reference.case import EXCLUSIONS, PURPOSES, RELATIONS
from conform.reference.policy import POLICY_DIR, POLICY_IDS, PolicyError, load_policy

D = Decimal
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "conform" / "reference"


def _yaml(path: Path):
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s)


def quote_in(quote: str, text: str) -> bool:
    """The quote's pieces (split at “……”) occur in the text in order, whitespace ignored."""
    t, pos = _norm(text), 0
    for piece in _norm(quote).split("……"):
        if not piece:
            continue
        i = t.find(piece, pos)
        if i < 0:
            return False
        pos = i + len(piece)
    return True


def _cited_entries(policy_id: str):
    """Every mapping in the policy file that cites an article, with where it sits."""
    data = _yaml(POLICY_DIR / f"{policy_id}.yaml")

    def walk(node, where):
        if isinstance(node, dict):
            if "article" in node:
                yield where, node
            for k, v in node.items():
                yield from walk(v, f"{where}.{k}" if where else str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, f"{where}[{i}]")

    yield from walk(data, "")


def _articles(policy_id: str) -> dict[str, str]:
    texts = _yaml(POLICY_DIR / "texts" / f"{policy_id}.yaml")
    return {str(a["id"]): a["text"] for a in texts["articles"]}


CITED = [(p, where, entry) for p in POLICY_IDS for where, entry in _cited_entries(p)]


def test_quote_matcher_itself():
    text = "二级医疗机构、三级医疗机构的普通门诊统筹支付比例分别为60%、55%、50%"
    assert quote_in("二级医疗机构……55%", text)
    assert quote_in("三级 医疗机构", text)
    assert not quote_in("55%……二级医疗机构", text)  # pieces must come in order
    assert not quote_in("四级医疗机构", text)


@pytest.mark.parametrize("policy_id, where, entry", CITED, ids=[f"{p}:{w}" for p, w, _ in CITED])
def test_every_citation_names_an_existing_article_and_quotes_it_verbatim(policy_id, where, entry):
    articles = _articles(policy_id)
    article = str(entry["article"])
    assert article in articles, f"{policy_id} {where}: article {article!r} is not in texts/{policy_id}.yaml"
    quote = entry.get("quote")
    assert quote, f"{policy_id} {where}: no quote"
    assert quote_in(quote, articles[article]), (
        f"{policy_id} {where}: quote not found verbatim in article {article}: {quote}"
    )


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_every_parameter_and_requirement_has_article_and_quote(policy_id):
    data = _yaml(POLICY_DIR / f"{policy_id}.yaml")
    for section in ("parameters", "required", "derived", "exclusions", "account_uses"):
        for key, entry in (data.get(section) or {}).items():
            assert entry.get("article") not in (None, ""), f"{policy_id} {section}.{key}: no article"
            assert entry.get("quote"), f"{policy_id} {section}.{key}: no quote"
    assert data["document"]["validity"]["article"] and data["document"]["validity"]["quote"]


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_article_ids_unique_and_texts_nonempty(policy_id):
    texts = _yaml(POLICY_DIR / "texts" / f"{policy_id}.yaml")
    ids = [str(a["id"]) for a in texts["articles"]]
    assert len(ids) == len(set(ids))
    assert all(a["text"].strip() and a["label"] for a in texts["articles"])
    assert texts["policy"] == policy_id


# --------------------------------------------------------------------------- assumptions


def _defined_assumptions(policy_id: str) -> dict[str, dict]:
    common = _yaml(POLICY_DIR / "common.yaml")["assumptions"]
    own = _yaml(POLICY_DIR / f"{policy_id}.yaml").get("assumptions") or []
    return {a["id"]: a for a in list(common) + list(own)}


ASSUMPTION_RE = re.compile(r"\bA-[A-Z0-9]+(?:-[A-Z0-9]+)*\b")


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_every_assumption_referenced_by_policy_data_exists(policy_id):
    defined = _defined_assumptions(policy_id)
    text = (POLICY_DIR / f"{policy_id}.yaml").read_text(encoding="utf-8")
    referenced = set(ASSUMPTION_RE.findall(text))
    data = _yaml(POLICY_DIR / f"{policy_id}.yaml")

    def fields(node):
        if isinstance(node, dict):
            if isinstance(node.get("assumption"), str):
                yield node["assumption"]
            for v in node.values():
                yield from fields(v)
        elif isinstance(node, list):
            for v in node:
                yield from fields(v)

    referenced |= set(fields(data))
    missing = sorted(referenced - set(defined))
    assert not missing, f"{policy_id}: assumptions referenced but not defined: {missing}"


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_assumptions_are_unique_and_explained(policy_id):
    common = _yaml(POLICY_DIR / "common.yaml")["assumptions"]
    own = _yaml(POLICY_DIR / f"{policy_id}.yaml").get("assumptions") or []
    ids = [a["id"] for a in list(common) + list(own)]
    assert len(ids) == len(set(ids)), f"{policy_id}: an assumption id is defined twice"
    for a in list(common) + list(own):
        assert a["text"].strip() and a["why"].strip(), a["id"]


def test_every_assumption_has_its_reason_in_chinese_for_the_report():
    """The report's 假设 table shows each reading's reason in Chinese (conform/harness/report/assumptions_zh.yaml)."""
    zh = _yaml(REFERENCE_DIR.parent / "harness" / "report" / "assumptions_zh.yaml")
    ids = set()
    for p in POLICY_IDS:
        ids |= set(_defined_assumptions(p))
    assert not sorted(i for i in ids if not str(zh.get(i) or "").strip())


def test_every_assumption_cited_by_the_engine_exists_somewhere():
    defined = set()
    for p in POLICY_IDS:
        defined |= set(_defined_assumptions(p))
    cited = set()
    for path in REFERENCE_DIR.glob("*.py"):
        cited |= set(ASSUMPTION_RE.findall(path.read_text(encoding="utf-8")))
    assert cited, "expected the engine to cite assumptions in its traces"
    assert not sorted(cited - defined)


# --------------------------------------------------------------------------- the figures, read by hand

# (policy, key, value as the engine holds it, the phrase of the article that fixes it)
DOCUMENT_FIGURES = [
    # 攀枝花 第七条 在职职工：起付线为200元；三级定点医疗机构和定点零售药店报销比例为50%、二级及以下定点医疗机构为60%；最高支付限额为1000元
    ("panzhihua", "ordinary.deductible.in_service", D("200"), "起付线为200元"),
    ("panzhihua", "ordinary.ratio.in_service.tertiary", D("0.50"), "50%"),
    ("panzhihua", "ordinary.ratio.in_service.pharmacy", D("0.50"), "定点零售药店报销比例为50%"),
    ("panzhihua", "ordinary.ratio.in_service.secondary", D("0.60"), "二级及以下定点医疗机构为60%"),
    ("panzhihua", "ordinary.ratio.in_service.primary", D("0.60"), "二级及以下定点医疗机构为60%"),
    ("panzhihua", "ordinary.ratio.in_service.unrated", D("0.60"), "60%"),  # A-PZH-UNRATED: not 三级 → 二级及以下
    ("panzhihua", "ordinary.cap.in_service", D("1000"), "1000元"),
    # 攀枝花 第七条 退休人员：起付线为150元；55%；65%；1500元
    ("panzhihua", "ordinary.deductible.retiree", D("150"), "起付线为150元"),
    ("panzhihua", "ordinary.ratio.retiree.tertiary", D("0.55"), "55%"),
    ("panzhihua", "ordinary.ratio.retiree.pharmacy", D("0.55"), "定点零售药店的报销比例为55%"),
    ("panzhihua", "ordinary.ratio.retiree.secondary", D("0.65"), "二级及以下定点医疗机构为65%"),
    ("panzhihua", "ordinary.ratio.retiree.primary", D("0.65"), "二级及以下定点医疗机构为65%"),
    ("panzhihua", "ordinary.ratio.retiree.unrated", D("0.65"), "65%"),
    ("panzhihua", "ordinary.cap.retiree", D("1500"), "1500元"),
    # 攀枝花 第十一条 超过统筹年度最高支付限额后的门诊就诊费用按门诊统筹政策支付
    ("panzhihua", "chronic.overflow_to_ordinary", True, "按门诊统筹政策支付"),
    # 攀枝花 第四条 个人缴费全部计入；一档灵活就业按缴费基数2%；退休 平均水平的2%，以“元”为单位四舍五入
    ("panzhihua", "account.in_service.share_of_contribution", D("1"), "全部计入"),
    ("panzhihua", "account.flexible_tier1.rate_of_base", D("0.02"), "缴费基数2%"),
    ("panzhihua", "account.retiree.rate_of_average_pension", D("0.02"), "平均水平的2%"),
    ("panzhihua", "account.retiree.rounding", "yuan", "以“元”为单位四舍五入"),
    # 南昌 四（二）1 起付线为600元；一级及以下60%、二级55%、三级50%；1800元；退休提高5个百分点、2000元
    ("nanchang", "ordinary.deductible", D("600"), "起付线为600元"),
    ("nanchang", "ordinary.ratio.in_service.primary", D("0.60"), "一级及以下60%"),
    ("nanchang", "ordinary.ratio.in_service.unrated", D("0.60"), "一级及以下60%"),  # A-NC-UNRATED
    ("nanchang", "ordinary.ratio.in_service.secondary", D("0.55"), "二级55%"),
    ("nanchang", "ordinary.ratio.in_service.tertiary", D("0.50"), "三级50%"),
    ("nanchang", "ordinary.retiree_ratio_bonus", D("0.05"), "提高5个百分点"),
    ("nanchang", "ordinary.cap.in_service", D("1800"), "1800元"),
    ("nanchang", "ordinary.cap.retiree", D("2000"), "提高至2000元"),
    # 南昌 四（二）2 零起付线 (whether costs past a cap go on to ordinary pooling is the region's: A-NC-CHRONIC-OVERFLOW)
    ("nanchang", "chronic.deductible", D("0"), "零起付线"),
    # 南昌 四（三）1 缴费基数的2%；全省基本养老金平均水平的2.5%
    ("nanchang", "account.in_service.rate_of_base", D("0.02"), "缴费基数的2%"),
    ("nanchang", "account.retiree.rate_of_average_pension", D("0.025"), "平均水平的2.5%"),
    # 吉林 二（二）在职职工在一级及以下、二级、三级 60%、55%、50%
    ("jilin", "ordinary.ratio.in_service.primary", D("0.60"), "60%"),
    ("jilin", "ordinary.ratio.in_service.unrated", D("0.60"), "一级及以下"),  # A-JL-UNRATED
    ("jilin", "ordinary.ratio.in_service.secondary", D("0.55"), "55%"),
    ("jilin", "ordinary.ratio.in_service.tertiary", D("0.50"), "50%"),
    # 吉林 二（三）门诊慢性病与普通门诊统筹起付标准合并计算；六（三）优先享受门诊慢特病待遇，住院期间不再享受
    ("jilin", "chronic.shares_ordinary_deductible", True, "合并计算"),
    ("jilin", "chronic.overflow_to_ordinary", True, "优先享受门诊慢特病待遇"),
    ("jilin", "hospital_stay.no_outpatient_benefit", True, "住院期间不再享受"),
    # 北京 (三) 缴费基数的2%；不满70周岁100元/月；70周岁(含)以上110元/月
    ("beijing", "account.in_service.rate_of_base", D("0.02"), "缴费基数的2%"),
    ("beijing", "account.retiree.monthly_under_70", D("100"), "100元/月"),
    ("beijing", "account.retiree.monthly_from_70", D("110"), "110元/月"),
    ("beijing", "account.retiree.age_threshold", D("70"), "70周岁(含)以上"),
    # 浙江 二（一）退休人员起付线减半执行、报销比例提高5个百分点
    ("zhejiang", "ordinary.retiree_ratio_bonus", D("0.05"), "提高5个百分点"),
    ("zhejiang", "ordinary.retiree_deductible_factor", D("0.5"), "减半"),
]


@pytest.mark.parametrize("policy_id, key, value, phrase", DOCUMENT_FIGURES,
                         ids=[f"{p}:{k}" for p, k, _, _ in DOCUMENT_FIGURES])
def test_document_figure_matches_the_article(policy_id, key, value, phrase):
    p = load_policy(policy_id).params[key]
    assert p.value == value
    assert _norm(phrase) in _norm(p.quote), f"{key}: the quote does not carry the figure's phrase {phrase!r}"
    assert p.source == "document"


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_every_document_figure_was_checked_by_hand(policy_id):
    """A parameter added to the YAML must be added to DOCUMENT_FIGURES after reading its article."""
    table = {k for p, k, _, _ in DOCUMENT_FIGURES if p == policy_id}
    assert set(load_policy(policy_id).params) == table


# (policy, requirement pattern, constraint, why by hand)
CONSTRAINTS = [
    ("jilin", "ordinary.deductible", {"min": "0", "max": "300"}),            # 二（二）最高不超过300元
    ("jilin", "ordinary.cap", {"min": "0", "max": "2000"}),                  # 二（二）不超过2000元
    ("jilin", "chronic.ratio", {"one_of": ["0.60", "0.70"], "assumption": "A-JL-CHRONIC-BAND"}),  # 二（三）60%和70%两档
    ("jilin", "chronic.cap", {"min": "0", "max": "6500"}),                   # 二（三）不超过6500元
    ("jilin", "chronic.<disease>.cap", {"min": "0", "max": "6500", "assumption": "A-JL-CHRONIC-CAP-PER-DISEASE"}),  # 二（三）按病种设定
    ("zhejiang", "ordinary.deductible.retiree", {"half_of": "ordinary.deductible.in_service"}),  # 二（一）减半
    # 二（一）基层医疗机构……从60％起步 (a floor, no ceiling) on the bands a city names as 基层, by default 一级 and
    # 未定级 (A-ZJ-PRIMARY-CARE); 二级、三级 and pharmacies cannot be named
    ("zhejiang", "ordinary.grassroots_bands", {
        "floor_on": "ordinary.ratio.<facility>", "min": "0.60", "label": "基层", "default": ["primary", "unrated"],
        "assumption": "A-ZJ-PRIMARY-CARE", "subset_of": ["primary", "unrated"],
        "why_not": load_policy("zhejiang").requirement_for("ordinary.grassroots_bands").constraint["why_not"]}),
    ("zhejiang", "ordinary.ratio.primary", {}),  # the floor is the band's, above: no constraint of its own
    ("zhejiang", "ordinary.retiree_ratio_bonus", {"one_of": ["0.05"]}),      # 二（一）提高5个百分点
    ("nanchang", "chronic.<disease>.ratio", {"min": "0.80", "max": "0.98"}),  # 四（二）2 80%-98%
    ("nanchang", "chronic.<disease>.cap", {"min": "4000", "max": "600000"}),  # 四（二）2 4000元到60万元
]


@pytest.mark.parametrize("policy_id, pattern, constraint", CONSTRAINTS, ids=[f"{p}:{k}" for p, k, _ in CONSTRAINTS])
def test_framework_ceilings_are_the_texts(policy_id, pattern, constraint):
    req = next(r for r in load_policy(policy_id).requirements if r.pattern == pattern)
    assert req.constraint == constraint


@pytest.mark.parametrize(
    "policy_id, valid_from, valid_to",
    [
        ("panzhihua", dt.date(2023, 1, 1), dt.date(2027, 12, 31)),  # 第十九条 自2023年1月1日起实施，有效期5年 → 2023–2027
        ("nanchang", dt.date(2023, 1, 1), None),                   # 四（六）自2023年1月1日起施行
        ("jilin", dt.date(2023, 1, 1), None),                      # 六（三）原有待遇执行至2022年年底
        # A-BJ-EFFECTIVE: outpatient figures （五）按基本医疗保险规定执行, not dated by the measures (the account is:
        # test_beijing_account_starts_on_the_issue_date)
        ("beijing", None, None),
        ("zhejiang", dt.date(2023, 1, 1), None),                   # 二（三）2023年起开始实施改革
    ],
)
def test_validity_periods(policy_id, valid_from, valid_to):
    p = load_policy(policy_id)
    assert (p.valid_from, p.valid_to) == (valid_from, valid_to)


def test_beijing_account_starts_on_the_issue_date():
    from conform.reference.account import account_reform
    from conform.reference.policy import bind

    start, cite, _quote = account_reform(bind("beijing", "beijing-example"))
    assert start == dt.date(2022, 3, 6) and "A-BJ-EFFECTIVE" in cite  # 落款 2022年3月6日, no other date


@pytest.mark.parametrize(
    "policy_id, article, cite",
    [
        ("panzhihua", "7", "攀枝花 第七条"),
        ("panzhihua", "19", "攀枝花 第十九条"),
        ("nanchang", "4.2.1", "南昌 四（二）1"),
        ("jilin", "2.2", "吉林 二（二）"),
        ("beijing", "3", "北京 (三)"),
        ("zhejiang", "2.1", "浙江 二（一）"),
    ],
)
def test_citations_use_the_documents_own_labels(policy_id, article, cite):
    assert load_policy(policy_id).cite(article) == cite


def test_panzhihua_exclusions_are_the_four_items_of_article_8():
    """攀枝花 第八条 lists four items; the case codes map one to one onto them."""
    p = load_policy("panzhihua")
    assert set(p.exclusions) == set(EXCLUSIONS)
    for code, ex in p.exclusions.items():
        assert str(ex["article"]) == "8"
        assert EXCLUSIONS[code] in ex["quote"]


@pytest.mark.parametrize("policy_id", ["nanchang", "jilin", "beijing", "zhejiang"])
def test_only_panzhihua_lists_exclusions(policy_id):
    assert load_policy(policy_id).exclusions == {}


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_account_use_rules_are_well_formed(policy_id):
    for purpose, rule in load_policy(policy_id).account_uses.items():
        assert purpose in PURPOSES
        assert rule.decision in ("allowed", "refused", "undetermined")
        assert set(rule.relations) <= set(RELATIONS)
        if rule.decision == "allowed":
            assert rule.relations, f"{policy_id} {purpose}: an allowed use must name who it is allowed for"
        if rule.decision == "undetermined":
            assert rule.why, f"{policy_id} {purpose}: an undetermined use must say why"


@pytest.mark.parametrize(
    "policy_id, covered, not_covered",
    [
        ("panzhihua", {"ordinary", "chronic", "account_credit", "account_use"}, {"special"}),
        ("nanchang", {"ordinary", "chronic", "account_credit", "account_use"}, {"special"}),
        # 吉林 22号 fixes no account crediting; it does fix special diseases, emergency, day surgery, hospital stays
        ("jilin", {"ordinary", "chronic", "special", "emergency", "day_surgery", "hospital_stay"}, {"account_credit"}),
        # 北京 (五) leaves 门诊慢特病 to the basic insurance rules
        ("beijing", {"ordinary", "account_credit", "account_use"}, {"chronic"}),
        ("zhejiang", {"ordinary", "account_credit", "account_use"}, {"chronic"}),
    ],
)
def test_what_each_document_covers(policy_id, covered, not_covered):
    covers = load_policy(policy_id).covers
    assert covered <= covers
    assert not (not_covered & covers)


def test_unknown_policy_is_refused_with_the_known_ones():
    with pytest.raises(PolicyError, match="unknown policy 'guangzhou'.*panzhihua"):
        load_policy("guangzhou")
