"""Fuzzing conform.toml: arbitrary, structured and mutated files → a checked AdapterConfig or a ConfigError
with a message naming the file — never another exception, within the time and memory bounds."""
from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

from .fuzz_profile import FUZZ
from hypothesis import given
from hypothesis import strategies as st

from conform.harness import evidence
from conform.harness.adapters import AdapterSpecError, make_adapter
from conform.harness.config import ADAPTER_KEYS, AdapterConfig, ConfigError, load_adapter_config

VALID = """[adapter]
url = "http://user:pw@127.0.0.1:8080/api?token=abc123&mode=x"
timeout = 2.5
max_response_bytes = 100000
concurrency = 8
consecutive_failures = 3
insuplc_admdvs = "510400"
supports = ["prepare_person", "settle"]
[adapter.headers]
X-Api-Key = { env = "CONFORM_FUZZ_KEY" }
X-Vendor = "acme"
[adapter.options]
region = "x"
"""
ENV = {"CONFORM_FUZZ_KEY": "k-123", "EMPTY": "", "CTRL": "a\x00b", "WIDE": "ａｂ"}
DIR = Path(tempfile.mkdtemp(prefix="conform-fuzz-config-"))
atexit.register(shutil.rmtree, DIR, True)  # one per importing process; none left in /tmp
make_adapter("http://127.0.0.1:9/")  # import what an http adapter needs now, not inside the first timed input


def check(text: str | bytes) -> None:
    saved = set(evidence._secrets)  # noqa: SLF001 - fuzzed "secrets" must not mask other tests' evidence
    try:
        _check(text)
    finally:
        with evidence._lock:  # noqa: SLF001
            evidence._secrets.clear()
            evidence._secrets.update(saved)


def _check(text: str | bytes) -> None:
    path = DIR / "conform.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        cfg = load_adapter_config(path, ENV)
    except ConfigError as e:
        assert str(path) in str(e) and len(str(e)) < 5000, str(e)[:500]
        return
    assert isinstance(cfg, AdapterConfig)
    if cfg.spec is None or cfg.spec.startswith(("http://", "https://")):  # never import fuzzed module names
        try:
            make_adapter(None, cfg)
        except AdapterSpecError as e:
            assert str(e)


def toml_value() -> st.SearchStrategy[str]:
    scalars = st.one_of(
        st.text(max_size=30).map(json.dumps),                         # a TOML basic string (JSON escapes)
        st.integers(min_value=-10**30, max_value=10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(lambda f: {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(
            repr(f), repr(f))),
        st.booleans().map(lambda b: "true" if b else "false"),
        st.sampled_from(["1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", '{ env = "CONFORM_FUZZ_KEY" }',
                         '{ env = "EMPTY" }', '{ env = "CTRL" }', '{ env = "WIDE" }', '{ file = "x" }',
                         '"http://127.0.0.1:99999/"', '"https://[::1]:8/"', '"python:"', '"http://"',
                         '"http://a b/"', '"reference"', "[]", '["settle"]', '["settle", 1]', "{}"]),
    )
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
                        max_leaves=6)


KEYS = st.one_of(st.sampled_from(sorted(ADAPTER_KEYS)), st.text(max_size=12).map(json.dumps))
HEADER_NAMES = st.one_of(st.sampled_from(["X-Api-Key", "Content-Length", "host", "X-A", "x-a", "Authorization"]),
                         st.text(max_size=12).map(json.dumps))


@st.composite
def structured(draw) -> str:
    lines = ["[adapter]"]
    for key in draw(st.lists(KEYS, max_size=6, unique=True)):
        if key not in ("headers", "options"):
            lines.append(f"{key} = {draw(toml_value())}")
    if draw(st.booleans()):
        lines.append("[adapter.headers]")
        for name in draw(st.lists(HEADER_NAMES, max_size=4, unique=True)):
            lines.append(f"{name} = {draw(toml_value())}")
    if draw(st.booleans()):
        lines.append(f"[{draw(st.sampled_from(['adapter.options', 'other', 'adapter.headers.deep']))}]")
        lines.append(f"x = {draw(toml_value())}")
    return "\n".join(lines) + "\n"


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(VALID.encode())
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup"]))
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and len(data) > 1:
            del data[i:i + draw(st.integers(1, 20))]
        else:
            j = draw(st.integers(i, min(len(data), i + 40)))
            data[i:i] = data[i:j] * draw(st.integers(1, 50))
    return bytes(data)


@FUZZ
@given(text=st.text(max_size=300))
def test_arbitrary_text(tally, text):
    tally.measure("config: arbitrary text", text, check, text)


@FUZZ
@given(text=structured())
def test_structured_configs(tally, text):
    tally.measure("config: structured", text, check, text)


@FUZZ
@given(data=mutated())
def test_mutated_valid_config(tally, data):
    tally.measure("config: mutated", repr(data[:80]), check, data)


def test_the_valid_config_is_valid():
    cfg = load_adapter_config(_write(VALID), ENV)
    assert cfg.timeout == 2.5 and cfg.max_response_bytes == 100000 and cfg.headers["X-Api-Key"] == "k-123"


def test_pathological_files(tally):
    for label, data in [("deep arrays", b"[adapter.options]\nx = " + b"[" * 100_000 + b"]" * 100_000),
                        ("deep inline tables", b"[adapter.options]\nx = " + b"{a=" * 5_000 + b"1" + b"}" * 5_000),
                        ("huge integer", b"[adapter]\nconcurrency = " + b"9" * 100_000),
                        ("many keys", b"[adapter.options]\n" + b"".join(b"k%d = 1\n" % i for i in range(20_000))),
                        ("lone surrogate", '[adapter]\nname = "\\ud800"\n'.encode()),
                        ("NUL", b"[adapter]\nname = \"a\x00b\"\n"),
                        ("BOM", b"\xef\xbb\xbf[adapter]\nname = \"reference\"\n")]:
        tally.measure("config: pathological", label, check, data)


def _write(text: str) -> Path:
    p = DIR / "valid.toml"
    p.write_text(text, encoding="utf-8")
    return p
