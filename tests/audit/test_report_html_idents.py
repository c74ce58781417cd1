"""audit.html bounds the ledger's identifiers (setl_id, psn_no, fixmedins_code) as it does names: 60
characters, the cut marked with …, wherever they are shown (worked example, top persons and institutions,
the reasons rows were not assessed, the header); discrepancies.parquet and .csv keep them whole.

The ledger is docs/audit.md's worked example (see test_sources_input.py): C2 differs (C's cap), and a
row V0 dated before 攀枝花 takes effect (2023-01-01) is not assessed.
"""
from __future__ import annotations

import csv
import io

import pyarrow.parquet as pq

from conform.audit.run import audit
from conform.reference.case import MAX_TEXT
from test_sources_input import EXAMPLE

N = MAX_TEXT  # the longest code or ID the ledger reader takes; the page clips at 60


def test_long_identifiers_are_clipped_on_the_page_and_whole_in_the_files(tmp_path):
    rows = list(csv.reader(io.StringIO(EXAMPLE)))
    h = rows[0]
    psn, code, sid, early = "P" * N, "H" * N, "S" * N, "E" * N
    for r in rows[1:]:
        if r[h.index("psn_no")] == "C":
            r[h.index("psn_no")], r[h.index("fixmedins_code")] = psn, code
        if r[0] == "C2":
            r[0] = sid
    v0 = list(rows[1])
    v0[0], v0[h.index("setl_date")], v0[h.index("psn_no")] = early, "2022-12-01", "Z"
    ledger = tmp_path / "ledger.csv"
    with ledger.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows + [v0])
    out = tmp_path / "out"
    code_, s = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert code_ == 1 and s["unassessed_by_reason"][0]["example_setl_id"] == early
    page = (out / "audit.html").read_text(encoding="utf-8")
    for value in (psn, code, sid, early):
        assert value[:61] not in page
        assert value[:59] + "…" in page, value[0]
    # where each is shown: the worked example (setl_id, person, institution), the top tables, the reasons
    # (table and header)
    assert page.count("E" * 59 + "…") >= 2
    assert f"<code>{'P' * 59}…</code>" in page[page.index('id="top"'):]
    assert f"<code>{'H' * 59}…</code>" in page[page.index("多付最多的定点机构"):]
    assert len(page) < 200_000
    table = pq.read_table(out / "discrepancies.parquet").to_pydict()
    assert sid in table["setl_id"] and psn in table["psn_no"] and code in table["fixmedins_code"]
    text = (out / "discrepancies.csv").read_text(encoding="utf-8")
    assert sid in text and psn in text and code in text
