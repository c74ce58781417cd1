"""Region configurations: the example files, and refusal of values a framework forbids.

吉林 吉医保联〔2022〕22号 and 浙江's opinions bind the cities under them; a region
file may set only what the document leaves open (`required:`), and only within
the document's ceilings. Each refusal must cite the clause it breaks. A value
the text leaves open and nobody supplied is refused when it is needed, naming
the parameter and the article.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conform.reference.case import Person, Settlement
from conform.reference.engine import PersonLedger
from conform.reference.policy import POLICY_IDS, REGION_DIR, MissingParameter, PolicyError, RegionConfig, bind, load_region_file

D = Decimal
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "conform" / "fixtures" / "regions").glob("*.yaml"))
INVALID = ROOT / "conform" / "fixtures" / "regions" / "invalid"


def _settle(rules, psn_type="1101", **s):
    person = Person(psn_no="R1", psn_type=psn_type)
    fields = dict(id="S1", date=dt.date(2023, 3, 1), med_type="11", facility="tertiary", medfee_sumamt=D("430.00"))
    fields.update(s)
    return PersonLedger(rules, person).settle(Settlement(**fields))


# --------------------------------------------------------------------------- example files


def test_loader_sees_exactly_the_five_examples_and_not_the_invalid_ones():
    assert REGION_DIR == ROOT / "conform" / "fixtures" / "regions"
    names = {p.stem for p in REGION_DIR.glob("*.yaml")}
    assert names == {f"{p}-example" for p in POLICY_IDS}
    assert not names & {p.stem for p in INVALID.glob("*.yaml")}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_is_labelled_fictitious(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["example"] is True
    assert "示例" in raw["label"]
    assert "虚构" in raw["label"] or "非真实数据" in raw["label"]
    assert raw["name"] == path.stem
    assert raw["policy"] in POLICY_IDS
    # Values are strings so no float ever enters.
    assert raw["values"] and all(isinstance(v, str) for v in raw["values"].values())


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_binds_and_every_key_is_left_to_a_region(path):
    region = load_region_file(str(path))
    rules = bind(region.policy, region)
    assert rules.region_name == region.name
    for key, raw in region.values.items():
        req = rules.policy.requirement_for(key)
        assert req is not None, f"{key} is not left to a region by {rules.policy.short}"
        # A restated document figure (浙江's 5 points) resolves to the document's own, equal, value.
        assert rules.find(key).value == rules.supplied[key].value


def test_region_by_name():
    assert bind("jilin", "jilin-example").get("ordinary.deductible").value == D("200")


def test_jilin_example_is_within_the_notice():
    """吉林 二（二）–（六): the example's figures respect every ceiling."""
    r = bind("jilin", "jilin-example")
    assert r.get("ordinary.deductible").value <= 300       # 二（二）最高不超过300元
    assert r.get("ordinary.cap").value <= 2000             # 二（二）不超过2000元
    assert r.get("chronic.ratio").value in (D("0.60"), D("0.70"))  # 二（三）两档
    assert r.get("chronic.cap").value <= 6500              # 二（三）不超过6500元
    for level in ("primary", "secondary", "tertiary"):
        assert r.get(f"inpatient.deductible.{level}") and r.get(f"inpatient.ratio.{level}")
    assert r.get("inpatient.cap") and r.get("inpatient.retiree_ratio_bonus")
    assert r.flag("day_surgery.waive_deductible") is True


def test_zhejiang_example_is_within_the_opinions():
    """浙江 二（一）: retiree deductible exactly half, primary ratio from 60%, 5 points for retirees."""
    r = bind("zhejiang", "zhejiang-example")
    assert r.get("ordinary.deductible.retiree").value * 2 == r.get("ordinary.deductible.in_service").value
    assert r.get("ordinary.ratio.primary").value >= D("0.60")
    assert r.get("ordinary.retiree_ratio_bonus").value == D("0.05")
    assert r.get("account.in_service.rate_of_base") and r.get("account.retiree.monthly")


def test_beijing_example_supplies_the_basic_insurance_figures():
    """北京 (五): 起付标准、支付比例和最高支付限额……按基本医疗保险规定执行 — all from the region file."""
    r = bind("beijing", "beijing-example")
    for role in ("in_service", "retiree"):
        assert r.get(f"ordinary.deductible.{role}").source == "region"
        assert r.get(f"ordinary.cap.{role}").source == "region"
        for f in ("tertiary", "secondary", "primary", "unrated", "pharmacy"):
            assert r.get(f"ordinary.ratio.{role}.{f}").source == "region"


