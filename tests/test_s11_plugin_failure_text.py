"""In a vendor's pytest (`pytest --conform-adapter URL`) a scenario that finds a figure wrong reads as `conform run`
words it: the figures that differ and the reference's working with its clauses, not sixty lines of traceback
through the harness (rvendor s11 D6)."""
from __future__ import annotations

import os
import subprocess
import sys

from sample_server import SampleServer


def test_a_failed_scenario_shows_the_figures_and_the_working_not_a_traceback(tmp_path):
    (tmp_path / "test_vendor.py").write_text("def test_vendor_own():\n    assert 1 + 1 == 3\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    with SampleServer(defect="deductible_per_visit") as twin:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                               "--conform-adapter", twin.url, "-k", "多次就诊 or test_vendor_own"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 1, out[-3000:]
    # the twin charges 攀枝花's 200.00 deductible (第七条) on every visit: the second visit's act_pay_dedc differs
    assert "不符 differs:" in out and "act_pay_dedc" in out, out[-3000:]
    assert "的计算 worked by the reference for V2" in out and "第七条" in out, out[-3000:]
    assert "_pytest/fixtures.py" not in out and "conform/harness/steps/" not in out, out[-3000:]
    assert "assert 1 + 1 == 3" in out  # the vendor's own failure keeps pytest's report
