"""`--persons`: what the rules need about a person that a ledger row does not carry.

Same field names as the case format's `person` (README 'Case format'); each record is parsed by
`conform.reference.case.parse_person`, so a persons file is validated exactly like a case. Formats: JSON
lines, a JSON list, YAML (a list), CSV (nested fields such as `ytd` or `chronic_diseases` as JSON
text in the cell; flags as the ledger writes them: 1/0, true/false, TRUE/FALSE). The plan joins the flat columns of table `persons`; the parsed `Person`
objects go to the reference engine for the persons it settles. Unlike a case, `psn_type` may be
left out (p_psn_type NULL): the ledger's rows say it.
"""
from __future__ import annotations

import array
import csv
import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa

from conform.display import one_line
from conform.files import special_kind
from conform.reference.benefits import (OPENING_READING, SHARED, OpeningRefused, cap_bucket, deductible_and_cap,
                                        opening_year, own_account)
from conform.reference.case import (PERSON_FIELDS, PSN_TYPES, CaseError, Person, _fast_person, load_text,
                                    parse_person)
from conform.reference.loading import InputError, check_depth, load_json
from conform.reference.money import to_fen
from conform.reference.policy import Parameter, Policy, PolicyError, Rules
from conform.reference.trace import join_cites

from .errors import AuditInputError
from .ledger import DATE_FORMATS, FALSE_TEXT, TRUE_TEXT, amount_hint
from .mapping import PLATFORM_UNREAD, Mapping, listing
from .sources import (_ODD_ID, NUMBER_ID, ODD_ID_SAID, SCI_ID, _excel_id, _number_id, blank_like, delimiter_of,
                      detect_encoding, odd_character, own_encoding, unwrap_id)
from .tables import create_from_arrow

MAX_BYTES = 2 << 30
_SCI_ID = re.compile(SCI_ID).match  # an ID as Excel shows a long number (conform/audit/sources.py refuses it in the ledger)
_NUMBER_ID = re.compile(NUMBER_ID).match  # that, or a float's '5104000000000230.0' (the ledger refuses both)


def _own_psn_no(rec: dict, no: int, path: str, unit: str, names: _Names) -> dict:
    """The record with its psn_no read exactly as the ledger reads its IDs (conform/audit/ledger.py, sources.id_text):
    spaces and tabs around it trimmed, Excel's text-keeping wrapper (="…", '…) taken off (sources.unwrap_id); refused,
    located, where the ledger refuses the cell: an ID Excel or a float column made a number (sources.NUMBER_ID), a
    character no ID holds (sources.ODD_ID_SAID: a control character, U+3000 or another non-ASCII space, a full-width
    digit), an empty one (as a record without psn_no is: the person could match no ledger row), and a JSON number —
    which the ledger, all text, never holds: 5104000000000102 read as a number loses leading zeros, and digits past
    15–17 significant ones. A CSV cell and a YAML scalar are text as written; only JSON gives a number. Any other
    value (null, true) is left for parse_person to name."""
    sid = rec.get("psn_no")
    column = names.said("psn_no")
    if type(sid) is str:
        if _NUMBER_ID(sid):
            raise _number_id(Path(path), no, column, sid, unit=unit)
        t = unwrap_id(sid)
        if not t:
            raise AuditInputError(f"missing: psn_no is {'empty' if not sid else 'blank ' + repr(sid)}; every person "
                                  "needs the psn_no the ledger's rows name them by", file=path, row=no, column=column,
                                  unit=unit)
        if _ODD_ID.search(t):
            raise AuditInputError(f"{ODD_ID_SAID.replace('{char}', odd_character(t))}: {t!r}", file=path, row=no,
                                  column=column, unit=unit)
        return rec if t == sid else {**rec, "psn_no": t}
    if type(sid) in (int, Decimal, float):
        quoted = f' ("{sid}")' if type(sid) is int else ""
        raise AuditInputError(f"psn_no written as a number ({sid}), not as text: write IDs as quoted text{quoted} — "
                              "a number loses leading zeros and any digit past 15–17 significant ones, so it may no "
                              "longer be the ledger's ID (人员编号请写成带引号的文本)", file=path, row=no, column=column,
                              unit=unit)
    return rec


def _fen(d: Decimal | None) -> int | None:
    return None if d is None else to_fen(d)


