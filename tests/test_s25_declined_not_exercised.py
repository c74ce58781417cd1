"""results.json's `exercised` (docs/ci.md): `true` only when the check asked the system something it did not decline
as not applicable. A plugin that takes the person (prepare_person) but settles nothing leaves every settling check
not applicable after asking it something: none of them is `exercised`."""
import json

from click.testing import CliRunner

from conform.harness.run import run_command

PREPARE_ONLY = """
from conform.harness.adapters import Adapter


class PrepareOnly(Adapter):
    name = "prepare-only"
    supports = frozenset({"prepare_person"})

    def prepare_person(self, subject):
        return None
"""


def test_checks_declined_after_asking_are_not_exercised(tmp_path, monkeypatch):
    (tmp_path / "prepare_only_plugin.py").write_text(PREPARE_ONLY, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "out"
    result = CliRunner().invoke(run_command, ["--adapter", "python:prepare_only_plugin:PrepareOnly", "--article",
                                              "panzhihua-7", "--tag", "not conform_property", "--no-progress",
                                              "--out", str(out)])
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    na = [c for c in data["checks"] if c["status"] == "not_applicable"]
    assert na, result.output[-2000:]
    assert all(c["exercised"] is False for c in na)
    assert data["verdict"] == "无法判定"   # nothing judged: no certificate either way
