"""A CSV line of only spaces or tabs (an editor's, `echo " " >>`) or the DOS end-of-file mark ^Z (0x1A) that old
DOS/FoxPro exports append stopped the run ("1 fields where the header has 19"), in a ledger and in the persons file,
while docs/audit.md §1 says blank lines are skipped: such lines are now skipped as blank ones, and the lines after
them keep their own numbers in messages (probe s28 A F2).

The ledger is docs/audit.md's worked example (攀枝花 第七条, 15 discrepancies by hand).
"""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from test_sources_input import _rows

PERSONS_HEADER = "psn_no,ytd"


def _lines(rows) -> list[str]:
    return [",".join(r) for r in rows]


def _ledger(tmp_path, lines, name="ledger.csv"):
    p = tmp_path / name
    p.write_bytes("\n".join(lines).encode("utf-8"))
    return p


def _audit(*paths, persons=None):
    return audit([str(p) for p in paths], "panzhihua", "panzhihua-example", persons_file=persons and str(persons),
                 write=False, workers=1)


@pytest.mark.parametrize("blank", ["   ", "\t", " \t ", "\x1a"])
def test_a_blank_like_line_in_the_middle_or_at_the_end_is_skipped(tmp_path, blank):
    lines = _lines(_rows())
    code, s = _audit(_ledger(tmp_path, lines[:3] + [blank] + lines[3:] + [blank]))
    assert (s["rows_read"], sum(s["discrepancies_by_field"].values())) == (5, 15)


def test_a_dos_end_of_file_mark_after_the_last_line_break(tmp_path):
    p = tmp_path / "dos.csv"
    p.write_bytes(("\r\n".join(_lines(_rows())) + "\r\n").encode("utf-8") + b"\x1a")
    code, s = _audit(p)
    assert (s["rows_read"], sum(s["discrepancies_by_field"].values())) == (5, 15)


def test_a_tab_only_line_in_a_tab_separated_file(tmp_path):
    p = tmp_path / "ledger.tsv"
    p.write_text("\n".join("\t".join(r) for r in _rows()[:3]) + "\n\t\n"
                 + "\n".join("\t".join(r) for r in _rows()[3:]) + "\n", encoding="utf-8")
    code, s = _audit(p)
    assert s["rows_read"] == 5


def test_rows_after_a_blank_like_line_keep_their_lines_in_messages(tmp_path):
    lines = _lines(_rows())
    w1 = lines[3].replace(",11,secondary,", ",99,secondary,")  # W1, an unknown med_type: a row-level refusal
    assert w1 != lines[3]
    p = _ledger(tmp_path, lines[:3] + ["   ", "\t"] + [w1] + lines[4:])
    with pytest.raises(AuditInputError) as e:
        _audit(p)
    assert (e.value.row, e.value.column) == (6, "med_type")
    ragged = _ledger(tmp_path, lines[:3] + ["  "] + [",".join(lines[3].split(",")[:5])] + lines[4:], "ragged.csv")
    with pytest.raises(AuditInputError, match=r"5 fields where the header has 19") as e:
        _audit(ragged)
    assert e.value.row == 5


def test_a_line_with_other_text_is_still_refused(tmp_path):
    lines = _lines(_rows())
    with pytest.raises(AuditInputError, match=r"1 fields where the header has 19") as e:
        _audit(_ledger(tmp_path, lines[:3] + [" x "] + lines[3:]))
    assert e.value.row == 4


def test_the_persons_file_skips_them_too(tmp_path):
    ledger = _ledger(tmp_path, _lines(_rows()))
    persons = tmp_path / "persons.csv"
    persons.write_bytes(b'psn_no,ytd\nA,"{""year"": 2023}"\n \nB,"{""year"": 2023}"\n\t\nC,"{""year"": 2023}"\n\x1a')
    code, s = _audit(ledger, persons=persons)
    assert sum(s["discrepancies_by_field"].values()) == 15
    bad = tmp_path / "bad_persons.csv"
    bad.write_bytes(b'psn_no,ytd\nA,"{""year"": 2023}"\n \n ,"{""year"": 2023}"\n')
    with pytest.raises(AuditInputError, match=r"psn_no is blank") as e:
        _audit(ledger, persons=bad)
    assert e.value.row == 4
