"""Test persons and dates when the system under test cannot create people or settle in the past.

A real test environment has persons who already exist and settles *now*.
Without the `person_reset` hook the harness takes a person from the configured
pool whose known facts equal the scenario's, and restores them afterwards by
reversing (2208) what it settled and checking 5206 gives back the totals the
person opened with. Without the `settle_as_of` hook a scenario is moved to
today: that is only honest when all its settlements fall in one year and the
rules in force then and today give the same figures, which the reference
decides by settling the scenario both ways. Whatever cannot be run so is *not
applicable*, with the reason — never failed.
"""
from __future__ import annotations

import datetime as dt
import unittest
from dataclasses import dataclass, field, replace
from typing import Any

from conform.reference.case import Person, Settlement, parse_person
from conform.reference.engine import PersonLedger, rules_for
from conform.reference.policy import PolicyError

from ..base import NotApplicable, Subject, SutError
from .config import PoolPerson

# Person facts a pool entry can declare; any other fact a scenario states needs the person_reset hook.
DATED_FACTS = ("retire_date", "benefit_period", "hospital_stays", "acct_balance")


class Inapplicable(NotApplicable, unittest.SkipTest):
    """A scenario this system cannot run as it is configured: reported 'not applicable' with the reason.

    Also a SkipTest, so a property stops at once instead of shrinking an example that cannot run."""

    def __init__(self, adapter: str, reason: str):
        self.adapter, self.operation, self.reason = adapter, "", reason
        Exception.__init__(self, f"not applicable: {reason}")


def pool_person(entry: PoolPerson, psn_no: str) -> Person:
    return parse_person({"psn_no": psn_no, "psn_type": entry.psn_type, **entry.facts}, f"pool {entry.psn_no}")


def matches(entry: PoolPerson, subject: Subject) -> bool:
    """The pool person is the scenario's person: same rules, same type, same facts."""
    if entry.policy != subject.policy or (entry.region or None) != (subject.region or None):
        return False
    if {k: str(v) for k, v in subject.params.items()} != entry.params:
        return False
    return pool_person(entry, subject.person.psn_no) == replace(subject.person, ytd=None)


def describe_need(subject: Subject) -> str:
    p = subject.person
    facts = [f"policy={subject.policy}", f"psn_type={p.psn_type}"]
    if subject.region:
        facts.append(f"region={subject.region}")
    if subject.params:
        facts.append("params=" + ",".join(f"{k}={v}" for k, v in sorted(subject.params.items())))
    for name in ("birth_date", "flex_tier", "has_account", "remote_filing"):
        v = getattr(p, name)
        if v is not None and (v is not False or name == "has_account"):
            facts.append(f"{name}={v}")
    if p.diseases:
        facts.append("chronic_diseases=" + ",".join(f"{d.dise_codg}/{d.kind}" for d in p.diseases))
    return ", ".join(facts)


def dated_facts(person: Person) -> list[str]:
    """Facts tied to dates or balances that only a person reset can establish."""
    return [name for name in DATED_FACTS if getattr(person, name) not in (None, ())]


