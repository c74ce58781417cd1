"""The persons file's shortcuts (conform/audit/persons.py `load`, `_json_lines`, `_iso`; case.py `_fast_person`)
give exactly what the general path gives: the same Person objects, or the same located refusal.

The shortcuts exist for speed only (a city's persons file holds hundreds of thousands of records), so an equality
test cannot fail for want of them; it is written as a real differential instead: every generated record is loaded
twice, once as `conform audit` reads it and once with both fast paths switched off (every record through
`_general` and case._parse_person, the field-by-field reader that names each fault), and the two outcomes compared
— Decimal exponents, types and the message's file, line and field included. What can fail without the change is
the last group: that the common records (a balance, a retirement date) take the fast path at all.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conform.audit import persons
from conform.audit.errors import AuditInputError
from conform.audit.ledger import DATE_FORMATS
from conform.audit.mapping import Mapping
from conform.reference import case
from conform.reference.case import Person

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])


def _same(a: object, b: object) -> bool:
    """Equal, of the same types, and Decimals with the same digits and exponent."""
    return type(a) is type(b) and repr(a) == repr(b)


def _outcome(path: Path, mapping: Mapping | None = None, slow: bool = False) -> object:
    """persons.load's persons (each field's repr), or its refusal's text; `slow`: with no fast path."""
    with pytest.MonkeyPatch.context() as mp:
        if slow:
            mp.setattr(persons, "_fast_person", lambda data: None)
            mp.setattr(case, "_fast_person", lambda data: None)
        try:
            people = persons.load(duckdb.connect(), str(path), mapping)
        except AuditInputError as e:
            return ("refused", str(e), e.row, e.column)
    out = {}
    for k, p in people.items():
        assert type(p) is Person
        out[k] = tuple((n, type(getattr(p, n)).__name__, repr(getattr(p, n))) for n in Person.__slots__)
    return out


# Values as JSON text, valid and not: the common shapes, their near misses, and what only the general path reads.
ID = st.sampled_from(['"3301000000000003"'] * 6 + ['"P1"', '""', '"' + "9" * 201 + '"', '"3.30100E+15"',
                                                  "3301000000000003", '" P1"', "null", "true", '["P1"]'])
TYPE = st.sampled_from(['"1101"', '"1103"', '"1201"', '"1203"'] * 3 + ['" 1101"', '"1102"', '"1300"', "1101", "null",
                                                                      "true", '{"a": 1}'])
AMOUNT = st.one_of(
    st.sampled_from(['"179.12"', '"0.00"', '"000.00"', '"0"', '"12.5"', '"12.345"', '"-1.00"', '" 1.00"', '"1e3"',
                     '"１２.00"', '"999999999999.99"', '"9999999999999.99"', '"12.3a"', '"."', '"1.0"', "12.5", "12.345",
                     "100", "-3", "1e3", "null", "true", '"NaN"', '"12:30"']),
    st.decimals(min_value=0, max_value=10 ** 13, places=2, allow_nan=False).map(lambda d: json.dumps(str(d))),
    st.decimals(min_value=0, max_value=10 ** 6, places=2, allow_nan=False).map(lambda d: json.dumps(str(d))),
    st.decimals(min_value=-10, max_value=10 ** 6, places=3, allow_nan=False).map(lambda d: json.dumps(str(d))),
)
DATE = st.one_of(
    st.sampled_from(['"2023-06-01"', '"1960-02-29"', '"1961-02-29"', '"2023-02-30"', '"1899-12-31"', '"2101-01-01"',
                     '"0000-01-01"', '"2023/06/01"', '"20230601"', '"2023-6-1"', '"2023-06-01 00:00:00"',
                     '"2023-06-01T00:00:00"', '" 2023-06-01"', '"２０２３-06-01"', "20230601", "null", '"x"']),
    st.dates(dt.date(1890, 1, 1), dt.date(2110, 12, 31)).map(lambda d: json.dumps(d.isoformat())),
)
FLAG = st.sampled_from(["true", "false", '"1"', '"0"', "1", "0", '"yes"', "2", "null", '"TRUE"'])
FIELDS = {
    "psn_no": ID, "psn_type": TYPE, "acct_balance": AMOUNT, "retire_date": DATE, "birth_date": DATE,
    "flex_tier": st.sampled_from(['"1"', '"2"', "2", '"3"', "true", "null"]), "remote_filing": FLAG,
    "has_account": FLAG, "benefit_period": st.sampled_from(['{"begin": "2023-01-01", "end": "2023/12/31"}',
                                                            '{"begin": "2023-01-01"}']),
    "hospital_stays": st.just('[{"begin": "2023-03-01", "end": "2023-03-05"}]'),
    "ytd": st.just('{"year": 2023, "ordinary_dedc": "100.00"}'), "name": st.just('"张三"'),
}