def _has_float(v: object) -> bool:
    if isinstance(v, float):
        return True
    if isinstance(v, dict):
        return any(_has_float(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_float(x) for x in v)
    return False


_FLAT = frozenset({str, int, bool, type(None)})


def _n_keys(v: object) -> int:
    """How many keys the decoded value holds, nested ones included."""
    if isinstance(v, dict):
        return len(v) + sum(_n_keys(x) for x in v.values() if isinstance(x, (dict, list)))
    if isinstance(v, list):
        return sum(_n_keys(x) for x in v if isinstance(x, (dict, list)))
    return 0


def _json_line(line: str, path: Path, no: int) -> object:
    """One JSON line: orjson for speed (a persons file has hundreds of thousands), else the project's
    exact reader (conform.reference.loading.load_json): for a line with a number with a fraction (orjson would
    make it a binary float), an integer beyond 64 bits, a key possibly given twice, and for the located
    message of a bad line.

    orjson keeps the last of a key given twice ({"acct_balance": "100.00", "acct_balance": "999999.00"}),
    and its dict cannot tell. Every key the line names is followed by a colon outside any string, so a
    line with exactly as many colons as the decoded value has keys names no key twice; any other line
    (a colon inside a value, a duplicate) is read again by load_json, which refuses a duplicate with its
    column. Measured on 100,000 flat lines: 70 ms with orjson alone, 103 ms with the count, 199 ms reading
    every line with load_json (json's C decoder with object_pairs_hook); the whole persons.load takes
    about 0.7 s."""
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    else:
        if type(rec) is dict and _FLAT.issuperset(map(type, rec.values())):
            if line.count(":") == len(rec):
                return rec  # the common line: one level of text, whole numbers, flags (no float, no depth)
        elif not _has_float(rec):
            try:
                check_depth(rec)
            except InputError as e:
                raise AuditInputError(str(e), file=str(path), row=no) from None
            if line.count(":") == _n_keys(rec):
                return rec
    try:
        return load_json(line, line0=no - 1)
    except InputError as e:
        raise AuditInputError(str(e), file=str(path), row=no) from None


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch


def _iso(v: object) -> object:
    """A date as the ledger may write it (2023/07/01, 20230701, a midnight datetime) in the case
    format's ISO form; anything else as it is, for parse_person to accept or name."""
    if type(v) is str and _ISO_DATE(v):  # what strptime('%Y-%m-%d') would give back, or refuse for parse_person to name
        return v
    if isinstance(v, str):
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(v.strip(), fmt).date().isoformat()
            except ValueError:
                continue
    return v


_DATE_KEYS = frozenset({"birth_date", "retire_date", "benefit_period", "hospital_stays"})


def _iso_dates(rec: dict) -> dict:
    """The person's dates in ISO form: a persons file exported from the same system as the ledger
    writes them the same way, and the ledger accepts its formats (ledger.DATE_FORMATS)."""
    def period(p: object) -> object:  # a {begin, end}: a benefit period or a hospital stay
        return {n: (_iso(v) if n in ("begin", "end") else v) for n, v in p.items()} if isinstance(p, dict) else p

    out = dict(rec)
    for k in ("birth_date", "retire_date"):
        if k in out:
            out[k] = _iso(out[k])
    if "benefit_period" in out:
        out["benefit_period"] = period(out["benefit_period"])
    if isinstance(out.get("hospital_stays"), list):
        out["hospital_stays"] = [period(s) for s in out["hospital_stays"]]
    return out


# A person's yes/no fields, written in a CSV cell the ways the ledger's flags are (Excel writes TRUE/FALSE).
FLAG_FIELDS = ("has_account", "remote_filing")
# A platform's persons export in Chinese: the case format's field for each common header, named in the refusal of an
# unknown header as the --map line to write (never applied unasked: the user's map renames, the audit does not guess).
CHINESE_NAMES = {"人员编号": "psn_no", "人员类别": "psn_type", "出生日期": "birth_date", "退休日期": "retire_date",
                 "账户余额": "acct_balance", "个人账户余额": "acct_balance", "灵活就业档次": "flex_tier",
                 "异地备案": "remote_filing", "是否有个人账户": "has_account"}
# Unknown headers a refusal names (the rest counted): every one a real export has, bounded for a hostile header.
MAX_UNKNOWN_LISTED = 50


class _Names:
    """How the persons file's names become the case format's: --map [columns] lines whose target is a person's field
    (人员编号 = "psn_no", 账户余额 = "acct_balance") rename a CSV header and a JSON record's keys; a line to a platform
    field the audit does not read (姓名 = "psn_name") leaves that column out, as in the ledger. As read, it keeps each
    renamed field's name in the file and a CSV header's names that are no field: a refusal names a column as the file
    spells it (账户余额 (acct_balance)) and lists every unknown header, not only the first record's non-empty ones."""

    def __init__(self, mapping: Mapping | None = None) -> None:
        cols = {**mapping.columns, **mapping.person_columns} if mapping else {}
        self.mapping = mapping
        self.renames = {k: v for k, v in cols.items() if v in PERSON_FIELDS and k != v}
        self.unread = frozenset(k for k, v in cols.items() if v in PLATFORM_UNREAD and k not in PERSON_FIELDS)
        self.active = bool(self.renames or self.unread)
        self.spelled: dict[str, str] = {}  # field -> the file's own name, for the fields renamed
        self.unknown: list[str] | None = None  # a CSV header's names that are no field (None: no header read)

    def said(self, column: str | None) -> str | None:
        """A field (or a path in it: ytd.ordinary_dedc) as the file spells it: 账户余额 (acct_balance)."""
        if not column:
            return column
        head = re.match(r"[^.\[]*", column).group(0)
        own = self.spelled.get(head)
        return f"{own}{column[len(head):]} ({column})" if own else column

    def _renamed(self, keys: list, path: Path, no: int, unit: str, what: str) -> list:
        """`keys` renamed (None for a column left out); a field given twice once renamed is refused."""
        out: list = []
        came: dict = {}
        for k in keys:
            if k in self.unread:
                out.append(None)
                continue
            t = self.renames.get(k, k)
            if t in came and t != "":
                src = k if t != k else came[t]
                raise AuditInputError(f"{what} {t} twice: as {came[t]} and as {k} (--map [columns] renames {src} to "
                                      f"{t}); give it once", file=str(path), row=no, column=k if k == t else f"{k} ({t})",
                                      unit=unit)
            came[t] = k
            if t != k:
                self.spelled[t] = k
            out.append(t)
        return out

    def header(self, header: list[str], path: Path, no: int) -> list[str | None]:
        """A CSV header renamed; its names that are no field kept for the refusal."""
        out = self._renamed(header, path, no, "line", "the header names") if self.active else header
        self.unknown = [k for k in out if k and k not in PERSON_FIELDS]
        return out

    def records(self, records: Iterator[tuple[int, object]], path: Path, unit: str) -> Iterator[tuple[int, object]]:
        """JSON records with their keys renamed (a record naming none of the map's sources as it is)."""
        touched = set(self.renames) | self.unread
        for no, rec in records:
            if type(rec) is dict and not touched.isdisjoint(rec):
                keys = self._renamed(list(rec), path, no, unit, "the record gives")
                rec = {t: v for t, v in zip(keys, rec.values()) if t is not None}
            yield no, rec


def _cell(k: str, v: str, path: Path, no: int, names: _Names | None = None) -> object:
    """One CSV cell as the case format reads it: JSON text for nested fields (ytd, chronic_diseases,
    benefit_period), a flag as a boolean, anything else as text."""
    if v[:1] in "{[":
        try:
            return load_json(v)
        except InputError as e:
            raise AuditInputError(f"in cell: {e}", file=str(path), row=no,
                                  column=names.said(k) if names else k) from None
    if k in FLAG_FIELDS and v.strip() in TRUE_TEXT + FALSE_TEXT:
        return v.strip() in TRUE_TEXT
    if v in ("true", "false"):
        return v == "true"
    return v


def _csv_records(path: Path, enc: str, names: _Names | None = None) -> Iterator[tuple[int, dict]]:
    """The records of a persons CSV, each with the line it starts on: a quoted cell may span lines (JSON
    text, a name with a line break), and is read whole, its line breaks kept. The header is renamed by --map
    (`names`: 人员编号 -> psn_no), its columns to a platform field the audit does not read left out."""
    names = names or _Names()
    with path.open(encoding=enc, newline="") as f:
        first = f.readline()
        # split as the ledger's CSV is: by commas, or by the tabs of Excel's "Unicode 文本" (or | or ;)
        # strict: a quote left open to the end of the file, or text after a closing quote, is refused, not read
        # into the cell ('"1448.73' took the line break as part of the amount)
        delimiter = delimiter_of(first.partition("\n")[0])
        reader = csv.reader(itertools.chain([first], f), delimiter=delimiter, strict=True)
        header: list[str] | None = None
        end = 0  # the lines read so far: a record starts on the line after the previous one ended
        try:
            for record in reader:
                start, end = end + 1, reader.line_num
                # a blank line is no record, nor one of only spaces, tabs or a DOS end-of-file mark (^Z): as the
                # ledger's CSV (sources.blank_like; probe s28 A F2)
                if not record or (header is not None and len(record) < len(header)
                                  and blank_like(delimiter.join(record))):
                    continue
                if header is None:
                    header = [h.strip() for h in record]
                    twice = sorted({h for h in header if h and header.count(h) > 1})
                    if twice:  # zip() into a dict would keep the last cell of the two silently
                        raise AuditInputError(f"header names a column twice: {', '.join(twice)}", file=str(path),
                                              row=start, column=twice[0])
                    header = names.header(header, path, start)
                    continue
                if len(record) > len(header):
                    raise AuditInputError(f"{len(record)} fields where the header has {len(header)}",
                                          file=str(path), row=start)
                yield start, {k: _cell(k, v, path, start, names) for k, v in zip(header, record)
                              if v != "" and k is not None}
        except csv.Error as e:
            hint = " (a quote (\") opened and never closed)" if "end of data" in str(e) else ""
            raise AuditInputError(f"malformed CSV: {e}{hint}", file=str(path), row=end + 1) from None


# Formats a persons file does not take, by suffix and by their first bytes, with how to convert them.
_TAKES = "JSON lines, JSON, YAML or CSV/.txt/.tsv"
_PARQUET_HINT = "convert it to JSON lines, e.g. with DuckDB: COPY (FROM '{p}') TO 'persons.jsonl' (FORMAT json)"
_EXCEL_HINT = "save it from Excel as CSV (另存为 → CSV UTF-8), with psn_no formatted as text (文本) before"
_OTHER_FORMATS = {".parquet": ("a Parquet file", _PARQUET_HINT), ".xlsx": ("an Excel workbook", _EXCEL_HINT),
                  ".xlsm": ("an Excel workbook", _EXCEL_HINT), ".xls": ("an Excel workbook", _EXCEL_HINT),
                  ".et": ("a WPS workbook", _EXCEL_HINT)}
_MAGIC = ((b"PAR1", ".parquet"), (b"PK\x03\x04", ".xlsx"), (b"\xd0\xcf\x11\xe0", ".xls"))


def _other_format(path: Path) -> AuditInputError | None:
    """The refusal of a file in a format the persons file does not take (Parquet, a workbook)."""
    kind = path.suffix.lower()
    if kind not in _OTHER_FORMATS:
        with path.open("rb") as f:
            head = f.read(4)
        kind = next((k for magic, k in _MAGIC if head == magic), "")
    if kind not in _OTHER_FORMATS:
        return None
    what, hint = _OTHER_FORMATS[kind]
    return AuditInputError(f"{what} is not a format the persons file takes ({_TAKES}); {hint.format(p=path)}",
                           file=str(path))


def _records(path: Path) -> tuple[list[tuple[int, object]], str]:
    """_stream's records as a list (for tests: every error raised at once)."""
    records, unit = _stream(path)
    return list(records), unit


# JSON lines and CSV are read a line at a time, keeping only the persons parsed from them. A JSON or YAML file
# is one document, parsed whole: it takes about 13 times its size in memory, so it is held to 256 MB.
MAX_WHOLE_BYTES = 256 << 20


def _stream(path: Path, names: _Names | None = None) -> tuple[Iterator[tuple[int, object]], str]:
    """The file's records, each with its line (JSON lines, CSV) or its number (JSON, YAML), and which of the
    two it is ('line' or 'record'): a .txt may hold either. JSON lines and CSV records are read as iterated. With
    `names` (--map [columns]), a CSV's header and a JSON record's keys are renamed to the case format's."""
    if path.is_dir():
        raise AuditInputError(f"is a folder, not a persons file: give the file itself ({_TAKES})", file=str(path))
    if not path.is_file():  # a FIFO or a device is never opened: reading one could wait for ever
        said = "no such persons file" if not path.exists() else \
            f"not a regular file ({special_kind(path) or 'not a file'}); give the persons file itself ({_TAKES})"
        raise AuditInputError(said, file=str(path))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise AuditInputError("persons file larger than 2 GB", file=str(path))
    refused = _other_format(path)
    if refused is not None:
        raise refused
    suffix = path.suffix.lower()
    enc = _encoding(path)
    head = _first_text(path, enc)
    if not head:  # --persons was given on purpose: an empty file is a wrong or failed export
        what = "the file is empty (0 bytes)" if size == 0 else "the file holds blank lines only"
        raise AuditInputError(f"no persons: {what}; give the persons file the export should have written, "
                              "or leave --persons out", file=str(path))
    if suffix in (".txt", ".tsv") and head[:1] in "[{-":
        # a .txt holding JSON, JSON lines or a YAML list (read so before .txt was also CSV); a CSV header
        # starts with a column name
        suffix = ".jsonl" if head[:1] == "{" and _lines_are_objects(path, enc) else ".json"
    if suffix in (".jsonl", ".ndjson"):
        lines = _json_lines(path, enc)
        return names.records(lines, path, "line") if names and names.active else lines, "line"
    if suffix in (".csv", ".txt", ".tsv"):  # as for the ledger: Excel's "Unicode 文本" is a .txt
        return _csv_records(path, enc, names), "line"
    if size > MAX_WHOLE_BYTES:
        raise AuditInputError("a JSON or YAML persons file is read whole, and this one is larger than 256 MB: "
                              "write it as JSON lines (.jsonl, one person a line) or CSV, which are read a line "
                              "at a time (up to 2 GB)", file=str(path))
    text = path.read_text(encoding=enc)
    try:
        data = load_text(text, str(path))
    except CaseError as e:
        raise AuditInputError(e.detail, file=str(path)) from None
    del text
    if isinstance(data, dict):
        data = [data]
    if data is None or data == []:
        raise AuditInputError("no persons: the file holds an empty list (or only comments); give the persons "
                              "file the export should have written, or leave --persons out", file=str(path))
    if not isinstance(data, list):
        raise AuditInputError("expected a list of persons", file=str(path))
    records = ((i + 1, d) for i, d in enumerate(data))
    return names.records(records, path, "record") if names and names.active else records, "record"


def _encoding(path: Path) -> str:
    """The file's encoding, checked over the whole file without holding it: UTF-16 where it starts with its
    byte-order mark, else UTF-8 (a byte-order mark dropped), else GBK/GB18030 (as Chinese systems export);
    --encoding names the ledger files' encoding, not this file's (a UTF-8 persons file beside a GBK ledger is
    common). A UTF-8 byte-order mark says UTF-8: GBK behind one would be read with its first key lost to
    mojibake (锘); an undecodable file is named with its line."""
    try:
        enc = detect_encoding(path, None)
    except AuditInputError as e:
        raise own_encoding(e) from None
    return "utf-8-sig" if enc == "utf-8" else enc


def _first_text(path: Path, enc: str) -> str:
    """The file's text from its first non-blank character on, up to the line's end ('' for a blank file)."""
    with path.open(encoding=enc, newline=None) as f:
        for line in f:
            if line.strip():
                return line.lstrip("\ufeff \t\r\n")
    return ""


def _lines_are_objects(path: Path, enc: str) -> bool:
    """Does the file hold more than one non-blank line, each starting with '{' (JSON lines, not one JSON)?"""
    n = 0
    with path.open(encoding=enc, newline=None) as f:
        for line in f:
            if line.strip():
                if not line.lstrip().startswith("{"):
                    return False
                n += 1
    return n > 1


def _json_lines(path: Path, enc: str) -> Iterator[tuple[int, object]]:
    """The lines' records; _json_line's common case (one level of text, whole numbers, flags, each key once)
    taken here without a call per line, anything else (a blank line, a fraction, nesting, a colon inside a value,
    bad JSON) by _json_line itself. orjson reads the line with its newline as without (JSON whitespace)."""
    loads, flat = orjson.loads, _FLAT.issuperset
    with path.open(encoding=enc, newline=None) as f:
        for no, line in enumerate(f, start=1):
            try:
                rec = loads(line)
            except orjson.JSONDecodeError:
                pass
            else:
                if type(rec) is dict and flat(map(type, rec.values())) and line.count(":") == len(rec):
                    yield no, rec
                    continue
            if line.strip():
                yield no, _json_line(line.rstrip("\n"), path, no)


def _field_path(e: CaseError) -> str | None:
    """Where in the record parse_person found the fault, as one path: its item ('person hospital_stays[1]',
    'person ytd') and field ('end') become 'hospital_stays[1].end', 'ytd.ordinary_dedc', or 'ytd' alone for
    a value that is not the mapping it should be (`conform settle` names the same item and field)."""
    inner = (e.item or "").removeprefix("person").strip()
    parts = [x for x in (inner, e.field) if x]
    return _printable(".".join(parts)) or None


def _printable(name: str) -> str:
    """A field path for a message: a key from the file (a disease code under ytd.chronic_pay) may hold control
    characters or a bidi override, shown escaped (\\x1b, \\u202e: conform.display.one_line), never raw."""
    return one_line(name)


# A persons file's fields are the case format's `person` fields (the same record `conform settle` reads); a platform's
# export names them otherwise (人员编号, 账户余额), which --map [columns] renames as it renames the ledger's columns
# (_Names). Its [codes.psn_type] and [skip] apply too (values, not names).
NAMES_BY_DESIGN = ("; a persons file's fields are the case format's (docs/audit.md §3): name each column so, or rename "
                   "it with a --map [columns] line")


def _unknown_field(detail: str, rec: dict, names: _Names) -> tuple[str, str | None]:
    """The refusal of a record with a field the case format has not (parse_person's "unknown field(s) …"), at the
    first such field of the record, listing every one (a CSV's whole header: a column empty in this record is as
    unknown), with the --map line to write for a platform's Chinese header, and, where --map renames the name in the
    ledger to no person's field, that it is to be left out. The error path only."""
    first = next((k for k in rec if k not in PERSON_FIELDS), None)
    if not isinstance(first, str):
        return detail, None
    unknown = names.unknown if names.unknown else [k for k in rec if k not in PERSON_FIELDS]
    listed = ", ".join(_printable(str(k)) for k in unknown[:MAX_UNKNOWN_LISTED])
    more = f" and {len(unknown) - MAX_UNKNOWN_LISTED} more" if len(unknown) > MAX_UNKNOWN_LISTED else ""
    said = f"unknown field(s) {listed}{more}; allowed: {', '.join(sorted(PERSON_FIELDS))}{NAMES_BY_DESIGN}"
    lines = [f'"{_printable(k)}" = "{CHINESE_NAMES[k]}"' for k in unknown[:MAX_UNKNOWN_LISTED] if k in CHINESE_NAMES]
    if lines:
        said += f" ({'; '.join(lines)})"
    columns = names.mapping.columns if names.mapping else {}
    for k in unknown[:MAX_UNKNOWN_LISTED]:
        if columns.get(k) is not None:
            said += f"; --map renames {k} to {columns[k]} in the ledger, which is no person's field: leave it out here"
    return said, _printable(first)


def _general(rec: object, no: int, path: str, unit: str, names: _Names, codes: dict,
             skipped: set) -> tuple[Person | None, bool]:
    """One record by every check: its type code mapped (--map), its dates in ISO form, parsed by parse_person, each
    fault raised located (its column as the file spells it); the Person (None for a type [skip] leaves out) and
    whether it gave no psn_type."""
    sid = rec.get("psn_no") if isinstance(rec, dict) else None
    if isinstance(sid, str) and _SCI_ID(sid):  # as the ledger's IDs: Excel lost its last digits
        raise _excel_id(Path(path), no, names.said("psn_no"), repr(sid), unit=unit)
    if isinstance(rec, dict) and isinstance(rec.get("psn_type"), str | int) and not isinstance(rec["psn_type"], bool):
        typ = str(rec["psn_type"]).strip()
        if typ in skipped:
            return None, False
        if typ in codes:
            rec = {**rec, "psn_type": codes[typ]}
        elif typ in PSN_TYPES:  # as the ledger reads its codes: spaces around a code are no code
            rec = {**rec, "psn_type": typ}
        else:  # named here: the case reader lists its codes as tuples
            raise AuditInputError(
                f"unknown code {str(rec['psn_type'])!r}; expected one of {listing('psn_type')} (map a code to "
                "one of them with --map [codes.psn_type], or leave out these persons with [skip])",
                file=path, row=no, column=names.said("psn_type"), unit=unit)
    # psn_type may be left out: every ledger row carries it (the plan and settle_ref.person_for
    # take it from there). Parsed with a stand-in type only so the other fields are checked.
    if isinstance(rec, dict) and not _DATE_KEYS.isdisjoint(rec):  # most records carry no date
        rec = _iso_dates(rec)
    untyped = isinstance(rec, dict) and "psn_type" not in rec
    if untyped:
        rec = {**rec, "psn_type": "1103" if "flex_tier" in rec else "1101"}
    try:
        p = parse_person(rec, f"{no}")
    except CaseError as e:
        if e.item == "person" and e.detail.startswith("unknown field") and isinstance(rec, dict):
            detail, column = _unknown_field(e.detail, rec, names)
            raise AuditInputError(detail, file=path, row=no, column=column, unit=unit) from None
        hint = amount_hint(rec.get(e.field)) if e.field and isinstance(rec, dict) else ""
        raise AuditInputError(e.detail + hint, file=path, row=no, column=names.said(_field_path(e)), unit=unit) from None
    return p, untyped


_ROLE_SAID = {"in_service": "in service (在职)", "retiree": "retired (退休)"}


def _roles_in(p: Person, year: int, untyped: bool) -> tuple[str, ...]:
    """The roles (in service, retired) the person can hold in `year` as the audit settles them: by the retire date
    where the record gives one (Person.role_on); else, for a record without psn_type (the ledger's rows type the
    person) or with a retiree type (the ledger's change of type may date the retirement: settle_ref.person_for),
    either; else the record's type's."""
    if p.retire_date is not None:
        return tuple(r for r, holds in (("in_service", p.retire_date > dt.date(year, 1, 1)),
                                        ("retiree", p.retire_date <= dt.date(year, 12, 31))) if holds)
    if untyped or PSN_TYPES[p.psn_type][0] == "retiree":
        return ("in_service", "retiree")
    return (PSN_TYPES[p.psn_type][0],)


def _beyond_said(given: object, year: int, what: str, most: Decimal, where: str, what_zh: str) -> str:
    """The refusal of an opening total more than the person can have counted: one wording for every such total."""
    return (f"{given} is more than the person can have counted in {year}: the {what} is at most {most} {where}; "
            f"check the figure (another year's, or another benefit's?) (期初累计超过该年度的{what_zh})")


def _in_force(year: int, *figures: Parameter) -> bool:
    """Whether every figure is in force in `year` (else the rules give no bound for it)."""
    return not any((f.valid_from is not None and f.valid_from.year > year)
                   or (f.valid_to is not None and f.valid_to.year < year) for f in figures)


def _ytd_beyond(rules: Rules, p: Person, untyped: bool) -> tuple[str, str] | None:
    """(field, why) where the opening year-to-date ordinary deductible or pooled payment (ytd.ordinary_dedc,
    ytd.ordinary_pay) is more than the person can have counted that year: more than the largest ordinary deductible,
    or annual cap, of the roles they can hold in it (_roles_in), as the engine reads them (benefits.deductible_and_cap:
    the same figures and citations). Such a total leaves nothing for the ledger's settlements, which would all be
    blamed. Where the rules give no such figure for a role they can hold (a parameter left to the region and not
    given), or none in force in that year, nothing is said: the text sets no bound (the chronic totals:
    _chronic_beyond)."""
    year = p.ytd.year
    if not (p.ytd.ordinary_dedc or p.ytd.ordinary_pay):
        return None
    figures = []
    for role in _roles_in(p, year, untyped):
        try:
            dp, cp = deductible_and_cap(rules, role)
        except PolicyError:
            return None
        if not _in_force(year, dp, cp):
            return None
        figures.append((role, dp, cp))
    for field, i, what, what_zh in (("ordinary_dedc", 1, "ordinary pooling deductible", "普通门诊统筹起付线"),
                                    ("ordinary_pay", 2, "ordinary pooling annual cap", "普通门诊统筹年度最高支付限额")):
        given = getattr(p.ytd, field)
        most = max((f[i].value for f in figures), default=None)
        if most is not None and given > most:
            listed = "; ".join(f"{_ROLE_SAID[f[0]]} {f[i].value} ({f[i].cite})" for f in figures)
            return field, _beyond_said(given, year, what, most, f"for the roles they can hold that year ({listed})",
                                       what_zh)
    return None


def _chronic_beyond(rules: Rules, p: Person) -> tuple[str, str] | None:
    """(field, why) where an opening chronic total is more than the person can have counted that year: a
    ytd.chronic_dedc above the disease's deductible, or the ytd.chronic_pay counted against one cap (benefits.cap_bucket:
    a disease's own, or 吉林's shared one) above that cap — the figures benefits.chronic_pooling settles with. Called
    after benefits.opening_year accepted the totals (so the document pays chronic visits and the keys are read).
    Where the figure is not known — the region gives none for the disease (a settlement of it is refused), the
    deductible is the ordinary one (吉林 二（三）: opening_year refuses a chronic_dedc there), or it is not in force
    that year — nothing is said: the text sets no bound. A 两病 disease's figures are cited to 攀枝花 第九条, as the
    engine cites them."""
    ytd, year = p.ytd, p.ytd.year
    if not (ytd.chronic_dedc or ytd.chronic_pay) or "chronic" not in rules.policy.covers:
        return None
    td = rules.policy.doc.get("two_disease")

    def said(code: str, f: Parameter, what: str, what_zh: str) -> tuple[str, str, str]:
        d = p.disease(code) if code != SHARED else None
        if td is not None and d is not None and d.kind == "two_disease":
            cite = join_cites(rules.policy.cite(str(td["article"])), f.region_cite) if f.source == "region" else f.cite
            return f"“两病” {what} of {_printable(code)}", cite, f"“两病”门诊用药{what_zh}"
        if code == SHARED:
            return (f"chronic-disease {what} shared by the diseases without one of their own", f.cite,
                    f"门诊慢性病共用的{what_zh}")
        return f"chronic-disease {what} of {_printable(code)}", f.cite, f"该病种的门诊慢特病{what_zh}"

    if not rules.flag("chronic.shares_ordinary_deductible"):
        for code, given in ytd.chronic_dedc.items():
            f = rules.find(f"chronic.{code}.deductible") or rules.find("chronic.deductible")
            if given and f is not None and _in_force(year, f) and given > f.value:
                what, cite, what_zh = said(code, f, "deductible", "起付线")
                return f"chronic_dedc.{_printable(code)}", _beyond_said(given, year, what, f.value, f"({cite})",
                                                                        what_zh)
    counted: dict[str, Decimal] = {}  # each cap's opening total so far, as opening_year buckets them
    for code, given in ytd.chronic_pay.items():
        bucket = SHARED if code == SHARED else cap_bucket(rules, code)
        f = rules.find(f"chronic.{bucket}.cap") if bucket != SHARED else None
        f = f or rules.find("chronic.cap")
        counted[bucket] = total = counted.get(bucket, Decimal(0)) + given
        if given and f is not None and _in_force(year, f) and total > f.value:
            what, cite, what_zh = said(bucket, f, "annual cap", "年度最高支付限额")
            # which cap a disease counts against, and codes' opening amounts summed under the shared one, are 吉林
            # readings (A-JL-CHRONIC-CAP-PER-DISEASE, A-JL-CHRONIC-YTD-BUCKET): said where they decide the bound
            cb = rules.policy.doc.get("chronic_cap_buckets")
            cite = join_cites(cite, cb.get("assumption") if cb else None,
                              OPENING_READING if bucket == SHARED and code != SHARED else None)
            shown_total = given if total == given else (
                f"{total} (with the other amounts given for the diseases sharing the cap)")
            return f"chronic_pay.{_printable(code)}", _beyond_said(shown_total, year, what, f.value, f"({cite})",
                                                                   what_zh)
    return None


class People(dict):
    """persons.load's persons by psn_no, with where each came from in the file, for ledger_checks (run after the
    ledger is read): `lines` the line (or record) of each, in the dict's order; `unit` which of the two; `path` the
    file; `names` its field names (a refusal names a column as the file spells it). A dict otherwise."""

    def __init__(self) -> None:
        super().__init__()
        self.lines = array.array("q")
        self.unit, self.path, self.names = "line", "", _Names()


def ledger_checks(con: duckdb.DuckDBPyConnection, people: People) -> dict:
    """What the persons file says against the ledger (table `ledger`, read), after both are loaded. Raises, located at
    the person's line, for a person born after a row of theirs (a settlement or reversal dated before birth_date: as a
    retire_date before birth_date, the record cannot be right). Returns the notes for summary.json's `persons_file`:
    `not_in_ledger` (persons whom no ledger row names: how many, and the first by line) and `flex_tier_unused` (records
    without psn_type giving a flex_tier for a person whose every ledger row types them as an employee, 1101/1201: the
    tier is read by no settlement), each None where there is none."""
    if not isinstance(people, People) or not people:
        return {"not_in_ledger": None, "flex_tier_unused": None}
    born = [(k, p.birth_date, people.lines[i]) for i, (k, p) in enumerate(people.items()) if p.birth_date is not None]
    if born:
        tbl = pa.table({"psn_no": pa.array([b[0] for b in born], pa.string()),
                        "birth_date": pa.array([b[1] for b in born], pa.date32()),
                        "line": pa.array([b[2] for b in born], pa.int64())})
        con.register("_persons_born", tbl)
        try:
            hit = con.execute("""
                SELECT b.line, b.birth_date, MIN(l.setl_date), arg_min(l.setl_id, l.setl_date)
                FROM _persons_born b JOIN ledger l ON l.psn_no = b.psn_no
                GROUP BY b.line, b.birth_date HAVING MIN(l.setl_date) < b.birth_date ORDER BY b.line LIMIT 1
                """).fetchall()
        finally:
            con.unregister("_persons_born")
        if hit:
            line, birth, first, setl_id = hit[0]
            raise AuditInputError(f"{birth} is after the person's settlement {one_line(str(setl_id))} in the ledger, "
                                  f"dated {first}: no one is settled before they are born; check birth_date "
                                  "(出生日期晚于该参保人在清单中的结算日期)", file=people.path, row=line,
                                  column=people.names.said("birth_date"), unit=people.unit)
    flex = [p.flex_tier is not None and p.psn_type is None for p in people.values()]
    tbl = pa.table({"psn_no": pa.array(list(people), pa.string()), "line": pa.array(people.lines, pa.int64()),
                    "flex": pa.array(flex, pa.bool_())})
    con.register("_persons_lines", tbl)
    try:
        absent = con.execute("""
            SELECT count(*), arg_min(p.psn_no, p.line), MIN(p.line) FROM _persons_lines p
            WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.psn_no = p.psn_no)""").fetchall()[0]
        unused = (0, None, None)
        if any(flex):
            unused = con.execute("""
                SELECT count(*), arg_min(p.psn_no, p.line), MIN(p.line) FROM _persons_lines p
                WHERE p.flex AND EXISTS (SELECT 1 FROM ledger l WHERE l.psn_no = p.psn_no)
                  AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.psn_no = p.psn_no
                                  AND CAST(l.psn_type AS VARCHAR) IN ('1103', '1203'))""").fetchall()[0]
    finally:
        con.unregister("_persons_lines")

    def note(row: tuple) -> dict | None:
        return {"persons": int(row[0]), "example_psn_no": row[1], people.unit: int(row[2])} if row[0] else None
    return {"not_in_ledger": note(absent), "flex_tier_unused": note(unused)}


def load(con: duckdb.DuckDBPyConnection, path: str | None, mapping: Mapping | None = None,
         policy: Policy | None = None, rules: Rules | None = None,
         refused: dict[str, AuditInputError] | None = None) -> People:
    """Create table `persons` (possibly empty) and return the parsed persons by psn_no.

    Its encoding is detected (_encoding): --encoding names the ledger files'. JSON lines and CSV are read a line
    at a time: only the parsed persons are kept.
    The ledger's --map applies to a person's psn_type too: its [codes.psn_type] maps the code, and a
    person whose type [skip] leaves out is left out here as well (as the ledger's rows are).
    With `policy`, a record of a person without an account (conform.reference.benefits.own_account: 攀枝花's tier 2)
    cannot give an opening balance (has_account false with one is refused by parse_person already).
    With `rules`, opening year-to-date totals (ytd) under a key no settlement reads are refused at their line
    (conform.reference.benefits.opening_year), whichever route — plan or reference engine — settles the person; with
    `refused` too, the located error is put there by psn_no instead of raised, for the caller to raise only for a
    person the ledger settles in the ytd's year (a city-wide file may hold anyone's lapsed registration); so are opening
    ordinary totals more than the person can have counted that year (_ytd_beyond). The persons come with the line of
    each (People), for ledger_checks once the ledger is read."""
    people = People()
    unit = "line"
    codes = (mapping.codes.get("psn_type") or {}) if mapping else {}
    skipped = set(mapping.skip.get("psn_type", ())) if mapping else set()
    if path:
        names = _Names(mapping)  # --map [columns]: 人员编号 -> psn_no, 账户余额 -> acct_balance
        records, unit = _stream(Path(path), names)
        people.unit, people.path, people.names = unit, path, names
        read = 0
        # The common record (a psn_no, a type given as one of the codes, a balance, perhaps a date) by parse_person's
        # fast path (case._fast_person) straight away: a code --map maps or skips, a psn_no Excel mangled, a date in
        # another form, a field it does not read, or any fault goes the general way below, which names it. (Digits
        # alone are no Excel number: SCI_ID needs its E.)
        quick_types = frozenset(t for t in PSN_TYPES if t not in codes and t not in skipped)
        for no, rec in records:
            read += 1
            # the common psn_no (ASCII letters and digits) as it is; any other read as the ledger reads its IDs
            if type(rec) is dict and not (type(sid := rec.get("psn_no")) is str and sid.isalnum() and sid.isascii()):
                rec = _own_psn_no(rec, no, path, unit, names)
            if type(rec) is dict and type(sid := rec.get("psn_no")) is str and type(typ := rec.get("psn_type")) is str \
                    and typ in quick_types and (sid.isdigit() or not _SCI_ID(sid)) \
                    and (p := _fast_person(rec)) is not None:
                untyped = False
            else:
                p, untyped = _general(rec, no, path, unit, names, codes, skipped)
                if p is None:
                    continue
            if policy is not None and p.acct_balance is not None and own_account(policy, p) is False:
                raise AuditInputError("a flexible worker of tier 2 has no personal account (攀枝花 第四条; A-PZH-FLEX-TIER2), "
                                      "so no balance: leave acct_balance out, or say has_account", file=path, row=no,
                                      column=names.said("acct_balance"), unit=unit)
            if rules is not None and p.ytd is not None:
                try:
                    opening_year(rules, p)
                except OpeningRefused as e:
                    err = AuditInputError(str(e), file=path, row=no, column=names.said(_printable(f"ytd.{e.field}")),
                                          unit=unit)
                    if refused is None:
                        raise err from None
                    refused[p.psn_no] = err
                else:
                    beyond = _ytd_beyond(rules, p, untyped) or _chronic_beyond(rules, p)
                    if beyond is not None:
                        err = AuditInputError(beyond[1], file=path, row=no, column=names.said(f"ytd.{beyond[0]}"),
                                              unit=unit)
                        if refused is None:
                            raise err
                        refused[p.psn_no] = err
            if untyped:
                p = dataclasses.replace(p, psn_type=None)
            if p.psn_no in people:
                raise AuditInputError(f"psn_no {p.psn_no!r} given twice", file=path, row=no, column=names.said("psn_no"),
                                      unit=unit)
            people[p.psn_no] = p
            people.lines.append(no)
        if not read:  # a CSV header alone
            raise AuditInputError("no persons: the file holds a header only; give the persons file the export "
                                  "should have written, or leave --persons out", file=path)
    ps = list(people.values())
    tbl = pa.table({
        "psn_no": pa.array([p.psn_no for p in ps], pa.string()),
        "p_psn_type": pa.array([p.psn_type for p in ps], pa.string()),
        "retire_date": pa.array([p.retire_date for p in ps], pa.date32()),
        "has_account": pa.array([p.has_account for p in ps], pa.bool_()),
        "flex_tier": pa.array([p.flex_tier for p in ps], pa.int32()),
        "bp_begin": pa.array([p.benefit_period.begin if p.benefit_period else None for p in ps], pa.date32()),
        "bp_end": pa.array([p.benefit_period.end if p.benefit_period else None for p in ps], pa.date32()),
        "remote_filing": pa.array([p.remote_filing for p in ps], pa.bool_()),
        "acct_balance": pa.array([_fen(p.acct_balance) for p in ps], pa.int64()),
        "ytd_year": pa.array([p.ytd.year if p.ytd else None for p in ps], pa.int32()),
        "ytd_dedc": pa.array([_fen(p.ytd.ordinary_dedc) if p.ytd else None for p in ps], pa.int64()),
        "ytd_pay": pa.array([_fen(p.ytd.ordinary_pay) if p.ytd else None for p in ps], pa.int64()),
        "n_stays": pa.array([len(p.hospital_stays) for p in ps], pa.int32()),
    })
    create_from_arrow(con, "persons", tbl)
    return people