def test_nanchang_example_chronic_parameters_within_the_range():
    """南昌 四（二）2: 80%–98%, 4000元到60万元."""
    r = bind("nanchang", "nanchang-example")
    for code in ("M03900", "M00500"):
        assert D("0.80") <= r.get(f"chronic.{code}.ratio").value <= D("0.98")
        assert 4000 <= r.get(f"chronic.{code}.cap").value <= 600000
    assert r.get("account.retiree.average_pension").cite == "南昌 四（三）1"


def test_panzhihua_example_supplies_pension_and_disease_parameters():
    """攀枝花 第十二条 (the 2022 average pension) and 第十条 (chronic/two-disease parameters)."""
    r = bind("panzhihua", "panzhihua-example")
    assert r.get("account.retiree.average_pension").cite == "攀枝花 第十二条"
    for code in ("M03900", "M00500"):
        for what in ("deductible", "ratio", "cap"):
            assert r.get(f"chronic.{code}.{what}").cite == "攀枝花 第十条"


# --------------------------------------------------------------------------- refusals citing the clause

INVALID_CASES = [
    # file, the key, the clause cited, a phrase of the quoted text
    ("jilin-deductible-350", "ordinary.deductible = 350.00", "吉林 二（二）", "最高不超过300元"),
    ("jilin-cap-2500", "ordinary.cap = 2500.00", "吉林 二（二）", "不超过2000元"),
    ("jilin-chronic-ratio-65", "chronic.ratio = 65%", "吉林 二(三)", "60%和70%两档"),
    ("jilin-chronic-cap-7000", "chronic.cap = 7000.00", "吉林 二(三)", "不超过6500元"),
    ("zhejiang-retiree-deductible-not-half", "ordinary.deductible.retiree = 400.00", "浙江 二（一）", "减半"),
    ("zhejiang-retiree-bonus-10", "ordinary.retiree_ratio_bonus = 10%", "浙江 二（一）", "提高5个百分点"),
    ("zhejiang-primary-ratio-55", "ordinary.ratio.primary = 55%", "浙江 二（一）", "从60％起步"),
    ("nanchang-chronic-ratio-99", "chronic.M03900.ratio = 99%", "南昌 四（二）2", "80%-98%"),
    ("nanchang-chronic-cap-3000", "chronic.M03900.cap = 3000.00", "南昌 四（二）2", "4000元到60万元"),
    ("panzhihua-sets-fixed-deductible", "ordinary.deductible.in_service is fixed by", "攀枝花 第七条", "起付线为200元"),
    ("beijing-unknown-key", "ordinary.deductible is not a value 北京 leaves to a region", "ordinary.deductible.in_service", ""),
]


def test_every_invalid_fixture_is_exercised():
    assert {p.stem for p in INVALID.glob("*.yaml")} == {c[0] for c in INVALID_CASES}


@pytest.mark.parametrize("name, what, clause, phrase", INVALID_CASES, ids=[c[0] for c in INVALID_CASES])
def test_invalid_region_file_is_refused_citing_the_clause(name, what, clause, phrase):
    region = load_region_file(str(INVALID / f"{name}.yaml"))
    assert region.example is True
    with pytest.raises(PolicyError) as e:
        bind(region.policy, region)
    msg = str(e.value)
    assert f"region {name}" in msg
    assert what in msg
    assert clause in msg
    assert phrase in msg