@dataclass
class Shift:
    """A scenario moved to today: its one year, and the reference settled both ways to prove it harmless."""

    today: dt.date
    year: int | None = None
    original: PersonLedger | None = None
    moved: PersonLedger | None = None

    def begin(self, subject: Subject) -> None:
        rules = rules_for(subject.policy, subject.region, subject.params)
        person = subject.person
        self.original = PersonLedger(rules, person)
        moved = person
        if person.ytd is not None:
            self.year = person.ytd.year
            ytd = person.ytd.clone()
            ytd.year = self.today.year
            moved = replace(person, ytd=ytd)
        self.moved = PersonLedger(rules, moved)

    def check_year(self, adapter: str, year: int, what: str) -> None:
        if self.year is None:
            self.year = year
        elif year != self.year:
            raise Inapplicable(adapter, f"跨年度场景 year boundary: {what} falls in {year} but the scenario began in "
                                        f"{self.year}, and the system settles today ({self.today}) without the "
                                        f"settle_as_of test hook")

    def moved_settlement(self, s: Settlement) -> Settlement:
        return replace(s, date=self.today)

    def settle(self, adapter: str, s: Settlement, commit: bool) -> None:
        """Settle in the reference at the scenario's date and today; differing figures → not applicable."""
        assert self.original is not None and self.moved is not None
        self.check_year(adapter, s.date.year, f"settlement {s.id} ({s.date})")
        results: list[Any] = []
        for ledger, settlement in ((self.original, s), (self.moved, self.moved_settlement(s))):
            try:
                results.append(ledger.settle(settlement, commit=commit).to_output(with_trace=False))
            except PolicyError as e:
                results.append(f"refused: {e}")
        a, b = results
        if isinstance(a, dict) and isinstance(b, dict):
            diff = [k for k in a if k not in ("id", "setl_id", "date") and a[k] != b.get(k)]
            if not diff:
                return
            # a key the answer today lacks (acct_undetermined at a date before the account rules) reads as absent
            why = f"{diff[0]} {a[diff[0]]} at {s.date} but {b.get(diff[0], 'absent')} today"
        elif isinstance(a, str) and isinstance(b, str):
            return
        else:
            why = f"{'refused' if isinstance(a, str) else 'settled'} at {s.date} but " \
                  f"{'refused' if isinstance(b, str) else 'settled'} today"
        raise Inapplicable(adapter, f"规则随日期不同 the rules in force on {s.date} and today ({self.today}) differ "
                                    f"for settlement {s.id} ({why}); the system settles today without the "
                                    f"settle_as_of test hook")

    def reverse(self, sid: str) -> None:
        for ledger in (self.original, self.moved):
            try:
                ledger.reverse(sid)  # type: ignore[union-attr]
            except PolicyError:
                pass


@dataclass(frozen=True)
class Settled:
    """A 2207 the adapter made: the system's ids, and the envelope it went under.

    A 2208 is the settling institution's own act (a platform lets only the 本机构 that settled reverse),
    so it goes under the same fixmedins_code/fixmedins_name and 就医地 mdtrtarea_admvs as the 2207."""

    setl_id: str
    mdtrt_id: str
    med_type: str
    insuplc: str
    remote: bool
    fixmedins: tuple[str, str]

    def envelope(self) -> dict:
        """The keyword arguments of PlatformAdapter.exchange that rebuild the 2207's envelope."""
        return {"insuplc": self.insuplc, "remote": self.remote, "fixmedins": self.fixmedins}


@dataclass
class Occupant:
    """A pool person's state across scenarios: what is still settled and what it opened with."""

    entry: PoolPerson
    opening: dict | None = None          # 5206 totals when first taken (harness shape)
    leftovers: list[Settled] = field(default_factory=list)   # settlements not reversed yet
    dirty: str | None = None             # why it can no longer be used
    failure: SutError | None = None      # the system's error behind `dirty`: a restore it failed
    unread: SutError | None = None       # a 2207 whose answer could not be read: settled, perhaps, with no setl_id
    checked: dict | None = None          # 5206 totals just read after a restore (saves asking twice)
    # 2208s whose answer could not be read: reversed, perhaps; never sent again (a second 2208 of a reversed
    # settlement is rightly refused), 5206 tells at the next restore
    unread_reversals: list[tuple[Settled, SutError]] = field(default_factory=list)
    # the person (psn_no) it was last handed to, while that person has been prepared and not used by any operation:
    # not handed out again meanwhile (a check preparing two persons first would get one pool person twice)
    held_by: str | None = None

    def pending(self) -> bool:
        """Something of the last scenario still to undo or to check with 5206 before the person is used again."""
        return bool(self.leftovers or self.unread is not None or self.unread_reversals)
