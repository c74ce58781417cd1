"""A platform answer without an optional setlinfo figure (act_pay_dedc, psn_part_amt) is checked on the rest.

The platform adapter leaves such a figure out of the settlement it reports and lists it in its
`optional_figures` (messages.SETLINFO_OPTIONAL); the checks ask the adapter in use and treat it as not reported — a scenario does not compare it, a property skips what needs
it — while a required figure (hifp_pay …) that is absent stays "(missing)". Each run below is the sample
system's platform mode over a real socket, its 2206/2207/2208 answers edited on the way out.
"""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from conform.fixtures.sample_system import platform as P
from conform.fixtures.sample_system.platform_server import PlatformHandler
from conform.fixtures.sample_system.server import SampleServer
from conform.harness.adapters.platform.messages import SETLINFO_OPTIONAL
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError
from conform.harness.adapters.base import Adapter
from conform.harness.adapters.platform.adapter import PlatformAdapter
from conform.harness.properties.base import optional_figures, unreported
from conform.harness.properties.runner import GuardedAdapter
from conform.harness.properties.settlement import fund_differences
from conform.harness.run import CONFORMANCE, execute
from conform.harness.steps.world import World


def run_without(monkeypatch, tmp_path, edit, articles, module):
    """`conform run` on the sample platform system whose answers' setlinfo go through `edit` first."""
    orig = P.PlatformSystem._answer

    def answer(self, *a, **k):
        out = orig(self, *a, **k)
        if isinstance(out.get("setlinfo"), dict):
            edit(out["setlinfo"])
        return out

    monkeypatch.setattr(P.PlatformSystem, "_answer", answer)
    srv = SampleServer("127.0.0.1", 0, P.PlatformSystem(hooks=True))
    srv.RequestHandlerClass = PlatformHandler
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/"
        cfg = tmp_path / "conform.toml"
        cfg.write_text(P.sample_config(url), encoding="utf-8")
        run, code = execute(adapter=f"platform+{url}", config=str(cfg), articles=(articles,),
                            paths=(CONFORMANCE / module,))
    finally:
        srv.shutdown()
        srv.server_close()
    return run, code


def drop(name):
    return lambda info: info.pop(name, None)


def bad_checks(run):
    return [(c.name, c.status, c.message[:200]) for c in run.checks if c.status != "passed"]


def test_only_the_platform_adapter_may_leave_the_optional_figures_out():
    assert SETLINFO_OPTIONAL == ("act_pay_dedc", "psn_part_amt")
    assert PlatformAdapter.optional_figures == frozenset(SETLINFO_OPTIONAL)
    assert Adapter.optional_figures == ReferenceAdapter.optional_figures == frozenset()
    # the properties reach the adapter through the runner's GuardedAdapter: the attribute comes through
    guarded = GuardedAdapter(PlatformAdapter.__new__(PlatformAdapter), budget=None)
    assert optional_figures(guarded) == frozenset(SETLINFO_OPTIONAL)
    assert optional_figures(GuardedAdapter(ReferenceAdapter(), budget=None)) == frozenset()
    opt = PlatformAdapter.optional_figures
    assert unreported({"hifp_pay": "1.00"}, "act_pay_dedc", opt)
    assert not unreported({"hifp_pay": "1.00"}, "act_pay_dedc")   # no adapter set: required
    assert not unreported({"act_pay_dedc": "0.00"}, "act_pay_dedc", opt)
    assert not unreported({}, "hifp_pay", opt)          # a required figure is never 'not reported'


def test_scenarios_without_act_pay_dedc_are_checked_on_the_other_figures(monkeypatch, tmp_path):
    # 南昌 四（二）1: the scenarios name 本次起付线 next to 统筹基金支付 and 个人负担; before, each failed
    # "act_pay_dedc: expected 600.00, got (missing)".
    run, code = run_without(monkeypatch, tmp_path, drop("act_pay_dedc"), "nanchang-4.2.1", "test_features.py")
    assert run.checks and bad_checks(run) == [] and code == 0


def test_scenarios_without_act_pay_dedc_still_fail_a_wrong_required_figure(monkeypatch, tmp_path):
    def wrong(info):
        info.pop("act_pay_dedc", None)
        if Decimal(str(info["hifp_pay"])) > 0:
            info["hifp_pay"] = Decimal(str(info["hifp_pay"])) + Decimal("0.01")

    run, code = run_without(monkeypatch, tmp_path, wrong, "nanchang-4.2.1", "test_features.py")
    failed = [c for c in run.checks if c.status == "failed"]
    assert failed and code == 1
    fields = {m.field for c in failed for m in c.mismatches}
    assert "hifp_pay" in fields and "act_pay_dedc" not in fields