@pytest.mark.parametrize(
    "policy_id, key, value, ok",
    [
        # 吉林 二（二）起付标准最高不超过300元
        ("jilin", "ordinary.deductible", "300", True),
        ("jilin", "ordinary.deductible", "300.01", False),
        ("jilin", "ordinary.deductible", "0", True),
        # 吉林 二（二）年度最高支付限额不超过2000元
        ("jilin", "ordinary.cap", "2000", True),
        ("jilin", "ordinary.cap", "2000.01", False),
        # 吉林 二（三）60%和70%两档
        ("jilin", "chronic.ratio", "0.60", True),
        ("jilin", "chronic.ratio", "70%", True),
        ("jilin", "chronic.ratio", "0.65", False),
        ("jilin", "chronic.ratio", "0.80", False),
        # 吉林 二（三）不超过6500元, also per disease
        ("jilin", "chronic.cap", "6500", True),
        ("jilin", "chronic.cap", "6500.01", False),
        ("jilin", "chronic.M03900.cap", "6500.01", False),
        # 浙江 二（一）基层从60％起步；提高5个百分点
        ("zhejiang", "ordinary.ratio.primary", "0.60", True),
        ("zhejiang", "ordinary.ratio.primary", "0.5999", False),
        ("zhejiang", "ordinary.retiree_ratio_bonus", "5%", True),
        ("zhejiang", "ordinary.retiree_ratio_bonus", "0.06", False),
        ("zhejiang", "ordinary.retiree_ratio_bonus", "0.04", False),
        # 南昌 四（二）2 80%–98%, 4000–600000
        ("nanchang", "chronic.M03900.ratio", "0.80", True),
        ("nanchang", "chronic.M03900.ratio", "0.98", True),
        ("nanchang", "chronic.M03900.ratio", "0.7999", False),
        ("nanchang", "chronic.M03900.cap", "4000", True),
        ("nanchang", "chronic.M03900.cap", "600000", True),
        ("nanchang", "chronic.M03900.cap", "600000.01", False),
        ("nanchang", "chronic.M03900.cap", "3999.99", False),
    ],
)
def test_ceiling_boundaries(policy_id, key, value, ok):
    if ok:
        rules = bind(policy_id, params={key: value})
        assert rules.get(key).value == rules.supplied[key].value
    else:
        with pytest.raises(PolicyError, match="ceiling|floor|must be"):
            bind(policy_id, params={key: value})


@pytest.mark.parametrize(
    "in_service, retiree, ok",
    [("600", "300", True), ("600", "301", False), ("600", "600", False), ("500", "250", True), ("300", "150.00", True),
     # 555.55 / 2 = 277.775: 减半执行 fixes no rounding, so a stated 277.78 or 277.77 (either fen next to the exact
     # half) is the half; 277.76 and 277.79 are not
     ("555.55", "277.78", True), ("555.55", "277.77", True), ("555.55", "277.76", False), ("555.55", "277.79", False)],
)
def test_zhejiang_retiree_deductible_exactly_half(in_service, retiree, ok):
    """浙江 二（一）退休人员起付线减半执行."""
    params = {"ordinary.deductible.in_service": in_service, "ordinary.deductible.retiree": retiree}
    if ok:
        bind("zhejiang", params=params)
    else:
        with pytest.raises(PolicyError, match="not half of ordinary.deductible.in_service.*浙江 二（一）.*减半"):
            bind("zhejiang", params=params)


def test_a_tilt_past_100_percent_pays_100_percent_under_the_documents_named_reading():
    """浙江 二（一）“从60％起步” is a floor, no ceiling: a city's 96% is its own. Its retirees get 5 points more,
    101%, paid as 100% (A-ZJ-RETIREE-RATIO-CAP). In-service 基层 1000.00: (1000 − 600) × 96% = 384.00; retiree
    (deductible 300): (1000 − 300) × 100% = 700.00. 吉林 二（二）: a region's inpatient tilt of 45 points on the 一级
    60% is 105%, paid as 100% (A-JL-RETIREE-RATIO-CAP): (1000 − 200) × 100% = 800.00."""
    city = {"ordinary.deductible.in_service": "600", "ordinary.cap": "2000", "ordinary.ratio.primary": "0.96"}
    zj = bind("zhejiang", params=city)
    assert _settle(zj, facility="primary", medfee_sumamt=D("1000.00")).hifp_pay == D("384.00")
    res = _settle(zj, psn_type="1201", facility="primary", medfee_sumamt=D("1000.00"))
    assert res.hifp_pay == D("700.00") and res.pool_prop_selfpay == D("1")
    assert "A-ZJ-RETIREE-RATIO-CAP" in " ".join(s["clause"] for s in res.trace.render())
    jl = bind("jilin", "jilin-example", params={"inpatient.retiree_ratio_bonus": "0.45"})
    res = _settle(jl, psn_type="1201", facility="primary", medfee_sumamt=D("1000.00"))
    assert res.hifp_pay == D("800.00")
    assert "A-JL-RETIREE-RATIO-CAP" in " ".join(s["clause"] for s in res.trace.render())
    # below 100% no cap is cited: 吉林 example tilt 5 points, 一级 65%
    res = _settle(bind("jilin", "jilin-example"), psn_type="1201", facility="primary", medfee_sumamt=D("1000.00"))
    assert "RATIO-CAP" not in " ".join(s["clause"] for s in res.trace.render())


