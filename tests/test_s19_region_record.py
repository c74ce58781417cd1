"""`conform run --region FILE` pins FILE in the certification record and on the console whatever ran under it.

Probe s19 I: with the properties left out (`--tag "not conform_property"`), no check settled under the city's file (its
document's scenarios are written under the example's figures: 不适用), and the record and the console's 地区配置 lines
named only jilin-example — the harness's own region-configuration checks' — while the certified file's name and
SHA-256 appeared nowhere. (Since probe s27/probeH F5 the scenarios run under the city's figures where its reference
gives theirs, so the run has a verdict; the file is pinned either way.)
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from conform.harness.cli import main as cli

EXAMPLE = Path(__file__).resolve().parents[1] / "conform" / "fixtures" / "regions" / "jilin-example.yaml"


def test_the_certified_region_file_is_pinned_even_when_no_check_ran_under_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = EXAMPLE.read_text(encoding="utf-8").split("values:", 1)[1].replace('"200"', '"250"', 1)
    region = tmp_path / "jl-tonghua.yaml"
    region.write_text("name: jl-tonghua\nlabel: 吉林省通化市（测试）\npolicy: jilin\nvalues:" + values, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", "--region", str(region), "--policy", "jilin", "--tag", "not conform_property",
                                   "--out", str(out), "--no-progress"])
    # the scenarios written under the example's figures run under the city where its reference gives them (probe
    # s27/probeH F5; before, all were 不适用 and the run gave no verdict, exit 2)
    assert res.exit_code == 0, res.output[-2000:]
    pinned = json.loads((out / "results.json").read_text(encoding="utf-8"))["certification"]["regions"]
    ours = [r for r in pinned if r["name"] == "jl-tonghua"]
    assert len(ours) == 1, [r["name"] for r in pinned]
    assert ours[0]["sha256"] == hashlib.sha256(region.read_bytes()).hexdigest()
    assert ours[0]["values"]["ordinary.deductible"] == "250" and not ours[0]["example"]
    assert ours[0]["properties"] == 0  # said as it is: no property ran under it
    # the scenarios ran under the city, whatever region they were written under: counted under it, not the example's
    example = [r for r in pinned if r["name"] == "jilin-example"]
    assert ours[0]["scenarios"] > 10 and all(r.get("scenarios", 0) == 0 for r in example), \
        [(r["name"], r.get("scenarios")) for r in pinned]
    assert "地区配置 Region jl-tonghua（" in res.output and ours[0]["sha256"][:12] in res.output