def test_properties_without_psn_part_amt_pass_and_never_crash(monkeypatch, tmp_path):
    # Before: differential failed "psn_part_amt … (missing)", money_identities a harness_error (KeyError).
    run, code = run_without(monkeypatch, tmp_path, drop("psn_part_amt"), "panzhihua-7", "test_properties.py")
    assert {"test_differential", "test_money_identities"} <= {c.nodeid.split("::")[-1].split("[")[0] for c in run.checks}
    assert bad_checks(run) == [] and code == 0


def test_properties_without_act_pay_dedc_pass_and_never_crash(monkeypatch, tmp_path):
    run, code = run_without(monkeypatch, tmp_path, drop("act_pay_dedc"), "panzhihua-7", "test_properties.py")
    assert run.checks and bad_checks(run) == [] and code == 0


def test_without_psn_part_amt_the_cash_identity_is_still_checked(monkeypatch, tmp_path):
    # acct_pay + psn_cash_pay = medfee_sumamt − fund_pay_sumamt holds whether psn_part_amt is given or not.
    def wrong(info):
        info.pop("psn_part_amt", None)
        info["psn_cash_pay"] = Decimal(str(info["psn_cash_pay"])) + Decimal("0.01")

    run, code = run_without(monkeypatch, tmp_path, wrong, "panzhihua-7", "test_properties.py")
    ident = [c for c in run.checks if "money_identities" in c.nodeid]
    assert ident and ident[0].status == "failed", bad_checks(run)
    assert {m.field for m in ident[0].mismatches} == {"psn_cash_pay"}
    assert not [c for c in run.checks if c.status == "harness_error"]


# --------------------------------------------------------------------------- the pieces, in-process

class OptionalFiguresAdapter(ReferenceAdapter):
    optional_figures = PlatformAdapter.optional_figures   # as the platform adapter's


def world_with(out: dict, adapter=None) -> World:
    w = World(adapter or OptionalFiguresAdapter())
    w.results["V1"], w.last_id = out, "V1"
    return w


def test_a_scenario_does_not_compare_an_optional_figure_the_system_does_not_report():
    w = world_with({"hifp_pay": "115.00"})
    w.expect_fields(None, {"act_pay_dedc": Decimal("200.00"), "psn_part_amt": Decimal("385.00"),
                           "hifp_pay": Decimal("115.00")})
    with pytest.raises(MismatchError) as e:     # still compared when given
        world_with({"act_pay_dedc": "100.00"}).expect_fields(None, {"act_pay_dedc": Decimal("200.00")})
    assert [(m.field, m.actual) for m in e.value.mismatches] == [("act_pay_dedc", "100.00")]


def test_a_required_figure_the_system_does_not_report_is_still_missing():
    with pytest.raises(MismatchError) as e:
        world_with({"act_pay_dedc": "200.00"}).expect_fields(None, {"hifp_pay": Decimal("115.00")})
    assert [(m.field, m.actual) for m in e.value.mismatches] == [("hifp_pay", "(missing)")]


def test_with_an_adapter_without_optional_figures_an_absent_one_is_missing():
    with pytest.raises(MismatchError) as e:
        world_with({"hifp_pay": "115.00"}, ReferenceAdapter()).expect_fields(
            None, {"act_pay_dedc": Decimal("200.00"), "hifp_pay": Decimal("115.00")})
    assert [(m.field, m.actual) for m in e.value.mismatches] == [("act_pay_dedc", "(missing)")]


def test_fund_differences_skip_an_unreported_optional_figure_only():
    want = {"act_pay_dedc": "200.00", "hifp_pay": "115.00"}
    opt = PlatformAdapter.optional_figures
    assert fund_differences(want, {"hifp_pay": "115.00"}, "V1", optional=opt) == []
    (m,) = fund_differences(want, {"hifp_pay": "115.00"}, "V1")        # not optional for this adapter
    assert (m.field, m.actual) == ("act_pay_dedc", "(missing)")
    (m,) = fund_differences(want, {"act_pay_dedc": "200.00"}, "V1", optional=opt)
    assert (m.field, m.actual) == ("hifp_pay", "(missing)")