def test_no_ceiling_the_texts_do_not_set():
    """浙江 二（一）gives only a floor for 基层 and no bound on the other ratios; 吉林 一 gives no pharmacy ratio."""
    bind("zhejiang", params={"ordinary.ratio.primary": "1.00", "ordinary.ratio.tertiary": "0.97"})
    bind("jilin", "jilin-example", params={"ordinary.ratio.pharmacy": "0.65"})


def test_a_jilin_region_cannot_start_before_the_old_benefits_end():
    """吉林 六（三）以自然年度计算的原有门诊保障待遇，执行至 2022 年年底."""
    bind("jilin", "jilin-example", params={"valid_from": "2023-03-01"})
    with pytest.raises(PolicyError, match="valid_from = 2022-06-01 is below the floor 2023-01-01 .*吉林 六（三）"):
        bind("jilin", "jilin-example", params={"valid_from": "2022-06-01"})


def test_a_bad_inline_value_is_blamed_on_params_not_the_region_file():
    """jilin-example says 200; the 350 above 吉林 二（二）'s 300 ceiling came from the case's params."""
    with pytest.raises(PolicyError, match=r"^params: ordinary.deductible = 350.00 exceeds the ceiling"):
        bind("jilin", "jilin-example", params={"ordinary.deductible": "350"})
    with pytest.raises(PolicyError, match=r"^region jilin-example: ordinary.deductible: not a number"):
        bind("jilin", RegionConfig("jilin-example", "", "jilin", {"ordinary.deductible": "x"}))


def test_a_city_cannot_start_before_the_opinions_it_implements():
    """浙江: the opinions are dated 2022年3月15日 (落款); a city's rules under them cannot start before."""
    bind("zhejiang", params={"valid_from": "2022-03-15"})
    with pytest.raises(PolicyError, match="valid_from = 2022-03-14 is below the floor 2022-03-15 .*浙江 落款.*2022年3月15日"):
        bind("zhejiang", params={"valid_from": "2022-03-14"})


def test_a_document_figure_cannot_be_overridden():
    """攀枝花 第七条 fixes 200元; a region may not restate it."""
    with pytest.raises(PolicyError, match="fixed by 攀枝花 第七条"):
        bind("panzhihua", params={"ordinary.deductible.in_service": "200"})


def test_non_numeric_region_value_names_the_key():
    with pytest.raises(PolicyError, match="ordinary.deductible: not a number"):
        bind("jilin", params={"ordinary.deductible": "two hundred"})


def test_flag_must_be_true_or_false():
    with pytest.raises(PolicyError, match="day_surgery.waive_deductible: flag must be true or false"):
        bind("jilin", params={"day_surgery.waive_deductible": "yes"})


def test_region_of_another_policy_is_refused():
    with pytest.raises(PolicyError, match="implements 'jilin', not 'zhejiang'"):
        bind("zhejiang", "jilin-example")


def test_unknown_region_name_lists_the_known_ones():
    with pytest.raises(PolicyError, match="no such file.*jilin-example"):
        bind("jilin", "changchun")


def test_inline_params_override_the_region_file():
    r = bind("jilin", "jilin-example", {"ordinary.deductible": "250"})
    assert r.get("ordinary.deductible").value == D("250")
    with pytest.raises(PolicyError, match="exceeds the ceiling"):
        bind("jilin", "jilin-example", {"ordinary.deductible": "301"})


# --------------------------------------------------------------------------- missing must-be-supplied parameters


@pytest.mark.parametrize(
    "policy_id, settlement, parameter, article",
    [
        # 吉林 二（二）具体标准由各统筹区确定 — nothing supplied
        ("jilin", {}, "ordinary.deductible", "吉林 二（二）"),
        # 北京 (五) 按基本医疗保险规定执行: the first figure asked for is the ratio of the facility
        ("beijing", {}, "ordinary.ratio.in_service.tertiary", "北京 (五)"),
        # 浙江 二（一）: the city's ratio
        ("zhejiang", {}, "ordinary.ratio.tertiary", "浙江 二（一）"),
        # 攀枝花 第七条 fixes the standard only for filed persons
        ("panzhihua", {"remote": True}, "ordinary.ratio.remote_unfiled", "攀枝花 第七条"),
    ],
)
def test_missing_parameter_names_parameter_and_article(policy_id, settlement, parameter, article):
    with pytest.raises(MissingParameter) as e:
        _settle(bind(policy_id), **settlement)
    msg = str(e.value)
    assert e.value.key == parameter
    assert parameter in msg and article in msg
    assert "settlement S1" in msg


