"""The account-use property's note covers both kinds of use it does not judge: those the text does not decide,
and those it allows only on a condition the request cannot show (the note said only the first, so a 南昌
commercial-insurance use read as one the text is silent on)."""
from __future__ import annotations

from types import SimpleNamespace

from conform.harness.properties.runner import _undecided_note


def test_the_note_names_both_kinds_and_the_answers():
    ctx = SimpleNamespace(notes={"undetermined_uses": {"allowed": 2, "refused": 1}})
    ch = SimpleNamespace(extra={}, message="")
    _undecided_note(ctx, ch)
    assert "文件未作规定、或只在请求无法表明的条件下允许的使用不作判定" in ch.message
    assert "被测系统答复：允许 2 次、拒绝 1 次" in ch.message and ch.extra["undetermined_uses"] == {"allowed": 2, "refused": 1}