@st.composite
def json_record(draw) -> str:
    """One line: mostly the common shape (psn_no, psn_type, then a balance and/or a date), sometimes anything."""
    base = {"psn_no": draw(ID), "psn_type": draw(TYPE)} if draw(st.integers(0, 3)) else {}
    # the common fields drawn more often than the rest, so that the fast path meets many near misses
    keys = draw(st.lists(st.sampled_from(["acct_balance", "retire_date"] * 4 + sorted(FIELDS)), max_size=3, unique=True))
    fields = {**base, **{k: draw(FIELDS[k]) for k in keys}}
    pairs = [f'"{k}": {v}' for k, v in fields.items()]
    if pairs and draw(st.booleans()) and draw(st.booleans()):  # a key given twice (orjson would keep the last)
        pairs.append(draw(st.sampled_from(pairs)).split(":", 1)[0] + ': "999.00"')
    sep = draw(st.sampled_from([", ", ",", " , "]))
    return "{" + sep.join(pairs) + "}"


@FAST
@given(json_record())
@example('{"psn_no": "3301000000000003", "psn_type": "1101", "acct_balance": "179.12"}')
@example('{"psn_no": "3301000000000003", "psn_type": "1201", "retire_date": "2020-05-01"}')
@example('{"psn_no": "3301000000000003", "psn_type": "1201", "acct_balance": "0.00", "retire_date": "2020-05-01"}')
@example('{"psn_no": "P1", "psn_type": "1201", "birth_date": "1960-05-01", "retire_date": "1959-05-01"}')
@example('{"psn_no": "P1", "psn_type": "1101", "acct_balance": "1.00", "acct_balance": "999999.00"}')
@example('{"psn_no": "P1", "psn_type": "1101", "acct_balance": "12.345"}')
@example('{"psn_no": "P1", "psn_type": "1101", "acct_balance": "1234567890123.45"}')
@example('{"psn_no": "3.30100E+15", "psn_type": "1101", "acct_balance": "1.00"}')
@example('{"psn_no": "P1", "psn_type": "1201", "retire_date": "2023/06/01"}')
def test_a_record_loads_the_same_with_and_without_the_fast_paths(tmp_path, line):
    path = tmp_path / "persons.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    fast, slow = _outcome(path), _outcome(path, slow=True)
    assert fast == slow, line


CODES = Mapping(codes={"psn_type": {"1102": "1101", "1201": "1101"}})
SKIP = Mapping(skip={"psn_type": ("1103", "1300")})


@FAST
@given(st.lists(json_record(), min_size=1, max_size=4), st.sampled_from([None, CODES, SKIP]))
@example(['{"psn_no": "P1", "psn_type": "1201", "acct_balance": "1.00"}'], CODES)
@example(['{"psn_no": "P1", "psn_type": "1103", "acct_balance": "1.00"}', '{"psn_no": "P2", "psn_type": "1101"}'], SKIP)
def test_a_file_loads_the_same_with_and_without_the_fast_paths_under_a_map(tmp_path, lines, mapping):
    """--map's [codes.psn_type] and [skip] apply to a code the fast path would otherwise take (1201, 1103)."""
    path = tmp_path / "persons.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _outcome(path, mapping) == _outcome(path, mapping, slow=True)


@FAST
@given(st.lists(st.one_of(json_record(), st.sampled_from(["", "   ", "\t", "{", "[1, 2]", '"x"', "null", "{}",
                                                            '{"a": {"b": 1}}', '{"a": 1.5}', '{"a": [1.0]}',
                                                            '{"a": "x:y"}', '{"a": 1} x', "\f", '{"a": 1}\f',
                                                            "{" * 300 + "}" * 300, '{"a": 123456789012345678901}'])),
                min_size=1, max_size=5))
def test_the_json_lines_reader_reads_each_line_as_json_line_does(tmp_path, lines):
    """_json_lines takes _json_line's common case inline; every line must come out as _json_line reads it."""
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def each(read):
        out = []
        try:
            for no, rec in read():
                out.append((no, repr(rec), type(rec).__name__))
        except AuditInputError as e:
            out.append(("refused", str(e)))
        return out

    def by_json_line():
        for no, line in enumerate(path.read_text(encoding="utf-8").split("\n")[:-1], start=1):
            if line.strip():
                yield no, persons._json_line(line, path, no)

    assert each(lambda: persons._json_lines(path, "utf-8")) == each(by_json_line)


def _iso_by_formats(v: object) -> object:
    """_iso as it was before its shortcut for ISO dates: every ledger format tried with strptime."""
    if isinstance(v, str):
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(v.strip(), fmt).date().isoformat()
            except ValueError:
                continue
    return v


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.dates().map(dt.date.isoformat), st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
                 st.sampled_from(["2023-02-30", "0000-01-01", "2023/06/01", "2023-6-1", "２０２３-06-01", " 2023-06-01"]),
                 st.text(max_size=12)))
