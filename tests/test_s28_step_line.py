"""A step of the reference's working shown as a line (the settle trace, JUnit, the plugin's failure text, a
counterexample's comments): a step citing nothing — the document's own figures shown for comparison outside its
validity (steps.world.World._as_evidence) — has no empty "（）" after it."""
from __future__ import annotations

from conform.reference.trace import Trace, step_line


def test_a_step_with_a_clause_names_it_and_one_without_has_no_empty_brackets() -> None:
    assert step_line({"step": "起付线", "detail": "本年度起付线200.00元", "clause": "攀枝花 第七条"}) == \
        "起付线：本年度起付线200.00元（攀枝花 第七条）"
    assert step_line({"step": "支付比例", "detail": "按本文件 2023-01-01 的规则：60%，仅作对照", "clause": ""}) == \
        "支付比例：按本文件 2023-01-01 的规则：60%，仅作对照"


def test_a_trace_text_is_its_steps_lines() -> None:
    t = Trace()
    t.add("起付线", "本年度起付线{}元", ("200.00",), "攀枝花 第七条")
    t.add("对照", "仅作对照", (), "")
    assert t.text() == "起付线：本年度起付线200.00元（攀枝花 第七条）\n对照：仅作对照"
