"""An empty selection (`--article "$ARTICLE"`, `--tag "$TAG"` with the variable unset) is a usage error, exit 2,
like an empty --adapter: an empty --article was pytest's own "Wrong expression passed to '-m'", an empty --tag
ran every check and exited 0. An empty CASE for `conform settle` is named as such, not "is a directory"."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.harness.cli import main


@pytest.mark.parametrize("option", ["--article", "--tag", "--policy", "--region"])
def test_an_empty_selection_is_refused_before_anything_runs(tmp_path, monkeypatch, option):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["run", "--no-progress", "--out", str(tmp_path / "out"), option, ""])
    assert r.exit_code == 2, r.output
    assert f"conform: error: {option}: empty value (e.g. an unset variable)" in r.output, r.output
    assert "'-m'" not in r.output and "Traceback" not in r.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "reports").exists()


def test_one_empty_article_among_others_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["run", "--no-progress", "--out", str(tmp_path / "out"),
                                  "--article", "panzhihua-7", "--article", " "])
    assert r.exit_code == 2 and "--article: empty value" in r.output, r.output


@pytest.mark.parametrize("case", ["", "  "])
def test_settle_an_empty_case_is_named(tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["settle", case])
    assert r.exit_code == 2, r.output
    assert "CASE: empty value (e.g. an unset variable)" in r.output and "directory" not in r.output, r.output
