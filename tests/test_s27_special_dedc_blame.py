"""s27 probeH2 F3: a wrong 5206 special_dedc blames 吉林 二（四）alone. Only a special-disease visit counts the
special-disease deductible ("一个自然年度内计算一次起付标准", 二（四）); an emergency (二（五）) or a day surgery (二（六）)
counts a per-visit deductible that no total reports, so those articles are not broken by this figure."""
from __future__ import annotations

from types import SimpleNamespace

from conform.harness.properties.clauses import ALL_BENEFITS, FIELD_CLAUSES, INPATIENT_ROUTES, blamed
from conform.harness.properties.differential import _blame
from conform.harness.results import Mismatch


def test_a_wrong_special_deductible_total_blames_only_the_special_disease_article():
    tagged = ALL_BENEFITS["jilin"]
    assert blamed(["special_dedc"], "jilin", tagged) == ("2.4",)
    # the inpatient cap is shared by all three routes, so its total still names all three
    assert blamed(["inpatient_pay"], "jilin", tagged) == INPATIENT_ROUTES["jilin"]


def test_the_differential_property_blames_2_4_for_the_year_total_alone():
    # probeH2's counterexample: special-disease and ordinary visits settle right, 5206 answers special_dedc 0.00
    story = SimpleNamespace(setting=SimpleNamespace(policy="jilin"), ops=())
    bad = [Mismatch("special_dedc", "800.00", "0.00", "2023年度累计", "年度累计特殊疾病起付线")]
    assert _blame(story, bad, "") == {"jilin": ("2.4",)}


def test_no_other_document_maps_the_special_deductible():
    # special diseases along inpatient rules are 吉林's alone (other documents' special diseases are 慢特病)
    assert set(FIELD_CLAUSES["special_dedc"]) == {"jilin"}


def test_a_wrong_chronic_deductible_total_does_not_blame_the_overflow_article():
    # 攀枝花 第十一条 sends a visit's part past the cap on to ordinary pooling: no chronic deductible is counted there
    # (fixB's note on probeH2 F4: a 5206 dropping a disease blamed 第九、十、十一条)
    tagged = ALL_BENEFITS["panzhihua"]
    assert blamed(["chronic_dedc"], "panzhihua", tagged) == ("9", "10")
    assert "11" in blamed(["chronic_pay"], "panzhihua", tagged)  # the payment is capped there: 第十一条 still
