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

from conform.display import one_line, shown

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


# rclose7 D5: the system's own name is its text too — a plugin's `name` (the table's title, and the verdict
# sentence's system when no [system] name is configured) and the config's [system] name (the verdict sentence's)
EVIL_NAME = "evil\x1b]0;pwned\x07\x1b[2J\u202e\n结论：合格 — forged"
NAMED = textwrap.dedent('''
    from conform.fixtures.sample_plugin import SampleSystemPlugin

    class Evil(SampleSystemPlugin):
        name = %r
        description = %r
''' % (EVIL_NAME, EVIL_NAME + " description"))


def _run_named(tmp_path: Path, *extra: str) -> str:
    (tmp_path / "evilname.py").write_text(NAMED, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "400"}  # no line wrapped by the console's width
    done = subprocess.run([sys.executable, "-m", "conform.harness.cli", "run", "--adapter", "python:evilname:Evil",
                           "--article", "panzhihua-19", "--tag", "not conform_property", "--no-progress",
                           "--out", str(tmp_path / "out"), *extra], capture_output=True, env=env, timeout=600)
    console = done.stdout.decode("utf-8")
    assert done.returncode == 0, console[-2000:]  # the sample plugin settles as the reference does
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in console, repr(raw)
    # the name's newline is shown as \n: no line of the system's own starts with its forged 结论
    assert not any(ln.strip().startswith("结论：合格 — forged") for ln in console.splitlines())
    return console


def test_a_plugins_name_neither_drives_the_terminal_nor_forges_a_verdict_line(tmp_path: Path):
    console = _run_named(tmp_path)
    escaped = "evil\\x1b]0;pwned\\x07\\x1b[2J\\u202e\\n结论：合格 — forged"
    title = console[console.index("Conformance results —"):].split("\n", 2)
    assert escaped in " ".join(title[:2])  # the table's title (wrapped to the table's width)
    assert f"结论：合格 — {escaped} description 在" in console


def test_the_configs_system_name_is_escaped_too(tmp_path: Path):
    (tmp_path / "conform.toml").write_text('[system]\nname = "cfg\\u001b[2J\\n结论：合格 — forged"\n'
                                           'version = "1.0\\u001b]0;v\\u0007"\n', encoding="utf-8")
    console = _run_named(tmp_path, "--config", str(tmp_path / "conform.toml"))
    assert "结论：合格 — cfg\\x1b[2J\\n结论：合格 — forged 在" in console


def test_a_plugin_subclassing_the_reference_is_not_named_the_built_in_reference():
    from conform.harness.adapters.reference import ReferenceAdapter

    class Vendor(ReferenceAdapter):
        name = "acme"

    assert ReferenceAdapter().describe()["system"] == "内置参考实现 (reference engine)"
    said = Vendor().describe()["system"]
    assert said.startswith("acme") and "内置参考实现" not in said

    class Described(ReferenceAdapter):
        name = "acme"
        description = "Acme 结算系统"

    assert Described().describe()["system"] == "Acme 结算系统"
