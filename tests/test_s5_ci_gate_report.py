"""docs/ci.md's gate for a Python plugin (rplatform D3; s6: the plugin runs in a process of its own).

A plugin that called os._exit(0) inside conform's process ended `conform run` with status 0 and no report,
so the page gated on results.json as well. The plugin now runs in a process of its own: the documented
command, run as written (its adapter swapped for such a plugin), fails the job with exit 3 and writes the
report; the same command passes a sound plugin.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = textwrap.dedent('''
    import os
    from conform.fixtures.sample_plugin import SampleSystemPlugin

    class Quits(SampleSystemPlugin):
        def settle(self, psn_no, settlement):
            os._exit(0)
''')


def snippet() -> str:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    part = text.split("### A Python plugin cannot end the run", 1)[1]
    return re.search(r"```sh\n(.*?)```", part, re.S).group(1)


def gate(tmp_path: Path, adapter: str) -> subprocess.CompletedProcess:
    (tmp_path / "quits.py").write_text(PLUGIN, encoding="utf-8")
    script = snippet().replace("python:acme_conform:AcmeAdapter", adapter).replace(
        "uv run conform run", f"{sys.executable} -m conform.harness.cli run --article panzhihua-7 --tag 'not conform_property'")
    assert script.count("conform.harness.cli run") == 1, script
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)


def test_a_plugin_ending_the_process_with_0_fails_the_documented_gate(tmp_path: Path):
    done = gate(tmp_path, "python:quits:Quits")
    assert done.returncode == 3, (done.stdout[-1500:], done.stderr[-1500:])
    assert "exited with status 0 during settle" in " ".join(done.stdout.split())
    report = json.loads((tmp_path / "conform-report" / "results.json").read_text(encoding="utf-8"))
    assert report["gate"]["exit_code"] == 3


def test_a_sound_plugin_passes_the_documented_gate(tmp_path: Path):
    done = gate(tmp_path, "python:conform.fixtures.sample_plugin:SampleSystemPlugin")
    assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-1500:])
    assert (tmp_path / "conform-report" / "results.json").is_file()
