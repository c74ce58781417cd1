"""A Python plugin that leaves act_pay_dedc / psn_part_amt out of its answers fails: for it they are required.

Only the national-platform adapter lists them as optional (`optional_figures`, its 2207 setlinfo); for
every other adapter docs/connect-your-system.md marks them "required: yes". The reviewer's plugin below
(the sample plugin dropping both) was certified 合格 when the checks skipped them for every adapter; it
must not pass, and never be a harness error (a KeyError where a property needs the figure). Since review s5
(D2) a plugin's answers are read by the http adapter's readers: a required figure left out is the system's
error `missing_field` naming it, as over HTTP (exit 3), no longer a comparison's "(missing)".
"""
from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from conform.harness.adapters import make_adapter
from conform.harness.cli import main as cli

PLUGIN = textwrap.dedent('''
    from conform.fixtures.sample_plugin import SampleSystemPlugin


    def _drop(info):
        info = dict(info)
        info.pop("act_pay_dedc", None)
        info.pop("psn_part_amt", None)
        return info


    class DropDedc(SampleSystemPlugin):
        """A system that does not report act_pay_dedc nor psn_part_amt."""
        name = "drop-dedc"

        def settle(self, psn_no, settlement):
            return _drop(super().settle(psn_no, settlement))

        def presettle(self, psn_no, settlement):
            return _drop(super().presettle(psn_no, settlement))

        def reverse(self, psn_no, setl_id):
            return _drop(super().reverse(psn_no, setl_id))
''')


def test_a_plugin_that_drops_act_pay_dedc_and_psn_part_amt_fails_with_missing(tmp_path, monkeypatch):
    plug = tmp_path / "plug"
    plug.mkdir()
    (plug / "dropdedc_plugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(plug))
    monkeypatch.setenv("PYTEST_ADDOPTS", "--conform-examples 3")
    assert getattr(make_adapter("python:dropdedc_plugin:DropDedc"), "optional_figures", frozenset()) == frozenset()

    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", "--adapter", "python:dropdedc_plugin:DropDedc", "--policy", "panzhihua",
                                   "--article", "panzhihua-7", "--out", str(out), "--no-progress", "--format", "json"])
    assert res.exit_code == 3, res.output[-2000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    checks = results["checks"]
    statuses = {c["status"] for c in checks}
    assert "error" in statuses and not statuses & {"failed", "harness_error"}, statuses
    errors = [c for c in checks if c["status"] == "error"]
    assert all("act_pay_dedc: missing" in c["message"] for c in errors), \
        {c["message"] for c in errors}
    # the scenarios and the properties alike: a property needing act_pay_dedc reports it missing, no KeyError
    props = [c for c in checks if "test_properties.py" in c["nodeid"]]
    assert props and all(c["status"] == "error" for c in props), [(c["nodeid"], c["status"]) for c in props]
    assert all("KeyError" not in (c.get("message") or "") for c in checks)
