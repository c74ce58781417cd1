"""Ledger files into DuckDB relations, one per file, without the rows ever becoming Python objects
on the fast path (CSV and Parquet). Each relation keeps the file's own column names and adds
`src_row`: the number a person opening the file would see (CSV/JSON lines: the line; xlsx: the
sheet row; Parquet: the row, 1-based). A CSV's `src_row` counts records (as the fast parse sees them)
below the header: where a quoted field holds a line break, or blank lines stand between records, the
record's own line differs, and `line_of` finds it on the error path (only there).

Header names: a name that matches a column the caller reads (`wanted`: the platform's names and the
sources of --map) exactly is kept; one that matches only when case and surrounding spaces are ignored
(an Oracle export's SETL_ID) is renamed to it, as is one written in full-width letters or with an invisible
character in it (a zero-width space); two names that fold to one such column are refused.
A file wider than MAX_ALL_COLUMNS is read in the `wanted` columns only.

A header name that is blank (Excel's empty columns) is left out, and so is a name given twice that the
caller does not read (two 备注 columns); a repeated name the caller reads is refused.

Cells: in CSV and in JSON strings, exactly NULL, null and \\N (a database dump's NULL) are empty cells. A
line of JSON may leave out a field (Spark's ignoreNullFields, Jackson's NON_NULL): it is null there; the
columns are the keys of all lines. An ID (IDS: setl_id, psn_no, init_setl_id) damaged by Excel is refused:
an xlsx number of 1e15 or more (Excel holds 15 significant digits), or text in scientific notation
(3.30100E+15); so is a Parquet ID column of binary floating point, and an ID a program wrote from a float
column (5104000000000230.0). A Parquet column the audit reads that is nested (a list, a struct) or a decimal
of more than 38 digits (read only as DOUBLE) is refused by its name. A Parquet INT96 timestamp (Spark's and
Hive's default) is stored UTC-normalised: it is read as UTC (TIMESTAMP WITH TIME ZONE), and so dated in
Beijing time as any time zone-aware time is.

A CSV or JSON-lines file of 0 bytes or of blank lines only (a month whose export failed, in a folder of
months) has no rows to read: it is listed with its reason (`listed`), not read, and the audit names it;
a 0-byte Parquet or xlsx is a damaged file and is refused.

Encodings: CSV is read as UTF-16 where it starts with its byte-order mark (Excel's "Unicode 文本"), else
as UTF-8 unless it is not valid UTF-8, then as GB18030 (a superset of GBK, what Chinese exports usually
are), or as `--encoding`. DuckDB here has no encodings extension, so
pyarrow's streaming CSV reader transcodes (ReadOptions.encoding) batch by batch. The encoding is told
from the file's first 16 MB (detect_encoding with a prefix; the whole file where those bytes are all ASCII) and the rest
is checked as it is read; an unreadable byte is reported with its line either way.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import errno
import glob
import io
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from conform.files import special_kind
from conform.reference.case import PERSON_FIELDS
from conform.reference.loading import DuplicateJSONKey, unique_object

from .errors import AuditInputError
from .report_files import FILES, INSIDE_PREFIX
from .sqltext import ident, q

SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx",
            ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
UNITS = {"csv": "line", "jsonl": "line", "xlsx": "row", "parquet": "row"}
# Spreadsheets and archives a ledger folder may hold that the audit cannot read as they are: a folder's file with
# one of these suffixes is refused by name, as a glob's is (an .xls month left out unsaid was audited as a month
# without rows, every later month of its persons then falsely wrong: raudit2 D8). Each with what to do.
_RESAVE = "save it as .xlsx or CSV (UTF-8 or GBK) and give that"
_UNPACK = "extract its files and give those"
UNREADABLE_SUFFIXES = {
    ".xls": f"an old Excel or WPS workbook (or an HTML table that a 导出Excel button named .xls): {_RESAVE}",
    ".xlsm": f"an Excel workbook with macros: {_RESAVE}", ".xlsb": f"an Excel binary workbook: {_RESAVE}",
    ".xltx": f"an Excel template: {_RESAVE}", ".xltm": f"an Excel template: {_RESAVE}",
    ".et": f"a WPS workbook: {_RESAVE}", ".ett": f"a WPS template: {_RESAVE}",
    ".ods": f"an OpenDocument (LibreOffice, WPS) spreadsheet: {_RESAVE}", ".numbers": f"a Numbers sheet: {_RESAVE}",
    ".dbf": "a dBase table: export it as CSV and give that",
    ".zip": f"a zip archive: {_UNPACK}", ".rar": f"a RAR archive: {_UNPACK}", ".7z": f"a 7-Zip archive: {_UNPACK}",
    ".tar": f"a tar archive: {_UNPACK}", ".tgz": f"a compressed tar archive: {_UNPACK}",
    ".gz": "a gzip-compressed file: decompress it (gunzip) and give the file inside",
    ".bz2": "a bzip2-compressed file: decompress it and give the file inside",
    ".xz": "an xz-compressed file: decompress it and give the file inside",
    ".zst": "a zstd-compressed file: decompress it and give the file inside"}
# Excel and WPS write `~$<name>.xlsx` beside a workbook while it is open: a few bytes naming who opened it, never a
# ledger (raudit2 Q5). A folder or glob leaves it out and says so; named as a LEDGER argument it is refused.
LOCK_PREFIX = "~$"
LOCK = "lock"  # listed()'s `aside` option for a lock file (not_a_ledger_said)
MAX_LINE = 1 << 20  # the longest JSON line, and the longest CSV header line
MAX_XLSX_BYTES = 200 << 20
# An xlsx is a zip of XML: bounded by what it inflates to, not only by its own size. Excel holds at most
# 1,048,576 rows; at about 1 KB of sheet XML a row (some 40 cells at 25 bytes) a full sheet is 1 GiB.
EXCEL_ROWS = 1_048_576
MAX_XLSX_XML = 1 << 30
# Excel's sheet XML deflates some 5-20 times; a member inflating 100 times is repetition a ledger has not
# (a zip bomb: 2 MB of zip holding 2 GB of one character). Small members (styles) may repeat more.
MAX_XLSX_RATIO = 100
CHUNK = 1 << 24
# The ledger's IDs: Excel turns a long ID into a number it cannot hold (15 significant digits) and shows it
# in scientific notation (3.30100E+15), which a CSV then carries. Either is an ID already damaged.
IDS = frozenset({"setl_id", "psn_no", "init_setl_id"})
# The ledger's date and time columns: an xlsx float there is an Excel date number (a cell not formatted as a
# date), told as such by the ledger reader, never taken for an amount a hair off two decimals.
TIMES = frozenset({"setl_time", "setl_date"})
EXCEL_DIGITS = 10 ** 15
SCI_ID = r"^[ \t]*(=\"|')?[+-]?[0-9](\.[0-9]+)?[eE][+-]?[0-9]+\"?[ \t]*$"  # bare or in an Excel wrapper (WRAPPED)
# An ID a program wrote from a column of binary floating point (pandas makes a column of digits one where a cell is
# empty, and writes 5104000000000230.0): past about 16 digits its last ones are lost, and read as text it is not the
# platform's ID — one person's rows with and without the '.0' were two persons (the deductible counted twice).
FLOAT_ID = r"^[ \t]*[+-]?[0-9]+\.0+[ \t]*$"
NUMBER_ID = f"({SCI_ID})|({FLOAT_ID})"  # either damage, told apart only for the message (_number_id)
# Excel's text-keeping forms of a long ID, which Chinese HIS and platform exports write so that Excel does not turn
# it into a number: ="3301…" (a formula giving the text), a leading apostrophe ('3301…) and a tab before (or
# after) it. Each is unambiguous, and read verbatim it made one person two (raudit2 D2: 1,041 persons read as
# 1,339, 34 discrepancies as 1,331). In a text file (CSV, xlsx, JSON lines) the wrapper is taken off every ID and
# code cell below (id_text); a Parquet file is written by a program, whose wrappers are refused by one scan of
# the stored table (ledger._wrapped_ids) rather than tested on every cell (cost: docs/audit-engine.md).
WRAPPED = ("setl_id", "psn_no", "init_setl_id", "fixmedins_code", "dise_codg")
# What database dumps write for NULL (MySQL's \N): read as an empty cell in CSV and JSON text.
NULL_TEXT = ("NULL", "null", "\\N")
UTC = "'UTC'"
BOM = "\ufeff"  # a UTF-8 byte-order mark as read (Excel's "CSV UTF-8", Notepad's UTF-8)
# An error raised inside a stream DuckDB is scanning reaches the caller wrapped in a duckdb.Error;
# the located original is kept here so the caller can raise it instead.
PENDING: list[AuditInputError] = []


# A persons file (the case format's `person`: docs/audit.md §3) has psn_no, often psn_type, and fields no ledger row
# has; a ledger file has a settlement's columns. One lying in a ledger folder (or glob) and not given as --persons
# would be read as a ledger and refused for its missing columns, the message sending the user to --map.
PERSON_ONLY = PERSON_FIELDS - {"psn_no", "psn_type"}
SETTLEMENT_COLUMNS = ("setl_id", "setl_time", "setl_date", "med_type", "medfee_sumamt", "init_setl_id", "facility",
                      "hosp_lv", "fixmedins_code")


def persons_shaped(names: set[str]) -> list[str]:
    """The person-only fields (PERSON_ONLY, case aside) of a file with psn_no and no settlement column: [] for any
    other."""
    if "psn_no" not in names or not names.isdisjoint(SETTLEMENT_COLUMNS):
        return []
    return sorted(n for n in names if n.strip().casefold() in PERSON_ONLY)


# Characters no ID or code holds, which make an ID another one that looks the same (a phantom person, a settlement
# with no original): control characters (NUL, a line break, a tab inside it), Unicode spaces other than the ASCII
# space and tab that are trimmed (a no-break space U+00A0, the ideographic space U+3000 of a Chinese input method)
# and full-width forms (１００１). Invisible format characters (Cf: a zero-width space, a BOM) are not refused: the
# reports show them escaped (\u200b), so two IDs that look alike can be told apart (docs/audit.md, the reports).
# An RE2 class over the trimmed cell, in the same pass as the other checks (no Python per row).
_ODD_RANGES = ((0x00, 0x1F), (0x7F, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F),
               (0x205F, 0x205F), (0x3000, 0x3000), (0xFF01, 0xFF5E), (0xFFE0, 0xFFE6))
ODD_ID_RE = "[" + "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b != a else "") for a, b in _ODD_RANGES) + "]"
# A code (fixmedins_code, dise_codg) names no person or settlement: a line break inside a quoted one is kept as read
# (escaped \\n in the reports), as a CSV's quoted field holds it; every other character above is refused there too.
ODD_CODE_RE = ODD_ID_RE.replace("\\x{0}-\\x{1f}", "\\x{0}-\\x{9}\\x{b}\\x{c}\\x{e}-\\x{1f}")
ODD_ID_SAID = ("an ID or code with {char} in it, which no ID holds: read as written it is another ID that looks the "
               "same (a person or settlement that is not there); export the column as plain text without it "
               "(编号中含有控制字符、非 ASCII 空格或全角字符：按原样读取会成为另一个看似相同的编号)")
_ODD_ID = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _ODD_RANGES) + "]")  # in Python
_CONTROL_NAMES = {0: "NUL", 9: "a tab", 10: "a line feed", 13: "a carriage return", 0x1B: "ESC, a terminal escape",
                  0x7F: "DEL"}


def odd_character(value: str) -> str:
    """The first character of ODD_ID_RE in `value` as a message says it: its code point and what it is."""
    m = _ODD_ID.search(value or "")
    if m is None:
        return "an odd character"
    ch = m.group()
    cp = ord(ch)
    if unicodedata.category(ch) == "Cc":
        what = _CONTROL_NAMES.get(cp, "a control character")
    elif 0xFF01 <= cp <= 0xFFE6:
        what = f"{unicodedata.name(ch, 'a full-width form').lower()}, a full-width form of {unicodedata.normalize('NFKC', ch)!r}"
    else:
        what = f"{unicodedata.name(ch, 'a space').lower()}, not the ASCII space"
    return f"U+{cp:04X} ({what})"


def id_text(expr: str) -> str:
    """SQL: an ID or code cell as trimmed text (sqltext.text_value) with Excel's text-keeping wrapper (WRAPPED) taken
    off, an empty cell as NULL. One test of the first byte (and of the last, for a space or tab) sends the common
    cell past the unwrapping."""
    v = f"CAST({expr} AS VARCHAR)"
    t = f"trim({v}, ' ' || chr(9))"
    bare = (f"trim(CASE WHEN starts_with({t}, '=\"') AND ends_with({t}, '\"') AND length({t}) >= 3 "
            f"THEN substr({t}, 3, length({t}) - 3) WHEN starts_with({t}, '''') THEN substr({t}, 2) ELSE {t} END, "
            "' ' || chr(9))")
    return (f"NULLIF(CASE WHEN ascii({v}) IN (32, 61, 39, 9) OR ends_with({v}, ' ') OR ends_with({v}, chr(9)) "
            f"THEN {bare} ELSE {v} END, '')")


def parquet_id_text(expr: str) -> str:
    """SQL: a Parquet file's ID or code cell as text with trailing spaces and tabs taken off (then leading spaces, as
    sqltext.text_value does), an empty cell as NULL. A tab after an ID ('3301…\t') is padding, as a trailing space (a
    CHAR column) is, and a text file's reader (id_text) takes both off: read verbatim it made the ID another person's,
    and the refusal's range scan (wrapped_sql) cannot see it, since the cell starts with a digit — found only by testing
    every cell's end, which text_value already does for a space (2M rows, five ID columns: about 0.05 s more, where a
    separate full scan for it cost 0.1 s). A leading wrapper (="…", ', a tab) is kept, and refused (ledger._wrapped_ids)."""
    v = f"CAST({expr} AS VARCHAR)"
    return (f"NULLIF(CASE WHEN starts_with({v}, ' ') OR ends_with({v}, ' ') OR ends_with({v}, chr(9)) "
            f"THEN trim(rtrim({v}, ' ' || chr(9)), ' ') ELSE {v} END, '')")  # ASCII only: TRIM() strips U+3000 too


def wrapped_sql(column: str) -> str:
    """SQL: a stored ID cell that still carries Excel's wrapper (a Parquet file's: ledger._wrapped_ids; a trailing tab
    is taken off on reading, parquet_id_text). Ranges, not starts_with, so a row group of digits-only IDs is skipped by
    its min/max: tab, space and the apostrophe sort below '0', '=' between '9' and 'A'; then the wrapper itself (an ID
    like '#12' or '-1' is none)."""
    return (f"(({column} < '0' OR ({column} >= '=' AND {column} < '>')) AND (starts_with({column}, '=\"') "
            f"OR starts_with({column}, chr(39)) OR starts_with({column}, chr(9))))")


def unwrap_id(value: str) -> str:
    """id_text in Python, for the persons file's psn_no: the ID without Excel's wrapper (and surrounding spaces)."""
    t = value.strip(" \t")
    if t.startswith('="') and t.endswith('"') and len(t) >= 3:
        t = t[2:-1]
    elif t.startswith("'"):
        t = t[1:]
    return t.strip(" \t")


def _pending(e: AuditInputError) -> AuditInputError:
    PENDING.append(e)
    return e


def _excel_id(path: Path, row: int | None, column: str, value: object, unit: str = "line") -> AuditInputError:
    """The refusal of an ID that Excel made a number: past 15 significant digits its last ones are lost, so
    persons or settlements merge and discrepancies are invented."""
    return AuditInputError(f"an ID that Excel turned into a number ({value}): Excel keeps only 15 significant digits, "
                           "so a longer ID has lost its last ones (different persons or settlements would read as "
                           "one); format the column as text (文本) in Excel and export again",
                           file=str(path), row=row, column=column, unit=unit)


def float_id(path: Path, row: int | None, column: str, value: object, unit: str = "line") -> AuditInputError:
    """The refusal of an ID written as a floating-point number (FLOAT_ID)."""
    return AuditInputError(f"an ID written as a floating-point number ({value}): the program that wrote the file read "
                           "the column as numbers (pandas does where one of its cells is empty), which keep about 16 "
                           "significant digits, so a longer ID has lost its last ones, and with '.0' it is not the "
                           "platform's ID (the same person's rows would read as two persons); write the ID columns as "
                           "text (pandas: dtype=str) and export again", file=str(path), row=row, column=column, unit=unit)


def _number_id(path: Path, row: int | None, column: str, value: str, unit: str = "line") -> AuditInputError:
    """The refusal of an ID cell NUMBER_ID matched: Excel's scientific notation, or a float's '.0'."""
    return (_excel_id if re.match(SCI_ID, value) else float_id)(path, row, column, repr(value), unit)


def expand(specs: list[str] | tuple[str, ...]) -> list[Path]:
    """The files to read of `specs` (listed): all but those with no rows to read."""
    return [f for f, why in listed(specs) if why is None]


def other_inputs(persons_file: str | None, institutions_file: str | None,
                 map_specs: list[str] | tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """The audit's input files that are no ledger, as (option, path): --persons, --institutions and each --map
    file (a `src=dst` pair is none). `listed` leaves them out of a ledger folder or glob."""
    given = [("--persons", persons_file), ("--institutions", institutions_file)]
    given += [("--map", m) for m in map_specs if Path(m).is_file()]
    return tuple((opt, str(f)) for opt, f in given if f)


def _resolved(path: Path | str) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a loop of links: compared as written
        return Path(os.path.abspath(path))


def not_a_ledger_said(path: Path | str, option: str) -> str:
    """The note for a file in a ledger folder (or glob) that the command line gives as `option` (LOCK: an Excel
    lock file)."""
    if option == LOCK:
        book = Path(path).with_name(Path(path).name[len(LOCK_PREFIX):])
        return (f"{path} is an Excel/WPS lock file (~$…, written while {book.name} is open), no ledger: left out; "
                f"{book.name} itself is read as last saved — save and close it first if you changed it"
                f"（该文件是 Excel/WPS 打开工作簿时生成的锁定文件，不是结算清单，未读取；{book.name} 按最后保存的内容读取）")
    zh = {"--persons": "人员信息文件", "--institutions": "定点机构表", "--map": "映射文件"}.get(option, option)
    return (f"{path} is the {option} file: not read as a ledger（该文件是 {option} 所给的{zh}，"
            "不作为结算清单读取）")


def listed(specs: list[str] | tuple[str, ...], others: tuple[tuple[str, str], ...] = (),
           aside: list[tuple[Path, str]] | None = None) -> list[tuple[Path, str | None]]:
    """Files, folders (every ledger file below them) and globs, in a stable order (the export order), each
    with why it has no rows to read (no_rows) or None. All of them empty is no ledger at all: refused where
    all are 0 bytes; a file of blank lines is then read, and refused by its reader (no header, no records).

    `others` (other_inputs): the persons file, institutions table and mapping files given as such. One
    kept in the ledger's folder beside the months (what a first-time user does) is no ledger: it is left out
    of a folder's or glob's files, compared by resolved path, and appended to `aside` as (path, option) for
    the caller to say so; a LEDGER argument naming one of them is refused, naming both."""
    given = {}
    for opt, f in others:
        given.setdefault(_resolved(f), (opt, f))
    out: list[Path] = []
    read: set[Path] = set()
    for spec in specs:
        p = Path(spec)
        # An existing path first: export[1].csv is a file's name, not a glob matching export1.csv.
        if p.is_dir():
            found = _folder_files(p)
        elif p.is_file():
            if p.name.startswith(LOCK_PREFIX) and p.suffix.lower() in (".xlsx", ".xls", ".xlsm", ".et", ".csv"):
                raise AuditInputError(f"an Excel/WPS lock file (~$…, written while the workbook "
                                      f"{p.name[len(LOCK_PREFIX):]} is open): it holds no rows; give the workbook "
                                      "itself", file=spec)
            found = [p]
        elif any(ch in spec for ch in "*?[") and not os.path.lexists(spec):
            matched = [Path(f) for f in glob.glob(spec, recursive=True)]
            found = [f for f in matched if _ledger_file(f) and not _audit_report(f.parent)]
            # a folder it matches is read as one given by name (exports/2023* for month folders; what the shell
            # would pass for the glob unquoted); a file found twice (exports/** matches it and its folder) once
            folders = [d for d in matched if d.is_dir() and not _audit_report(d)]
            found = sorted(set(found).union(*(_folder_files(d) for d in folders)))
        elif p.is_symlink():  # the link is there, what it points to is not (or it points, through links, at itself)
            raise AuditInputError(_dangling(p), file=spec)
        elif os.path.lexists(spec):  # a named pipe, a device, a socket: stat only, so a FIFO is never opened
            raise AuditInputError(_not_regular(p), file=spec)
        else:
            raise AuditInputError("no such file or folder", file=spec)
        if given and p.is_file() and _resolved(p) in given:
            opt, as_given = given[_resolved(p)]
            raise AuditInputError(f"given both as a ledger (LEDGER) and as {opt} {as_given}: a file is one or "
                                  f"the other; leave it out of the ledger arguments", file=spec)
        locks = [f for f in found if f.name.startswith(LOCK_PREFIX) and f != p]
        for f in locks:
            found.remove(f)
            if aside is not None and f not in {a for a, _ in aside}:
                aside.append((f, LOCK))
        left = [f for f in found if _resolved(f) in given] if given else []
        if left:
            found = [f for f in found if f not in left]
            for f in left:  # said once, though two folders or globs find it
                if aside is not None and _resolved(f) not in {_resolved(a) for a, _ in aside}:
                    aside.append((f, given[_resolved(f)][0]))
        if not found:
            besides = "".join(f" besides {f} (the {given[_resolved(f)][0]} file)" for f in left)
            raise AuditInputError(f"no ledger files found (.csv, .parquet, .xlsx, .jsonl){besides}", file=spec)
        for f in found:
            if f.suffix.lower() not in SUFFIXES:
                what = UNREADABLE_SUFFIXES.get(f.suffix.lower())
                raise AuditInputError(f"unknown ledger format {f.suffix!r}{f' ({what})' if what else ''}; expected "
                                      "one of " + ", ".join(sorted(SUFFIXES))
                                      + ("; a folder's files are each read or refused, never left out unsaid"
                                         if p.is_dir() else ""), file=str(f))
            if _resolved(f) not in read:  # one file, though named twice or also by a link to it, is read once
                read.add(_resolved(f))
                out.append(f)
    # An empty month: a 0-byte or blank CSV or JSON-lines file has no rows to read (a 0-byte Parquet or xlsx
    # is a damaged file, refused when it is read).
    why = [no_rows(f) for f in out]
    if out and all(why):
        if all(w == ZERO_BYTES for w in why):
            raise AuditInputError(f"{'every file is' if len(out) > 1 else 'the file is'} empty (0 bytes): "
                                  "nothing to read", file=", ".join(map(str, specs)))
        why = [w if w == ZERO_BYTES else None for w in why]
    return list(zip(out, why))


ZERO_BYTES, BLANK_LINES = "0 bytes", "blank lines only"
NO_ROWS_ZH = {ZERO_BYTES: "0 字节", BLANK_LINES: "只有空行"}


def no_rows_said(path: str, why: str) -> str:
    """A file with no rows to read, as the console's warning and the report's 概要 name it."""
    return f"{path}: {why}, no rows read（{NO_ROWS_ZH.get(why, why)}，未读到任何行）"


def no_rows(path: Path) -> str | None:
    """Why a CSV or JSON-lines file has no rows to read, not even a header (ZERO_BYTES, BLANK_LINES: a failed
    export; a month without rows still has its header), or None. The bytes are read up to the first that is
    not blank: the first, in any export."""
    if kind_of(path) not in ("csv", "jsonl"):
        return None
    if path.stat().st_size == 0:
        return ZERO_BYTES
    with path.open("rb") as f:
        head = f.read(4)
        utf16 = head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        dec = codecs.getincrementaldecoder("utf-16")("replace") if utf16 else None
        chunk = head[3:] if head.startswith(codecs.BOM_UTF8) else head
        while chunk:
            text = dec.decode(chunk) if dec else chunk
            if text.strip(" \t\r\n" if dec else b" \t\r\n"):
                return None
            chunk = f.read(CHUNK)
    if dec and dec.decode(b"", final=True).strip(" \t\r\n"):
        return None
    return BLANK_LINES


def _audit_report(folder: Path) -> bool:
    """A folder `conform audit` wrote or is writing: the hidden folder of an in-place build, or one that holds
    its report files and nothing else. A folder with a ledger file beside a copied report file is read (and
    the report file refused by name), never left out unsaid."""
    if folder.name.startswith(INSIDE_PREFIX):
        return True
    try:
        names = {e.name for e in os.scandir(folder) if not e.name.startswith(".")}
    except OSError:
        return False
    return bool(names) and names <= set(FILES) and "discrepancies.parquet" in names


def _folder_files(top: Path) -> list[Path]:
    """The ledger files below folder `top` (and those named as ledgers it cannot read), sorted."""
    return sorted(f for f in _walk(top) if (f.suffix.lower() in SUFFIXES or f.suffix.lower() in UNREADABLE_SUFFIXES)
                  and not f.name.endswith((".planted.parquet", ".persons.jsonl")))


def _walk(top: Path) -> Iterator[Path]:
    """The files below `top`, through linked folders too (Path.rglob does not follow them, so a month
    linked in was silently left out); each real folder is entered once, so a link back up ends."""
    def unreadable(e: OSError) -> None:  # a folder left out would be months left out
        raise AuditInputError(f"cannot read the folder: {e.strerror}", file=e.filename)

    seen: set[tuple[int, int]] = set()
    for d, dirs, files in os.walk(top, onerror=unreadable, followlinks=True):
        st = os.stat(d)
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        # an audit's own report folders (reports/audit-*, an --out inside the ledger folder, one being built)
        # hold an xlsx, a CSV and a Parquet that are no ledger: run twice from the ledger's folder, the audit
        # read its first report as months of the ledger
        dirs[:] = sorted(x for x in dirs if not _audit_report(Path(d, x)))
        for f in files:
            path = Path(d, f)
            if _ledger_file(path):
                yield path


def _ledger_file(path: Path) -> bool:
    """Whether `path` is a regular file to read (through links); a file named as a ledger (.csv, …) that is
    none is refused, not left out unsaid: a link to a file now gone, or a pipe or device."""
    if path.is_file():
        return True
    if path.suffix.lower() not in SUFFIXES:
        return False
    if path.is_symlink():
        raise AuditInputError(_dangling(path), file=str(path))
    raise AuditInputError(_not_regular(path), file=str(path))


def _not_regular(path: Path) -> str:
    """What a path that is there but no regular file is (os.stat only: a named pipe is never opened, which
    would wait for a writer for ever)."""
    what = special_kind(path) or "neither a file nor a folder"
    return (f"not a regular file ({what}): the audit reads ledger files (a pipe or device has no end to "
            "read to, nor a size to bound); save the export to a file and give that")


def _dangling(link: Path) -> str:
    """What is wrong with a symbolic link that leads to no file: nothing at its end, or a loop of links."""
    try:
        link.resolve(strict=True)
    except RuntimeError:  # Python 3.11-3.12: "Symlink loop from ..."
        return "a symbolic link that leads back to itself (a loop of links): link it to the export file"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "a symbolic link that leads back to itself (a loop of links): link it to the export file"
    else:
        if not link.is_file():  # it leads somewhere: a device (/dev/zero), a pipe
            return f"a link to {link.resolve()}, which is " + _not_regular(link)
    return "a link to a file that does not exist (a moved or deleted export?)"


def kind_of(path: Path) -> str:
    return SUFFIXES[path.suffix.lower()]


# --------------------------------------------------------------------------- encodings


def _check_decodes(path: Path, encoding: str) -> int | None:
    """The 1-based line of the first byte that does not decode, or None if the whole file decodes."""
    dec = codecs.getincrementaldecoder(encoding)("strict")
    # Where a line break is the byte 0x0A and no other character's bytes hold it (_BYTE_SCANNABLE), the
    # lines are counted in the bytes: counting them in the decoded text took as long as decoding it.
    in_bytes = codecs.lookup(encoding).name in _BYTE_SCANNABLE
    line = 1
    with path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK)
            final = not chunk
            try:
                text = dec.decode(chunk, final=final)
            except UnicodeDecodeError as e:
                return line + chunk[:e.start].count(b"\n")
            line += chunk.count(b"\n") if in_bytes else text.count("\n")
            if final:
                return None


# A CSV's encoding is decided on its first bytes where they say it (non-ASCII text that is, or is not,
# UTF-8); pyarrow then checks the rest as it reads (its UTF-8 check, or the codec that transcodes), and
# a byte that does not decode is located only then (_undecodable). Decoding a 2 GB file up front took
# 4 s in UTF-8 and 6 s more in GB18030. A file whose first bytes are all ASCII is checked whole, as before.
ENCODING_PREFIX = 1 << 24


def _head(path: Path, limit: int) -> bytes:
    """The whole lines within the file's first `limit` bytes (all of a shorter file): a character cut in
    two at the limit is no fault."""
    with path.open("rb") as f:
        head = f.read(limit + 1)
    return head[:head.rfind(b"\n", 0, limit) + 1] if len(head) > limit else head


def _utf16_bom(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


# The encodings whose decoder reads the byte order from the file's byte-order mark and refuses a file without one
_BOM_READ = {"utf-16": ("utf-16-le", "utf-16-be", (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)),
             "utf-32": ("utf-32-le", "utf-32-be", (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE))}


def _check_bom_said(path: Path, encoding: str) -> None:
    """--encoding utf-16 (or utf-32: _BOM_READ) on a file that does not start with the byte-order mark that encoding
    reads the byte order from: said, with the encodings that name the order (Python's decoder stops with a bare UnicodeError)."""
    said = _BOM_READ[codecs.lookup(encoding).name]
    with path.open("rb") as f:
        start = f.read(4)
    if not any(start.startswith(b) for b in said[2]):
        raise AuditInputError(f"--encoding {encoding} reads the byte order from the byte-order mark a file starts with, "
                              f"and this file has none: give {said[0]} or {said[1]} (Windows writes little-endian, "
                              "-le), or leave --encoding out if the file is UTF-8 or GBK", file=str(path))


def detect_encoding(path: Path, encoding: str | None, prefix: int | None = None) -> str:
    """`encoding` if the file decodes in it, else UTF-16 where a byte-order mark says so, else UTF-8 or
    GB18030, whichever it decodes in; raises
    AuditInputError naming the line of the first byte that does not. With `prefix`, only the first
    `prefix` bytes are decoded — the caller's reader checks the rest (the CSV reader) — unless they are
    all ASCII and so tell UTF-8 from GBK by nothing: then the whole file is."""
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise AuditInputError(f"unknown encoding {encoding!r} (try utf-8, gbk or gb18030)", file=str(path)) from None
        # A codec of bytes to bytes or text to text (base64, rot13) is no text encoding; one the readers cannot use
        # (idna takes no 'replace', 'undefined' decodes nothing) is none for a ledger either. Tried on a line of
        # ASCII as the readers decode; utf-16 and utf-32 need their byte-order mark first (_check_bom_said).
        if name in _BOM_READ:
            _check_bom_said(path, encoding)
        else:
            try:
                for errors in ("strict", "replace"):
                    codecs.getincrementaldecoder(encoding)(errors).decode(b"a,b\n", final=True)
            except (LookupError, UnicodeError, ValueError, TypeError):
                raise AuditInputError(f"{encoding!r} is no text encoding a ledger can be read in (try utf-8, gbk or "
                                      "gb18030)", file=str(path)) from None
    if not encoding and _utf16_bom(path):  # Excel's "Unicode 文本" (UTF-16 LE), told by its byte-order mark
        bad = _check_decodes(path, "utf-16") if prefix is None else None  # else the caller's reader checks
        if bad is not None:
            raise AuditInputError("unreadable in UTF-16 (the file starts with its byte-order mark): a byte sequence "
                                  "does not decode", file=str(path), row=bad)
        return "utf-16"
    # NUL is valid UTF-8: a UTF-16 file without its mark would otherwise be read as text with a zero byte beside
    # every character ('1 fields where the header has 8', headers ' s e t l _ i d')
    hint = "" if encoding else _utf16_hint(path)
    if hint:
        raise AuditInputError(f"{UTF16_NO_BOM} {hint}", file=str(path))
    head = _head(path, prefix) if prefix is not None else None
    if head is not None and not encoding and head.isascii():
        head = None

    def bad_line(enc: str) -> int | None:
        if head is None:
            return _check_decodes(path, enc)
        try:
            head.decode(enc)
            return None
        except UnicodeDecodeError as e:
            return 1 + head[:e.start].count(b"\n")

    # A UTF-8 byte-order mark says UTF-8. Where the text after it is not, it is no GBK file either (EF BB BF
    # decodes in GBK only as mojibake, 锘, and then the first header name is lost): said so, whatever was given.
    marked = not encoding or codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig")
    marked = marked and _utf8_bom(path)
    if encoding:
        if marked:
            bad = bad_line("utf-8")
            if bad is None:
                raise AuditInputError(f"the file starts with a UTF-8 byte-order mark (EF BB BF) and is UTF-8 text, "
                                      f"not {encoding}: leave out --encoding", file=str(path))
            raise AuditInputError(f"not readable in encoding {encoding}" + _UTF8_BOM_NOTE, file=str(path), row=bad)
        start = head[:1 << 16] if head is not None else _head(path, 1 << 16)
        # UTF-8 Chinese read as GBK often decodes too, two bytes a character, into other characters (机构 as
        # 鏈烘瀯): the report would name institutions that do not exist (and where it does not decode, the byte
        # is no fault to mend). Where the start's non-ASCII bytes are all UTF-8 and hold Chinese (3-byte sequences:
        # GBK text is that by chance almost never), it is UTF-8. The start only (64 KB), as for UTF-16 below.
        if codecs.lookup(encoding).name in (GB2312, "gbk", "gb18030") and not start.isascii():
            try:
                utf8 = start.decode("utf-8")
            except UnicodeDecodeError:
                utf8 = ""
            if re.search("[\u3000-\u9fff\uff00-\uffef]", utf8):
                raise AuditInputError(f"the file reads as UTF-8 (its Chinese is UTF-8), not {encoding}: read as "
                                      f"{encoding} its names would be garbled (机构 as 鏈烘瀯); leave --encoding out",
                                      file=str(path))
        bad = bad_line(encoding)
        if bad is not None:
            raise AuditInputError(f"unreadable in encoding {encoding}: a byte sequence does not decode"
                                  + narrow_gb(encoding), file=str(path), row=bad)
        # UTF-8 read as UTF-16 decodes, every two bytes one character, into text with no line break at all
        if b"\n" in start and "\n" not in start.decode(encoding, errors="replace"):
            raise AuditInputError(f"read in encoding {encoding} the file has no line break, though its bytes have "
                                  f"them: it is not {encoding}; leave --encoding out (UTF-8, GBK/GB18030 and UTF-16 "
                                  "with its byte-order mark are told apart by themselves)", file=str(path))
        return encoding
    bad_utf8 = bad_line("utf-8")
    if bad_utf8 is None:
        return "utf-8"
    if marked:
        raise AuditInputError("unreadable: not UTF-8" + _UTF8_BOM_NOTE, file=str(path), row=bad_utf8)
    bad_gb = bad_line("gb18030")
    if bad_gb is None:
        return "gb18030"
    # The line to mend is where the encoding the file reads further in breaks: a GBK export with one stray byte
    # (Windows 936's € 0x80, no GB18030) is not UTF-8 from its first Chinese line, yet sound GBK up to that byte.
    which, line = ("GBK/GB18030", bad_gb) if bad_gb > bad_utf8 else ("UTF-8", bad_utf8)
    raise AuditInputError(f"{UNREADABLE}: it reads as {which} up to this line, where a byte sequence does not decode"
                          + LEDGER_ADVICE, file=str(path), row=line)


def _utf16_hint(path: Path) -> str:
    """The advice (after UTF16_NO_BOM) for a file that looks like UTF-16 without its byte-order mark (an export tool's "Unicode"): a
    CSV's ASCII header then has a zero byte beside every character, after it little-endian (-le), before it
    big-endian (-be). '' where it does not look so."""
    start = _head(path, 4096)
    if len(start) < 16:
        return ""
    odd, even = start[1::2].count(0), start[0::2].count(0)
    half = len(start) // 2
    if max(odd, even) < half * 0.3 or min(odd, even) > max(odd, even) * 0.1:
        return ""
    enc = "utf-16-le" if odd > even else "utf-16-be"
    return f"give --encoding {enc}, or save the export as UTF-8"


UTF16_NO_BOM = "unreadable encoding: every other byte of the file is zero, UTF-16 without its byte-order mark?"


# GB2312 (1980) holds 6,763 characters: not 镕, 喆, 堃, 赟, many a surname's or a given name's character, nor the
# traditional forms, all of which GBK and GB18030 (its supersets, what Chinese systems write) encode. An export
# said to be GB2312 that a name breaks is almost surely GBK: the user is told to read it so.
GB2312 = "gb2312"


def narrow_gb(encoding: str) -> str:
    """The hint for a byte that does not decode in `encoding` when it is GB2312 (any of its names: gb2312,
    euc-cn, chinese): '' otherwise."""
    try:
        if codecs.lookup(encoding).name != GB2312:
            return ""
    except LookupError:
        return ""
    return ("; GB2312 lacks many characters real exports hold (镕, 喆, rare surnames, traditional forms), which "
            "GBK and GB18030, its supersets, encode: give --encoding gb18030 (or gbk), or leave --encoding out "
            "(GBK/GB18030 is recognised by itself)")


UNREADABLE = "unreadable encoding: neither UTF-8 nor GBK/GB18030"
LEDGER_ADVICE = " (mend that byte, or give --encoding if the file is in another encoding)"
# For the persons file and the institutions table, whose encoding is always detected
NOT_THE_LEDGERS = (" (save it as UTF-8 or GBK; --encoding names the ledger files' encoding, not this file's)")


def own_encoding(e: AuditInputError) -> AuditInputError:
    """`e` as said of a file --encoding does not apply to (persons, institutions): not "give --encoding"."""
    if e.detail.startswith(UTF16_NO_BOM):
        return AuditInputError(UTF16_NO_BOM + NOT_THE_LEDGERS, file=e.file, row=e.row, column=e.column, unit=e.unit)
    if not e.detail.startswith(UNREADABLE):
        return e
    said = e.detail.removesuffix(LEDGER_ADVICE)
    return AuditInputError(said + NOT_THE_LEDGERS, file=e.file, row=e.row, column=e.column, unit=e.unit)


def _utf8_bom(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(3) == codecs.BOM_UTF8


# For a file that starts with a UTF-8 byte-order mark but is not UTF-8 past it (a GBK export a tool marked as
# UTF-8): what it is and how to mend it, since no encoding reads both.
_UTF8_BOM_NOTE = (" (the file starts with a UTF-8 byte-order mark, EF BB BF, but is not UTF-8 after it: GBK text "
                  "with the mark put in front? No encoding reads both: remove the first three bytes, e.g. "
                  "tail -c +4 FILE > FIXED.csv, and give that file; its GBK is then told by itself)")


def _undecodable(path: Path, encoding: str) -> AuditInputError:
    """The located error for a byte past the first ones that does not decode in `encoding`."""
    return AuditInputError(f"unreadable in encoding {encoding}: a byte sequence does not decode (the file's first "
                           "lines did; two exports in different encodings joined?)" + narrow_gb(encoding),
                           file=str(path), row=_check_decodes(path, encoding))


# --------------------------------------------------------------------------- header names


def _fold(name: str) -> str:
    """A header name as matched when nothing matches it exactly: case, surrounding spaces, full-width letters
    (ｈｉｆｐ＿ｐａｙ, a Chinese input method's: NFKC) and invisible format characters ignored — a UTF-8 byte-order mark (a
    BOM file read without utf-8-sig, by pandas say, names its first column '\ufeffsetl_id'; str.strip() keeps
    U+FEFF) or a zero-width space pasted into a name, which otherwise left the column unread without a word."""
    name = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in name if unicodedata.category(ch) != "Cf").strip().casefold()


def _unbom(cell: str) -> str:
    """A first cell as written after a UTF-8 byte-order mark in the middle of a file (two "CSV UTF-8"
    exports joined with cat): the mark left out, and the quotes of a quoted name (\ufeff"setl_id", which
    a CSV parser reads as one unquoted field) too."""
    if not cell.startswith(BOM):
        return cell
    cell = cell[1:]
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        cell = cell[1:-1].replace('""', '"')
    return cell


def _folded(wanted: frozenset[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for w in sorted(wanted):
        out.setdefault(_fold(w), []).append(w)
    return out


def canonical_header(names: list[str], wanted: frozenset[str], path: Path, row: int | None = None,
                     unit: str = "line", rows: dict[str, int] | None = None) -> list[str | None]:
    """`names` with each one that matches a `wanted` name only when case and surrounding spaces are ignored
    renamed to it (SETL_ID -> setl_id); an exact match is kept; None for a column not to read: a blank name
    (Excel's empty columns) and a name given twice that is not wanted (two 备注). Refused, at the header's
    line/row: a wanted name (or, wanting all, any) given twice, two names that fold to one wanted name
    (DuckDB, whose names ignore case, could hold only one), and a name that folds to two wanted names.
    `rows`: where names come from more than one line (JSON lines' keys), each name's first line; a name's
    fault is reported there."""
    where = {"file": str(path), "row": row, "unit": unit}

    def at(n: str) -> dict:
        return {**where, "row": rows.get(n, row)} if rows else where
    folded = _folded(wanted)
    counts = Counter(names)
    twice = {n for n, k in counts.items() if k > 1 and n.strip()}
    dup = sorted(n for n in twice if not wanted or _fold(n) in folded)
    if dup:
        raise AuditInputError(f"header names a column twice: {', '.join(dup)}", **where)
    seen: dict[str, str] = {}
    out: list[str | None] = []
    for n in names:
        f = _fold(n)
        targets = folded.get(f)
        if not f or n in twice:
            out.append(None)
            continue
        if not targets:
            out.append(n)
            continue
        if f in seen:
            raise AuditInputError(f"columns {seen[f]!r} and {n!r} differ only in case or spaces, and both would be "
                                  f"read as {targets[0]}: remove or rename one", **at(n))
        seen[f] = n
        if n in wanted:
            out.append(n)
        elif len(targets) > 1:
            raise AuditInputError(f"column {n!r} matches {' and '.join(map(repr, targets))} only when case is "
                                  "ignored: name it exactly as one of them", **at(n))
        else:
            out.append(targets[0])
    return out


# A ledger export has some tens of columns, a HIS table some hundreds. DuckDB's scan of a relation
# costs the square of its width (100,000 columns: 35 s and 1.4 GB), so a wider file is read only in
# the columns the audit uses.
MAX_ALL_COLUMNS = 1000


def _narrowed(names: list[str | None], wanted: frozenset[str], path: Path, unit: str = "line",
              row: int | None = None) -> list[int]:
    """The indices of the columns to read, `names` as renamed by canonical_header: all it names, or where
    they are more than MAX_ALL_COLUMNS, those the audit uses."""
    if len(names) <= MAX_ALL_COLUMNS or not wanted:
        return [i for i, n in enumerate(names) if n is not None]
    keep = [i for i, n in enumerate(names) if n in wanted]
    if not keep:
        raise AuditInputError(f"none of the header's {len(names):,} columns is a ledger column (setl_id, psn_no, …): "
                              "check the delimiter and the header line, or rename the columns with --map",
                              file=str(path), row=row, unit=unit)
    return keep


# --------------------------------------------------------------------------- readers


def _with_rows(batches: Iterator[pa.RecordBatch], first: int) -> Iterator[pa.RecordBatch]:
    n = first
    for b in batches:
        rows = pa.array(range(n, n + b.num_rows), pa.int64())
        n += b.num_rows
        yield pa.RecordBatch.from_arrays(list(b.columns) + [rows], names=list(b.schema.names) + ["src_row"])


HEADER_SCAN_ROWS = 20  # an Excel export may put a title (XX市医保结算清单), a date or a blank row above its header


def _header_row(rows: list[tuple], wanted: frozenset[str]) -> int | None:
    """The index of the first row naming at least two `wanted` columns, case aside (None: no such row)."""
    folded = _folded(wanted)
    for i, r in enumerate(rows):
        if sum(1 for v in r if isinstance(v, str) and _fold(v) in folded) >= 2:
            return i
    return None


@dataclass(frozen=True)
class _CsvLayout:
    encoding: str
    at: int  # the header's 0-based line: below a title where a sheet was saved as CSV
    header: list[str]  # as renamed by canonical_header
    delimiter: str
    raw: tuple[str, ...] = ()  # the header as written (a repeated header is found by it)


def _csv_layout(path: Path, encoding: str | None, wanted: frozenset[str]) -> _CsvLayout:
    """The encoding, the header line (line 1, or the first of the top lines that names at least two
    `wanted` columns, below a title) and its names and delimiter."""
    enc = detect_encoding(path, encoding, prefix=ENCODING_PREFIX)
    top: list[str] = []
    try:
        with path.open("r", encoding=enc, newline="") as f:
            while len(top) < (HEADER_SCAN_ROWS if wanted else 1):
                line = f.readline(MAX_LINE + 1)
                if len(line) > MAX_LINE:
                    if not top:
                        raise _nul_file(path) if _only_nul(path) else AuditInputError(
                            "header line longer than 1 MB", file=str(path), row=1)
                    # no header is that long: the header is above it, and the record (up to a block) is
                    # left to the reader, which names its line if it is longer still (_too_long)
                    break
                if not line:
                    break
                top.append(line)
    except UnicodeDecodeError:  # top lines longer than the bytes detect_encoding looked at
        raise _undecodable(path, enc) from None
    if top:  # the UTF-8 byte-order mark before the header is parsed: before a quoted name ("setl_id") the csv
        top[0] = top[0].removeprefix(BOM)  # module reads the mark and the quotes as one unquoted name
    split = []
    with _field_limit():  # a record's field may be as long as the reader takes, past the csv module's 128 KB
        for n, t in enumerate(top, 1):
            try:
                split.append([h.strip() for h in next(csv.reader(io.StringIO(t), delimiter=delimiter_of(t)), [])])
            except csv.Error as e:
                raise AuditInputError(f"line not readable as CSV: {e}", file=str(path), row=n) from None
    at = (_header_row([tuple(h) for h in split], wanted) if wanted else None) or 0
    header = split[at] if top else []
    if not header:
        raise AuditInputError("empty file: no header line", file=str(path))
    return _CsvLayout(enc, at, canonical_header(header, wanted, path, row=at + 1), delimiter_of(top[at]), tuple(header))


@contextlib.contextmanager
def _records(path: Path, layout: _CsvLayout) -> Iterator:
    """The csv module's reader over the records below the header (the error paths only)."""
    with path.open("r", encoding=layout.encoding, newline="") as f:
        for _ in range(layout.at + 1):
            f.readline(MAX_LINE + 1)
        yield csv.reader(f, delimiter=layout.delimiter)


def _only_nul(path: Path) -> bool:
    """Whether the file is nothing but NUL bytes (a zero-filled file a failed copy leaves). The error path only."""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if chunk.count(0) != len(chunk):
                return False
    return path.stat().st_size > 0


def _nul_file(path: Path) -> AuditInputError:
    """The refusal of a file of NUL bytes only (_only_nul; probe s28 A F5)."""
    return AuditInputError(f"the file holds only NUL bytes ({path.stat().st_size:,} zero bytes), no text: a failed "
                           "copy or download leaves such a file; export it again (文件内容全为零字节：请重新导出)",
                           file=str(path))


def blank_like(text: str) -> bool:
    """A line of only spaces, tabs or a DOS end-of-file mark (^Z, 0x1A, which old DOS/FoxPro exports append): no data,
    skipped as a blank line is (an editor's trailing '   ', `echo " " >>`; probe s28 A F2)."""
    return text != "" and text.strip(" \t\x1a\r\n") == ""


def _skip_blank_like(row) -> str:
    """pyarrow's invalid_row_handler: a record with too few fields that is blank_like is skipped, any other refused."""
    return "skip" if blank_like(row.text or "") else "error"


def _physical_line(path: Path, layout: _CsvLayout, row: int, parser_numbered: bool = False) -> int:
    """The line where the record numbered `row` starts: `row` counts the lines down to the header and
    then one per record (the fast parse skips blank lines, and a quoted field may hold line breaks).
    A blank_like line with fewer fields than the header is no record (the parse skips it, so src_row does not count
    it); `parser_numbered`: `row` is pyarrow's own number of a refused row, which counts such lines.
    The error path only: the file is read with the csv module down to that record."""
    first = layout.at + 2
    if row < first:
        return row
    n, start = first, first
    width = len(layout.header)
    with _field_limit(), _records(path, layout) as reader:
        try:
            for record in reader:
                if record and (parser_numbered or len(record) >= width
                               or not blank_like(layout.delimiter.join(record))):  # a blank line is no record
                    if n == row:
                        return start
                    n += 1
                start = first + reader.line_num
        except csv.Error:  # a field longer than a block: the record's number is the best known
            pass
    return row


def line_of(path: Path, row: int, encoding: str | None = None, wanted: frozenset[str] = frozenset()) -> int:
    """The line or row a person opening the file sees for the relation's `src_row` `row` (the same
    `encoding` and `wanted` as open_source was given): a CSV record's first line; otherwise `row`."""
    if kind_of(path) != "csv":
        return row
    return _physical_line(path, _csv_layout(path, encoding, wanted), row)


def _malformed(path: Path, layout: _CsvLayout, ropts: pacsv.ReadOptions, copts: pacsv.ConvertOptions,
               popts: pacsv.ParseOptions, error: pa.ArrowInvalid) -> AuditInputError:
    """The located error for a CSV the fast (threaded) parse refused. Only a single-threaded parse
    knows the line of a row with the wrong number of fields, so the file is read again that way."""
    rows: list = []

    def first(row) -> str:
        if _skip_blank_like(row) == "skip":  # as the fast parse does
            return "skip"
        rows.append(row)
        return "error"

    again = pacsv.ReadOptions(encoding=ropts.encoding, column_names=ropts.column_names, skip_rows=ropts.skip_rows,
                              block_size=ropts.block_size, use_threads=False)
    if "straddl" in str(error) or "out of sync" in str(error):
        return _too_long(path, layout)
    located = pacsv.ParseOptions(delimiter=popts.delimiter, newlines_in_values=popts.newlines_in_values,
                                 invalid_row_handler=first)
    try:
        for _ in pacsv.open_csv(str(path), read_options=again, convert_options=copts, parse_options=located):
            pass
    except pa.ArrowInvalid:
        pass
    if rows and rows[0].number is not None and rows[0].number > 0:
        r = rows[0]
        if r.actual_columns < r.expected_columns and (r.text or "").count('"') % 2:
            # the quote took the rest of the file (or up to a stray quote) as one field: the count is no help
            return AuditInputError(f"a quote (\") opens on this line and is never closed, so what follows it is "
                                   f"read as one field ({r.actual_columns} fields where the header has "
                                   f"{r.expected_columns}): close it, or remove it: {r.text[:120]!r}",
                                   file=str(path), row=_physical_line(path, layout, r.number, True))
        return AuditInputError(f"{r.actual_columns} fields where the header has {r.expected_columns} "
                               f"(delimiter {popts.delimiter!r}): {r.text[:120]!r}", file=str(path),
                               row=_physical_line(path, layout, r.number, True))
    return AuditInputError(f"malformed CSV: {str(error)[:300]}", file=str(path))


# Encodings in which the bytes '"' and LF are those characters and never part of another one (GB18030's
# and Big5's second bytes are 0x30 and up): the file's bytes can be scanned for quoted line breaks.
_BYTE_SCANNABLE = {"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "ascii", "iso8859-1", "cp1252"}
_NOT_QUOTE_OR_LF = bytes(b for b in range(256) if b not in b'"\n')


def _quoted_line_break(path: Path, encoding: str) -> bool:
    """Whether a quoted field may hold a line break: some line has an odd number of '"' (a doubled quote
    inside a field is two). pyarrow's fast chunker cuts blocks at any line break, so such a file needs
    newlines_in_values=True (slower) or it fails where a quoted break straddles a block boundary. In C
    speed: all but quotes and LFs are deleted, then pairs of quotes, per line; a quote left is an odd count."""
    if codecs.lookup(encoding).name not in _BYTE_SCANNABLE:
        return True  # e.g. UTF-16: the bytes cannot be scanned so; take the careful parse
    odd = False
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            kept = (b'"' if odd else b"") + chunk.translate(None, _NOT_QUOTE_OR_LF)
            end = kept.rfind(b"\n")
            if b'"' in kept[:end + 1].replace(b'""', b""):
                return True
            odd = kept[end + 1:].count(b'"') % 2 == 1
    return odd


BLOCK = 1 << 22  # pyarrow's CSV block: the longest record it reads


@contextlib.contextmanager
def _field_limit() -> Iterator[None]:
    """The csv module's field limit raised to a block, the longest record the reader takes (its default,
    128 KB, would make a long name in a record an error the reader does not make)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(BLOCK)
    try:
        yield
    finally:
        csv.field_size_limit(limit)


def _too_long(path: Path, layout: _CsvLayout) -> AuditInputError:
    """A record longer than a block (pyarrow: 'straddling object straddles two block boundaries'),
    located by the csv module with its field limit set to the block."""
    first = layout.at + 2
    start, line = first, None
    with _field_limit(), _records(path, layout) as reader:
        try:
            for _ in reader:
                start = first + reader.line_num
        except csv.Error:
            line = start
    return AuditInputError(f"a record longer than {BLOCK >> 20} MB{' starts here' if line else ''}: no ledger value "
                           "is that long. An unclosed quote (\") makes the rest of the file one field: check the "
                           "quotes on this line; or leave the long column out of the export",
                           file=str(path), row=line)


def delimiter_of(header_line: str) -> str:
    """Comma, unless the header has none and is split by tabs, '|' or ';' (HIS .txt exports often are)."""
    if "," in header_line:
        return ","
    counts = {d: header_line.count(d) for d in ("\t", "|", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_reader(path: Path, encoding: str | None, wanted: frozenset[str] = frozenset(),
                ids: frozenset[str] = IDS) -> pa.RecordBatchReader:
    """The file from its header line: line 1, or (a sheet saved as CSV) the first of the top lines that
    names at least two `wanted` columns, below a title."""
    layout = _csv_layout(path, encoding, wanted)
    enc, at, delimiter = layout.encoding, layout.at, layout.delimiter
    # a column not read (blank, or an unread name given twice) gets a name no header has, to be left out
    header = [h if h is not None else f"\x1f{i}" for i, h in enumerate(layout.header)]
    ropts = pacsv.ReadOptions(encoding="utf8" if enc == "utf-8" else enc, column_names=header, skip_rows=at + 1,
                              block_size=BLOCK)
    keep = _narrowed(layout.header, wanted, path, row=at + 1)
    read = [header[i] for i in keep]
    multiline = _quoted_line_break(path, enc)
    # where a quote may span lines, the last column is read too (if it is not already), to tell a quote
    # left open at the end of the file (_quotes_closed); it is dropped after
    last = [header[-1]] if multiline and header[-1] not in read else []
    # exactly NULL_TEXT reads as null (an empty cell stays '', made NULL by the ledger's text_value)
    copts = pacsv.ConvertOptions(column_types={h: pa.string() for h in read + last}, null_values=list(NULL_TEXT),
                                 strings_can_be_null=True, quoted_strings_can_be_null=True,
                                 include_columns=read + last)
    popts = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=multiline, invalid_row_handler=_skip_blank_like)
    def refused(e: Exception) -> AuditInputError:
        # a byte past those detect_encoding looked at: pyarrow's UTF-8 check, or the codec transcoding
        if isinstance(e, UnicodeDecodeError) or "invalid UTF8" in str(e):
            return _undecodable(path, enc)
        if _only_nul(path):  # the parser's own words ("Could not skip initial 1 rows") say nothing to act on
            return _nul_file(path)
        return _malformed(path, layout, ropts, copts, popts, e)

    try:
        reader = pacsv.open_csv(str(path), read_options=ropts, convert_options=copts, parse_options=popts)
    except (pa.ArrowInvalid, UnicodeDecodeError) as e:
        raise refused(e) from None
    except OSError as e:
        raise AuditInputError(f"cannot read CSV: {e}", file=str(path)) from None
    schema = pa.schema([reader.schema.field(h) for h in read] + [pa.field("src_row", pa.int64())])

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        except (pa.ArrowInvalid, UnicodeDecodeError) as e:
            raise _pending(refused(e)) from None

    raw = [layout.raw[i] for i in keep]
    idcols = [(j, read[j]) for j in range(len(read)) if read[j] in ids]
    rows = _with_rows(batches(), at + 2)
    if multiline:
        label = {h: layout.raw[i] if i < len(layout.raw) and layout.raw[i] else f"no. {i + 1} (no header name)"
                 for i, h in enumerate(header)}
        rows = _quotes_closed(rows, path, layout, label, header[-1], drop=bool(last))
    return pa.RecordBatchReader.from_batches(schema, _screened(rows, path, layout, raw, idcols))


def _quotes_closed(batches: Iterator[pa.RecordBatch], path: Path, layout: _CsvLayout, label: dict[str, str],
                   last: str, drop: bool) -> Iterator[pa.RecordBatch]:
    """The records of a CSV whose quotes may span lines, refused where a quote (") was left open: a field
    holding a line break after which a line has as many delimiters as a whole row (at least the header's
    columns less one, and two): an unclosed quote that swallowed the rows below it, which the audit would
    silently not read; or the file's last field open at its end (its bytes end with the delimiter, the quote
    and the field as read, no closing quote). A quoted line break elsewhere (an address on two lines) is
    CSV and read. Only the values holding a line break are looked at in Python (found in C, per batch); the
    last field's test reads the file's last bytes. `drop`: the last column was read for that test only."""
    import pyarrow.compute as pc

    delim = layout.delimiter
    whole = max(len(layout.header) - 1, 2)
    prev = None
    for b in batches:
        for j, c in enumerate(b.schema.names[:-1]):
            broken = pc.fill_null(pc.match_substring(b.column(j), "\n"), False)
            if not pc.any(broken).as_py():
                continue
            for i in pc.indices_nonzero(broken).to_pylist():
                v = b.column(j)[i].as_py()
                rest = v.split("\n")[1:]
                k = next((n for n, t in enumerate(rest, 1) if t.count(delim) >= whole), None)
                if k is not None:
                    opens = _opening_line(path, layout, b, i, j)
                    raise _pending(AuditInputError(
                        f"a quote (\") opens here and its field runs on to line {opens + len(rest)}; line {opens + k} "
                        "inside it has a whole row's fields: an unclosed quote, which makes the rows below it one "
                        "field (they would not be read). "
                        "Close the quote (or double a quote inside a quoted field: \"\"); if the text really is one "
                        "field, take its line breaks out", file=str(path), row=opens, column=label[c]))
        if b.num_rows:
            prev = b
        yield b.drop_columns([last]) if drop else b
    if prev is not None:
        j = prev.schema.names.index(last)
        v = prev.column(j)[prev.num_rows - 1].as_py() or ""
        if _ends_open(path, layout, delim if len(layout.header) > 1 else "\n", v):
            raise _pending(AuditInputError(
                "a quote (\") opens here and is never closed: the rest of the file would be read as one field. "
                "Close the quote (or double a quote inside a quoted field: \"\")", file=str(path),
                row=_line_breaks(path, layout.encoding) - v.count("\n") + 1, column=label[last]))


def _line_breaks(path: Path, encoding: str) -> int:
    """The file's line breaks (LF), counted in its bytes where an LF byte is always one (the error path)."""
    n = 0
    dec = None if codecs.lookup(encoding).name in _BYTE_SCANNABLE else codecs.getincrementaldecoder(encoding)("replace")
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            n += chunk.count(b"\n") if dec is None else dec.decode(chunk).count("\n")
    return n


def _opening_line(path: Path, layout: _CsvLayout, b: pa.RecordBatch, i: int, j: int) -> int:
    """The line on which record `i` of `b`'s field `j` starts: the record's line and the line breaks of the
    fields read before it (the error path only)."""
    start = _physical_line(path, layout, b.column(b.num_columns - 1)[i].as_py())
    return start + sum((b.column(k)[i].as_py() or "").count("\n") for k in range(j))


def _ends_open(path: Path, layout: _CsvLayout, sep: str, value: str) -> bool:
    """Whether the file ends inside a quoted field: its bytes end with `sep`, a quote and `value` as written in
    a quoted field (quotes doubled) — a closed field would end with one more quote (or a line break after it),
    an unquoted one has no quote before it. Delimiter and quote are never part of a multibyte character in
    the encodings read (_BYTE_SCANNABLE; UTF-16 by its code units), so the bytes match only there."""
    enc = layout.encoding
    if codecs.lookup(enc).name.startswith("utf-16"):
        with path.open("rb") as f:
            enc = "utf-16-be" if f.read(2) == codecs.BOM_UTF16_BE else "utf-16-le"
    want = (sep + '"' + value.replace('"', '""')).encode(enc)
    size = path.stat().st_size
    if size < len(want):
        return False
    with path.open("rb") as f:
        f.seek(size - len(want))
        return f.read() == want


def _screened(batches: Iterator[pa.RecordBatch], path: Path, layout: _CsvLayout,
              raw: list[str], idcols: list[tuple[int, str]] = ()) -> Iterator[pa.RecordBatch]:
    """The records without those of separators only (',,,,': Excel's empty row; an xlsx's is skipped
    too), numbered first so src_row still counts them as line_of does; and refused at the header
    written again (two exports pasted together), which would otherwise be 'not an amount', or at an ID
    (`idcols`: index, name) in Excel's scientific notation. Each test looks at the first column first, so
    a batch without such a row costs one comparison (and one regex test an ID column)."""
    import pyarrow.compute as pc

    # the first name folded, and as written (lowered, trimmed: pyarrow's fold below), for a header in full-width
    # letters (ｓｅｔｌ＿ｉｄ) written again, which no pyarrow function folds to NFKC
    heads = pa.array(sorted({_fold(raw[0]), raw[0].strip().lower()}), pa.string())
    for b in batches:
        for j, name in idcols:
            # a float's '.0' is sought only in a batch where a cell ends so: the pattern's second branch scans every
            # digit of every ID (10M rows: 0.4 s of CPU, the suffix test 0.08 s)
            ended = pc.any(pc.ends_with(b.column(j), ".0")).as_py()
            sci = pc.match_substring_regex(b.column(j), NUMBER_ID if ended else SCI_ID)
            if pc.any(sci).as_py():
                i = pc.indices_nonzero(sci)[0].as_py()
                row = b.column(b.num_columns - 1)[i].as_py()
                raise _pending(_number_id(path, _physical_line(path, layout, row), name, b.column(j)[i].as_py()))
        first = b.column(0)
        # a header written again, or one with its byte-order mark (a second "CSV UTF-8" export joined on)
        maybe = pc.or_(pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(first)), value_set=heads),
                       pc.starts_with(first, BOM))
        if pc.any(maybe).as_py():
            for i in pc.indices_nonzero(maybe).to_pylist():
                cells = [b.column(j)[i].as_py() or "" for j in range(len(raw))]
                if all(_fold(c) == _fold(h) for c, h in zip([_unbom(cells[0])] + cells[1:], raw)):
                    row = b.column(b.num_columns - 1)[i].as_py()
                    raise _pending(AuditInputError("the header is repeated here (two exports pasted together?): "
                                                   "delete this line", file=str(path),
                                                   row=_physical_line(path, layout, row)))
        if pc.any(pc.equal(first, "")).as_py():
            empty = pc.fill_null(pc.equal(first, ""), False)  # a NULL marker is no separator-only row
            for j in range(1, b.num_columns - 1):
                empty = pc.and_(empty, pc.fill_null(pc.equal(b.column(j), ""), False))
            if pc.any(empty).as_py():
                b = b.filter(pc.invert(empty))
        yield b


def _scalar_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)  # shortest text that reads back as the cell's value; >2 decimals is then refused
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if hasattr(v, "isoformat"):  # a date, or an xlsx time of day (10:00:00), which the reader refuses as no date
        return v.isoformat()
    return str(v)


def _table_from_rows(names: list[str], rows: list[list[str | None]], src: list[int]) -> pa.Table:
    cols = {n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)}
    cols["src_row"] = pa.array(src, pa.int64())
    return pa.table(cols)


def _xlsx_table(path: Path, wanted: frozenset[str] = frozenset(), ids: frozenset[str] = IDS,
                times: frozenset[str] = TIMES) -> pa.Table:
    """The first sheet, from its header row: row 1, or the first of the top rows that names at least
    two `wanted` columns (title rows above a header are common in Excel exports). A workbook with the
    header on more than one sheet is refused: one sheet is read."""
    size = path.stat().st_size
    if size > MAX_XLSX_BYTES:
        raise AuditInputError("xlsx ledger larger than 200 MB; export CSV or Parquet instead", file=str(path))
    if size == 0:
        raise AuditInputError("cannot read as xlsx: the file is empty (0 bytes), so damaged or cut short; "
                              "export it again", file=str(path))
    try:
        _xlsx_inflated(path)
        return _xlsx_read(path, wanted, ids, times)
    except AuditInputError:
        raise
    except Exception as e:  # openpyxl, zipfile and the XML parser raise many types for a broken workbook
        raise AuditInputError(f"cannot read as xlsx (a damaged workbook, or not an xlsx file): "
                              f"{type(e).__module__.split('.')[0]}.{type(e).__name__}: {first_line(e)}",
                              file=str(path)) from None


def _xlsx_inflated(path: Path) -> None:
    """Refuse, before any XML is parsed, a workbook whose members inflate beyond a full Excel sheet or
    far beyond how Excel's XML compresses. The sizes are those the zip declares; zipfile reads no
    member past its declared size, so they bound what openpyxl is given."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        members = z.infolist()
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_XML:
        raise AuditInputError(f"the workbook inflates to {total >> 20:,} MB of XML, more than a full Excel sheet "
                              f"({EXCEL_ROWS:,} rows) holds: not read (a damaged or crafted file?); export the "
                              "ledger as CSV or Parquet instead", file=str(path))
    for m in members:
        if m.file_size > 1 << 20 and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1):
            raise AuditInputError(f"the workbook's {m.filename} inflates {m.file_size // max(m.compress_size, 1):,} "
                                  f"times (to {m.file_size >> 20:,} MB), far beyond how Excel's files compress: not "
                                  "read (a zip bomb, or a sheet of one repeated value?); export the ledger as CSV "
                                  "or Parquet instead", file=str(path))


# Another sheet of the workbook is searched this far down for a header of ledger rows (the rest of the ledger under
# a title of any length), in this many columns: bounded, as the first sheet's own search is (HEADER_SCAN_ROWS).
OTHER_SHEET_ROWS = 1000


def _ledger_like(ws, wanted: frozenset[str], ids: frozenset[str]) -> bool:
    """Whether a sheet besides the one read holds ledger rows: one of its first OTHER_SHEET_ROWS rows names two ID
    columns (setl_id and psn_no, or their --map sources: `ids`) and a third ledger column. Only the columns its header
    shares with the first sheet's were once asked for, so a second sheet lacking an optional column (or with its header
    below row 20) was left unread and the first sheet's part reported clean; a summary naming psn_no and setl_id beside
    a total is no ledger."""
    from itertools import islice

    folded, id_folds = _folded(wanted), {_fold(i) for i in ids}
    ws.reset_dimensions()  # a stale <dimension> would end the scan early (_xlsx_read)
    for r in islice(ws.iter_rows(max_col=MAX_ALL_COLUMNS, values_only=True), OTHER_SHEET_ROWS):
        names = {_fold(v) for v in r if isinstance(v, str)}
        if len(names & id_folds) >= 2 and len(names & folded.keys()) >= 3:
            return True
    return False


def _xlsx_cell(path: Path, row: int, column: str, v: object, is_id: bool, wanted: bool) -> str | None:
    """A cell as text; refused: an ID Excel made a number it cannot hold (or shows in scientific notation),
    and where `wanted` (a column the audit reads, not a date or time: TIMES), a float a hair off two decimals
    (a computed value: 8434.529999999999)."""
    if is_id and isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= EXCEL_DIGITS:
        raise _excel_id(path, row, column, repr(v), unit="row")
    if is_id and isinstance(v, str) and re.match(NUMBER_ID, v):
        raise _number_id(path, row, column, v, unit="row")
    if is_id and isinstance(v, bool):  # as JSON's true: read as 'true' it was one more person
        raise AuditInputError(f"not an ID: the cell holds the logical value {str(v).upper()} (a TRUE/FALSE cell, "
                              "not the ID): export the ID column as text", file=str(path), row=row, column=column,
                              unit="row")
    if is_id and isinstance(v, float) and v.is_integer():  # a number cell: Excel keeps every number as a float
        return str(int(v))
    if is_id and isinstance(v, float):  # 1001.5: no ID has a fraction; read as text it was another person
        raise AuditInputError(f"not an ID: the number cell {v!r} has a fraction, which no ID has (a column shifted, or "
                              "a computed cell?): export the ID column as text", file=str(path), row=row,
                              column=column, unit="row")
    text = _scalar_text(v)
    if wanted and isinstance(v, float) and "." in text and len(text.split(".")[1]) > 4 and "e" not in text \
            and abs(v - round(v, 2)) <= 1e-9 * max(1.0, abs(v)):
        raise AuditInputError(f"not an amount with at most two decimals: {text!r}: the cell holds a computed binary "
                              f"number, not the {round(v, 2):.2f} Excel shows; round it in Excel (ROUND(…,2)) or paste "
                              "the column as values, and save again", file=str(path), row=row, column=column, unit="row")
    return text


def _xlsx_read(path: Path, wanted: frozenset[str], ids: frozenset[str] = IDS,
               times: frozenset[str] = TIMES) -> pa.Table:
    from itertools import islice

    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        # read-only openpyxl trusts the sheet's <dimension>, which a program may write stale (A1, or the first 1,234
        # rows): the rows past it were dropped without a word. Reset, the sheet reads as far as its cells go.
        ws.reset_dimensions()
        top = list(islice(ws.iter_rows(values_only=True), HEADER_SCAN_ROWS))
        at = _header_row(top, wanted) if wanted else None
        if at is None and wanted:
            for other in wb.worksheets[1:]:
                other.reset_dimensions()
                rows = islice(other.iter_rows(max_col=MAX_ALL_COLUMNS, values_only=True), OTHER_SHEET_ROWS)
                if _header_row(list(rows), wanted) is not None:
                    raise AuditInputError(f"the ledger's columns are on sheet {other.title!r}, not on the first sheet "
                                          f"{ws.title!r}: move that sheet first, or save it as a workbook of its own",
                                          file=str(path))
            # a header further down (a long 说明 above it) read as "missing column(s)": say where it is (error path)
            below = _header_row(list(islice(ws.iter_rows(max_col=MAX_ALL_COLUMNS, values_only=True),
                                            HEADER_SCAN_ROWS, OTHER_SHEET_ROWS)), wanted)
            if below is not None:
                raise AuditInputError(f"the ledger's header is row {HEADER_SCAN_ROWS + below + 1} of sheet {ws.title!r}, "
                                      f"below the first {HEADER_SCAN_ROWS} rows where it is looked for: delete the rows "
                                      "above it (a title or notes)", file=str(path))
        elif wanted:  # one sheet a month: reading the first alone would look like a complete audit
            more = [o.title for o in wb.worksheets[1:] if _ledger_like(o, wanted, ids)]
            if more:
                raise AuditInputError(f"sheet{'s' if len(more) > 1 else ''} {', '.join(map(repr, more))} also "
                                      f"carr{'y' if len(more) > 1 else 'ies'} the ledger's header, but one sheet is "
                                      f"read (the first, {ws.title!r}): save each sheet as a workbook or CSV of its "
                                      "own and give them all (or a folder), or put the rows on one sheet",
                                      file=str(path))
        at = at or 0
        header = top[at] if at < len(top) else None
        if header is not None:  # Excel's empty columns right of the header (to XFD) are no columns to read
            header = header[:max((i + 1 for i, h in enumerate(header) if h is not None and str(h).strip()), default=0)]
        if not header:
            raise AuditInputError("empty sheet: no header row", file=str(path))
        # the rows below, in the header's columns only: a cell far right (XFD) costs nothing, and a row is as
        # wide as the header however wide the sheet claims to be
        it = ws.iter_rows(min_row=at + 2, max_col=len(header), values_only=True)
        names = [str(h).strip() if h is not None else "" for h in header]
        keep = [i for i, n in enumerate(names) if n]
        named = canonical_header([names[i] for i in keep], wanted, path, row=at + 1, unit="row")
        narrow = _narrowed(named, wanted, path, unit="row", row=at + 1)
        keep, header = [keep[i] for i in narrow], [named[i] for i in narrow]
        # a time left as Excel's day number (45195.36996528) may lie a hair off two decimals: not an amount
        checked = [(k, h in ids, h in wanted and h not in times) for k, h in zip(keep, header)]
        # only the columns the audit reads: a merged 备注 is no fault
        unsaved, merged = _xlsx_unread(ws, [k for k, h in zip(keep, header) if not wanted or h in wanted])
        rows, src = [], []
        for i, r in enumerate(it, start=at + 2):
            if i > EXCEL_ROWS:
                raise AuditInputError(f"more rows than Excel's {EXCEL_ROWS:,}: not a sheet Excel wrote; export the "
                                      "ledger as CSV or Parquet instead", file=str(path), row=i, unit="row")
            if r.count(None) + r.count("") == len(r):  # in C: a gap of empty rows (to row 1,048,576) is cheap
                continue
            if keep and all(k < len(r) and isinstance(r[k], str) and _fold(r[k]) == _fold(names[k]) for k in keep):
                raise AuditInputError("the header is repeated here (two exports pasted together?): delete this row",
                                      file=str(path), row=i, unit="row")
            if unsaved or merged:
                for k, h in zip(keep, header):
                    if (k < len(r) and r[k] is not None) or (wanted and h not in wanted):
                        continue
                    span = _merged_at(merged, i, k)
                    if (i, k) not in unsaved and span is None:
                        continue
                    # each its own remedy: saving in Excel computes a formula but never unmerges a range
                    said = ("a formula with no saved value (the workbook was written by a program, not saved in "
                            "Excel, so the figure was never computed): open and save the workbook in Excel, or paste "
                            "the column as values" if (i, k) in unsaved else
                            f"part of the merged range {span}, read as empty (only its first cell holds the value): "
                            "unmerge the cells and fill each row of the range with its value")
                    raise AuditInputError(said, file=str(path), row=i, column=h, unit="row")
            vals = [_xlsx_cell(path, i, h, r[k] if k < len(r) else None, is_id, read)
                    for (k, is_id, read), h in zip(checked, header)]
            rows.append(vals)
            src.append(i)
    finally:
        wb.close()
    return _table_from_rows(header, rows, src)


_XLSX_MARK = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:f|mergeCell)[\s/>]")


def _xlsx_unread(ws, columns: list[int]) -> tuple[set[tuple[int, int]], dict[int, list[tuple[int, int, str]]]]:
    """The cells of `columns` (0-based) a read-only, values-only load reads as empty though they are not:
    (row, column index) of a formula with no saved value (a workbook a program wrote, never saved in Excel),
    and by column index the merged ranges' rows below their first (first row, last row, range; a range's
    first cell holds its value). The sheet's XML is searched for a formula or a merge first (in C: most
    sheets have neither), and only then parsed for where they are."""
    from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
    from openpyxl.xml.functions import iterparse

    archive, member = ws.parent._archive, ws._worksheet_path
    with archive.open(member) as f:
        tail, found = b"", False
        while chunk := f.read(CHUNK):
            if _XLSX_MARK.search(tail + chunk):
                found = True
                break
            tail = chunk[-64:]
    if not found:
        return set(), {}
    wanted = set(columns)
    unsaved: set[tuple[int, int]] = set()
    merged: dict[int, list[tuple[int, int, str]]] = {}
    row = col = 0
    with archive.open(member) as f:
        for event, el in iterparse(f, events=("start", "end")):
            tag = el.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "row":
                    row, col = (int(el.get("r")) if el.get("r") else row + 1), 0
                continue
            if tag == "c":
                ref = el.get("r")
                row, col = coordinate_to_tuple(ref) if ref else (row, col + 1)
                kids = {k.tag.rsplit("}", 1)[-1]: k for k in el}
                if col - 1 in wanted and "f" in kids and not (kids.get("v") is not None and kids["v"].text):
                    unsaved.add((row, col - 1))
                el.clear()
            elif tag == "row":
                el.clear()
            elif tag == "mergeCell" and el.get("ref"):
                c1, r1, c2, r2 = range_boundaries(el.get("ref"))
                for c in wanted & set(range(c1 - 1, c2)):
                    # the first row's cells right of the first are merged too
                    merged.setdefault(c, []).append((r1 if c > c1 - 1 else r1 + 1, r2, el.get("ref")))
    for spans in merged.values():
        spans.sort()
    return unsaved, merged


def _merged_at(merged: dict[int, list[tuple[int, int, str]]], row: int, column: int) -> str | None:
    """The merged range whose non-first cell (row, column) is (Excel's ranges never overlap), or None."""
    import bisect

    spans = merged.get(column)
    if not spans:
        return None
    at = bisect.bisect_right(spans, (row, EXCEL_ROWS + 1, "")) - 1
    return spans[at][2] if at >= 0 and spans[at][0] <= row <= spans[at][1] else None


def _lines(path: Path, f) -> Iterator[tuple[int, str]]:
    """(line number, line) of the non-blank lines; a line is read at most MAX_LINE long (no line,
    however long, is held whole before it is refused)."""
    no = 0
    while True:
        line = f.readline(MAX_LINE + 1)
        if not line:
            return
        no += 1
        if len(line) > MAX_LINE:
            raise _pending(AuditInputError("line longer than 1 MB", file=str(path), row=no))
        if line.strip():
            yield no, line


def _json_line(path: Path, no: int, line: str, **kw) -> object:
    """One line's JSON value; a bad one is refused at its line. A record is flat (a nested value is
    refused as not a scalar), but the decoder recurses into nesting first: 10,000 '[' exhaust Python's
    stack (RecursionError), refused here as nesting."""
    try:
        return json.loads(line, object_pairs_hook=unique_object, **kw)
    except DuplicateJSONKey as e:  # json alone keeps the last: a second hifp_pay would invent a discrepancy
        try:
            obj = json.loads(line, **kw)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and any(isinstance(v, (dict, list)) for v in obj.values()):
            return obj  # the key is inside a nested value, which the reader refuses as such, by its field
        raise AuditInputError(f"field {e.key!r} given twice in this record: give it once", file=str(path),
                              row=no, column=e.key) from None
    except json.JSONDecodeError as e:
        raise AuditInputError(f"malformed JSON: {e.msg} (column {e.colno})", file=str(path), row=no) from None
    except RecursionError:
        raise AuditInputError("malformed JSON: nested too deeply (a ledger record is one object of scalar fields)",
                              file=str(path), row=no) from None
    except ValueError as e:  # an integer beyond Python's conversion limit (4,300 digits)
        raise AuditInputError(f"malformed JSON: {str(e).split(';')[0]}", file=str(path), row=no) from None


class _JsonConstant:
    """A bare NaN, Infinity or -Infinity in a JSON line (json's parse_constant): no JSON value, but what Python's
    json.dumps writes for a float NaN or infinity. Read as a float it was quoted 'nan' / 'inf', text the file does not
    hold (probe s28 A F4)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def said(self) -> str:
        what = "a float NaN so (pandas' missing value)" if self.text == "NaN" else "a float infinity so (a division by zero?)"
        return (f"the bare literal {self.text} (not an amount, code or text: JSON has no such value; Python's "
                f"json.dumps writes {what}): export the figure, or null where the value is really missing")


_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate, which only a broken \u escape can write


def _json_keys(path: Path, enc: str, wanted: frozenset[str]) -> tuple[dict[str, int], int]:
    """The keys of all lines in the order they first appear (a line may leave out its null fields: Spark's
    ignoreNullFields, Jackson's NON_NULL), each with the line it first appears on, and the first record's
    line. Past MAX_ALL_COLUMNS keys only `wanted` ones are added, so a file of ever new keys holds no
    unbounded set."""
    folded = _folded(wanted)
    keys: dict[str, int] = {}
    first, wide = None, False
    with path.open("r", encoding=enc) as f:
        for no, line in _lines(path, f):
            if first is None and line.lstrip().startswith("["):
                raise AuditInputError("a JSON array, not JSON lines: give one object per line "
                                      "(e.g. jq -c '.[]' file.json > file.jsonl)" + _persons_list(path, enc),
                                      file=str(path), row=no)
            obj = _json_line(path, no, line)
            if not isinstance(obj, dict):
                raise AuditInputError("each line must be a JSON object", file=str(path), row=no)
            first = first or no
            for k in obj:
                if k not in keys:
                    if _SURROGATE.search(k):  # a key becomes a column name, which must be text
                        raise AuditInputError("a field name with a lone UTF-16 surrogate escape (\\ud800–\\udfff "
                                              "without its pair) is no text: the export wrote a broken \\u escape",
                                              file=str(path), row=no)
                    if len(keys) < MAX_ALL_COLUMNS or _fold(k) in folded:
                        keys[k] = no
                    else:
                        wide = True
    if first is None:
        raise AuditInputError("no records: every line is blank (JSON lines hold one object per line)", file=str(path))
    if not keys:
        raise AuditInputError("no record has any field ({} on every line)", file=str(path), row=first)
    if wide and wanted:  # wider than any export: read in the columns the audit uses (as _narrowed does)
        keys = {k: n for k, n in keys.items() if _fold(k) in folded}
        if not keys:
            raise AuditInputError(f"none of the lines' more than {MAX_ALL_COLUMNS:,} fields is a ledger column "
                                  "(setl_id, psn_no, …): rename the fields with --map", file=str(path), row=first)
    return keys, first


_JSON_KEY = re.compile(r'"([^"\\]{1,64})"\s*:')


def _persons_list(path: Path, enc: str) -> str:
    """Said of a JSON array in a ledger folder whose first 64 KB name psn_no and a person's fields, and no
    settlement's (persons_shaped): a persons file, which may be a JSON list, met as a ledger. '' for another."""
    with path.open("r", encoding=enc, errors="replace") as f:
        head = f.read(1 << 16)
    fields = persons_shaped(set(_JSON_KEY.findall(head)))
    if not fields:
        return ""
    return (f"; it names psn_no and a person's {', '.join(fields[:4])}, and no settlement's field: a persons file? "
            "Give it as --persons (a JSON list is one of its formats), or move it out of the ledger folder")


def _jsonl_reader(path: Path, encoding: str | None, wanted: frozenset[str] = frozenset(),
                  ids: frozenset[str] = IDS) -> pa.RecordBatchReader:
    """The lines as records, their names the keys of all lines (renamed by canonical_header): a key a line
    leaves out is null there. The file is read twice, for its keys first."""
    enc = detect_encoding(path, encoding)
    if enc == "utf-8":
        enc = "utf-8-sig"  # a BOM (Notepad's UTF-8) is read past, as for CSV and the persons file
    first_lines, first_line_no = _json_keys(path, enc, wanted)
    keys = list(first_lines)
    named = canonical_header(keys, wanted, path, row=first_line_no, rows=first_lines)
    keep = _narrowed(named, wanted, path, row=first_line_no)
    keys, names = [keys[i] for i in keep], [named[i] for i in keep]
    schema = pa.schema([pa.field(n, pa.string()) for n in names] + [pa.field("src_row", pa.int64())])

    def batches() -> Iterator[pa.RecordBatch]:
        rows: list[list[str | None]] = []
        src: list[int] = []
        with path.open("r", encoding=enc) as f:
            for no, line in _lines(path, f):
                try:
                    obj = _json_line(path, no, line, parse_float=str, parse_int=str, parse_constant=_JsonConstant)
                except AuditInputError as e:
                    raise _pending(e) from None
                if not isinstance(obj, dict):
                    raise _pending(AuditInputError("each line must be a JSON object", file=str(path), row=no))
                escaped = "\\ud" in line or "\\uD" in line  # only an escape can write a lone surrogate
                vals = []
                for k, n in zip(keys, names):
                    v = obj.get(k)
                    if isinstance(v, (dict, list)):
                        raise _pending(AuditInputError("expected a scalar", file=str(path), row=no, column=k))
                    if escaped and isinstance(v, str) and _SURROGATE.search(v):
                        raise _pending(AuditInputError(
                            "a lone UTF-16 surrogate escape (\\ud800–\\udfff without its pair) is no character: the "
                            "export wrote a broken \\u escape", file=str(path), row=no, column=k))
                    if isinstance(v, _JsonConstant):  # NaN, Infinity: refused in a column read, as written
                        if not wanted or n in wanted:
                            raise _pending(AuditInputError(v.said(), file=str(path), row=no, column=k))
                        v = float(v.text)  # an unread column's value, as before
                    if isinstance(v, str) and v in NULL_TEXT:
                        v = None
                    elif n in ids and isinstance(v, str) and re.match(NUMBER_ID, v):  # a JSON number is str here
                        raise _pending(_number_id(path, no, k, v))
                    elif n in ids and isinstance(v, bool):
                        raise _pending(AuditInputError(f"not an ID: the JSON value {_scalar_text(v)}", file=str(path),
                                                       row=no, column=k))
                    vals.append(_scalar_text(v))
                rows.append(vals)
                src.append(no)
                if len(rows) >= 65536:
                    yield from _table_from_rows(names, rows, src).to_batches()
                    rows, src = [], []
        if rows:
            yield from _table_from_rows(names, rows, src).to_batches()

    return pa.RecordBatchReader.from_batches(schema, batches())


def first_line(e: Exception) -> str:
    """An engine's message without what follows its first line (DuckDB appends the statement: 'LINE 1: ...')
    and without its class ('Invalid Input Error: ')."""
    lines = str(e).strip().splitlines()
    return re.sub(r"^[A-Za-z ]*(Error|Exception): ", "", lines[0]) if lines else type(e).__name__


def damaged_parquet(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> AuditInputError | None:
    """Which Parquet file of `paths` cannot be read, where reading them all in one statement failed: a damaged data
    page (bit rot, a broken transfer) under an intact footer passes the footer's check (_parquet_view), and the
    engine's message ("don't know what type: \\x0e", "Out of buffer") names no file. Each file read on its own, a
    row group's column at a time (pyarrow); where pyarrow reads them all, a column at a time by DuckDB (which decodes
    differently). The error path only. None where each reads (the failure was something else)."""
    parquet = [p for p in paths if kind_of(p) == "parquet"]

    def damaged(path: Path, where: str, e: Exception) -> AuditInputError:
        return AuditInputError(f"cannot read as Parquet{where}: {first_line(e)}; the file is damaged: export it "
                               "again", file=str(path))

    for path in parquet:
        try:
            meta = pq.ParquetFile(path)
            groups, columns = meta.metadata.num_row_groups, meta.metadata.num_columns
            for rg in range(groups):
                for i in range(columns):
                    name = meta.metadata.schema.column(i).path
                    try:
                        meta.read_row_group(rg, columns=[name])
                    except (pa.ArrowException, OSError, ValueError, IndexError) as e:
                        return damaged(path, f" (row group {rg + 1} of {groups}, column {name})", e)
        except (pa.ArrowException, OSError, ValueError) as e:
            return damaged(path, "", e)
    for path in parquet:
        for name in pq.read_schema(path).names:  # a column at a time, so as to name it; in batches
            try:
                for _ in con.sql(f"SELECT {ident(name)} FROM read_parquet({q(str(path))})").to_arrow_reader():
                    pass
            except duckdb.OutOfMemoryException:
                raise
            except duckdb.Error as e:
                return damaged(path, f" (column {name})", e)
    return None


def _parquet_view(con: duckdb.DuckDBPyConnection, path: Path, name: str, wanted: frozenset[str],
                  ids: frozenset[str] = IDS) -> dict[str, str]:
    """A view over the file; its columns renamed by canonical_header (read from the file's own schema:
    DuckDB's names ignore case and would already have renamed the second of SETL_ID and setl_id)."""
    if path.stat().st_size == 0:
        raise AuditInputError("cannot read as Parquet: the file is empty (0 bytes), so damaged or cut short; "
                              "export it again", file=str(path))
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as e:
        raise AuditInputError(f"cannot read as Parquet: {first_line(e)}", file=str(path)) from None
    raw = schema.names
    renamed = {r: n for r, n in zip(raw, canonical_header(raw, wanted, path)) if n is not None and r != n}
    rename = f" RENAME ({', '.join(f'{ident(r)} AS {ident(n)}' for r, n in renamed.items())})" if renamed else ""
    utc = int96_columns(path)  # UTC instants: dated in Beijing time as any TIMESTAMP WITH TIME ZONE is
    replace = f" REPLACE ({', '.join(f'timezone({UTC}, {ident(c)}) AS {ident(c)}' for c in utc)})" if utc else ""
    # the UTC instants first, then the names: DuckDB takes no column in both a REPLACE and a RENAME (SETL_TIME)
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT *{rename}, file_row_number + 1 AS src_row "
                    f"FROM (SELECT *{replace} FROM read_parquet({q(str(path))}, file_row_number = true))")
        desc = con.execute(f"DESCRIBE {name}").fetchall()
    except duckdb.Error as e:
        raise AuditInputError(f"cannot read as Parquet: {first_line(e)}", file=str(path)) from None
    # DuckDB reads a decimal of more than 38 digits (Arrow's decimal256) as DOUBLE: said as what it is. A decimal256
    # of 38 digits or fewer is an ordinary Parquet DECIMAL, read exactly (DECIMAL(20,2)), and goes on as any DECIMAL.
    wide = {renamed.get(n, n) for n, t in zip(raw, schema.types) if pa.types.is_decimal256(t) and t.precision > 38}
    for c, typ, *_ in desc:
        if c in wanted and (typ.endswith("]") or typ.startswith(("STRUCT", "MAP", "UNION"))):
            raise AuditInputError(f"a nested column ({typ}), not one value a row: export each settlement's {c} as a "
                                  "single value", file=str(path), column=c)
        if c in wanted and c in wide and not typ.startswith("DECIMAL"):
            raise AuditInputError(f"a DECIMAL of more than 38 digits, which is read only as binary floating point "
                                  f"({typ}); export it as DECIMAL(18, 2) (or text)", file=str(path), column=c)
        if c in ids and typ in ("DOUBLE", "FLOAT", "REAL"):
            raise AuditInputError(f"an ID column of binary floating point ({typ}): it holds about 15 significant "
                                  "digits, so a longer ID has lost its last ones; export it as text (or an integer)",
                                  file=str(path), column=c)
    return {r[0]: r[1] for r in desc if r[0] != "file_row_number"}


def int96_columns(path: Path) -> list[str]:
    """A Parquet file's top-level INT96 columns: Spark's and Hive's default timestamp, stored as UTC instants
    (read as UTC, not as a wall-clock time). None for another kind of file."""
    if kind_of(path) != "parquet":
        return []
    try:
        schema = pq.read_metadata(path).schema
    except (pa.ArrowException, OSError):
        return []
    return [c.name for c in schema if c.physical_type == "INT96" and c.path == c.name]


def open_source(con: duckdb.DuckDBPyConnection, path: Path, name: str, encoding: str | None,
                wanted: frozenset[str] = frozenset(), ids: frozenset[str] = IDS,
                times: frozenset[str] = TIMES) -> dict[str, str]:
    """Register `path` as relation `name`; returns its column names -> DuckDB type names. `wanted`: the
    column names the caller reads (the platform's, and the sources of --map), by which a sheet's header
    row is found and to which a header matching one only when case and spaces are ignored is renamed.
    `ids`: the columns (as renamed) holding IDs, refused where Excel has damaged them (id_columns); `times`:
    those holding dates and times (time_columns)."""
    kind = kind_of(path)
    if kind == "parquet":
        return _parquet_view(con, path, name, wanted, ids)
    disguised = _disguised(path, kind)
    if disguised:
        raise AuditInputError(disguised, file=str(path))
    if kind == "csv":
        obj: object = _csv_reader(path, encoding, wanted, ids)
    elif kind == "jsonl":
        obj = _jsonl_reader(path, encoding, wanted, ids)
    else:
        obj = _xlsx_table(path, wanted, ids, times)
    con.register(name, obj)
    schema = obj.schema  # type: ignore[attr-defined]
    return {f.name: ("BIGINT" if f.name == "src_row" else "VARCHAR") for f in schema}


def _disguised(path: Path, kind: str) -> str | None:
    """What a file really is where its first bytes say another format than its suffix (raudit2 D4), with what to
    do: an xlsx renamed .csv read as "unreadable encoding", an HTML table saved as .xlsx (what many 导出Excel buttons
    write) as "BadZipFile". None for a file that is what its suffix says (or too short to tell)."""
    with path.open("rb") as f:
        head = f.read(1024)
    if not head:
        return None
    zipped, ole = head.startswith(b"PK\x03\x04"), head.startswith(b"\xd0\xcf\x11\xe0")
    if kind in ("csv", "jsonl"):
        if zipped:
            return (f"an Excel workbook (.xlsx, a zip archive) named {path.suffix}: rename it .xlsx, or save it from "
                    "Excel as CSV")
        if ole:
            return f"an old Excel workbook (.xls) named {path.suffix}: save it from Excel as .xlsx or CSV"
        if head.startswith(b"PAR1"):
            return f"a Parquet file named {path.suffix}: rename it .parquet"
        return None
    if kind != "xlsx" or zipped:
        return None
    if ole:
        return ("an old Excel workbook (.xls) or a password-protected one, named .xlsx: open it in Excel (remove the "
                "password) and save it as .xlsx (Excel 工作簿) or CSV")
    text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text.startswith((b"<html", b"<!doctype", b"<table", b"<meta", b"<head")) or b"<table" in text:
        return ("an HTML table named .xlsx (what many 导出Excel buttons write), not a workbook: open it in Excel and save "
                "it as .xlsx (Excel 工作簿) or CSV, or export CSV from the system")
    if text.startswith(b"<?xml"):
        return ("an XML file named .xlsx (Excel 2003 XML 表格?), not a workbook: open it in Excel and save it as .xlsx "
                "(Excel 工作簿) or CSV")
    if head[:64].isascii() or b"," in head:
        return "a text file named .xlsx, not a workbook: if it is CSV, rename it .csv"
    return None


def id_columns(mapping) -> frozenset[str]:
    """The header names holding the ledger's IDs: IDS, and the columns --map renames to one of them."""
    return IDS | {src for src, dst in mapping.columns.items() if dst in IDS}


def time_columns(mapping) -> frozenset[str]:
    """The header names holding the ledger's date and time: TIMES, and the columns --map renames to one."""
    return TIMES | {src for src, dst in mapping.columns.items() if dst in TIMES}
