"""`--adapter python:module:Class` imports the module from the directory the command was started in, as
docs/connect-your-system.md §5 says (rvendor8 D6): `conform run` runs pytest from its own folder, and the
vendor's module in their working folder read "No module named ..." unless PYTHONPATH named it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PLUGIN = '''
from conform.fixtures.sample_plugin import SampleSystemPlugin


class Acme(SampleSystemPlugin):
    name = "acme"
'''


def test_a_plugin_module_in_the_working_folder_imports(tmp_path: Path):
    (tmp_path / "acme_cwd_plugin.py").write_text(PLUGIN, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # one scenario of 攀枝花 第七条 (a visit that crosses the deductible), in a process started in tmp_path
    out = subprocess.run([sys.executable, "-m", "conform.harness.cli", "run", "--adapter",
                          "python:acme_cwd_plugin:Acme", "--article", "panzhihua-7", "--tag", "not conform_property",
                          "--format", "json", "--out", str(tmp_path / "r"), "--no-progress"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert "No module named" not in out.stderr, out.stderr[-2000:]
    assert out.returncode == 0, (out.returncode, out.stdout[-1500:], out.stderr[-1500:])
    assert (tmp_path / "r" / "results.json").is_file()
