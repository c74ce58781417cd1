"""docs/ci.md's gate for a Python plugin requires the report as well as exit 0 (rplatform D3).

A plugin runs inside conform's process: one that calls os._exit(0) ends `conform run` with status 0 and no
report, so a gate on the exit code alone goes green with nothing checked. The documented snippet, run as
written (its adapter swapped for such a plugin), must fail the job; the same snippet passes a sound plugin.
"""
from __future__ import annotations

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
    part = text.split("### Gating on the report too", 1)[1]
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
    assert done.returncode == 1, (done.stdout[-1500:], done.stderr[-1500:])
    assert "exit 0 without a finished report" in done.stdout
    assert not (tmp_path / "conform-report" / "results.json").exists()


def test_a_sound_plugin_passes_the_documented_gate(tmp_path: Path):
    done = gate(tmp_path, "python:conform.fixtures.sample_plugin:SampleSystemPlugin")
    assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-1500:])
    assert (tmp_path / "conform-report" / "results.json").is_file()
