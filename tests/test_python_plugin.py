"""`python:package.module:Class` plugins and the `conform.adapters` entry-point group."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.fixtures.sample_plugin import SampleSystemPlugin, SettlementOnlyPlugin
from conform.harness.adapters import Adapter, AdapterSpecError, make_adapter
from conform.harness.adapters.python_plugin import GROUP, registered
from conform.harness.cli import main as cli
from conform.harness.config import AdapterConfig
from conform.harness.run import execute

SPEC = "python:conform.fixtures.sample_plugin:SampleSystemPlugin"


def test_the_whole_feature_suite_passes_through_a_python_plugin():
    # Every scenario and every property through the plugin; a few examples each: the plumbing is
    # checked here, the properties' power in tests/test_power_*.py and tests/test_properties_meta.py.
    run, _ = execute(adapter=SPEC, extra_args=("--conform-examples", "3"))
    counts = run.counts()
    assert counts["passed"] > 100, counts
    bad = [f"{c.status} {c.feature_file} {c.name}: {c.message[:200]}" for c in run.checks
           if c.status not in ("passed", "not_applicable")]
    assert bad == []
    assert run.adapter["adapter"] == "sample-plugin"


def test_plugin_is_built_with_the_config():
    a = make_adapter(SPEC, AdapterConfig(concurrency=4))
    assert isinstance(a, SampleSystemPlugin) and a.concurrency == 4


def test_operations_a_plugin_lacks_are_not_applicable_and_do_not_fail_the_gate(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTEST_ADDOPTS", "--conform-examples 3")  # for both runs: which operations, not how many examples
    run, code = execute(adapter="python:conform.fixtures.sample_plugin:SettlementOnlyPlugin", articles=("nanchang-4.3.1",))
    statuses = {c.status for c in run.checks}
    assert "not_applicable" in statuses and not statuses & {"failed", "error"}, statuses
    na = [c for c in run.checks if c.status == "not_applicable"]
    assert all("credit_month" in c.message or "check_account_use" in c.message for c in na)
    result = CliRunner().invoke(cli, ["run", "--adapter", "python:conform.fixtures.sample_plugin:SettlementOnlyPlugin",
                                      "--article", "nanchang-4.3.1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output


def test_entry_point_group_makes_a_plugin_available_by_name(tmp_path, monkeypatch):
    # A distribution installed on the path that publishes an adapter, exactly as a vendor's package would.
    dist = tmp_path / "acme_conform-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-conform\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        f"[{GROUP}]\nacme = conform.fixtures.sample_plugin:SampleSystemPlugin\nbroken = conform.fixtures.sample_plugin:NoSuchClass\n",
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert {"acme", "broken"} <= set(registered())
    assert isinstance(make_adapter("acme"), SampleSystemPlugin)
    with pytest.raises(AdapterSpecError, match="'broken'.*cannot load"):
        make_adapter("broken")


class NotAnAdapter:
    pass


class SupportsNothing(Adapter):
    name = "empty"


class Exploding(Adapter):
    supports = frozenset({"settle"})

    def __init__(self, config):
        raise RuntimeError("licence server down")


@pytest.mark.parametrize("spec, message", [
    ("python:no_such_module_xyz:Thing", "cannot import module 'no_such_module_xyz'"),
    ("python:conform.fixtures.sample_plugin:Missing", "has no 'Missing'"),
    ("python:conform.fixtures.sample_plugin", "write python:package.module:Class"),
    ("python:test_python_plugin:NotAnAdapter", "not a subclass of conform.harness.adapters.Adapter"),
    ("python:test_python_plugin:SupportsNothing", "declares no supported operations"),
    ("python:test_python_plugin:Exploding", "RuntimeError: licence server down"),
    ("acme-unknown", "unknown adapter 'acme-unknown'"),
])
def test_plugins_that_cannot_be_used_are_named_with_the_reason(spec, message):
    with pytest.raises(AdapterSpecError) as e:
        make_adapter(spec)
    assert message in str(e.value)


def test_settlement_only_plugin_still_settles():
    import datetime as dt
    from decimal import Decimal

    from conform.harness.adapters import NotApplicable, Subject
    from conform.reference.case import Person, Settlement

    a = SettlementOnlyPlugin()
    a.prepare_person(Subject("nanchang", Person("P1", "1101")))
    # 南昌 三级 1600：起付线 600，(1600 − 600) × 50% = 500
    out = a.settle("P1", Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1600.00")))
    assert out["hifp_pay"] == "500.00"
    a.require("settle")
    with pytest.raises(NotApplicable):
        a.require("credit_month")
    assert "credit_month" not in a.supports
