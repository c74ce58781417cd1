"""`conform settle CASE`: JSON or YAML from a file or stdin, one case or a list.

Bad input exits 2 with one message that says where the problem is (case,
settlement, field) and no traceback. Figures: 攀枝花 第七条 (在职 200元, 三级50%).
Most runs go through click's CliRunner; a few run the installed `conform`
entry point (what `uv run conform` executes) in a subprocess.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conform.harness.cli import main

ROOT = Path(__file__).resolve().parent.parent
PERSON = {"psn_no": "P1", "psn_type": "1101"}


def s(sid="S1", date="2023-03-01", amount="430", facility="tertiary", med_type="11", **kw):
    return {"id": sid, "date": date, "med_type": med_type, "facility": facility, "medfee_sumamt": amount, **kw}


def case(*settlements, policy="panzhihua", person=None, **kw):
    return {"policy": policy, "person": {**PERSON, **(person or {})}, "settlements": list(settlements), **kw}


CASE = case(s())  # (430 − 200) × 50% = 115.00


def invoke(args, stdin=None):
    return CliRunner().invoke(main, args, input=stdin)


def settle_text(text, *extra):
    return invoke(["settle", "-", *extra], text)


def ok(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- success paths


def test_settle_json_file(tmp_path):
    f = tmp_path / "c1.json"
    f.write_text(json.dumps(CASE), encoding="utf-8")
    out = ok(invoke(["settle", str(f)]))
    (st,) = out["settlements"]
    # 攀枝花 第七条: (430 − 200) × 50% = 115.00; the person pays 430 − 115 = 315.00
    assert (st["act_pay_dedc"], st["hifp_pay"], st["psn_part_amt"], st["psn_cash_pay"]) == (
        "200.00", "115.00", "315.00", "315.00")
    assert out["policy"] == "panzhihua" and out["psn_no"] == "P1"
    assert out["ytd"]["2023"]["ordinary_pay"] == "115.00"
    assert all(step["clause"] for step in st["trace"])


def test_settle_yaml_file_keeps_decimals_exact(tmp_path):
    f = tmp_path / "c1.yaml"
    # an unquoted 430.10 must not pass through float: (430.10 − 200) × 50% = 115.05
    f.write_text(
        "policy: panzhihua\n"
        "person: {psn_no: P1, psn_type: '1101'}\n"
        "settlements:\n"
        "  - {id: S1, date: 2023-03-01, med_type: '11', facility: tertiary, medfee_sumamt: 430.10}\n",
        encoding="utf-8")
    out = ok(invoke(["settle", str(f)]))
    assert out["settlements"][0]["hifp_pay"] == "115.05"


def test_settle_stdin():
    out = ok(settle_text(json.dumps(CASE)))
    assert out["settlements"][0]["hifp_pay"] == "115.00"


def test_settle_yaml_on_stdin():
    out = ok(settle_text(yaml.safe_dump(CASE, allow_unicode=True)))
    assert out["settlements"][0]["hifp_pay"] == "115.00"


def test_settle_list_of_cases():
    cases = [CASE, case(s(amount="1000", facility="secondary"), person={"psn_type": "1201"})]
    out = ok(settle_text(json.dumps(cases)))
    assert isinstance(out, list) and len(out) == 2
    assert out[0]["settlements"][0]["hifp_pay"] == "115.00"   # (430 − 200) × 50%
    assert out[1]["settlements"][0]["hifp_pay"] == "552.50"   # retiree (1000 − 150) × 65%


def test_no_trace_flag():
    out = ok(settle_text(json.dumps(CASE), "--no-trace"))
    assert "trace" not in out["settlements"][0]


def test_region_and_params_in_the_case():
    # 吉林 example region: (430 − 200) × 50% = 115.00; with params deductible 300: (430 − 300) × 50% = 65.00
    out = ok(settle_text(json.dumps(case(s(), policy="jilin", region="jilin-example"))))
    assert out["region"] == "jilin-example" and out["settlements"][0]["hifp_pay"] == "115.00"
    out = ok(settle_text(json.dumps(case(s(), policy="jilin", region="jilin-example",
                                         params={"ordinary.deductible": "300"}))))
    assert out["settlements"][0]["hifp_pay"] == "65.00"


def test_reversal_credit_and_use_in_one_case():
    c = case(s(), {"id": "R1", "date": "2023-03-02", "reverses": "S1"}, region="panzhihua-example",
             person={"acct_balance": "0"},
             account_credits=[{"month": "2023-03", "contribution": "160.00"}],
             account_uses=[{"id": "U1", "relation": "spouse", "purpose": "medical_selfpay", "amount": "60"}])
    out = ok(settle_text(json.dumps(c)))
    assert [x["hifp_pay"] for x in out["settlements"]] == ["115.00", "-115.00"]
    assert out["account_credits"][0]["amount"] == "160.00"        # 第四条 个人缴费全部计入
    assert out["account_uses"][0]["clause"] == "攀枝花 第五条"
    assert out["acct_balance"] == "100.00"                        # 0 + 160 − 60
    assert out["ytd"]["2023"]["ordinary_dedc"] == "0.00"


# --------------------------------------------------------------------------- refusals: exit 2, one located message


def refused(result, *fragments):
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    err = result.stderr
    assert err.count("conform: error:") == 1, err
    assert "Traceback" not in err
    assert result.exception is None or isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert result.stdout == ""
    for f in fragments:
        assert f in err, (f, err)
    return err


BAD = [
    ("unknown policy", case(s(), policy="guangzhou"),
     ["case 0 (P1)", "field policy", "unknown policy 'guangzhou'", "panzhihua"]),
    ("unknown med_type", case(s(med_type="12")),
     ["case 0 (P1)", "settlement S1", "field med_type", "unknown code '12'"]),
    ("unknown facility", case(s(facility="clinic")),
     ["settlement S1", "field facility", "unknown code 'clinic'"]),
    ("unknown psn_type", case(s(), person={"psn_type": "1301"}),
     ["person", "field psn_type", "unknown code '1301'"]),
    ("missing amount", case({k: v for k, v in s().items() if k != "medfee_sumamt"}),
     ["settlement S1", "field medfee_sumamt", "missing"]),
    ("missing date", case({k: v for k, v in s().items() if k != "date"}),
     ["settlement S1", "field date", "missing"]),
    ("missing person", {"policy": "panzhihua", "settlements": []},
     ["field person", "missing"]),
    ("non-numeric", case(s(amount="abc")),
     ["settlement S1", "field medfee_sumamt", "not a number: 'abc'"]),
    ("negative", case(s(amount="-5")),
     ["settlement S1", "field medfee_sumamt", "negative amount"]),
    ("negative part", case(s(fulamt_ownpay_amt="-1")),
     ["settlement S1", "field fulamt_ownpay_amt", "negative amount"]),
    ("three decimals", case(s(amount="1.234")),
     ["settlement S1", "field medfee_sumamt", "more than two decimals"]),
    ("too large", case(s(amount="1e30")),
     ["settlement S1", "field medfee_sumamt", "too large"]),
    ("parts exceed total", case(s(amount="100", fulamt_ownpay_amt="60", overlmt_selfpay="50")),
     ["settlement S1", "field medfee_sumamt", "parts exceed the total"]),
    ("dates out of order", case(s("S1", "2023-03-02"), s("S2", "2023-03-01")),
     ["settlement S2", "field date", "before the previous item's date 2023-03-02"]),
    ("not a date", case(s(date="2023-02-30")),
     ["settlement S1", "field date", "not a date"]),
    ("benefit period backwards", case(s(), person={"benefit_period": {"begin": "2023-12-31", "end": "2023-01-01"}}),
     ["benefit_period", "field end", "before begin"]),
    ("duplicate id", case(s("S1"), s("S1", "2023-03-02")),
     ["settlement S1", "field id", "duplicate id"]),
    ("reverses unknown", case(s(), {"id": "R1", "date": "2023-03-02", "reverses": "S9"}),
     ["settlement R1", "field reverses", "'S9'"]),
    ("unknown field", case(s(amountt="1")),
     ["settlement S1", "unknown field(s) amountt"]),
    ("missing parameter", case(s(remote=True)),
     ["case 0 (P1)", "settlement S1", "ordinary.ratio.remote_unfiled", "攀枝花 第七条"]),
    ("missing region parameter", case(s(), policy="jilin"),
     ["case 0 (P1)", "settlement S1", "ordinary.deductible", "吉林 二（二）"]),
    ("region over the ceiling", case(s(), policy="jilin", params={"ordinary.deductible": "350"}),
     ["case 0 (P1)", "ordinary.deductible = 350.00 exceeds the ceiling 300.00", "吉林 二（二）"]),
    ("after validity", case(s(date="2028-01-01")),
     ["case 0 (P1)", "settlement S1", "攀枝花 第十九条"]),
    ("before validity", case(s(date="2022-12-31")),  # 第十九条 原有规定 are not in the harness
     ["case 0 (P1)", "settlement S1", "2023-01-01", "攀枝花 第十九条", "A-BEFORE-VALIDITY"]),
    ("flexible worker without tier", case(s(), person={"psn_type": "1103"}),
     ["settlement S1", "flex_tier", "攀枝花 第七条"]),
    ("chronic where not fixed", case(s(med_type="14", dise_codg="M00500"), policy="beijing", region="beijing-example",
                                     person={"chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]}),
     ["settlement S1", "does not fix chronic"]),
]


@pytest.mark.parametrize("what, data, fragments", BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_with_one_located_message(what, data, fragments):
    refused(settle_text(json.dumps(data)), *fragments)


def test_nanchang_before_the_start_settles_with_no_fund_payment():
    """南昌 一: before 2023 ordinary outpatient costs were the account's, so the case settles (A-BEFORE-VALIDITY)."""
    out = ok(settle_text(json.dumps(case(s(date="2022-12-31", amount="700", facility="primary"), policy="nanchang"))))
    (st,) = out["settlements"]
    # fund 0, no deductible counted; the person bears all 700.00
    assert (st["act_pay_dedc"], st["hifp_pay"], st["psn_part_amt"]) == ("0.00", "0.00", "700.00")
    assert any("南昌 一" in step["clause"] and "A-BEFORE-VALIDITY" in step["clause"] for step in st["trace"])


