"""Stateful: one person's ledger driven by random operations, the invariants checked after every step.

Rules: settle a visit, reverse a standing settlement (2208), move into the next natural year,
credit a month to the personal account, use the account. After every step the year-to-date
totals equal the sum of what the settlements still standing added — a reversal takes away
exactly its own settlement's contribution and later settlements are not recomputed
(A-REVERSAL) — stay within the deductible and the cap, and the balance is what the credits,
account payments and allowed uses make it. When every reversal took back the latest standing
settlement of its year, the standing settlements replayed on a fresh person give the same
figures: settle A, reverse A, settle B ≡ settle B. When one did not, every settlement made after
it has the figures the reference gives the whole story (the reversed part given back, A-REVERSAL).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from conform.reference.case import PSN_TYPES, PURPOSES, RELATIONS, Settlement

from ..adapters import SettlementRefused, Subject
from ..generators import (BALANCES, credits_drawn, FIRST_YEAR, LAST_YEAR, SEEDS, amounts, credit_requests, decode_person,
                          decode_settlement, settings_strategy, year_offset)
from . import figures as fig
from .base import (FUND_FIELDS, REVERSAL, Context, Credit, D, Presettle, Reverse, Settle, Story, Use, execute,
                   missing_figures, mismatch, register_machine, reversal_readings, year_reading)
from .clauses import ACCOUNT_CREDIT, ACCOUNT_USE, ORDINARY, merge
from .settlement import Oracle, fund_differences, total_breakers

ZERO = Decimal("0.00")
# What an idle step (after the runner ended the search) records instead of an answer.
IDLE = {"act_pay_dedc": "0.00", "hifp_pay": "0.00", "acct_pay": "0.00"}
CLAUSES = merge(ORDINARY, ACCOUNT_CREDIT, ACCOUNT_USE)


def ordinary_med_types(policy_routes: dict) -> tuple[str, ...]:
    """Visits that go to ordinary pooling under the policy (the YTD sums are about ordinary pooling)."""
    out = ["11", "41"]
    for med, key in (("13", "emergency"), ("28", "day_surgery")):
        if policy_routes.get(key, {}).get("route") != "inpatient":
            out.append(med)
    return tuple(out)


def ledger_machine(ctx: Context) -> type[RuleBasedStateMachine]:
    """A state machine class bound to the session's adapter and one policy."""
    adapter, policy = ctx.adapter, ctx.policy
    can_credit = "credit_month" in adapter.supports
    can_use = "check_account_use" in adapter.supports
    can_presettle = "presettle" in adapter.supports  # optional, as crediting and uses are: drawn where supported

    class LedgerMachine(RuleBasedStateMachine):
        counter = [0]

        def __init__(self) -> None:
            super().__init__()
            self.ready = False
            self.failed = False
            self.idle = False

        @initialize(setting=settings_strategy(policy), psn_type=st.sampled_from(sorted(PSN_TYPES)), traits=SEEDS,
                    balance=BALANCES, year=st.integers(FIRST_YEAR, LAST_YEAR - 1), day=st.integers(0, 360))
        def start(self, setting, psn_type, traits, balance, year, day) -> None:
            # Once the runner ends the search, steps still draw their data (Hypothesis requires the
            # same draws) but touch nothing; teardown then ends the example with the best failure.
            self.idle = ctx.search_over()
            if not self.idle:
                ctx.begin_example()
                self.counter[0] += 1
            self.setting = setting
            self.rules = setting.rules
            # into the setting's validity (a region starting later: year_offset); new_year still stops at LAST_YEAR,
            # inside it too (this precondition's source is left as it was: derandomized runs hash the rules' sources)
            year += year_offset(setting)
            person = decode_person(setting, year, psn_type, traits, balance)
            self.person = replace(person, diseases=())
            self.med_types = ordinary_med_types(self.rules.policy.routes)
            self.psn = ctx.psn_no()
            self.story = Story(setting, self.person, [], "结算、撤销、跨年、计入与使用")
            ctx.stories[self.psn] = self.story  # an answer about another request fails with this story (runner)
            if not self.idle:
                adapter.prepare_person(Subject(setting.policy, replace(self.person, psn_no=self.psn), setting.region,
                                               setting.param_dict))
            self.standing: dict[str, tuple[Settlement, dict]] = {}
            self.touched: set[int] = set()
            self.date = dt.date(year, 1, 1) + dt.timedelta(days=day)
            self.balance: Decimal | None = self.person.acct_balance
            self.credited: set[str] = set()  # one credit a month (A-ACCOUNT-MONTH): a second is not drawn
            self.lifo = True
            self.out_of_order = 0  # where the first reversal of a settlement not its year's latest was made
            self.reversals = 0
            # year → what the reversed settlements of that year had answered for its totals (A-REVERSAL takes it out)
            self.given_back: dict[int, dict[str, Decimal]] = {}
            # what reversals gave back to the account (their settlements' acct_pay): a balance expected with it rests on
            # A-REVERSAL, no text saying a 2208 refunds the account (probe s25 Z3, F6)
            self.refunded = ZERO
            self.presettled: set[int] = set()  # the years a 2206 was asked in (it must move none of their totals)
            self.n = 0
            # what the system answered that moves the balance, op by op: (op index, what, item, figure or decision)
            self.moves: list[tuple[int, str, str, object]] = []
            self.ready = True

        # ------------------------------------------------------------------ rules
        def fail(self, headline: str, mismatches: list, *extra: Story, readings: tuple[str, ...] = (),
                 departure: str = "") -> None:
            self.failed = True
            ctx.fail(headline, mismatches, self.story, *extra, readings=readings, departure=departure)

        @rule(seed=SEEDS)
        def settle(self, seed: int) -> None:
            fields, gap = decode_settlement(self.setting, self.person, seed, med_types=self.med_types)
            self.date = min(self.date + dt.timedelta(days=gap), dt.date(self.date.year, 12, 31))
            self.n += 1
            s = Settlement(id=f"V{self.n}", date=self.date, **fields)
            self.story.ops.append(Settle(s))
            try:
                out = IDLE if self.idle else adapter.settle(self.psn, s)
            except SettlementRefused as e:
                self.fail("被测系统拒绝了规则可以确定的结算", [mismatch("infcode", "0（结算成功）", f"拒绝：{e.message}", s.id)])
            if not self.idle and (missing := missing_figures(out, ctx.optional, s.id)):
                self.fail("被测系统的结算结果缺少必填字段 a settlement answer leaves out a required figure", missing)
            self.standing[s.id] = (s, out)
            self.moves.append((len(self.story.ops) - 1, "settle", s.id, out.get("acct_pay")))
            self.touched.add(s.date.year)
            if self.balance is not None:
                self.balance -= D(out["acct_pay"])

        @precondition(lambda self: can_presettle)
        @rule(seed=SEEDS)
        def presettle(self, seed: int) -> None:
            """A 2206 of a drawn visit: it records nothing, so the invariants after it (the year's totals are the
            standing settlements', the balance what credits, account payments and uses make it) and every settlement
            after it are as if it never happened. No property asked 2206 before: a system whose pre-settlement
            counted the deductible and cap and debited the account passed 北京 and 浙江, which had no such scenario."""
            fields, gap = decode_settlement(self.setting, self.person, seed, med_types=self.med_types)
            self.date = min(self.date + dt.timedelta(days=gap), dt.date(self.date.year, 12, 31))
            self.n += 1
            s = Settlement(id=f"V{self.n}", date=self.date, **fields)
            self.story.ops.append(Presettle(s))
            self.presettled.add(s.date.year)
            self.touched.add(s.date.year)  # its year's totals are checked, settled in or not
            if self.idle:
                return
            try:
                adapter.presettle(self.psn, s)
            except SettlementRefused as e:
                self.fail("被测系统拒绝了规则可以确定的预结算 the system refused a pre-settlement the rules determine",
                          [mismatch("infcode", "0（预结算成功）", f"拒绝：{e.message}", s.id)])

        @precondition(lambda self: bool(self.standing))
        @rule(data=st.data())
        def reverse(self, data: st.DataObject) -> None:
            sid = data.draw(st.sampled_from(list(self.standing)), label="reverse")
            s, out = self.standing[sid]
            same_year = [k for k, (x, _) in self.standing.items() if x.date.year == s.date.year]
            if sid != same_year[-1] and self.lifo:
                self.lifo = False
                self.out_of_order = len(self.story.ops)  # the settlements after this reversal: A-REVERSAL's to fix
            self.story.ops.append(Reverse(sid))
            try:
                rev = IDLE if self.idle else adapter.reverse(self.psn, sid)
            except SettlementRefused as e:
                self.fail("被测系统拒绝撤销一笔有效结算", [mismatch("infcode", "0（撤销成功）", f"拒绝：{e.message}", sid)])
            bad = [mismatch(f, -D(out[f]), rev[f], f"{sid} 撤销") for f in ("act_pay_dedc", "hifp_pay", "acct_pay")
                   if not self.idle and rev.get(f) is not None and not ctx.unreported(out, f) and D(rev[f]) != -D(out[f])]
            if bad:
                found = self.reversal_breakers(sid, out, rev, bad)
                # that a 2208 answers its settlement's figures negated is A-REVERSAL's (no text speaks of reversals):
                # a reversal's own figure rests on it; a figure of the settlement itself that the reference gives
                # otherwise is where the system departs, the articles' (probe s26 probe2 F1)
                self.fail("撤销冲销的金额不等于原结算的金额（A-REVERSAL）", found,
                          readings=() if any(m.item == sid for m in found) else (REVERSAL,))
            del self.standing[sid]
            self.reversals += 1
            back = self.given_back.setdefault(s.date.year, {})
            back["ordinary_pay"] = back.get("ordinary_pay", ZERO) + abs(D(out["hifp_pay"]))
            if not ctx.unreported(out, "act_pay_dedc"):
                back["ordinary_dedc"] = back.get("ordinary_dedc", ZERO) + abs(D(out["act_pay_dedc"]))
            if self.balance is not None:
                self.balance += D(out["acct_pay"])
                self.refunded += abs(D(out["acct_pay"]))

        @precondition(lambda self: self.date.year < LAST_YEAR)
        @rule(days=st.integers(0, 40))
        def new_year(self, days: int) -> None:
            self.date = dt.date(self.date.year + 1, 1, 1) + dt.timedelta(days=days)

        @precondition(lambda self: can_credit and "account_credit" in self.rules.policy.covers
                      and credits_drawn(self.setting) and f"{self.date:%Y-%m}" not in self.credited)
        @rule(data=st.data())
        def credit(self, data: st.DataObject) -> None:
            req = data.draw(credit_requests(self.rules, self.person, f"{self.date:%Y-%m}"), label="credit")
            self.credited.add(req.month)
            self.story.ops.append(Credit(req))
            try:
                out = {"amount": "0.00"} if self.idle else adapter.credit_month(self.psn, req)
            except SettlementRefused as e:
                self.fail("被测系统拒绝了个人账户计入", [mismatch("amount", "计入", f"拒绝：{e.message}", req.month)])
            self.moves.append((len(self.story.ops) - 1, "credit", req.month, out.get("amount")))
            self.balance = (self.balance or ZERO) + D(out["amount"])

        @precondition(lambda self: can_use)
        @rule(relation=st.sampled_from(sorted(RELATIONS)), purpose=st.sampled_from(sorted(PURPOSES)),
              amount=st.one_of(st.none(), amounts(2_000_00)))
        def use(self, relation: str, purpose: str, amount: Decimal | None) -> None:
            from conform.reference.case import UseRequest

            req = UseRequest(f"U{len(self.story.ops)}", relation, purpose, amount)
            self.story.ops.append(Use(req))
            try:
                out = {} if self.idle else adapter.check_account_use(self.psn, relation, purpose,
                                                                     str(amount) if amount is not None else None)
            except SettlementRefused as e:
                self.fail("被测系统拒绝回答个人账户使用校验", [mismatch("decision", "allowed/refused/undetermined",
                                                                   e.message, relation)])
            self.moves.append((len(self.story.ops) - 1, "use", req.id, out.get("decision")))
            if out.get("decision") == "allowed" and amount is not None and self.balance is not None:
                self.balance -= amount

        # ------------------------------------------------------------------ invariants
        @invariant()
        def totals_are_the_standing_settlements(self) -> None:
            if not self.ready or self.idle:
                return
            for year in sorted(self.touched):
                ytd = adapter.query_ytd(self.psn, year)
                mine = [(s, o) for s, o in self.standing.values() if s.date.year == year]
                # None: a standing settlement does not report its deductible, so their sum is not known
                dedc = (None if any(ctx.unreported(o, "act_pay_dedc") for _, o in mine)
                        else sum((D(o["act_pay_dedc"]) for _, o in mine), ZERO))
                paid = sum((D(o["hifp_pay"]) for _, o in mine), ZERO)
                off = [f for f, total in (("ordinary_dedc", dedc), ("ordinary_pay", paid))
                       if total is not None and D(ytd[f]) != total]
                if off:  # resting on A-REVERSAL where a reversal took a part of the failing total out
                    # named by the reference's figures (total_breakers), never a sum of the system's own answers
                    bad, first = total_breakers(Oracle(self.story), [(s.id, o) for s, o in mine], year, ytd, off,
                                                {"ordinary_dedc": dedc, "ordinary_pay": paid}, ctx.optional)
                    self.fail("年度累计不等于仍然有效的各笔结算之和" + ("（撤销应恰好冲销该笔结算，A-REVERSAL）" if self.reversals
                                                                  else "")
                              + ("（预结算 2206 不记账，不计入年度累计 a pre-settlement counts in no total）"
                                 if year in self.presettled else ""), bad,
                              readings=reversal_readings(bad, self.given_back.get(year, {})) + self.year_readings(),
                              departure=first)
                roles = {fig.role_on(self.person, d) for d in (dt.date(year, 1, 1), dt.date(year, 12, 31))}
                limit_d = max(fig.deductible(self.rules, r) for r in roles)
                limit_c = max(fig.cap(self.rules, r) for r in roles)
                over = [m for m, bad in ((mismatch("ordinary_dedc", f"≤ 起付标准 {limit_d}", ytd["ordinary_dedc"],
                                                    f"{year}年度累计"), D(ytd["ordinary_dedc"]) > limit_d),
                                         (mismatch("ordinary_pay", f"≤ 年度限额 {limit_c}", ytd["ordinary_pay"],
                                                    f"{year}年度累计", "年度累计普通门诊统筹支付"),
                                          D(ytd["ordinary_pay"]) > limit_c)) if bad]
                if over:  # only the figure that is over, after the first settlement the reference answers otherwise
                    parts, first = total_breakers(Oracle(self.story), [(s.id, o) for s, o in mine], year, ytd,
                                                  [m.field for m in over], {"ordinary_dedc": dedc, "ordinary_pay": paid},
                                                  ctx.optional)
                    named = [m for m in parts if m.item != f"{year}年度累计"]
                    self.fail("年度累计超过起付标准或年度限额", [*named, *over], departure=first if named else "",
                              readings=self.year_readings())
                got = ytd.get("acct_balance")
                if got is not None and self.balance is not None and D(got) != self.balance:
                    bad = self.balance_breakers(got, year)
                    # the balance itself (no movement answered otherwise) expected with a reversal's refund in it: that
                    # refund is A-REVERSAL's, as a year's total a reversal took a part of is (reversal_readings)
                    refund = reversal_readings(bad, {"acct_balance": self.refunded})
                    self.fail("个人账户余额与计入、账户支付和使用不符" + ("（撤销退回个人账户支付，A-REVERSAL）" if refund else ""),
                              bad, readings=refund)
                if got is not None and D(got) < 0:
                    self.fail("个人账户余额为负", [mismatch("acct_balance", "≥ 0", got, f"{year}年度累计")])

        def year_readings(self) -> tuple[str, ...]:
            """The document's year reading where the ledger has crossed 1 January (year_reading): a total expected
            afresh in the new year rests on it where the text names no period (北京（五）, 浙江 二（一）)."""
            r = year_reading(self.story)
            return (r,) if r else ()

        def reversal_breakers(self, sid: str, out: dict, rev: dict, bad: list) -> list:
            """A reversal that does not negate its settlement's answer: the answer may be the wrong one (a deductible
            answered 0.00 that the system counted, and took back, as 0.01). Each figure of the settlement the reference
            answers otherwise is named, with the reference's figure, and the reversal's only where it does not negate
            that figure; a figure the reference answers alike (or gives none for) keeps the reversal against the
            answer (rvendor8 D7)."""
            oracle = Oracle(self.story)
            named = []
            for m in bad:
                want = oracle.figure(sid, m.field)
                if want is None or D(want) == D(out[m.field]):
                    named.append(m)
                    continue
                named.append(mismatch(m.field, want, out[m.field], sid))
                if D(rev[m.field]) != -D(want):
                    named.append(mismatch(m.field, -D(want), rev[m.field], f"{sid} 撤销"))
            return named

        def balance_breakers(self, got: object, year: int) -> list:
            """The balance does not follow from the opening balance and what the system answered since: name what
            the reference answers otherwise, with its figure — the first movement (an account payment, a credit) in
            the order done, else the balance itself — never a balance worked from the system's own movements, one of
            which may be the wrong one (an acct_pay ×100 made a right balance of 0.00 "应为 -0.99", rvendor8 D7). The
            reference is followed only while it did what the system did: a use the text leaves open, decided
            otherwise, or an operation one of them refused, ends the comparison, and the relation is stated."""
            from ..adapters.reference import ReferenceAdapter
            from .base import no_evidence

            try:
                with no_evidence():
                    want = execute(ReferenceAdapter(), self.story)
            except Exception:  # noqa: BLE001 - no figure to name: the relation is stated
                want = None
            item = f"{year}年度累计"
            if want is not None:
                credits = {req.month: o for req, o in want.credits}
                uses = {req.id: o for req, o in want.uses}
                followed = True
                for _, what, key, mine in self.moves:
                    if what == "settle":
                        ref = want.settled.get(key)
                        if ref is None or ref.get("acct_undetermined") is not None or ref.get("acct_pay") is None:
                            followed = False
                            break
                        if mine is not None and D(ref["acct_pay"]) != D(mine):
                            return [mismatch("acct_pay", ref["acct_pay"], mine, key)]
                    elif what == "credit":
                        ref = credits.get(key)
                        if not isinstance(ref, dict):
                            followed = False
                            break
                        if mine is not None and D(ref.get("amount")) != D(mine):
                            return [mismatch("amount", ref.get("amount"), mine, key)]
                    elif not isinstance(uses.get(key), dict) or uses[key].get("decision") != mine:
                        followed = False
                        break
                if followed and any(k.endswith("-撤销") for k in want.refused):
                    followed = False
                ref_balance = (want.ytd.get(year) or {}).get("acct_balance")
                if followed and ref_balance is not None and D(ref_balance) != D(got):
                    return [mismatch("acct_balance", ref_balance, got, item)]
            return [mismatch("acct_balance", "期初余额 + 计入 − 个人账户支付 + 撤销退回 − 允许的使用（按被测系统各次答复，"
                             "勾稽关系不成立）", got, item)]

        def teardown(self) -> None:
            if getattr(self, "idle", False):
                ctx.begin_example()  # raises the runner's best failure (or the system's fault)
                return
            if self.failed or not self.ready or not self.reversals or not self.standing:
                return
            if not self.lifo:
                self.after_out_of_order()
                return
            # Every reversal took back its year's latest settlement: replaying only what stands must agree.
            kept = [s for s, _ in self.standing.values()]
            twin = Story.of(self.setting, self.person, kept, "只结算仍然有效的各笔")
            replay = execute(adapter, twin, psn_no=ctx.psn_no())
            bad = []
            for s, out in self.standing.values():
                if s.id in replay.refused:
                    bad.append(mismatch("infcode", "0（结算成功）", f"拒绝：{replay.refused[s.id]}", s.id))
                    continue
                bad += fund_differences(replay.settled[s.id], out, s.id, FUND_FIELDS, ctx.optional)
            if bad:
                headline = "先结算再撤销后的结算结果与只结算仍然有效各笔的结果不同（撤销后应恢复年度累计）"
                if not any(m.field == "infcode" for m in bad):
                    # one of the two runs is wrong, not which: the replay is no oracle — name the settlement the
                    # reference answers otherwise, with its figure and its run (rvendor8 D7)
                    from types import SimpleNamespace

                    from .monotonicity import departures

                    mine = SimpleNamespace(settled={sid: out for sid, (_, out) in self.standing.items()})
                    found, stories = departures(ctx, [(self.story, mine), (twin, replay)],
                                                {s.id for s in kept}, FUND_FIELDS)
                    if found:
                        self.failed = True
                        ctx.fail(f"{headline}：{stories[0].title}的 {found[0].item} 与参考实现不符", found, *stories,
                                 departure=found[0].item, readings=self.year_readings())
                self.fail(headline, bad, twin, readings=self.year_readings())

        def after_out_of_order(self) -> None:
            """A reversal took back a settlement that was not its year's latest: replaying what stands would not
            agree (the settlements made before it were settled with its part counted, and stand as answered,
            A-REVERSAL), but each settlement made after it is settled with that part given back — its deductible
            due again, its payment's room under the cap free — as the reference computes the whole story. The
            first of them the reference answers otherwise is named, with the reference's figures."""
            from types import SimpleNamespace

            from .monotonicity import departures

            later = {op.settlement.id for op in self.story.ops[self.out_of_order:] if isinstance(op, Settle)}
            ids = later & set(self.standing)
            if not ids:
                return
            mine = SimpleNamespace(settled={sid: out for sid, (_, out) in self.standing.items()})
            found, stories = departures(ctx, [(self.story, mine)], ids, FUND_FIELDS)
            if found:
                self.failed = True
                ctx.fail(f"撤销一笔并非当年最近的结算后，其后的结算 {found[0].item} 与参考实现不符（撤销应恰好冲回该笔结算的起付线和支付，"
                         "其后的结算按冲回后的年度累计计算，A-REVERSAL）", found, *stories, departure=found[0].item)

    return LedgerMachine


register_machine("stateful_ledger", "结算、撤销、跨年、计入和使用后，年度累计始终等于仍然有效的各笔结算之和", CLAUSES,
                 ("prepare_person", "settle", "reverse", "query_ytd"), ledger_machine, __doc__ or "",
                 assumptions=("A-REVERSAL", "A-YEAR-BY-SETTLEMENT-DATE"))
