"""conform.display: one definition of the characters no reader is shown raw, for the reference engine's
messages, the harness's console and report.html, and the audit's reports.

Each expected string below is written by hand: a character of the set becomes what Python's repr writes for it
(\\x07, \\u202e, \\n), anything else stays. The SQL form (discrepancies.csv) must escape exactly as the Python
form does, which DuckDB shows here on every code point a SQL string can hold.
"""
from __future__ import annotations

import sys

import duckdb
import pytest

from conform.display import UNSHOWN, UNSHOWN_ONE_LINE, UNWRITABLE, one_line, quoted, shown
from conform.reference.case import CaseError, parse_case

# (what, text, shown (pages, cells), one_line (console), UNWRITABLE.escape (discrepancies.csv))
CASES = [
    ("C0: NUL, bell, ESC", "a\x00b\x07c\x1b[2J", "a\\x00b\\x07c\\x1b[2J", "a\\x00b\\x07c\\x1b[2J", "a\\x00b\\x07c\\x1b[2J"),
    ("C0: VT and FF are controls on a page too", "a\x0bb\x0cc", "a\\x0bb\\x0cc", "a\\x0bb\\x0cc", "a\\x0bb\\x0cc"),
    ("DEL", "a\x7fb", "a\\x7fb", "a\\x7fb", "a\x7fb"),
    ("C1: CSI, NEL", "\x9b1m\x85x\x80", "\\x9b1m\\x85x\\x80", "\\x9b1m\\x85x\\x80", "\x9b1m\x85x\x80"),
    ("bidi embeddings and overrides", "S\u202a\u202b\u202c\u202d\u202e1", "S\\u202a\\u202b\\u202c\\u202d\\u202e1",
     "S\\u202a\\u202b\\u202c\\u202d\\u202e1", "S\u202a\u202b\u202c\u202d\u202e1"),
    ("bidi isolates", "\u2066\u2067\u2068x\u2069", "\\u2066\\u2067\\u2068x\\u2069", "\\u2066\\u2067\\u2068x\\u2069",
     "\u2066\u2067\u2068x\u2069"),
    ("bidi marks", "\u200e\u200f\u061c", "\\u200e\\u200f\\u061c", "\\u200e\\u200f\\u061c", "\u200e\u200f\u061c"),
    ("a Trojan-Source id: 医院 then 1.00 turned around", "医院\u202e00.1", "医院\\u202e00.1", "医院\\u202e00.1",
     "医院\u202e00.1"),
    ("line breaks: kept on a page, escaped on a line", "a\nb\tc\rd\u2028e\u2029f", "a\nb\tc\rd\u2028e\u2029f",
     "a\\nb\\tc\\rd\\u2028e\\u2029f", "a\nb\tc\rd\u2028e\u2029f"),
    ("noncharacters and a lone surrogate", "\ufffe\uffff\ud800", "\\ufffe\\uffff\\ud800", "\\ufffe\\uffff\\ud800",
     "\\ufffe\\uffff\\ud800"),
    ("Chinese untouched", "攀枝花市中心医院 第七条（一）：起付线", "攀枝花市中心医院 第七条（一）：起付线",
     "攀枝花市中心医院 第七条（一）：起付线", "攀枝花市中心医院 第七条（一）：起付线"),
    ("fullwidth digits and the ideographic space untouched", "２０２３\u3000１２", "２０２３\u3000１２", "２０２３\u3000１２",
     "２０２３\u3000１２"),
    ("a backslash already there stays", "C:\\x07 \\u202e", "C:\\x07 \\u202e", "C:\\x07 \\u202e", "C:\\x07 \\u202e"),
    ("emoji (astral) untouched", "A😀", "A😀", "A😀", "A😀"),
    # format characters (Cf) that show nothing: two ids or names differing only by one must not look alike. By
    # hand, as repr writes them: U+00AD is below U+0100, so \xad; U+E0041 is past U+FFFF, so \U000e0041.
    ("zero-width space, non-joiner, joiner", "S1\u200b 王\u200c五 张\u200d三", "S1\\u200b 王\\u200c五 张\\u200d三",
     "S1\\u200b 王\\u200c五 张\\u200d三", "S1\u200b 王\u200c五 张\u200d三"),
    ("word joiner and invisible operators", "S\u20601\u2061\u2062\u2063\u2064", "S\\u20601\\u2061\\u2062\\u2063\\u2064",
     "S\\u20601\\u2061\\u2062\\u2063\\u2064", "S\u20601\u2061\u2062\u2063\u2064"),
    ("BOM, soft hyphen, Mongolian vowel separator", "\ufeffS\xad1\u180e", "\\ufeffS\\xad1\\u180e",
     "\\ufeffS\\xad1\\u180e", "\ufeffS\xad1\u180e"),
    ("tag characters", "S\U000e0001\U000e0041\U000e007f", "S\\U000e0001\\U000e0041\\U000e007f",
     "S\\U000e0001\\U000e0041\\U000e007f", "S\U000e0001\U000e0041\U000e007f"),
    ("deprecated format controls, annotation anchors", "\u206a\u206fx\ufff9\ufffb",
     "\\u206a\\u206fx\\ufff9\\ufffb", "\\u206a\\u206fx\\ufff9\\ufffb", "\u206a\u206fx\ufff9\ufffb"),
    ("no-break space, private use (a system's rare 汉字), a variation selector untouched", "王\xa0五\ue000\u845b\U000e0100",
     "王\xa0五\ue000\u845b\U000e0100", "王\xa0五\ue000\u845b\U000e0100", "王\xa0五\ue000\u845b\U000e0100"),
]


