"""A failed property under `pytest --conform-adapter`: its section in FAILURES (and the vendor's --junitxml) keeps
the counterexample's line breaks (probe s29 U2 F2), and the printed "重现 reproduce … runs this property alone"
command, run as printed from the vendor's project, runs that property alone (F1: it was exit 4 there, and the whole
suite where the path existed). A suite node id as the reports print it selects from any folder."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from sample_server import SampleServer

PROPERTY = "conform/harness/conformance/test_properties.py::test_settlement_exact[panzhihua]"


def _pytest(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}, **(env or {})}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "-p", "no:xdist", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def test_a_failed_property_reads_in_lines_and_its_printed_command_reruns_it_alone(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_vendor.py").write_text("def test_vendor_own():\n    assert True\n", encoding="utf-8")
    with SampleServer(defect="deductible_per_visit") as server:
        done = _pytest(tmp_path, "-q", "--conform-adapter", server.url, "-m", "panzhihua-7", "-k",
                       "test_settlement_exact", "--junitxml", "vendor.xml")
        out = done.stdout + done.stderr
        assert done.returncode == 1, out[-3000:]
        # F2: the per-test section: the counterexample on lines of its own, no literal \n
        section = done.stdout.split("test_settlement_exact[panzhihua] _", 1)[1].split("short test summary", 1)[0]
        assert "\n# language: zh-CN\n" in section and "\\n" not in section, section[:2000]
        assert max(len(line) for line in section.splitlines()) < 1000, section[:2000]
        failure = ET.parse(tmp_path / "vendor.xml").getroot().find(".//testcase/failure")
        text = (failure.text or "") + (failure.get("message") or "")
        assert "\n# language: zh-CN\n" in text and "\\n" not in text, text[:2000]
        # F1: the command as printed, run from the vendor's project
        said = re.search(r"# 重现 reproduce: ((?:[A-Z_]+=\S+ )*pytest .+?)（只运行这一个属性 runs this property alone）",
                         done.stdout)
        assert said, out[-3000:]
        words = shlex.split(said.group(1))
        # under CI=true the ci profile is named before the command (CONFORM_PROFILE=ci pytest …), never among its
        # arguments, where pytest took it for a test path (exit 4: the s29 canary)
        env = dict(w.split("=", 1) for w in words[:words.index("pytest")])
        words = words[words.index("pytest"):]
        assert PROPERTY in words and not any("=" in w and w.split("=")[0].isupper() for w in words), words
        again = _pytest(tmp_path, "-q", "-rf", *words[1:], env=env)
    out = again.stdout + again.stderr
    assert again.returncode == 1, out[-3000:]  # it found the same failure, not pytest's "file not found" (4)
    assert re.search(r"^1 failed(, \d+ deselected)? in ", again.stdout, re.M), out[-3000:]  # that property alone: no other check ran
    assert "FAILED test_properties.py::test_settlement_exact[panzhihua]" in again.stdout, out[-3000:]


def test_a_suite_node_id_selects_from_any_folder_readable_or_escaped(tmp_path):
    (tmp_path / "test_vendor.py").write_text("def test_vendor_own():\n    assert True\n", encoding="utf-8")

    def collected(*args: str) -> list[str]:
        done = _pytest(tmp_path, "-q", "--collect-only", "--conform-adapter", "reference", *args)
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
        return [ln for ln in done.stdout.splitlines() if "::" in ln]

    assert collected(PROPERTY) == ["test_properties.py::test_settlement_exact[panzhihua]"]
    # a test function: every document's; beside the vendor's own path, both
    function = collected(PROPERTY.partition("[")[0], "test_vendor.py")
    assert "test_vendor.py::test_vendor_own" in function and len(function) > 2
    assert all(ln.startswith("test_properties.py::test_settlement_exact[") for ln in function if "vendor" not in ln)
    # one scenario example, by its id as pytest shows it and as conform run's results.json names it (escaped)
    scenario = "conform/harness/conformance/test_features.py::test_接近达到和超过年度最高支付限额_1"
    shown = collected(f"{scenario}[在职职工-200.00-0.00-60.00-60.00]")
    escaped = collected(scenario + "[" + "在职职工".encode("unicode_escape").decode() + "-200.00-0.00-60.00-60.00]")
    assert shown == escaped and len(shown) == 1, (shown, escaped)


def test_a_systems_line_break_in_a_figure_forges_no_line_of_its_own():
    """The property's own lines are kept; a value the system answered stays on the line that quotes it."""
    from conform.harness.plugin import Mismatch
    from conform.harness.properties.base import PropertyViolation
    from conform.harness.pytest_plugin import _differs

    forged = "1.00\nconform: 合格"
    exc = PropertyViolation("每笔支付恰为…", [Mismatch("act_pay_dedc", "0.01", forged, "V2", "本次起付线")], [])
    exc.attach("# language: zh-CN\n功能: 反例\n  场景: x")
    lines = _differs(exc)
    assert lines[0] == "不符 differs: 每笔支付恰为…"
    assert "# language: zh-CN" in lines and "功能: 反例" in lines
    assert not any(line.startswith("conform: 合格") for line in lines), lines
    assert any("实际 1.00\\nconform: 合格" in line for line in lines), lines
