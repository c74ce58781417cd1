"""Fuzzing region files: arbitrary and mutated region YAML, loaded and bound to its policy.

Each input ends in bound rules or a PolicyError with a message — never another exception —
within the deadline. The file is written to a temporary path, as a user's region file would be.
"""
from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conform.reference.policy import POLICY_IDS, PolicyError, bind, load_region_file

from .fuzz_profile import FUZZ, mutated

ROOT = Path(__file__).resolve().parents[2]
REGION_FILES = sorted((ROOT / "conform" / "fixtures" / "regions").glob("**/*.yaml"))
EXAMPLES = [p.read_bytes() for p in REGION_FILES]
HOSTILE = [b"exmaple: true\n", b"&a x", b"*a", b"2023-02-30", b".nan", b".inf", b"1:30", b"yes", b"~", b"null",
           b"[" * 40, b"{", b"\xff", b"\x00", b"!!python/object:x", "٥٠".encode(), b"1e999999", b"-0", b"\t",
           b"\nvalues: []\n", b"\npolicy: nowhere\n", b"\nvalid_from: 2023-01-01\n", b"0.5", b"50%", b"9" * 300]


def load_and_bind(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        region = load_region_file(str(path))
        bind(region.policy, region) if region.policy in POLICY_IDS else bind("jilin", region)
    except PolicyError as e:
        assert str(e).strip(), "a refusal without a message"


@FUZZ
@given(data=st.binary(max_size=1000))
def test_arbitrary_region_bytes(tally, tmp_path_factory, data):
    path = tmp_path_factory.getbasetemp() / "fuzz-region.yaml"
    tally.measure("regions: arbitrary bytes", repr(data[:80]), load_and_bind, path, data)


@FUZZ
@given(data=mutated(EXAMPLES, HOSTILE, span=16, byte_flips=False))
def test_mutated_region_files(tally, tmp_path_factory, data):
    path = tmp_path_factory.getbasetemp() / "fuzz-region.yaml"
    tally.measure("regions: mutated", repr(data[:80]), load_and_bind, path, data)


def test_every_shipped_region_loads_as_before():
    """The strict loader reads the example regions' values as the text the files hold."""
    for p in (ROOT / "conform" / "fixtures" / "regions").glob("*.yaml"):
        region = load_region_file(p.stem)
        assert region.example is True and region.name == p.stem
        assert all(isinstance(v, str) for v in region.values.values())
        bind(region.policy, region)
