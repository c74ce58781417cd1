"""An empty --adapter / --config / --out / --baseline (`--adapter "$SUT_URL"` with the variable unset) is a
usage error, exit 2: taken as "not given", it certified the built-in reference and exited 0 (合格)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.harness.cli import main


@pytest.mark.parametrize("option", ["--adapter", "--config", "--out", "--baseline"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_option_is_refused_before_anything_runs(tmp_path, monkeypatch, option, value):
    monkeypatch.chdir(tmp_path)
    args = ["run", "--article", "panzhihua-7", "--no-progress", option, value]
    if option != "--out":
        args += ["--out", str(tmp_path / "out")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, r.output
    assert f"{option}: empty value" in r.output and "unset variable" in r.output, r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "reports").exists()
