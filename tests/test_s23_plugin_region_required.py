"""The vendors' plugin refuses what `conform run --region` refuses (probe s23 N3): `pytest --conform-adapter …
--conform-region FILE` with a real 浙江 file lacking `ordinary.ratio.pharmacy` certified 合格, exit 0, never drawing a
pharmacy visit, where `conform run` stops before any check."""
from __future__ import annotations

import os
import subprocess
import sys

from conform.reference.policy import REGION_DIR

VENDOR_TEST = '''
from pathlib import Path
def test_vendor_marker():
    Path("vendor-test-ran").write_text("yes")
'''


def test_the_plugin_refuses_a_real_region_lacking_a_required_value_before_any_check(tmp_path):
    text = (REGION_DIR / "zhejiang-example.yaml").read_text(encoding="utf-8")
    assert "  ordinary.ratio.pharmacy:" in text
    text = "\n".join(x for x in text.splitlines() if not x.startswith("  ordinary.ratio.pharmacy:"))
    city = tmp_path / "zj-nopharm.yaml"
    city.write_text(text.replace("name: zhejiang-example", "name: zj-nopharm").replace("example: true", "example: false")
                    + "\n", encoding="utf-8")
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}  # a vendor's own pytest
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "--tb=no",
                           "--conform-adapter", "reference", "--conform-region", str(city), "--conform-report", "rep"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 2, said[-3000:]  # was 0, 合格
    errors = [ln for ln in said.splitlines() if ln.startswith("conform: error: ")]
    assert len(errors) == 1 and "ordinary.ratio.pharmacy" in errors[0] and "zj-nopharm.yaml" in errors[0], said[-3000:]
    assert "Traceback" not in said
    assert not (tmp_path / "vendor-test-ran").exists() and not (tmp_path / "rep").exists()
