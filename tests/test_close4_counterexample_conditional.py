"""A failing account-use property's regression scenario writes a conditional use as the features do
(有条件允许，依据 …，限 …), so a system refusing it — which the feature and the property accept — does not fail the
scenario it is handed (it wrote 那么 个人账户使用被允许). 南昌 四（三）2: a spouse's 商业健康保险 is allowed only for
“经市医疗保障局备案的商业补充医疗保险”, which the request cannot show."""
from __future__ import annotations

from decimal import Decimal

from conform.harness.counterexample import render_scenario
from conform.harness.generators import Setting
from conform.harness.properties.base import Story, Use
from conform.reference.case import Person, UseRequest


def _scenario(purpose: str) -> str:
    story = Story(Setting("nanchang", "nanchang-example"), Person(psn_no="X", psn_type="1101", acct_balance=Decimal("500.00")),
                  [Use(UseRequest(id="U1", relation="spouse", purpose=purpose, amount=Decimal("100.00")))], "t")
    return "\n".join(render_scenario(story, "ce", ["nanchang"]))


def test_a_conditional_use_is_written_as_the_features_write_it():
    text = _scenario("commercial_insurance")
    assert '那么 个人账户使用有条件允许，依据 "四（三）2"，限 "经市医疗保障局备案的商业补充医疗保险"' in text
    assert "个人账户使用被允许" not in text


def test_an_unconditional_use_keeps_its_decision():
    assert "那么 个人账户使用被允许" in _scenario("medical_selfpay")  # 四（三）2: a spouse's 就医个人负担
