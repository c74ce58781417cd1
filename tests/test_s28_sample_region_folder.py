"""The sample system finds a region by name where `conform` does: its own regions, then fixtures/regions/ of the
folder it was started in — a region author's file, as README "Adding a region" says to keep it. It knew its own
folder only, so `conform run --adapter <sample> --region my-city` errored on every check (probe s28 N F1). Still
a name only: a client never makes it open a path."""
from __future__ import annotations

from pathlib import Path

import pytest

from conform.fixtures.sample_system.service import Refused, _region_file
from conform.reference.policy import REGION_DIR


def test_a_region_in_the_working_folder_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fixtures" / "regions").mkdir(parents=True)
    (tmp_path / "fixtures" / "regions" / "zj-town.yaml").write_text("policy: zhejiang\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _region_file("zj-town").resolve() == (tmp_path / "fixtures" / "regions" / "zj-town.yaml").resolve()
    assert _region_file("zhejiang-example") == REGION_DIR / "zhejiang-example.yaml"   # its own come first


def test_an_unknown_name_says_where_it_looked_and_a_path_is_never_opened(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "x.yaml").write_text("policy: zhejiang\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Refused) as e:
        _region_file("no-such-town")
    assert "fixtures/regions/" in str(e.value) and str(REGION_DIR) in str(e.value)
    for ref in (str(tmp_path / "x.yaml"), "../x", "x.yaml", None):
        with pytest.raises(Refused):
            _region_file(ref)
