"""Steps for a repeated 2207 of a visit already settled (a HIS retry after a timeout, same mdtrt_id).

No policy text speaks of it: the check rests on the reading A-SETTLE-ONCE (common.yaml) — one 就诊 is settled once,
and the platform's 2207 is keyed by mdtrt_id. Both lawful answers pass: a refusal, or the same settlement again
(same setl_id, same figures). Either way the year's totals and the balance (5206) must not move. A failure names
the reading, never a benefit article. A plugin of its own, named by steps/library.py's `pytest_plugins`.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from pytest_bdd import parsers, then, when

from ..adapters import SettlementRefused
from ..adapters.base import SETLINFO_FIELDS
from ..plugin import MismatchError
from ..results import Mismatch
from .vocabulary import LABELS, YTD_FIELDS
from .world import ScenarioError, World

SETTLE_ONCE = "A-SETTLE-ONCE"
# the 5206 figures a repeat must leave as they were: the year's totals the scenarios name, and the balance
TOTALS = (*YTD_FIELDS.values(), "acct_balance")


@pytest.fixture
def repeat_state() -> dict[str, Any]:
    """What the last repeated 2207 found: the visit, the 5206 before and after, the answer or the refusal."""
    return {}


def _totals(world: World, year: int) -> dict[str, Any]:
    out = world.ytd(year)
    return {k: out.get(k) for k in TOTALS if isinstance(out, dict) and out.get(k) is not None}


@when(parsers.re(r'同一就诊 "(?P<sid>[^"]+)" 再次提交结算（2207）'))
def when_repeat_settle(world: World, repeat_state: dict[str, Any], sid: str) -> None:
    """Send the settled visit `sid` again, the same request (same mdtrt_id), as a HIS retrying after a timeout."""
    s = world.settlements.get(sid)
    if s is None or sid not in world.results:
        raise ScenarioError(f"no settlement {sid!r} to repeat; settled so far: {', '.join(world.results) or 'none'}")
    world.adapter.require("settle")
    before = _totals(world, s.date.year)
    answer, refused = None, None
    try:
        # the request sent before, unchanged (the platform profile resends its 2207; Adapter.settle_again)
        answer = world.adapter.settle_again(world.psn_no, s)
    except SettlementRefused as e:
        refused = e.message
    if world.oracle is not None:  # the reference keeps to the reading: it refuses the repeat (engine.settle)
        try:
            world.oracle.settle(world.psn_no, s)
        except SettlementRefused:
            pass
        else:
            raise ScenarioError(f"the rules settle a repeat of {sid}: a repeated 2207 checks a visit settled once")
    repeat_state.update(sid=sid, year=s.date.year, before=before, after=_totals(world, s.date.year),
                        answer=answer, refused=refused)


def _same(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return str(a) == str(b)


@then("再次提交被拒绝或答复同一结算，年度累计和个人账户余额不变")
def then_repeat_harmless(world: World, repeat_state: dict[str, Any]) -> None:
    """Refused, or the first answer again (setl_id and every figure the first answer gave); 5206 unchanged."""
    if not repeat_state:
        raise ScenarioError('no repeated settlement yet: 当 同一就诊 "V1" 再次提交结算（2207） first')
    sid, year = repeat_state["sid"], repeat_state["year"]
    item = f"{sid}-再次提交"
    first, again = world.results[sid], repeat_state["answer"]
    bad: list[Mismatch] = []
    if again is not None:
        settled_again = first.get("setl_id") is None or again.get("setl_id") != first.get("setl_id")
        if settled_again:  # its figures are another settlement's: that it settled again is the finding, not them
            bad.append(Mismatch("setl_id", f"拒绝，或原结算 {first.get('setl_id')}", f"新的结算 {again.get('setl_id')}",
                                item, "结算ID（同一就诊只结算一次）"))
        for name in () if settled_again else SETLINFO_FIELDS:
            if first.get(name) is not None and not _same(first[name], again.get(name)):
                bad.append(Mismatch(name, str(first[name]), str(again.get(name)), item,
                                    f"{LABELS.get(name, name)}（应与原结算相同）"))
    before, after = repeat_state["before"], repeat_state["after"]
    for name, was in before.items():
        now = after.get(name)
        if now is None or not _same(was, now):
            label = "个人账户余额" if name == "acct_balance" else f"年度累计{LABELS.get(name, name)}"
            bad.append(Mismatch(name, str(was), "(未返回 missing)" if now is None else str(now), f"{year}年度累计",
                                f"{label}（再次提交前后应不变）"))
    if bad:
        said = f"被测系统拒绝：{repeat_state['refused']}" if repeat_state["refused"] else "被测系统再次结算"
        trace = [{"step": "结算受理", "clause": SETTLE_ONCE, "value": said,
                  "detail": f"同一就诊（mdtrt_id {sid}）只结算一次：再次提交的 2207 应被拒绝，或答复原结算；"
                            "年度累计和个人账户余额不变（A-SETTLE-ONCE，文件未作规定）"}]
        raise MismatchError(bad, trace, {m.item: trace for m in bad}, readings=[SETTLE_ONCE])

