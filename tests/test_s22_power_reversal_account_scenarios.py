"""Scenarios, not only properties, catch a second reversal accepted, a wrong `balc` and acct_used_flag 0 ignored.

s22 probeE: a second 2208 of the same setl_id accepted (F0c), a 2207 answering the balance before its own debit, and a
pharmacy visit debiting the account although acct_used_flag is 0 (F1b) passed every scenario of 攀枝花 第五条. Each
is made here as a Python plugin on the sample system and run on that article's scenarios alone (no property), which
must now fail them — and the unchanged sample plugin must pass them.
"""
from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from conform.harness.cli import main as cli

PLUGIN = textwrap.dedent('''
    from decimal import Decimal

    from conform.fixtures.sample_plugin import SampleSystemPlugin


    class DoubleReversal(SampleSystemPlugin):
        """A second 2208 of a settlement is answered as the first was (accepted), not refused."""
        name = "s22-double-reversal"

        def reverse(self, psn_no, setl_id):
            done = self.__dict__.setdefault("done", {})
            if (psn_no, setl_id) in done:
                return done[(psn_no, setl_id)]
            done[(psn_no, setl_id)] = out = super().reverse(psn_no, setl_id)
            return out


    class BalcBeforeDebit(SampleSystemPlugin):
        """2207's balc is the balance before this settlement's account payment."""
        name = "s22-balc-before-debit"

        def settle(self, psn_no, settlement):
            out = dict(super().settle(psn_no, settlement))
            if out.get("balc") is not None:
                out["balc"] = str(Decimal(out["balc"]) + Decimal(out["acct_pay"]))
            return out


    class FlagIgnoredAtPharmacy(SampleSystemPlugin):
        """A pharmacy visit uses the account even when acct_used_flag is 0."""
        name = "s22-flag-ignored-pharmacy"

        def settle(self, psn_no, settlement):
            if settlement.facility == "pharmacy" and not settlement.acct_used_flag:
                from dataclasses import replace
                settlement = replace(settlement, acct_used_flag=True)
            return super().settle(psn_no, settlement)
''')

# plugin class → the scenario of 攀枝花 第五条 that must now fail on it
CAUGHT_BY = {
    "DoubleReversal": "同一结算再次撤销被拒绝",
    "BalcBeforeDebit": "余额足够时个人负担全部由个人账户支付",
    "FlagIgnoredAtPharmacy": "在定点零售药店购药时选择不使用个人账户",
}


def _run(tmp_path, monkeypatch, adapter: str) -> tuple[int, list[dict]]:
    plug = tmp_path / "plug"
    plug.mkdir(exist_ok=True)
    (plug / "s22_account_plugins.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(plug))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", "--adapter", adapter, "--policy", "panzhihua", "--article", "panzhihua-5",
                                   "--tag", "not conform_property", "--out", str(out), "--no-progress",
                                   "--format", "json"])
    return res.exit_code, json.loads((out / "results.json").read_text(encoding="utf-8"))["checks"]


@pytest.mark.parametrize("cls", sorted(CAUGHT_BY))
def test_article_5_scenarios_catch_the_defect(cls, tmp_path, monkeypatch):
    code, checks = _run(tmp_path, monkeypatch, f"python:s22_account_plugins:{cls}")
    failed = [c["name"] for c in checks if c["status"] == "failed"]
    assert code == 1, (code, failed)
    assert any(CAUGHT_BY[cls] in name for name in failed), failed
    assert not [c for c in checks if c["status"] in ("error", "harness_error", "feature_error")]


def test_the_sample_plugin_passes_them(tmp_path, monkeypatch):
    code, checks = _run(tmp_path, monkeypatch, "python:conform.fixtures.sample_plugin:SampleSystemPlugin")
    assert code == 0, [(c["name"], c["status"], c.get("message", "")[:200]) for c in checks if c["status"] != "passed"]
