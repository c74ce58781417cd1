"""A lawful twin of the sample system for tests/test_s29_event_order_reading.py (probe s29 H5 F5), registered in DEFECTS
only when this file runs as a launcher (twin_servers(this file, (NAME,))), never at a test module's import.

s29_credit_at_month_end: a month's credit is booked when T002 comes (its answers and 5206 show the booked balance)
but becomes spendable only after its month: settlements and uses dated in a later month (or undated) can pay from it.
No text says on which day of its month a credit arrives (A-ACCOUNT-EVENT-ORDER), so this is another reading, not a
breach of an article."""
import sys
from decimal import Decimal

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV
from conform.reference.money import ZERO, fmt

NAME = "s29_credit_at_month_end"
PENDING: dict[str, list[tuple[str, Decimal]]] = {}  # psn_no → (month, amount) booked, not yet spendable


@D.defect(NAME, "（合法解读）个人账户当月计入额在月末到账：当月的结算和使用先用此前余额支付，计入额次月起可用",
          "A-ACCOUNT-EVENT-ORDER（文件未规定计入在月内哪一天到账）")
def _credit_at_month_end() -> None:
    credit, settle, use, query, create = (SV.SampleSystem.credit, SV.SampleSystem._settle, SV.SampleSystem.check_use,
                                          SV.SampleSystem.query_ytd, SV.SampleSystem.create_person)

    def pending(p) -> Decimal:
        return sum((a for _, a in PENDING.get(p.ledger.person.psn_no, [])), ZERO)

    def spendable(p, before: str | None) -> None:
        """Move the credits of months before `before` (all, for None) into the spendable balance."""
        keep = []
        for month, amt in PENDING.get(p.ledger.person.psn_no, []):
            if before is None or month < before:
                p.ledger.balance += amt
            else:
                keep.append((month, amt))
        PENDING[p.ledger.person.psn_no] = keep

    def booked(out: dict, key: str, p) -> dict:
        if out.get(key) not in (None, "") and pending(p):
            out[key] = fmt(Decimal(str(out[key])) + pending(p))
        return out

    def credit_twin(self, data):
        p = self._person(data)
        before = p.ledger.balance
        out = credit(self, data)
        if before is not None and p.ledger.balance is not None and p.ledger.balance != before:
            PENDING.setdefault(p.ledger.person.psn_no, []).append((out["month"], p.ledger.balance - before))
            p.ledger.balance = before
        return booked(out, "acct_balance", p)

    def settle_twin(self, data, commit):
        p = self._person(data)
        spendable(p, str(data.get("setl_date") or "")[:7] or None)
        out = settle(self, data, commit)
        booked(out["setlinfo"], "balc", p)
        return out

    def use_twin(self, data):
        p = self._person(data)
        spendable(p, str(data.get("date") or "")[:7] or None)
        return booked(use(self, data), "acct_balance", p)

    def query_twin(self, data):
        p = self._person(data)
        out = query(self, data)
        booked(out["cuminfo"], "acct_balance", p)
        return out

    def create_twin(self, data):
        out = create(self, data)
        PENDING.pop(out["psn_no"], None)
        return out

    SV.SampleSystem.credit = credit_twin
    SV.SampleSystem._settle = settle_twin
    SV.SampleSystem.check_use = use_twin
    SV.SampleSystem.query_ytd = query_twin
    SV.SampleSystem.create_person = create_twin


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
