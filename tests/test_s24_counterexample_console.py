"""A property's counterexample quotes the system's answers (an err_msg) in its Gherkin: the console block shows
them as every other console line does (conform.display.one_line), so a system's ESC sequence, bell, bidi
override or BOM never reaches the terminal, the CI log or a pasted feature file raw (probe s24 S F3)."""
from __future__ import annotations

import io
import types

from conform.harness.properties import settings

HOSTILE = "2207: infcode -1: =HYPERLINK(\"x\")\x07\x1b[31mRED\u202eDESREVER\ufeff\r end"
RAW = ("\x1b", "\x07", "\u202e", "\ufeff", "\r")


class _Writer:
    def __init__(self, captured: bool):
        self.lines = []
        self._tw = types.SimpleNamespace(_file=io.StringIO() if captured else None)

    def write_sep(self, sep, title):
        self.lines.append(title)

    def write_line(self, text):
        self.lines.append(text)


def _summary(monkeypatch, captured: bool) -> str:
    cex = ("# language: zh-CN\n功能: 反例\n  场景: 门诊结算\n"
           f"    # 被测系统：V1 结算结果（infcode）应为 0 成功，实际 拒绝：{HOSTILE}\n"
           "    那么 统筹基金支付 为 425.58 元")
    failed = [settings._Failed("差分测试", "x.py::test_differential[zhejiang]", cex)]
    monkeypatch.setattr(settings, "_failed_properties", lambda tr, config: failed)
    tr = _Writer(captured)
    settings.pytest_terminal_summary(tr, 1, types.SimpleNamespace(stash={}))
    return "\n".join(tr.lines)


def test_counterexample_on_the_terminal_holds_no_control_character_raw(monkeypatch):
    out = _summary(monkeypatch, captured=False)
    assert not [ch for ch in RAW if ch in out]
    # shown as the other console lines show them, visible and searchable
    assert "\\x07\\x1b[31mRED\\u202eDESREVER\\ufeff\\r end" in out
    # the Gherkin stays pasteable: its own lines, Chinese as it is
    assert "\n功能: 反例\n  场景: 门诊结算\n" in out
    assert "\n    那么 统筹基金支付 为 425.58 元" in out


def test_counterexample_written_to_stderr_holds_no_control_character_raw(monkeypatch, capsys):
    _summary(monkeypatch, captured=True)  # conform run captures pytest's stdout: the block goes to stderr too
    err = capsys.readouterr().err
    assert "被测系统" in err and "DESREVER" in err
    assert not [ch for ch in RAW if ch in err]
