"""Hostile and odd input files for `conform settle`: each a located message, exit 2, never a traceback.

Every input here ended in a traceback, a silent wrong reading or unbounded work before the
strict loaders (conform/reference/loading.py), the one amount form (conform/reference/money.py) and the region
checks (conform/reference/policy.py). Figures where a case settles: 攀枝花 第七条, in-service, 三级:
deductible 200.00, 50%.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conform.harness.cli import main
from conform.reference.loading import MAX_DEPTH

PERSON = {"psn_no": "P1", "psn_type": "1101"}


def s(**kw):
    return {"id": "S1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary", "medfee_sumamt": "430", **kw}


def case(*settlements, policy="panzhihua", person=None, **kw):
    return {"policy": policy, "person": {**PERSON, **(person or {})}, "settlements": list(settlements), **kw}


def settle(args, stdin=None):
    return CliRunner().invoke(main, ["settle", *args], input=stdin)


def refused(result, *fragments):
    assert result.exit_code == 2, (result.exit_code, result.stdout[:300], result.stderr[:2000])
    err = result.stderr
    assert err.count("conform: error:") == 1, err
    assert "Traceback" not in err
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    for f in fragments:
        assert f in err, (f, err)
    return err


YAML_HEAD = "policy: panzhihua\nperson: {psn_no: P1, psn_type: '1101'}\n"


def yaml_settlement(**fields) -> str:
    base = {"id": "S1", "date": "2023-03-01", "med_type": "'11'", "facility": "tertiary", "medfee_sumamt": "'430'"}
    base.update(fields)
    return YAML_HEAD + "settlements:\n  - {" + ", ".join(f"{k}: {v}" for k, v in base.items()) + "}\n"


# --------------------------------------------------------------------------- YAML implicit types never reach the model

YAML_BAD = [
    ("a day that does not exist", yaml_settlement(date="2023-02-30"), ["settlement S1", "field date", "not a date"]),
    ("a date-time where a date is expected", yaml_settlement(date="2023-03-01 10:00:00"),
     ["field date", "not a date (YYYY-MM-DD): '2023-03-01 10:00:00'"]),
    (".nan as an amount", yaml_settlement(medfee_sumamt=".nan"), ["field medfee_sumamt", "'.nan'"]),
    (".inf as an amount", yaml_settlement(medfee_sumamt=".inf"), ["field medfee_sumamt", "'.inf'"]),
    # YAML 1.1 reads 1:30 as the sexagesimal 90: it must not become 90.00 yuan
    ("sexagesimal amount", yaml_settlement(medfee_sumamt="1:30"), ["field medfee_sumamt", "'1:30'"]),
    # YAML 1.1 reads `on` as true: the code must be named as written
    ("a boolean where a code is expected", yaml_settlement(facility="on"), ["field facility", "unknown code 'on'"]),
    ("a boolean flag word", yaml_settlement(remote="yes"), ["field remote", "'yes'"]),
]


@pytest.mark.parametrize("what, text, fragments", YAML_BAD, ids=[b[0] for b in YAML_BAD])
def test_yaml_implicit_types_are_located_errors(what, text, fragments):
    refused(settle(["-"], text), *fragments)


def test_yaml_unquoted_decimal_is_read_exactly():
    # 430.10 stays the text "430.10": (430.10 − 200) × 50% = 115.05
    out = json.loads(settle(["-"], yaml_settlement(medfee_sumamt="430.10")).stdout)
    assert out["settlements"][0]["hifp_pay"] == "115.05"


def test_yaml_alias_bomb_is_refused_at_once():
    # billion laughs: 9 levels of 9 aliases would expand to 9^9 strings
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    refused(settle(["-"], "\n".join(lines) + "\n"), "alias *a0 is not accepted", "line 2")


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_yaml_deep_nesting_is_refused(opener):
    refused(settle(["-"], "x: " + opener * 50_000), f"nested deeper than {MAX_DEPTH} levels")


def test_yaml_explicit_python_tag_is_refused():
    refused(settle(["-"], "!!python/object/apply:os.system ['true']\n"), "malformed YAML")


# --------------------------------------------------------------------------- JSON structure and numbers


def test_json_deep_nesting_is_refused():
    refused(settle(["-"], "[" * 100_000), "nested too deeply")


def test_json_thousands_of_digits_refused_before_arithmetic():
    text = json.dumps(case(s())).replace('"430"', "1" * 5000)
    # past Python's int limit too, refused by the field's own check, naming it (test_s17_long_json_number)
    refused(settle(["-"], text), "field medfee_sumamt: too large to be an amount")


@pytest.mark.parametrize("amount, message", [
    ('"1e999999"', "too large"),
    ("1e999999", "too large"),                 # a JSON number is read exactly, then by the same rule
    ('"1' + "0" * 3000 + '"', "too large"),
    ('"²⁰²³"', "only ASCII digits"),
    ('"٥٠٠"', "only ASCII digits"),
    ('"１００"', "only ASCII digits"),
    ('" 430"', "spaces"),
    ('"4.3e2"', "exponent notation"),
])
def test_amount_form_is_one_everywhere(amount, message):
    text = json.dumps(case(s())).replace('"430"', amount)
    refused(settle(["-"], text), "settlement S1", "field medfee_sumamt", message)


def test_json_number_amounts_are_exact():
    # 430.10 as a JSON number: (430.10 − 200) × 50% = 115.05, never via float
    out = json.loads(settle(["-"], json.dumps(case(s())).replace('"430"', "430.10")).stdout)
    assert out["settlements"][0]["hifp_pay"] == "115.05"


def test_non_ascii_digits_in_a_year_are_not_a_year():
    refused(settle(["-"], json.dumps(case(person={"ytd": {"year": "²⁰²³"}}))), "person ytd", "field year")


def test_lone_surrogate_is_a_located_error():
    text = json.dumps(case(s())).replace('"S1"', '"S\\ud800"')
    refused(settle(["-"], text), "case 0", "lone surrogate")


def test_invalid_utf8_names_the_byte_and_line(tmp_path):
    f = tmp_path / "bad.json"
    f.write_bytes(b'{"policy": "panzhihua",\n "person": {"psn_no": "\xff\xfe"}}')
    refused(settle([str(f)]), "invalid UTF-8 at byte", "line 2")


@pytest.mark.parametrize("where, data, fragments", [
    ("a month far out", case(account_credits=[{"month": "9999-12", "contribution": "1"}]),
     ["account_credits[0]", "field month", "9999-12", "1900–2100"]),
    ("month 13", case(account_credits=[{"month": "2023-13"}]), ["field month", "not a month"]),
    ("a date far out", case(s(date="9999-12-31"), policy="beijing", region="beijing-example"),
     ["settlement S1", "field date", "9999-12-31", "1900–2100"]),
])
def test_dates_and_months_out_of_range(where, data, fragments):
    refused(settle(["-"], json.dumps(data)), *fragments)


def test_negative_zero_prints_as_zero():
    out = json.loads(settle(["-"], json.dumps(case(s(medfee_sumamt="-0")))).stdout)
    assert out["settlements"][0]["medfee_sumamt"] == "0.00"
    # a reversal of a settlement that paid nothing: −0.00 is 0.00
    c = case(s(medfee_sumamt="100"), {"id": "R1", "date": "2023-03-02", "reverses": "S1"})
    rev = json.loads(settle(["-"], json.dumps(c)).stdout)["settlements"][1]
    assert rev["hifp_pay"] == "0.00" and rev["medfee_sumamt"] == "-100.00"


# --------------------------------------------------------------------------- size


def test_yaml_beyond_the_limit_is_refused_naming_it():
    big = YAML_HEAD + "settlements:\n" + "".join(
        f"  - {{id: S{i}, date: 2023-03-01, med_type: '11', facility: tertiary, medfee_sumamt: '1'}}\n"
        for i in range(20_000))
    assert len(big) > 1 << 20
    refused(settle(["--max-case-mb", "1", "-"], big), "larger than 1 MB", "--max-case-mb", "--jsonl")


def test_one_json_case_beyond_the_limit_is_refused_naming_it():
    c = case(*[s(id=f"S{i}") for i in range(20_000)])
    refused(settle(["--max-case-mb", "1", "-"], json.dumps(c)), "case 0 is larger than 1 MB", "--max-case-mb")


# --------------------------------------------------------------------------- regions


def test_region_directory_is_a_located_error(tmp_path):
    refused(settle(["-"], json.dumps(case(policy="jilin", region=str(tmp_path)))),
            "case 0 (P1)", "is a directory")


def test_region_over_long_name(tmp_path):
    refused(settle(["-"], json.dumps(case(policy="jilin", region="r" * 2000))), "case 0 (P1)", "region")


def test_region_path_through_a_file(tmp_path):
    f = tmp_path / "file.yaml"
    f.write_text("x: 1\n", encoding="utf-8")
    refused(settle(["-"], json.dumps(case(policy="jilin", region=str(f / "sub.yaml")))), "case 0 (P1)", "region")


def test_region_file_not_utf8(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_bytes(b"name: r\npolicy: jilin\nlabel: \xff\nvalues: {}\n")
    refused(settle(["-"], json.dumps(case(policy="jilin", region=str(f)))), "invalid UTF-8", "line 3")


REGION = Path(__file__).resolve().parent.parent / "conform" / "fixtures" / "regions" / "jilin-example.yaml"


def test_region_misspelt_top_level_key(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text(REGION.read_text(encoding="utf-8").replace("example: true", "exmaple: true"), encoding="utf-8")
    refused(settle(["-"], json.dumps(case(s(), policy="jilin", region=str(f)))), "unknown key(s) exmaple")


def test_region_implicit_date_is_read_strictly(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text(REGION.read_text(encoding="utf-8").replace("name: jilin-example", "name: r") + "  valid_from: 2023-02-30\n",
                 encoding="utf-8")  # a name of its own: an example's name means the shipped file
    refused(settle(["-"], json.dumps(case(s(), policy="jilin", region=str(f)))), "valid_from", "not a date")


def test_region_alias_bomb(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("name: &n x\npolicy: jilin\nlabel: *n\nvalues: {}\n", encoding="utf-8")
    refused(settle(["-"], json.dumps(case(policy="jilin", region=str(f)))), "alias *n is not accepted")


def test_libyaml_and_pure_python_strict_loaders_agree():
    """The fast path (libyaml parser) reads every shipped case and region file as the pure-Python loader does."""
    import yaml

    from conform.reference.loading import StrictLoader, load_yaml

    root = Path(__file__).resolve().parent.parent
    files = [*(root / "conform" / "fixtures" / "cases").glob("*.yaml"), *(root / "conform" / "fixtures" / "regions").glob("**/*.yaml")]
    assert len(files) > 10
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.load(text, Loader=StrictLoader), f  # noqa: S506


@pytest.mark.parametrize("params, fragments", [
    ({"ordinary.deductible": [[["200"]]]}, ["field params.ordinary.deductible", "expected a value"]),
    ({"ordinary.deductible": "２００"}, ["ordinary.deductible", "only ASCII digits"]),
    ({"chronic.ratio": "٦٠%"}, ["chronic.ratio", "not a ratio"]),
    ({"ordinary.deductible": "1e999999"}, ["ordinary.deductible", "too large"]),
])
def test_inline_params_are_read_by_the_same_rules(params, fragments):
    refused(settle(["-"], json.dumps(case(s(), policy="jilin", region="jilin-example", params=params))),
            "case 0 (P1)", *fragments)