def test_an_iso_date_is_left_as_every_ledger_format_would_leave_it(v):
    assert persons._iso(v) == _iso_by_formats(v)


# --- refusals on the fast path's shape: each names its line and field, with the case reader's words

@pytest.mark.parametrize("fields, column, words", [
    # money: at most two decimals (fen), never a float, ASCII digits, not negative (conform/reference/money.py)
    ('"acct_balance": "12.345"', "acct_balance", "more than two decimals (fen)"),
    ('"acct_balance": 12.345', "acct_balance", "more than two decimals (fen)"),
    ('"acct_balance": "１２.00"', "acct_balance", "only ASCII digits 0-9"),
    ('"acct_balance": "-1.00"', "acct_balance", "negative amount"),
    ('"acct_balance": "9999999999999.99"', "acct_balance", "too large"),
    ('"acct_balance": true', "acct_balance", "must be a string or integer amount"),
    # dates: a real day, ISO or a ledger format, years 1900–2100, no retirement before birth
    ('"retire_date": "2023-02-30"', "retire_date", "not a date (YYYY-MM-DD)"),
    ('"retire_date": "1899-12-31"', "retire_date", "outside the years 1900–2100"),
    ('"birth_date": "1960-05-01", "retire_date": "1959-05-01"', "retire_date", "before birth_date 1960-05-01"),
    # the person's own fields: bounded text, a known code, a known field, one value a key
    ('"psn_no": "' + "9" * 201 + '"', "psn_no", "longer than 200 characters (201)"),
    ('"psn_type": "1102"', "psn_type", "unknown code '1102'"),
    ('"nickname": "x"', "nickname", "unknown field(s) nickname"),
    # a key given twice: valid JSON to orjson (which keeps the last), refused by the exact reader
    ('"acct_balance": "1.00", "acct_balance": "999999.00"', None, "acct_balance"),
])
def test_a_bad_record_of_the_common_shape_is_refused_at_its_line_and_field(tmp_path, fields, column, words):
    # line 2: a good record first, so the refusal's line is the bad record's, not the file's first
    good = '{"psn_no": "P0", "psn_type": "1101", "acct_balance": "1.00"}'
    bad = {"psn_no": '"P1"', "psn_type": '"1201"'}
    body = ", ".join(f'"{k}": {v}' for k, v in bad.items() if f'"{k}"' not in fields)
    path = tmp_path / "persons.jsonl"
    path.write_text(good + "\n{" + body + ", " + fields + "}\n", encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        persons.load(duckdb.connect(), str(path))
    assert e.value.row == 2 and str(path) in str(e.value) and words in str(e.value), str(e.value)
    if column is not None:
        assert e.value.column == column, str(e.value)
    assert _outcome(path) == _outcome(path, slow=True)


def test_an_excel_mangled_psn_no_is_refused_on_the_fast_path_shape(tmp_path):
    path = tmp_path / "persons.jsonl"
    path.write_text('{"psn_no": "3.30100E+15", "psn_type": "1101", "acct_balance": "1.00"}\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        persons.load(duckdb.connect(), str(path))
    assert e.value.row == 1 and e.value.column == "psn_no"


# --- what the change is for: the common records take the fast path (these fail without it)

def test_the_common_records_never_reach_the_field_by_field_reader(tmp_path, monkeypatch):
    """A balance, a retirement date, or both (a city's persons file: nine records in ten and one in twelve), in
    ISO form: built by case._fast_person, never by _parse_person and never through strptime's formats."""
    def refuse(*a, **k):
        raise AssertionError("a common record went the general way")

    monkeypatch.setattr(case, "_parse_person", refuse)
    monkeypatch.setattr(persons, "_iso_dates", refuse)
    path = tmp_path / "persons.jsonl"
    path.write_text('{"psn_no": "A", "psn_type": "1101", "acct_balance": "179.12"}\n'
                    '{"psn_no": "B", "psn_type": "1201", "retire_date": "2020-05-01"}\n'
                    '{"psn_no": "C", "psn_type": "1203", "acct_balance": "0.00", "retire_date": "2021-01-31", '
                    '"birth_date": "1961-01-31"}\n', encoding="utf-8")
    people = persons.load(duckdb.connect(), str(path))
    assert people["B"].retire_date == dt.date(2020, 5, 1) and people["B"].acct_balance is None
    assert people["C"].birth_date == dt.date(1961, 1, 31) and str(people["C"].acct_balance) == "0.00"


def test_a_retirement_date_is_read_by_the_fast_person_reader():
    """`conform settle` gains too: a person with a retire_date is built without the field-by-field reader."""
    data = {"psn_no": "P1", "psn_type": "1201", "birth_date": "1960-05-01", "retire_date": "2020-05-01"}
    fast = case._fast_person(data)
    assert fast is not None and fast == case._parse_person(data, "0")
    assert case._fast_person({**data, "retire_date": "1959-05-01"}) is None  # before birth: the general path names it