def test_bad_case_in_a_list_names_its_index():
    refused(settle_text(json.dumps([CASE, case(s(amount="abc"), person={"psn_no": "P2"})])),
            "case 1 (P2)", "settlement S1", "field medfee_sumamt")


def test_malformed_json():
    refused(settle_text('{"policy": "panzhihua",,}'), "case <stdin>", "malformed JSON at line 1 column")


def test_malformed_yaml(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("policy: [panzhihua\nperson: {\n", encoding="utf-8")
    refused(invoke(["settle", str(f)]), f"case {f}", "malformed YAML")


def test_empty_input():
    refused(settle_text(""), "empty input")


def test_missing_file(tmp_path):
    refused(invoke(["settle", str(tmp_path / "nope.json")]), "nope.json: no such file")


# --------------------------------------------------------------------------- the installed entry point

CONFORM = Path(sys.executable).parent / ("conform.exe" if os.name == "nt" else "conform")


@pytest.fixture
def conform_exe() -> str:
    # `uv sync` (and so `uv run pytest` and CI) installs the project's entry point: never skip these.
    assert CONFORM.exists(), f"{CONFORM} missing: install the project (uv sync) before running the tests"
    return str(CONFORM)


def test_entry_point_file_and_stdin(tmp_path, conform_exe):
    f = tmp_path / "c1.json"
    f.write_text(json.dumps(CASE), encoding="utf-8")
    p = subprocess.run([conform_exe, "settle", str(f)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["settlements"][0]["hifp_pay"] == "115.00"  # (430 − 200) × 50%
    p = subprocess.run([conform_exe, "settle", "-"], input=yaml.safe_dump(CASE), capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["settlements"][0]["hifp_pay"] == "115.00"


@pytest.mark.parametrize("data, fragment", [
    (json.dumps(case(s(amount="1e30"))), "field medfee_sumamt: too large"),
    (json.dumps(case(s(remote=True))), "ordinary.ratio.remote_unfiled"),
    ("policy: [x\n", "malformed YAML"),
])
def test_entry_point_refusal_has_no_traceback(data, fragment, conform_exe):
    p = subprocess.run([conform_exe, "settle", "-"], input=data, capture_output=True, text=True, cwd=ROOT,
                       timeout=60)
    assert p.returncode == 2
    assert p.stdout == ""
    assert "Traceback" not in p.stderr and p.stderr.startswith("conform: error:")
    assert fragment in p.stderr