def test_jilin_missing_cap_after_deductible_supplied():
    """吉林 二（二）: the cap too is the region's."""
    with pytest.raises(MissingParameter, match="ordinary.cap.*吉林 二（二）"):
        _settle(bind("jilin", params={"ordinary.deductible": "200"}))


def test_jilin_missing_retiree_tilt_names_the_inpatient_tilt():
    """吉林 二（二）对退休人员的倾斜支付比例同统筹区住院统筹基金倾斜支付比例一致."""
    rules = bind("jilin", params={"ordinary.deductible": "200", "ordinary.cap": "1500"})
    with pytest.raises(MissingParameter, match="inpatient.retiree_ratio_bonus|ordinary.retiree_ratio_bonus"):
        _settle(rules, psn_type="1201")


def test_region_valid_from_moves_the_start():
    """吉林 六（一）: a region may start later than 2023-01-01 (A-JL-VALID-FROM)."""
    rules = bind("jilin", "jilin-example", {"valid_from": "2023-07-01"})
    # Before the region's own start the earlier rules apply, which the harness does not hold (A-BEFORE-VALIDITY);
    # the refusal cites the clause that lets the region choose its start, 六（一）.
    with pytest.raises(PolicyError, match="2023-06-30.*2023-07-01.*吉林 六（一）"):
        _settle(rules, date=dt.date(2023, 6, 30))
    # 二（二）: (430 − 200) × 50% = 115.00 at a 三级 facility
    assert _settle(rules, date=dt.date(2023, 7, 1)).hifp_pay == D("115.00")


def test_zhejiang_retiree_deductible_is_the_halved_in_service_one_when_the_city_does_not_restate_it():
    """浙江 二（一）退休人员起付线减半执行: the text fixes it, so a city need not supply it. In-service 600 → 300;
    a retiree at 基层 1000.00: (1000 − 300) × (60% + 5%) = 455.00. 555.55 → 277.775 → 277.78 (A-ZJ-HALF-FEN)."""
    city = {"ordinary.deductible.in_service": "600", "ordinary.cap": "2000", "ordinary.ratio.primary": "0.60"}
    rules = bind("zhejiang", params=city)
    res = _settle(rules, psn_type="1201", facility="primary", medfee_sumamt=D("1000.00"))
    assert res.act_pay_dedc == D("300.00") and res.hifp_pay == D("455.00")
    odd = bind("zhejiang", params={**city, "ordinary.deductible.in_service": "555.55"}).get("ordinary.deductible.retiree")
    assert odd.value == D("277.78") and "A-ZJ-HALF-FEN" in odd.cite


def test_a_facility_slot_takes_only_a_facility_code():
    """北京 leaves ordinary.ratio.in_service.<facility> to the region: a misspelt facility would be taken and
    never read (the visit then refused or paid by another key), so it is refused naming the five codes."""
    bind("beijing", "beijing-example", params={"ordinary.ratio.in_service.tertiary": "0.80"})
    with pytest.raises(PolicyError, match="'tertairy' is not a facility .*tertiary, secondary, primary, unrated, pharmacy"):
        bind("beijing", "beijing-example", params={"ordinary.ratio.in_service.tertairy": "0.80"})


def test_a_bound_resting_on_a_named_reading_names_it_in_the_refusal():
    """吉林 二（三）“原则上设60%和70%两档”: refusing 65% rests on A-JL-CHRONIC-BAND (the region picks one band, and
    “原则上” binds it), so the refusal names the reading with the quoted words, not the words alone."""
    with pytest.raises(PolicyError) as e:
        bind("jilin", params={"chronic.ratio": "0.65"})
    assert "must be 60% or 70%" in str(e.value) and "支付比例原则上设60%和70%两档" in str(e.value)
    assert str(e.value).endswith("; A-JL-CHRONIC-BAND)")


@pytest.mark.parametrize("policy_id, key, value, reading", [
    ("zhejiang", "ordinary.ratio.unrated", "0.59", "A-ZJ-PRIMARY-CARE"),  # 未定级 read as 基层 (二（一）从60％起步)
    ("zhejiang", "ordinary.ratio.primary", "0.59", "A-ZJ-PRIMARY-CARE"),  # 一级 read as 基层 too
    ("jilin", "chronic.M00500.cap", "6500.01", "A-JL-CHRONIC-CAP-PER-DISEASE"),  # the 6500 ceiling, per disease
])
def test_every_bound_resting_on_a_reading_names_it(policy_id, key, value, reading):
    with pytest.raises(PolicyError) as e:
        bind(policy_id, params={key: value})
    assert str(e.value).endswith(f"; {reading})"), str(e.value)
