"""Account entries of a case refused where they are: a second credit of a month (A-ACCOUNT-MONTH: 个人账户按
自然月计入，每月一笔) at its index and field month, and a use dated outside the rules by its id and index
(account use U1 (account_uses[1]) on …), as settlements and credits are named."""
from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from click.testing import CliRunner

from conform.harness.cli import main
from conform.reference.case import CaseError, parse_case
from conform.reference.engine import compute_case
from conform.reference.policy import PolicyError

PERSON = {"psn_no": "B1", "psn_type": "1101", "acct_balance": "0.00"}


def test_a_month_credited_twice_is_refused_at_its_second_entry():
    case = {"policy": "beijing", "region": "beijing-example", "person": PERSON,
            "account_credits": [{"month": "2023-04", "base": "10000"}, {"month": "2023-04", "base": "10000"}]}
    with pytest.raises(CaseError) as e:
        parse_case(case)
    assert (e.value.item, e.value.field) == ("account_credits[1]", "month")
    assert "2023-04" in str(e.value) and "account_credits[0]" in str(e.value) and "A-ACCOUNT-MONTH" in str(e.value)


def test_distinct_months_are_each_credited():
    case = {"policy": "beijing", "region": "beijing-example", "person": PERSON,
            "account_credits": [{"month": "2023-04", "base": "10000"}, {"month": "2023-05", "base": "10000"}]}
    out = compute_case(parse_case(case), with_trace=False)
    a, b = (c["amount"] for c in out["account_credits"])
    assert a == b and out["acct_balance"] == f"{Decimal(a) + Decimal(b):.2f}"


USES = [{"id": "U0", "relation": "self", "purpose": "medical_selfpay", "date": "2023-06-01"},
        {"id": "U1", "relation": "self", "purpose": "medical_selfpay", "date": "2022-12-31"}]


def test_a_use_before_the_rules_is_named_by_id_and_index():
    case = {"policy": "zhejiang", "region": "zhejiang-example", "person": {"psn_no": "Z1", "psn_type": "1101"},
            "account_uses": USES}
    with pytest.raises(PolicyError) as e:
        compute_case(parse_case(case))
    assert str(e.value).startswith("account use U1 (account_uses[1]) on 2022-12-31: before 浙江's rules")


def test_conform_settle_names_the_use(tmp_path):
    p = tmp_path / "case.json"
    p.write_bytes(orjson.dumps({"policy": "zhejiang", "region": "zhejiang-example",
                                "person": {"psn_no": "Z1", "psn_type": "1101"}, "account_uses": USES}))
    run = CliRunner().invoke(main, ["settle", str(p)])
    assert run.exit_code == 2
    assert "case 0 (Z1): account use U1 (account_uses[1]) on 2022-12-31: before 浙江's rules" in run.output
