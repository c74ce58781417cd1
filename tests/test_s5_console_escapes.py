"""A system's text never drives the reader's terminal or reorders the report page (rplatform D5).

An err_msg is the system's own text: ESC sequences in it could clear the CI log or forge a 合格 line, a
newline could add a line of its own, U+202E could turn a line around. The console shows each such
character as its escape (\\x1b, \\u202e, \\n); report.html too (jinja's finalize), line breaks kept there.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conform.harness.report.model import one_line, shown

EVIL = "拒绝\x1b[2J\x1b]0;title\x07\x00\u202eLTR\n结论：合格 conformant\x9b1m\u3000全角空格"


def test_one_line_escapes_controls_bidi_and_line_breaks_and_keeps_chinese():
    assert one_line(EVIL) == ("拒绝\\x1b[2J\\x1b]0;title\\x07\\x00\\u202eLTR\\n结论：合格 conformant\\x9b1m"
                              "\u3000全角空格")
    assert one_line("攀枝花 第七条 (100.00 − 50.00) × 50%") == "攀枝花 第七条 (100.00 − 50.00) × 50%"


def test_shown_keeps_line_breaks_for_pages():
    assert shown("a\nb\tc\x1bd\u2066e") == "a\nb\tc\\x1bd\\u2066e"


PLUGIN = textwrap.dedent('''
    from conform.fixtures.sample_plugin import SampleSystemPlugin
    from conform.harness.adapters.base import SettlementRefused

    class Evil(SampleSystemPlugin):
        def settle(self, psn_no, settlement):
            if "PZH-0704" in psn_no:
                raise SettlementRefused(%r)
            return super().settle(psn_no, settlement)
''' % EVIL)


def test_a_refusals_control_characters_reach_neither_console_nor_page_raw(tmp_path: Path):
    (tmp_path / "evilsys.py").write_text(PLUGIN, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "conform.harness.cli", "run", "--adapter", "python:evilsys:Evil",
                           "--article", "panzhihua-7", "--tag", "not conform_property", "--no-progress",
                           "--out", str(out)], capture_output=True, env=env, timeout=600)
    console = done.stdout.decode("utf-8")
    assert done.returncode == 1, console[-2000:]
    assert "\\x1b[2J" in console and "\\u202eLTR\\n结论：合格" in console  # the refusal is shown, escaped
    for raw in ("\x1b", "\x00", "\u202e", "\x07", "\x9b"):
        assert raw not in console, repr(raw)
    assert "\n结论：合格 conformant" not in console  # no line of the system's own
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "\\x1b[2J" in page
    for raw in ("\x1b", "\x00", "\u202e", "\x07", "\x9b"):
        assert raw not in page, repr(raw)
