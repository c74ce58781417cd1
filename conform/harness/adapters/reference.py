"""The built-in reference, in process: the default system under test and the oracle."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conform.reference.case import CreditRequest, Settlement, UseRequest
from conform.reference.engine import LazyTraceOutput, PersonLedger, rules_for
from conform.reference.money import fmt
from conform.reference.policy import PolicyError

from .. import evidence
from .base import OPERATIONS, Adapter, SettlementRefused, Subject


class ReferenceAdapter(Adapter):
    name = "reference"
    supports = frozenset(OPERATIONS)
    description = "内置参考实现 (reference engine)"

    def __init__(self) -> None:
        self.ledgers: dict[str, PersonLedger] = {}

    def describe(self) -> dict:
        """A vendor's plugin built on this class is not the built-in reference: without a description of its
        own, the reports name it by its `name`, never as 内置参考实现 (a certificate would read as the tool's)."""
        said = super().describe()
        if type(self) is not ReferenceAdapter and self.description == ReferenceAdapter.description:
            said["system"] = f"{self.name}（基于参考实现的插件 a plugin built on the reference engine）"
        return said

    def _ledger(self, psn_no: str) -> PersonLedger:
        try:
            return self.ledgers[psn_no]
        except KeyError:
            raise SettlementRefused(f"unknown person {psn_no}; prepare_person first") from None

    def prepare_person(self, subject: Subject) -> None:
        try:
            rules = rules_for(subject.policy, subject.region, subject.params)
        except PolicyError as e:
            raise SettlementRefused(str(e)) from None
        self.ledgers[subject.person.psn_no] = PersonLedger(rules, subject.person)

    def _settle(self, op: str, psn_no: str, s: Settlement, commit: bool) -> dict:
        ledger = self._ledger(psn_no)
        try:
            out = ledger.settle(s, commit=commit).to_output_lazy()  # the trace renders only if read
        except PolicyError as e:
            evidence.record(op, {"psn_no": psn_no, "id": s.id}, {"refused": str(e)})
            raise SettlementRefused(str(e)) from None
        evidence.record(op, {"psn_no": psn_no, "id": s.id}, dict(out))  # the figures: the trace is not rendered
        return out

    def presettle(self, psn_no: str, settlement: Settlement) -> dict:
        return self._settle("presettle", psn_no, settlement, False)

    def settle(self, psn_no: str, settlement: Settlement) -> dict:
        return self._settle("settle", psn_no, settlement, True)

    def reverse(self, psn_no: str, setl_id: str) -> dict:
        try:
            return self._ledger(psn_no).reverse(setl_id).to_output_lazy()
        except PolicyError as e:
            raise SettlementRefused(str(e)) from None

    def query_ytd(self, psn_no: str, year: int) -> dict:
        ledger = self._ledger(psn_no)
        out = ledger.ytd(year).as_dict()
        if ledger.balance is not None:
            out["acct_balance"] = fmt(ledger.balance)
        return out

    def credit_month(self, psn_no: str, request: CreditRequest) -> dict:
        try:
            c = self._ledger(psn_no).credit(request)
        except PolicyError as e:
            raise SettlementRefused(str(e)) from None
        return LazyTraceOutput({"month": c.month, "amount": fmt(c.amount)}, c.trace)

    def check_account_use(self, psn_no: str, relation: str, purpose: str, amount: str | None = None,
                          date: dt.date | None = None) -> dict:
        ledger = self._ledger(psn_no)
        try:
            r = ledger.use_account(UseRequest("use", relation, purpose, Decimal(amount) if amount else None, date))
        except PolicyError as e:
            raise SettlementRefused(str(e)) from None
        return r.to_output()
