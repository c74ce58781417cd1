"""A reversal that gives back exactly what the system paid, where that payment was wrong, is blamed on the
payment's article, not on the reversal's reading (probe s19 F).

攀枝花 第七条, scenario 撤销用满限额的结算后限额恢复 (features/panzhihua/第07条_普通门诊统筹.feature): V1 二级 2000.00,
(2000 − 200) × 60% = 1080 → the cap 1000.00; V1 reversed; V2 二级 500.00 → (500 − 200) × 60% = 180.00. The scenario
checks V1's reversal (−1000.00) and V2, not V1 itself. The system below pays V1 900.00 (as if 50%, a 三级 ratio)
and its reversal gives back its own −900.00. Before, the check was blamed on A-REVERSAL alone — 'the reversal
disagrees with a named reading' — though the system followed it; the departure is V1's payment (第七条).
"""
from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from conform.harness.cli import main as cli

PLUGIN = textwrap.dedent('''
    from conform.fixtures.sample_plugin import SampleSystemPlugin


    class PaysV1Short(SampleSystemPlugin):
        """Pays a capped 1000.00 as 900.00, and gives back what it paid when it is reversed."""
        name = "pays-v1-short"

        def __init__(self, config=None):
            super().__init__(config)
            self.short = set()

        def settle(self, psn_no, settlement):
            info = dict(super().settle(psn_no, settlement))
            if info.get("hifp_pay") == "1000.00":
                info["hifp_pay"] = "900.00"
                self.short.add((psn_no, settlement.id))
            return info

        def reverse(self, psn_no, setl_id):
            info = dict(super().reverse(psn_no, setl_id))
            if (psn_no, setl_id) in self.short:
                info["hifp_pay"] = "-900.00"
            return info
''')

TITLE = "撤销用满限额的结算后限额恢复"  # found by its title: rows added above it move its line


def test_a_reversal_mirroring_a_wrong_payment_is_blamed_on_the_payments_article(tmp_path, monkeypatch):
    plug = tmp_path / "plug"
    plug.mkdir()
    (plug / "mirror_plugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(plug))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", "--adapter", "python:mirror_plugin:PaysV1Short", "--article", "panzhihua-7",
                                   "--tag", "not conform_property", "--out", str(out), "--no-progress", "--format", "json"])
    assert res.exit_code == 1, res.output[-2000:]
    checks = json.loads((out / "results.json").read_text(encoding="utf-8"))["checks"]
    check = next(c for c in checks if TITLE in c["name"] and c["feature_file"].endswith("第07条_普通门诊统筹.feature"))
    assert check["status"] == "failed"
    assert check["failed_articles"] == ["panzhihua-7"], check["failed_articles"]
    assert "A-REVERSAL" not in (check.get("extra") or {}).get("rests_on", []), check.get("extra")
    found = {(m["item"], m["field"]): (m["expected"], m["actual"]) for m in check["mismatches"]}
    # the scenario's own difference, and V1's from which it follows (the rules' 1000.00, the system's 900.00)
    assert found[("V1-撤销", "hifp_pay")] == ("-1000.00", "-900.00")
    assert found[("V1", "hifp_pay")] == ("1000.00", "900.00")
