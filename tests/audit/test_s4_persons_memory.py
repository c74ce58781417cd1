"""A persons file in JSON lines or CSV is read a line at a time: beside the persons parsed from it, it takes
a bounded amount of memory (the encoding check decodes 16 MB at a time), not its size three times over (a
2 GB file was held whole, decoded and split: 10-27 GB)."""
from __future__ import annotations

import gc
import tracemalloc

import duckdb
import pytest

from conform.audit import persons

N, PAD = 10_000, 4000  # a 40 MB file: held whole, bytes, text and lines were 120 MB beside the persons


def _beside_the_persons(f) -> int:
    con = duckdb.connect()
    gc.collect()
    tracemalloc.start()
    try:
        people = persons.load(con, str(f))
        gc.collect()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        con.close()
    assert len(people) == N
    return peak - kept


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_the_file_is_not_held_in_memory_beside_the_persons(tmp_path, suffix):
    f = tmp_path / f"p{suffix}"
    with f.open("w", encoding="utf-8") as w:
        if suffix == ".jsonl":  # whitespace inside a line pads it
            w.writelines(f'{{"psn_no": "P{i:06d}",{" " * PAD}"psn_type": "1101"}}\n' for i in range(N))
        else:  # empty cells are no value
            w.write("psn_no,psn_type" + "," * PAD + "\n")
            w.writelines(f"P{i:06d},1101" + "," * PAD + "\n" for i in range(N))
    assert _beside_the_persons(f) < 64 << 20
