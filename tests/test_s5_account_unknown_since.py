"""A balance given at the start and made unknown mid-case by a settlement before 浙江's account reform
(二（三）“2023年起开始实施改革”, A-BEFORE-VALIDITY): a later settlement the account would pay is undetermined
too, its reason naming that settlement, and a later use says why it checks no balance — not "opening balance
unknown", which was given.

A 浙江 city (zhejiang-example's figures) whose pooling starts 2022-06-01 (三（二）): deductible 600, 三级 50%.
  V1 2022-12-01 三级 1000.00: (1000 − 600) × 50% = 200.00, 个人负担 800.00, the account's part not the document's
  U1 2023-01-15 self medical_selfpay 50.00: allowed, the balance unknown since V1
  V2 2023-02-01 三级  300.00: a new year, within the deductible: fund 0.00, 个人负担 300.00
"""
from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from conform.harness.cli import main

from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger, compute_case, rules_for

REGIONS = Path(__file__).resolve().parents[1] / "conform" / "fixtures" / "regions"
V1 = {"id": "V1", "date": "2022-12-01", "med_type": "11", "facility": "tertiary", "medfee_sumamt": "1000.00"}
V2 = {"id": "V2", "date": "2023-02-01", "med_type": "11", "facility": "tertiary", "medfee_sumamt": "300.00"}
U1 = {"id": "U1", "relation": "self", "purpose": "medical_selfpay", "amount": "50.00", "date": "2023-01-15"}


@pytest.fixture()
def region(tmp_path: Path) -> str:
    """zhejiang-example with the city's valid_from 2022-06-01, as a region file of its own."""
    p = tmp_path / "zhejiang-early.yaml"
    shutil.copy(REGIONS / "zhejiang-example.yaml", p)
    text = p.read_text(encoding="utf-8").replace("name: zhejiang-example", "name: zhejiang-early")
    p.write_text(text + '  valid_from: "2022-06-01"\n', encoding="utf-8")
    return str(p)


def _case(region: str, balance: str | None = "500.00", settlements=(V1, V2), uses=(U1,)) -> dict:
    person = {"psn_no": "Z1", "psn_type": "1101", **({"acct_balance": balance} if balance is not None else {})}
    return {"policy": "zhejiang", "region": region, "person": person, "settlements": list(settlements),
            "account_uses": list(uses)}


def test_a_later_settlement_the_account_would_pay_is_undetermined_naming_v1(region):
    out = compute_case(parse_case(_case(region)))
    v1, v2 = out["settlements"]
    assert v1["acct_pay"] is None and "A-BEFORE-VALIDITY" in v1["acct_undetermined"]
    assert (v2["hifp_pay"], v2["psn_part_amt"]) == ("0.00", "300.00")  # the pooling is still computed
    # not "the account paid nothing": 500.00 was given, and V1 may have spent it by the earlier rules
    assert v2["acct_pay"] is None and v2["psn_cash_pay"] is None
    why = v2["acct_undetermined"]
    assert "结算V1（2022-12-01）" in why and "浙江 二（三）" in why and "A-BEFORE-VALIDITY" in why
    step = next(t for t in v2["trace"] if t["step"] == "个人账户支付")
    assert step["detail"] == why and step["clause"] == "浙江 二（三）；A-BEFORE-VALIDITY"
    assert "acct_balance" not in out


def test_a_later_use_says_v1_made_the_balance_unknown(region):
    out = compute_case(parse_case(_case(region)))
    (u,) = out["account_uses"]
    assert u["decision"] == "allowed" and "acct_balance" not in u
    assert "结算V1（2022-12-01）" in u["reason"] and "A-BEFORE-VALIDITY" in u["reason"]
    assert "期初余额未知" not in u["reason"]  # the opening balance was given


def test_conform_settle_gives_null_with_the_reason(region, tmp_path):
    case = tmp_path / "case.json"
    case.write_bytes(orjson.dumps(_case(region)))
    run = CliRunner().invoke(main, ["settle", str(case)])
    assert run.exit_code == 0, run.output
    v2 = orjson.loads(run.stdout)["settlements"][1]
    assert v2["acct_pay"] is None and v2["psn_cash_pay"] is None and "结算V1" in v2["acct_undetermined"]


def test_to_output_keeps_the_figures_for_the_sample_system(region):
    """The sample system answers 2207 from to_output (e8aae44): an amount string, with the reason."""
    case = parse_case(_case(region))
    led = PersonLedger(rules_for("zhejiang", region), case.person)
    led.settle(case.items[0])
    out = led.settle(case.items[1]).to_output(with_trace=False)
    assert (out["acct_pay"], out["psn_cash_pay"]) == ("0.00", "300.00") and "结算V1" in out["acct_undetermined"]


def test_a_later_settlement_not_using_the_account_stays_determined(region):
    out = compute_case(parse_case(_case(region, settlements=(V1, {**V2, "acct_used_flag": False}), uses=())))
    v2 = out["settlements"][1]
    assert (v2["acct_pay"], v2["psn_cash_pay"]) == ("0.00", "300.00") and "acct_undetermined" not in v2


def test_its_reversal_is_undetermined_too(region):
    out = compute_case(parse_case(_case(region, settlements=(V1, V2, {"id": "R2", "date": "2023-02-02",
                                                                       "reverses": "V2"}), uses=())))
    r2 = out["settlements"][2]
    assert r2["hifp_pay"] == "0.00" and r2["acct_pay"] is None and "结算V1" in r2["acct_undetermined"]


def test_a_person_whose_opening_balance_was_never_given_is_as_before(region):
    """README: without an opening balance the account pays nothing computable and a use debits nothing."""
    out = compute_case(parse_case(_case(region, balance=None)))
    v2 = out["settlements"][1]
    assert (v2["acct_pay"], v2["psn_cash_pay"]) == ("0.00", "300.00") and "acct_undetermined" not in v2
    assert "期初余额未知" in out["account_uses"][0]["reason"]


def test_the_audit_still_reads_the_later_settlement_as_its_own(region):
    """conform audit assesses such a later payment as recorded (A-AUDIT-ACCT-UNKNOWN): the engine keeps its
    acct_undetermined (not the document's) for the settlement before the reform alone."""
    case = parse_case(_case(region))
    led = PersonLedger(rules_for("zhejiang", region), case.person)
    assert led.settle(case.items[0]).acct_undetermined is not None
    r2 = led.settle(case.items[1])
    assert r2.acct_undetermined is None and r2.acct_unknown is not None
