"""A key given twice in one YAML mapping or JSON object is refused, naming the line and the key.

YAML's parsers and JSON decoders keep the last of two equal keys without a word: a second
`ordinary.cap: "999999"` pasted under `ordinary.cap: "2000"` in a region file turned the 22 planted
discrepancies of a synthetic 浙江 ledger into 1,439 invented ones (131,128.65 yuan "underpaid").
Every loader refuses it: the strict one of cases, region files and persons files (conform.reference.loading
load_yaml, on libyaml and on the pure-Python parser), the safe one of the shipped policy files
(conform.reference.policy), and the exact JSON reader (load_json).
"""
from __future__ import annotations

import pytest
import yaml

from conform.reference import policy
from conform.reference.case import CaseError, load_text
from conform.reference.loading import InputError, UniqueSafeLoader, load_json, load_yaml
from conform.reference.policy import POLICY_IDS, REGION_DIR, PolicyError, load_region_file

ZHEJIANG = REGION_DIR / "zhejiang-example.yaml"



@pytest.mark.parametrize("text, line, key", [
    ("a: 1\na: 2\n", 2, "a"),
    ("values:\n  x: 1\n  y: 2\n  x: 3\n", 4, "x"),
    ("- p: 1\n- p: 1\n  q: 2\n  p: 3\n", 4, "p"),  # the second item's own keys, not across items
    ("{a: 1, b: 2, a: 3}\n", 1, "a"),
    ('"a": 1\na: 2\n', 2, "a"),  # quoting does not make it another key
    ("~: 1\nnull: 2\n", 2, None),
])
def test_the_strict_loader_refuses_a_key_given_twice(yaml_parser, text, line, key):
    with pytest.raises(InputError) as e:
        load_yaml(text)
    assert f"at line {line} column" in str(e.value) and f"key {key!r} given twice" in str(e.value), str(e.value)


def test_equal_keys_in_different_mappings_are_not_duplicates(yaml_parser):
    assert load_yaml("a:\n  x: 1\nb:\n  x: 2\n") == {"a": {"x": "1"}, "b": {"x": "2"}}


def test_a_region_file_with_a_second_cap_is_refused_with_file_line_and_key(tmp_path):
    lines = ZHEJIANG.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, s in enumerate(lines) if s.lstrip().startswith('ordinary.cap: "2000"'))
    f = tmp_path / "dup-region.yaml"
    f.write_text("".join(lines[:at + 1] + ['  ordinary.cap: "999999"\n'] + lines[at + 1:]), encoding="utf-8")
    with pytest.raises(PolicyError) as e:
        load_region_file(str(f))
    msg = str(e.value)
    assert str(f) in msg and f"line {at + 2} column 3" in msg and "'ordinary.cap' given twice" in msg, msg
    assert f"first on line {at + 1}" in msg


def test_a_case_with_a_key_given_twice_is_refused():
    with pytest.raises(CaseError, match=r"line 5 column 3: key 'psn_type' given twice \(first on line 4\)"):
        load_text("policy: panzhihua\nperson:\n  psn_no: P1\n  psn_type: '1101'\n  psn_type: '1201'\n", "c.yaml")


def test_the_safe_loader_of_the_policy_files_refuses_a_key_given_twice():
    with pytest.raises(yaml.YAMLError, match="key 'cap' given twice"):
        yaml.load("clause:\n  cap: 2000\n  ratio: 0.5\n  cap: 999999\n", Loader=UniqueSafeLoader)  # noqa: S506
    with pytest.raises(yaml.YAMLError, match="key 1.0 given twice"):  # 1 and 1.0 are one key of a dict
        yaml.load("1: a\n1.0: b\n", Loader=UniqueSafeLoader)  # noqa: S506
    # a key a merge brings in may still be overridden: only the mapping's own keys are compared
    assert yaml.load("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  x: 3\n", Loader=UniqueSafeLoader)["d"] == {  # noqa: S506
        "x": 3, "y": 2}


def test_a_policy_file_with_a_key_given_twice_is_refused_naming_it(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("id: x\nshort: X\nid: y\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=rf"policy file {f}: line 3 column 1: key 'id' given twice \(first on line 1\)"):
        policy._load_yaml(f)


def test_the_shipped_policies_and_regions_have_no_key_twice():
    for pid in POLICY_IDS:
        policy.load_policy.__wrapped__(pid)  # uncached: read with the refusing loader
    for f in sorted(REGION_DIR.glob("*.yaml")):
        load_region_file(str(f))


@pytest.mark.parametrize("text, where, key", [
    ('{"a": 1, "a": 2}', "line 1 column 10", "a"),
    ('{"a": 1,\n "b": {"c": 1, "d": [1, {"x": 2}],\n   "c": 2}}', "line 3 column 4", "c"),
    ('[{"a": 1}, {"a": 1, "a" : 2}]', "line 1 column 21", "a"),
])
def test_json_refuses_a_key_given_twice_with_its_line_and_column(text, where, key):
    with pytest.raises(InputError) as e:
        load_json(text)
    assert f"JSON at {where}: key {key!r} given twice" in str(e.value), str(e.value)


def test_json_of_one_line_of_many_names_that_line():
    with pytest.raises(InputError, match="line 7 column 10"):
        load_json('{"a": 1, "a": 2}', line0=6)


def test_json_values_are_unchanged():
    from decimal import Decimal

    assert load_json('{"a": 1.10, "b": {"a": [1, {"a": null}]}}') == {"a": Decimal("1.10"), "b": {"a": [1, {"a": None}]}}



def test_a_mapping_merged_before_it_is_built_may_still_override_what_it_merges():
    """PyYAML flattens an anchored mapping in place when a later one merges it (`sibling: {<<: *X}`)
    before X itself is built: X's merged `k` and its own `k` must not read as a key given twice."""
    import yaml

    from conform.reference.loading import UniqueSafeLoader

    text = ("base: &base {k: 1, j: 1}\nouter:\n  inner: &X\n    <<: *base\n    k: 2\n"
            "sibling:\n  <<: *X\n  z: 3\n")
    assert yaml.load(text, Loader=UniqueSafeLoader) == yaml.safe_load(text)  # noqa: S506 - a safe loader
    assert yaml.safe_load(text)["sibling"] == {"k": 2, "j": 1, "z": 3}
