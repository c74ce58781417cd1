"""Untrusted text made safe to show: the one definition of the characters no reader is shown raw.

A system under test's answers (an err_msg, a field) and an input file's values (a ledger's setl_id or
fixmedins_name, a case's psn_no) reach a terminal, report.html, audit.html, an audit.xlsx cell or an error
message. Some characters must never reach a reader raw:

- C0 controls but tab and line breaks, DEL and the C1 controls: an ESC sequence retitles or clears a terminal
  (the CI log), a NUL or a bell is what XML, and so a worksheet, cannot hold;
- the Unicode bidi controls (U+061C, U+200E/U+200F, U+202A–U+202E, U+2066–U+2069): U+202E turns the rest of
  a line around, so a hostile id could reorder what a reader sees (Trojan Source, CVE-2021-42574);
- the other format characters (Unicode's category Cf), which show nothing or next to nothing: the zero-width
  space and joiners (U+200B–U+200D), the word joiner and invisible operators (U+2060–U+2064), the BOM
  (U+FEFF), the soft hyphen (U+00AD), the tag characters (U+E0000–U+E007F) and the rest: 'S1' and 'S1\u200b'
  are two ids, and a name with a ZWJ in it is not the name without, so a reader must see them differ (as
  Python's repr, which the reference's messages used before, shows them);
- lone surrogates, U+FFFE and U+FFFF: not characters; neither UTF-8 nor XML holds them.

Each is written as Python writes it in a string (\\x1b, \\u202e, \\n): visible, and searchable in the input.
The escape is for the eye, not a reversible encoding: a backslash already in the text stays as it is.
Everything else — Chinese, fullwidth digits, the ideographic space and the no-break space, which read as the
spaces they are, private-use characters (a system's rare 汉字) — is shown as it is.

This module depends on nothing of the project, so the reference engine, the harness and the audit all use it.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["Unshown", "UNWRITABLE", "UNSHOWN", "UNSHOWN_ONE_LINE", "shown", "one_line", "quoted", "width", "cut", "cut_words",
           "xml_safe", "as_number"]

_SURROGATES = (0xD800, 0xDFFF)


def _escape(ch: str) -> str:
    return repr(ch)[1:-1]  # '\x1b', '\u202e', '\n' — never a quote, for no character of these sets is one


def _escaped(m: re.Match) -> str:
    return _escape(m.group())


class Unshown:
    """A set of characters some output escapes, as ranges of code points. Its Python form (`escape`) and its
    SQL form (`sql`) are built from the same ranges, so they escape the same characters the same way."""

    def __init__(self, *ranges: tuple[int, int]):
        self.ranges = tuple(sorted(ranges))
        self.pattern = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in self.ranges) + "]")

    def __add__(self, other: Unshown) -> Unshown:
        return Unshown(*self.ranges, *other.ranges)

    def escape(self, text: str) -> str:
        """`text` with each character of the set written as its escape (\\x07, \\u202e)."""
        return self.pattern.sub(_escaped, text) if self.pattern.search(text) else text

    def sql(self, column: str) -> str:
        """`escape` as a SQL expression over `column` (a NULL stays NULL). Only replace, chr and regexp_matches
        (RE2's \\x{…}), as DuckDB has them; the rows that hold none of the characters (all but a few) pay only
        for the match. Surrogates are left out: no UTF-8 string, and so no SQL value, holds one."""
        codes = [c for a, b in self.ranges for c in range(a, b + 1) if not _SURROGATES[0] <= c <= _SURROGATES[1]]
        inner = column
        for c in codes:
            inner = f"replace({inner}, chr({c}), '{_escape(chr(c))}')"
        cls = "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in self._utf8_ranges())
        return f"CASE WHEN regexp_matches({column}, '[{cls}]') THEN {inner} ELSE {column} END"

    def _utf8_ranges(self) -> list[tuple[int, int]]:
        lo, hi = _SURROGATES
        out = []
        for a, b in self.ranges:
            if b < lo or a > hi:
                out.append((a, b))
            else:
                out += [r for r in ((a, lo - 1), (hi + 1, b)) if r[0] <= r[1]]
        return out


# What no file this tool writes holds raw: outside XML 1.0's Char (so a worksheet's cells, junit.xml) — the C0
# controls but tab, LF and CR, lone surrogates, U+FFFE and U+FFFF. discrepancies.csv escapes these and only these:
# it is data, its other values are the ledger's own.
UNWRITABLE = Unshown((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), _SURROGATES, (0xFFFE, 0xFFFF))
# What no reader is shown raw (pages, cells, messages): also DEL, the C1 controls, the bidi controls (U+061C,
# U+200E/F, U+202A–E, U+2066–9) and every other format character (Cf, Unicode 15; the blocks of U+13430–U+1343F
# and of the tags whole). The bidi controls are Cf too: the ranges below hold them all.
FORMAT = Unshown((0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
                 (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
                 (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
                 (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE007F))
UNSHOWN = UNWRITABLE + Unshown((0x7F, 0x9F)) + FORMAT
# ... and on a line of its own (a console line, a message): the line breaks too — tab, LF, CR (VT, FF and NEL
# are controls already), U+2028 and U+2029.
UNSHOWN_ONE_LINE = UNSHOWN + Unshown((0x09, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))


def shown(text: str) -> str:
    """Text as a page or a cell shows it (report.html, audit.html, audit.xlsx): each character in UNSHOWN
    escaped, line breaks kept (a trace's lines, a note's)."""
    return UNSHOWN.escape(text)


def one_line(text: str) -> str:
    """shown(), line breaks escaped too: for a console line, where a system's \\n would forge a line of its own
    (a second 结论) below the one it sits in."""
    return UNSHOWN_ONE_LINE.escape(text)


def quoted(text: str) -> str:
    """A value a message names (an id, a code): as it is when nothing in it is escaped, else its one_line form
    in quotes ('\\x1b]0;X'), so a reader sees that it was escaped and where it ends: in double quotes if it holds
    a ' and no " (as repr chooses), else with each ' written \\'."""
    line = one_line(text)
    if line == text:
        return text
    return f'"{line}"' if "'" in line and '"' not in line else "'" + line.replace("'", "\\'") + "'"


def width(text: str, wide: float = 2, narrow: float = 1) -> float:
    """How wide `text` is shown, by the one rule every writer sizes text by: a CJK character (U+2E80 on) counts
    `wide`, any other `narrow` (a terminal's or a worksheet's cells: 2 and 1; an SVG label: its font size and 0.6
    of it)."""
    return sum(wide if ord(ch) > 0x2E7F else narrow for ch in text)


# The reports' text primitives (the conformance reports and the audit's alike): one cut rule, what XML holds, a
# figure as written.
NUMBER = re.compile(r"^-?\d+\.\d+$")  # a figure as the platform writes it: always with decimals
# What an XML report (junit.xml, the worksheets inside report.xlsx) cannot hold: anything outside XML 1.0's
# Char — control characters, lone surrogates, U+FFFE and U+FFFF (UNWRITABLE). One definition for
# every XML writer, so they cannot disagree (lxml, under openpyxl, refused the U+FFFF a hostile err_msg carried).
XML_UNSAFE = UNWRITABLE.pattern


# A figure, an id or an ASCII word, with the marks inside it (655.36, 2023-03-01, self-signed, 1,000.00): a cut
# never falls inside one, where "655.36" cut to "655." would read as another figure.
_TOKEN = re.compile(r"-?[A-Za-z0-9]+(?:[.,:/_+\-][A-Za-z0-9]+)*")
# what a cut is best made after: a pause in Chinese or English text (Chinese has no spaces between words)
_PAUSE = frozenset("，；。、：！？）」』】,;:!?)")
_TRAILING = " \t\r\n,;:(，；：、（「『【"  # stripped before the … : "超过限额，…" reads "超过限额…"


def cut(text: str, limit: int) -> str:
    """`text` if at most `limit` characters, else its head marked …, at most `limit` in all: one rule for every
    text a report cuts. The cut is after a pause (，；。、： or a space) in the later half if there is one,
    else at any place in it not inside a figure, id or ASCII word (never "655.36" → "655."); only one such run
    longer than half the limit is cut inside."""
    text = str(text)
    if len(text) <= limit:
        return text
    room = max(limit - 1, 0)
    inside = set()  # the places a cut would split a run (seen whole: one character past its last mark)
    for m in _TOKEN.finditer(text, 0, min(len(text), room + 2)):
        if m.end() > limit // 2:
            inside.update(range(m.start() + 1, m.end()))
    safe = [p for p in range(room, limit // 2, -1) if p not in inside]
    pause = next((p for p in safe if text[p - 1] in _PAUSE or text[p - 1].isspace() or text[p].isspace()), 0)
    head = text[:pause or (safe[0] if safe else room)]
    return (head.rstrip(_TRAILING) or head) + "…"


def cut_words(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters, cut as `cut` cuts (a reason cut to "self-si" says
    nothing)."""
    return cut(" ".join(str(text).split()), limit)


def xml_safe(text: object) -> str:
    """Text an XML report can hold: each character XML 1.0 cannot carry becomes U+FFFD."""
    return XML_UNSAFE.sub("\ufffd", "" if text is None else str(text))


def as_number(text: Any) -> Decimal | None:
    """A figure written as a plain decimal (an amount or a ratio), else None."""
    if isinstance(text, Decimal):
        return text
    if not isinstance(text, str) or not NUMBER.match(text.strip()):
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def first_line(e: BaseException) -> str:
    """An exception's message, first line only and escaped (one_line): it may name a file whose name holds a bidi
    override or a line break; its type's name where it says nothing."""
    text = str(e).strip()
    return one_line(text.splitlines()[0][:500]) if text else type(e).__name__


def internal_error(e: BaseException) -> str:
    """What a command says of a bug in conform (exit 3 for `audit`, `settle`, `list`, `synth-ledger`): one line
    and a request to report it, never Python's traceback."""
    return (f"conform: internal error: {type(e).__name__}: {first_line(e)}\n"
            "please report it, with the command line and this message")

