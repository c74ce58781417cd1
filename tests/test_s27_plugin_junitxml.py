"""A vendor's own `pytest --junitxml` with the plugin stays valid against the JUnit 10 schema strict consumers enforce
(docs/junit-10.xsd): conform's counterexamples and notes travel on the report as attributes of their own, not as
pytest's user_properties, which --junitxml writes as <properties> inside <testcase> (s27 probeU F1). They still reach
the reports: the counterexample is printed, the note is the passing check's message in results.json."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema
from sample_server import SampleServer

XSD = Path(__file__).resolve().parent.parent / "docs" / "junit-10.xsd"


def test_the_vendors_junitxml_validates_with_failures_and_notes(tmp_path):
    (tmp_path / "test_vendor.py").write_text("def test_vendor_own():\n    assert True\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env["CONFORM_PROFILE"] = "ci"
    with SampleServer(defect="deductible_per_visit") as server:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                               "--conform-adapter", server.url, "-m", "panzhihua-7 or beijing-4 or not conform",
                               "--conform-report", "rep", "--junitxml", "vendor.xml", "-rA"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    out = done.stdout[-4000:] + done.stderr[-2000:]
    assert done.returncode == 1, out
    xml = tmp_path / "vendor.xml"
    root = ET.parse(xml).getroot()
    assert root.find(".//testcase/failure") is not None, out  # the defect failed checks in the vendor's file too
    assert root.find(".//testcase/properties") is None
    xmlschema.XMLSchema(XSD).validate(str(xml))
    # what used to travel as user_properties still arrives: a shrunk counterexample printed for a failed property …
    assert "# language: zh-CN" in done.stdout, out
    # … and the note of a passing check whose use the text leaves open (北京 （四）)
    data = json.loads((tmp_path / "rep" / "results.json").read_text(encoding="utf-8"))
    notes = [c["message"] for c in data["checks"] if c["status"] == "passed" and "文件未作规定" in (c.get("message") or "")]
    assert notes, [c["message"] for c in data["checks"] if c["status"] == "passed"][:10]
    # … and on the terminal where pytest shows a passing check's output (-rA), reports or not (s27 probeR F6)
    assert "conform 检查说明 note" in done.stdout and "文件未作规定，不作判定" in done.stdout, out
