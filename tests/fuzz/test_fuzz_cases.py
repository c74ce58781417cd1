"""Fuzzing case files (JSON, JSON lines, YAML) through `conform settle`'s reader and the engine.

Arbitrary bytes, mutated example cases and example cases with a field replaced by an arbitrary
value each end in printed figures or in the documented refusal (a located message, which the
command prints with exit 2) — never another exception — within the deadline.
"""
from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conform.harness.settle_cli import SettleError, run

from .fuzz_profile import FUZZ, mutated

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [p.read_bytes() for p in sorted((ROOT / "conform" / "fixtures" / "cases").iterdir())]
CASES = [json.loads(json.dumps(yaml.safe_load(b), default=str)) for b in EXAMPLES]
HOSTILE = [b"1e999999", "٥٠٠".encode(), "２０２３".encode(), b"\\ud800", b"\xff", b"[" * 40, b"&a x", b"*a",
           b"2023-02-30", b".nan", b"9999-12", b"null", b"true", b"-0", b'"', b"{", b"}", b",", b":", b"\n- ",
           b"!!python/object:x", b"0x1F", b"1_000", b"1:30", b"~", b"'", b"\t", b"\x00", b"9" * 400]


def settle_bytes(data: bytes, *args: str) -> None:
    """The command's whole path on `data`: figures, or SettleError with a message."""
    out = io.BytesIO()
    try:
        run("-", *args, stdout=out, stderr=io.StringIO(), stdin=io.BytesIO(data))  # type: ignore[misc]
    except SettleError as e:
        assert str(e).strip(), "a refusal without a message"
        return
    assert out.getvalue(), "no output and no refusal"
    if args[1]:  # --jsonl
        for line in out.getvalue().splitlines():
            json.loads(line)
    else:
        json.loads(out.getvalue())


def default_args(jsonl: bool = False) -> tuple:
    return (None, jsonl, 1)  # trace (auto), jsonl, max case MB


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(tally, data):
    tally.measure("cases: arbitrary bytes", repr(data[:80]), settle_bytes, data, *default_args())


@FUZZ
@given(mutated(EXAMPLES, HOSTILE, span=12))
def test_mutated_example_files(tally, data):
    tally.measure("cases: mutated", repr(data[:80]), settle_bytes, data, *default_args())


JSON_SCALARS = (st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.text(max_size=20)
                | st.sampled_from(["2023-02-30", "2023-03-01", "9999-12", "1e999999", "-0", "٥٠٠", "430.10",
                                   "11", "14", "41", "tertiary", "pharmacy", "1101", "1203", "0.5", "50%"]))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def paths(value, prefix=()):
    """Every place in a case where a value sits."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*prefix, i))


@st.composite
def case_with_one_field_replaced(draw) -> dict:
    case = json.loads(json.dumps(draw(st.sampled_from(CASES))))
    where = draw(st.sampled_from([p for p in paths(case) if p]))
    target = case
    for k in where[:-1]:
        target = target[k]
    if draw(st.booleans()) and isinstance(target, dict):
        target[draw(st.text(max_size=8))] = draw(JSON_VALUES)  # an extra (maybe unknown) key
    else:
        target[where[-1]] = draw(JSON_VALUES)
    return case


@FUZZ
@given(case_with_one_field_replaced(), st.sampled_from(["json", "jsonl", "yaml", "list"]))
def test_example_cases_with_a_field_replaced(tally, case, form):
    if form == "json":
        data = json.dumps(case, ensure_ascii=False).encode("utf-8", "surrogatepass")
    elif form == "jsonl":
        data = (json.dumps(case) + "\n" + json.dumps(CASES[0]) + "\n").encode()
    elif form == "list":
        data = json.dumps([CASES[1], case]).encode()
    else:
        data = yaml.safe_dump(case, allow_unicode=True).encode("utf-8", "surrogatepass")
    tally.measure(f"cases: a field replaced ({form})", repr(data[:80]), settle_bytes, data,
                  *default_args(jsonl=form == "jsonl"))


HOSTILE_FILES = {
    "alias bomb": b"a: &a [x,x,x,x,x,x,x,x,x]\n" + b"".join(
        f"a{i}: &a{i} [{','.join(['*a' if i == 1 else f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 10)),
    "deep JSON": b"[" * 200_000,
    "deep YAML": b"a: " + b"[" * 20_000,
    "long number": b'{"policy": ' + b"9" * 1_000_000 + b"}",
    "long string": b'{"policy": "' + b"x" * 3_000_000 + b'"}',
    "many keys": b"{" + b",".join(b'"k%d": 1' % i for i in range(100_000)) + b"}",
}


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_hostile_files_are_refused_in_bounded_time_and_memory(name):
    data = HOSTILE_FILES[name]
    tracemalloc.start()
    try:
        settle_bytes(data, *default_args())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * len(data) + (32 << 20), f"{name}: peak {peak >> 20} MiB for {len(data) >> 10} KiB"
