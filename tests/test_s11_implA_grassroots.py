"""浙江 二（一）“基层医疗机构政策范围内支付比例从60％起步” binds the bands a city pays its 基层 institutions at, not
every 未定级 facility (s10 rtext D3).

基层医疗机构 is a kind of institution; a configuration knows only a facility's band. A city names its 基层 bands in
`ordinary.grassroots_bands` (一级 and/or 未定级); the 60% floor binds those bands' ratios alone. A city that names
none is read as paying 基层 at both (A-ZJ-PRIMARY-CARE, the old reading, kept as the default). 二级, 三级 and the
pharmacy band cannot be named. Figures are the fictitious zhejiang-example's (deductible 600, ratios 70/70/60/50/50)
with the values changed below.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import compute_case
from conform.reference.policy import PolicyError, bind, check_region, load_region_file

EXAMPLE = load_region_file("zhejiang-example").values


def _region(tmp_path: Path, extra: str, drop: tuple[str, ...] = ()) -> Path:
    """A 浙江 region file: the example's values, less `drop`, plus the YAML lines `extra` under `values:`."""
    lines = [f'  {k}: "{v}"' for k, v in EXAMPLE.items() if k not in drop]
    path = tmp_path / "zj-city.yaml"
    path.write_text("name: zj-city\nlabel: 浙江某市（测试用，虚构）\npolicy: zhejiang\nvalues:\n" + "\n".join(lines)
                    + "\n" + extra + "\n", encoding="utf-8")
    return path


def test_a_city_naming_only_primary_as_grassroots_pays_unrated_at_55_percent(tmp_path):
    # ordinary.grassroots_bands: [primary]; ordinary.ratio.unrated 55% (both fictitious): the floor binds 一级 only.
    # 未定级 1600.00, in service: deductible 600, (1600 − 600) × 55% = 550.00; person pays 1600 − 550 = 1050.00
    path = _region(tmp_path, '  ordinary.grassroots_bands: [primary]\n  ordinary.ratio.unrated: "0.55"',
                   drop=("ordinary.ratio.unrated",))
    check = check_region(str(path))
    assert check.errors == (), check.errors
    case = parse_case({"policy": "zhejiang", "region": str(path), "person": {"psn_no": "Z1", "psn_type": "1101"},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "unrated",
                                        "medfee_sumamt": "1600.00"}]})
    (out,) = compute_case(case, with_trace=False)["settlements"]
    assert (out["act_pay_dedc"], out["hifp_pay"], out["psn_part_amt"]) == ("600.00", "550.00", "1050.00")


def test_without_the_key_both_bands_keep_the_floor_by_the_named_reading(tmp_path):
    # nothing named: 一级 and 未定级 are both 基层 (A-ZJ-PRIMARY-CARE); 55% < 60% refused, naming file, key and reading
    path = _region(tmp_path, '  ordinary.ratio.unrated: "0.55"', drop=("ordinary.ratio.unrated",))
    (err,) = check_region(str(path)).errors
    assert str(path) in err and "ordinary.ratio.unrated = 55% is below the floor 60%" in err
    assert "ordinary.grassroots_bands not given" in err and err.endswith("; A-ZJ-PRIMARY-CARE)")
    with pytest.raises(PolicyError, match="ordinary.ratio.unrated = 55%"):
        bind("zhejiang", str(path))


def test_a_named_band_keeps_the_floor_citing_the_text_alone():
    # the city's own statement: the refusal cites 二（一）, not the default's reading
    with pytest.raises(PolicyError) as e:
        bind("zhejiang", "zhejiang-example", {"ordinary.grassroots_bands": "primary", "ordinary.ratio.primary": "0.59"})
    msg = str(e.value)
    assert "ordinary.ratio.primary = 59% is below the floor 60%" in msg and "named in ordinary.grassroots_bands" in msg
    assert "浙江 二（一）" in msg and "A-ZJ-PRIMARY-CARE" not in msg
    # only 未定级 named: 一级 55% is the city's to set
    rules = bind("zhejiang", "zhejiang-example", {"ordinary.grassroots_bands": "unrated", "ordinary.ratio.primary": "0.55"})
    assert rules.get("ordinary.ratio.primary").value == Decimal("0.55")


@pytest.mark.parametrize("written", ["primary, unrated", "primary、unrated", "unrated primary", "primary,unrated"])
def test_the_bands_written_as_text_read_alike(written):
    rules = bind("zhejiang", "zhejiang-example", {"ordinary.grassroots_bands": written})
    assert set(rules.get("ordinary.grassroots_bands").value) == {"primary", "unrated"}
    with pytest.raises(PolicyError, match="below the floor 60% of a 基层 band .named in"):
        bind("zhejiang", "zhejiang-example", {"ordinary.grassroots_bands": written, "ordinary.ratio.unrated": "0.59"})


@pytest.mark.parametrize("line, words", [
    ("  ordinary.grassroots_bands: []", "an empty list names no facility band"),
    ('  ordinary.grassroots_bands: ""', "names no facility band"),
    ("  ordinary.grassroots_bands: [primary, [unrated]]", "each item must be a facility code"),
    ("  ordinary.grassroots_bands: secondry", "'secondry' is not a facility band"),
    ("  ordinary.grassroots_bands: [primary, primary]", "primary named twice"),
    # 二级、三级 hold hospitals 分级诊疗 sets above 基层, one ratio each; a pharmacy is no 医疗机构
    ("  ordinary.grassroots_bands: [primary, secondary]", "secondary cannot be named here, only primary, unrated"),
    ("  ordinary.grassroots_bands: tertiary", "tertiary cannot be named here"),
    ("  ordinary.grassroots_bands: [pharmacy]", "pharmacy cannot be named here"),
    # a list is a value only for a list parameter
    ("  ordinary.cap: [2000]", "ordinary.cap: expected a value"),
])
def test_a_bad_list_is_refused_naming_the_file_and_the_key(tmp_path, line, words):
    key = line.split(":")[0].strip()
    path = _region(tmp_path, line, drop=(key,))
    errors = check_region(str(path)).errors
    assert errors and words in errors[0] and str(path) in errors[0] and key in errors[0], errors
    with pytest.raises(PolicyError, match=words.replace("(", r"\(").replace("[", r"\[")):
        bind("zhejiang", str(path))


def test_a_list_in_the_file_is_kept_as_its_text(tmp_path):
    # what params, requests and the certification record carry: one text
    path = _region(tmp_path, "  ordinary.grassroots_bands: [primary, unrated]")
    assert load_region_file(str(path)).values["ordinary.grassroots_bands"] == "primary, unrated"
    assert check_region(str(path)).errors == ()


def test_the_example_region_lists_the_key_as_an_optional_one_it_leaves_out():
    check = check_region("zhejiang-example")
    assert check.errors == () and "ordinary.grassroots_bands" in check.missing_optional
