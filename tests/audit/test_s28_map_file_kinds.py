"""A --map that is a named pipe is refused as one, unopened (it said "no such mapping file", the file being there;
probe s28 S F6), and a YAML map with a tab in its indent names it on its line, as a region file does
(loading.named_mistake)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping


# CI runs on Linux, where named pipes exist: there the test never skips (a missing mkfifo fails it, loudly)
@pytest.mark.skipif(not os.environ.get("CI") and not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_refused_as_one(tmp_path: Path) -> None:
    fifo = tmp_path / "map.toml"
    os.mkfifo(fifo)
    with pytest.raises(AuditInputError) as e:
        load_mapping([str(fifo)])
    assert "not a regular file (a named pipe (FIFO))" in str(e.value) and "no such" not in str(e.value)


def test_a_tab_indent_in_a_yaml_map_is_named_on_its_line(tmp_path: Path) -> None:
    f = tmp_path / "map.yaml"
    f.write_text("columns:\n  JSBH: setl_id\n\tRYBH: psn_no\n", encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        load_mapping([str(f)])
    assert "line 3 column 1: a tab in the indent: indent with spaces, not a tab" in str(e.value)
