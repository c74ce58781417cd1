"""The audit's memory: the limits in force when neither --memory-limit nor CONFORM_AUDIT_MEMORY gives one, as `conform audit --help`
states them (s14: the help said "else 3GB" and nothing of the report's own 2 GB, and its figure was typed apart from
the one the audit uses); and the audit's own connection holding only the ledger while the report is written.

DuckDB states a limit in binary units: 3 GB = 3,000,000,000 B = 2.7939 GiB, shown 2.7 GiB; 2 GB = 1.8626 GiB, 1.8 GiB."""
from __future__ import annotations

from click.testing import CliRunner

from conform.audit import run
from conform.harness.cli import main

from test_s13_report_scale import _docs_ledger, report_limits_seen


def test_help_states_both_defaults():
    r = CliRunner().invoke(main, ["audit", "--help"], terminal_width=200)
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert "(default: CONFORM_AUDIT_MEMORY, else 3GB, and 2GB while the report is written;" in said, said


def test_the_defaults_are_the_limits_in_force(tmp_path, monkeypatch):
    monkeypatch.delenv("CONFORM_AUDIT_MEMORY", raising=False)
    con = run._connect(tmp_path, None)
    try:
        assert con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == "2.7 GiB"
    finally:
        con.close()
    seen = report_limits_seen(monkeypatch)
    r = CliRunner().invoke(main, ["audit", str(_docs_ledger(tmp_path)), "--policy", "panzhihua", "--region",
                                  "panzhihua-example", "--out", str(tmp_path / "a")])
    assert r.exit_code == 1, r.output
    assert seen and set(seen) == {"1.8 GiB"}, seen


def test_the_plans_tables_are_dropped_before_the_report(tmp_path, monkeypatch):
    """The report's connection works beside the audit's: the audit keeps only the ledger for it (s14: a ledger where
    every settlement differs, 3.7M discrepancies, peaked at 2.95 GB; 2.65 GB with the plan's tables dropped), and the
    worked examples, which replay a person from the ledger, still have their trace."""
    from conform.audit import fallback

    seen = []
    real = fallback.Context

    def context(con, spec, people):
        seen.append(sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")
                           .fetchall()))
        return real(con, spec, people)

    monkeypatch.setattr(fallback, "Context", context)
    out = tmp_path / "a"
    r = CliRunner().invoke(main, ["audit", str(_docs_ledger(tmp_path)), "--policy", "panzhihua", "--region",
                                  "panzhihua-example", "--out", str(out)])
    assert r.exit_code == 1, r.output
    assert seen == [["ledger_rows"]]
    html = (out / "audit.html").read_text(encoding="utf-8")
    assert "按规定逐步计算（参考实现的计算过程）" in html and "无计算过程" not in html
    assert html.count('<ol class="trace">') >= 1
