"""rfeat1's review of features/jilin and features/zhejiang: the readings it found unnamed are named, and the
feature headers say what the tool does.

- 浙江 二（一）“基层医疗机构政策范围内支付比例从60％起步”: 基层 is 一级 and 未定级 (A-ZJ-PRIMARY-CARE), so an
  unrated facility's ratio has the same floor (an unrated 30% paid (1600 − 600) × 30% = 300.00 before).
- 浙江 retiree cap = in-service cap (A-ZJ-RETIREE-CAP); only two crediting methods (A-ZJ-ACCOUNT-METHOD).
- 吉林 二(三) one band of 60%/70%, “原则上” binding (A-JL-CHRONIC-BAND); 二（四）a deductible started at a higher
  level and continued at a lower one tops up to the lower standard only (A-JL-SPECIAL-DEDUCTIBLE-LEVEL).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conform.reference.policy import PolicyError, bind, load_policy

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "features"


def _header(path: Path) -> str:
    """The feature's description: everything before its 背景."""
    text = path.read_text(encoding="utf-8")
    return text[:text.index("背景:")]


def _feature(policy: str, prefix: str) -> Path:
    found = [p for p in (FEATURES / policy).glob("*.feature") if p.name.startswith(prefix)]
    assert len(found) == 1, (policy, prefix, found)
    return found[0]


@pytest.mark.parametrize("ratio", ["0.59", "0.30"])
def test_zhejiang_unrated_ratio_has_the_primary_care_floor(ratio):
    with pytest.raises(PolicyError) as e:
        bind("zhejiang", "zhejiang-example", {"ordinary.ratio.unrated": ratio})
    msg = str(e.value)
    assert "ordinary.ratio.unrated" in msg and "浙江 二（一）" in msg and "从60％起步" in msg


def test_zhejiang_floor_stops_at_primary_care():
    # 60% exactly is allowed at 一级 and 未定级; 二级、三级 are not 基层 and keep no floor (A-ZJ-PRIMARY-CARE)
    bind("zhejiang", "zhejiang-example", {"ordinary.ratio.unrated": "0.60", "ordinary.ratio.primary": "0.60"})
    bind("zhejiang", "zhejiang-example", {"ordinary.ratio.secondary": "0.40", "ordinary.ratio.tertiary": "0.40"})


NAMED = [
    # policy, assumption, the feature (by name prefix) whose header cites it
    ("zhejiang", "A-ZJ-PRIMARY-CARE", "二（一）_增强"),
    ("zhejiang", "A-ZJ-RETIREE-CAP", "二（一）_增强"),
    ("zhejiang", "A-ZJ-ACCOUNT-METHOD", "二（三）"),
    ("jilin", "A-JL-CHRONIC-BAND", "二(三)"),
    ("jilin", "A-JL-SPECIAL-DEDUCTIBLE-LEVEL", "二(四)"),
]


@pytest.mark.parametrize("policy, aid, feature", NAMED, ids=[n[1] for n in NAMED])
def test_the_reading_is_named_explained_in_chinese_and_cited_by_its_feature(policy, aid, feature):
    assert aid in load_policy(policy).assumptions
    zh = yaml.safe_load((ROOT / "conform" / "harness" / "report" / "assumptions_zh.yaml").read_text(encoding="utf-8"))
    assert str(zh.get(aid) or "").strip()
    assert aid in _header(_feature(policy, feature))


def test_jilin_requirement_and_route_point_at_their_readings():
    jilin = yaml.safe_load((ROOT / "conform" / "reference" / "policies" / "jilin.yaml").read_text(encoding="utf-8"))
    assert "A-JL-CHRONIC-BAND" in jilin["required"]["chronic.ratio"]["why"]
    assert jilin["special"]["deductible_once_per_year_with_top_up"]["assumption"] == "A-JL-SPECIAL-DEDUCTIBLE-LEVEL"


def test_zhejiang_undetermined_use_header_says_the_check_passes():
    # conform/harness/steps/library.py then_use: a 未作规定 use passes (with a note), it is not skipped
    header = _header(_feature("zhejiang", "二（四）"))
    assert "记为跳过" not in header
    assert "记为通过" in header


def test_zhejiang_half_fen_header_does_not_claim_the_example_writes_the_retiree_deductible():
    example = yaml.safe_load((ROOT / "conform" / "fixtures" / "regions" / "zhejiang-example.yaml").read_text(encoding="utf-8"))
    assert "ordinary.deductible.retiree" not in example["values"]
    header = _header(_feature("zhejiang", "二（一）_退休"))
    assert "写明了退休起付线" not in header
    assert "不写退休起付线" in header
