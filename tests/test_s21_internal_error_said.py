"""An internal error of `conform settle`, `list` or `synth-ledger` ends in one line and exit 3, as `conform audit`'s.

They printed Python's traceback and exited 1, the code of a finding, which a CI gate cannot tell from one
(probe S, s21). `conform run` (4) and `conform audit` (3) say their own.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.harness.cli import main


def _boom(*args, **kwargs):
    raise RuntimeError("boom\nsecond line")


@pytest.mark.parametrize("args, target", [
    (["settle", "-"], "conform.harness.settle_cli.run"),
    (["list", "policies"], "conform.harness.listing.policies"),
    (["synth-ledger", "--rows", "10", "--policy", "panzhihua", "--out", "x.parquet"], "conform.audit.synth.synth_ledger"),
])
def test_an_internal_error_is_one_line_and_exit_3(monkeypatch, tmp_path, args, target):
    monkeypatch.chdir(tmp_path)
    module, name = target.rsplit(".", 1)
    monkeypatch.setattr(__import__(module, fromlist=[name]), name, _boom)
    r = CliRunner().invoke(main, args, input="{}")
    assert r.exit_code == 3, (r.exit_code, r.output, r.exception)
    assert "conform: internal error: RuntimeError: boom" in r.output, r.output
    assert "Traceback" not in r.output and "second line" not in r.output, r.output


def test_a_usage_error_keeps_its_code():
    r = CliRunner().invoke(main, ["list", "no-such-thing"])
    assert r.exit_code == 2, r.output
