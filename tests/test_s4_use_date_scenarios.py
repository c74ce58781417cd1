"""Dated account uses in the scenarios: 攀枝花 第十九条 (有效期5年, to 2027-12-31) and 浙江 三（二）(a city's own
start) refuse a use outside them, and the scenarios saying so catch systems that do not.

The twins below are the reference with one date check wrong, as mutation testing of check_use found them
surviving the suite: the validity end 31 days late, the start refused 400 days too long or 400 days too
short, and the date ignored. Each must fail at least one of the new scenarios, which pass against the
reference and the sample system over HTTP. (浙江 二（三）dates the crediting reform only: a use between a city's
earlier start and 2023 is undetermined since s11 implA, so a system taking the region's start alone for uses —
the former twin RegionStartOnly — is within the text.)
"""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from sample_server import SampleServer

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.run import CONFORMANCE, execute

SCENARIOS = (CONFORMANCE / "test_features.py",)
ARTICLES = ("panzhihua-19", "zhejiang-2.3")
PZH = "第19条_施行日期和有效期"
ZJ = "二（三）_改进个人账户计入办法"
DATED = {  # feature stem → the scenarios with dated uses
    PZH: ("施行前和有效期届满后的个人账户使用被拒绝", "施行首日和有效期末日的个人账户使用按第五条判定",
          "有效期末日的使用照常扣减余额，届满后的使用被拒绝且不扣减"),
    ZJ: ("城市把施行日期提前到2022年：此前的使用被拒绝，至计入改革前的使用未作规定，2023年起按二（四）",
         "改革前被拒绝的使用不扣减余额，改革后的使用照常扣减"),
}


def dated_checks(run):
    found = [c for c in run.checks if Path(c.feature_file).stem in DATED
             and any(c.name == n or c.name.startswith(n + " [") for n in DATED[Path(c.feature_file).stem])]
    assert len(found) == 7, [c.name for c in found]  # 攀枝花 2 + 2 rows of the outlines and 1; 浙江 2
    return found


class _Shifted(ReferenceAdapter):
    """The reference whose account-use check reads the rules with shifted validity dates."""

    start_shift = dt.timedelta(0)
    end_shift = dt.timedelta(0)

    def check_account_use(self, psn_no, relation, purpose, amount=None, date=None):
        ledger = self._ledger(psn_no)
        rules = ledger.rules
        shifted = copy.copy(rules)
        if shifted.valid_from is not None:
            shifted.valid_from += self.start_shift
        if shifted.valid_to is not None:
            shifted.valid_to += self.end_shift
        ledger.rules = shifted
        try:
            return super().check_account_use(psn_no, relation, purpose, amount, date)
        finally:
            ledger.rules = rules


class EndLate(_Shifted):
    """`day > valid_to` read as `day > valid_to + 31 days`."""
    end_shift = dt.timedelta(days=31)


class StartWide(_Shifted):
    """The refusal before the start widened by 400 days (uses of 2023 refused too)."""
    start_shift = dt.timedelta(days=400)


class StartNarrow(_Shifted):
    """The refusal before the start narrowed by 400 days (uses of late 2022 allowed)."""
    start_shift = dt.timedelta(days=-400)


class DateBlind(ReferenceAdapter):
    """A system that takes the date but ignores it."""

    def check_account_use(self, psn_no, relation, purpose, amount=None, date=None):
        return super().check_account_use(psn_no, relation, purpose, amount)


def test_the_dated_use_scenarios_pass_against_the_reference():
    run, _ = execute(articles=ARTICLES, paths=SCENARIOS)
    bad = [f"{c.status} {c.name}: {c.message[:300]}" for c in dated_checks(run) if c.status != "passed"]
    assert bad == []


def test_the_dated_use_scenarios_pass_against_the_sample_system_over_http():
    with SampleServer() as server:
        run, _ = execute(adapter=server.url, articles=ARTICLES, paths=SCENARIOS)
    bad = [f"{c.status} {c.name}: {c.message[:300]}" for c in dated_checks(run) if c.status != "passed"]
    assert bad == []


@pytest.mark.parametrize("twin, stem", [("EndLate", PZH), ("StartWide", PZH), ("StartWide", ZJ), ("StartNarrow", PZH),
                                        ("StartNarrow", ZJ), ("DateBlind", PZH), ("DateBlind", ZJ)])
def test_a_system_with_a_wrong_use_date_check_fails_a_dated_use_scenario(twin, stem):
    run, _ = execute(adapter=f"python:test_s4_use_date_scenarios:{twin}", articles=ARTICLES, paths=SCENARIOS)
    checks = [c for c in dated_checks(run) if Path(c.feature_file).stem == stem]
    failed = [c for c in checks if c.status == "failed"]
    assert failed, [(c.name, c.status, c.message[:200]) for c in checks]
    assert all(c.status in ("passed", "failed") for c in checks), [(c.name, c.status, c.message) for c in checks]