@pytest.mark.parametrize("what, text, page, line, data", CASES, ids=[c[0] for c in CASES])
def test_each_class_of_character(what, text, page, line, data):
    assert shown(text) == page
    assert one_line(text) == line
    assert UNWRITABLE.escape(text) == data
    assert quoted(text) == (text if line == text else f"'{line}'")


def test_quoted_marks_an_escaped_value_and_leaves_an_ordinary_one():
    assert quoted("P1") == "P1"
    assert quoted("\x1b]0;PWNED\x07Z") == "'\\x1b]0;PWNED\\x07Z'"
    assert quoted("P\u202e1") == "'P\\u202e1'"
    assert quoted("a\nb") == "'a\\nb'"


def test_quoted_never_ends_early_at_a_quote_in_the_value():
    # rclose8: 'a'b\x1b' could be the value a, then b\x1b'. As repr chooses: double quotes for a value with a '
    # and no ", else single quotes with the ' written \'.
    assert quoted("a'b\x1b") == '"a\'b\\x1b"'
    assert quoted("a'b\"c\x1b") == "'a\\'b\"c\\x1b'"
    assert quoted("a\"b\x1b") == "'a\"b\\x1b'"
    assert quoted("a'b") == "a'b"   # nothing escaped: not quoted at all


def test_ids_differing_by_an_invisible_character_read_differently_in_a_reference_message():
    # the reference's messages quoted such ids with repr before display.quoted; a duplicate id of the case file
    # is named so the two can be told apart
    for invisible, written in (("\u200b", "\\u200b"), ("\ufeff", "\\ufeff"), ("\xad", "\\xad"),
                               ("\U000e0041", "\\U000e0041")):
        assert quoted(f"S1{invisible}") == f"'S1{written}'"
        with pytest.raises(CaseError) as e:
            parse_case({"policy": "jilin", "person": {"psn_no": f"B{invisible}X", "psn_type": "9999"}})
        assert invisible not in str(e.value) and f"'B{written}X'" in str(e.value)


def _all_sql_strings(size: int = 512) -> list[str]:
    """Every code point a SQL string can hold (all but the surrogates), in strings of `size` characters."""
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    return ["".join(chars[i:i + size]) for i in range(0, len(chars), size)]


@pytest.mark.parametrize("unshown", [UNWRITABLE, UNSHOWN, UNSHOWN_ONE_LINE], ids=["unwritable", "unshown", "one_line"])
def test_the_sql_form_escapes_as_the_python_form_on_every_code_point(unshown):
    texts = [*_all_sql_strings(), *(c[1] for c in CASES if "\ud800" not in c[1]), "", None]
    con = duckdb.connect()
    got = [r[0] for r in con.execute(f"SELECT {unshown.sql('v')} FROM (SELECT unnest(?) AS v, "
                                     "generate_subscripts(?, 1) AS i) ORDER BY i", [texts, texts]).fetchall()]
    want = [None if t is None else unshown.escape(t) for t in texts]
    assert got == want


def test_a_reference_message_names_a_bidi_override_in_a_psn_no_escaped():
    with pytest.raises(CaseError) as e:
        parse_case({"policy": "jilin", "person": {"psn_no": "B\u202eX", "psn_type": "9999"}})
    assert "\u202e" not in str(e.value) and "'B\\u202eX'" in str(e.value)


def test_the_conformance_workbook_escapes_a_bidi_override_and_keeps_its_replacement_character(tmp_path):
    """report.xlsx wrote a system's U+202E raw (only what XML cannot hold became U+FFFD, as before): the cell
    could read backwards. Now it reads \\u202e as report.html and the console write it."""
    from openpyxl import load_workbook
    from report_samples import sample_run

    from conform.harness.report import model, xlsx

    run = sample_run()
    run.checks[1].message = "bad\x00\u202e\x9btext"
    path = xlsx.write(model.build(run), tmp_path / "r.xlsx")
    values = [c.value for ws in load_workbook(path).worksheets for r in ws.iter_rows() for c in r]
    assert "bad\ufffd\\u202e\\x9btext" in values
    assert not any(isinstance(v, str) and ("\u202e" in v or "\x9b" in v) for v in values)
