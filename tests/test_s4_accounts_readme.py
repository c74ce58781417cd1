"""README says what the tool does: the answers' amount form is the one the wire checks, the output table
names every settlement field `conform settle` gives, and the account paragraphs say the order a case runs in."""
from __future__ import annotations

import re
from pathlib import Path

from conform.harness.adapters.wire import AMOUNT
from conform.reference.case import parse_case
from conform.reference.engine import compute_case

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_answers_digits_of_yuan_are_those_the_wire_accepts():
    assert AMOUNT.fullmatch("1" * 13) and not AMOUNT.fullmatch("1" * 14)
    said = re.search(r"answers of a system under test at most (\d+)", README)
    assert said and int(said[1]) == 13
    assert "at most 12 digits of\nyuan), checked" not in README  # the old sentence gave 12 for the answers too


def test_the_output_table_names_every_settlement_field():
    case = parse_case({"policy": "panzhihua", "person": {"psn_no": "T", "psn_type": "1101"},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary",
                                        "medfee_sumamt": "500.00"}]})
    (s,) = compute_case(case, with_trace=False)["settlements"]
    table = README[README.index("### Output"):README.index("Bad input exits 2")]
    rows = {name for line in table.splitlines() if line.startswith("| `")
            for name in re.findall(r"`([a-z_]+)`", line.split("|")[1])}
    assert set(s) - {"id", "setl_id", "date"} <= rows, set(s) - rows
    assert "| `benefit` |" in table and all(f"`{b}`" in table for b in ("ordinary", "chronic", "inpatient", "none"))


def test_the_account_order_is_described_where_the_accounts_are():
    accounts = README[README.index("**`account_credits[]`**"):README.index("Amounts have one form everywhere")]
    assert "A-ACCOUNT-EVENT-ORDER" in accounts and "first day" in accounts and "undated uses come last" in accounts
