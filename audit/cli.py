"""`conform audit LEDGER...`: the regulator's audit of an exported settlement ledger (结算清单)."""
from __future__ import annotations

import signal
import sys
import threading

import click

from reference.policy import POLICY_IDS

from .errors import AuditInputError


def _terminated(signum, _frame):
    click.echo("conform: audit terminated; nothing written", err=True)
    raise SystemExit(128 + signum)


@click.command("audit")
@click.argument("ledger", nargs=-1, required=True)
@click.option("--policy", required=True, type=click.Choice(POLICY_IDS), help="The document the ledger is settled under.")
@click.option("--region", default=None, help="A region configuration: a name in fixtures/regions/ or a path.")
@click.option("--persons", "persons_file", default=None, help="Persons file (JSON lines, JSON, YAML or CSV; the case format's `person` fields).")
@click.option("--institutions", "institutions_file", default=None,
              help="Institutions table (fixmedins_code + facility or hosp_lv) for ledgers that carry only fixmedins_code.")
@click.option("--map", "mapping", multiple=True, help="Column/code mapping: a TOML/YAML file or src=dst (repeatable).")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--spark-master", default=None, help="Spark master: local[*] (default), a cluster URL, or sc://host:port (Spark Connect).")
@click.option("--encoding", default=None, help="Encoding of CSV/JSON lines ledgers and of the persons file (default: UTF-8, else GBK/GB18030 detected).")
@click.option("--out", "out", default=None, help="Output folder (default reports/audit-<id>/ and reports/audit-latest).")
@click.option("--memory-limit", default=None, help="DuckDB memory limit, e.g. 4GB (it spills to disk beyond).")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes for persons settled by the reference engine (1-256; default: one per CPU).")
def audit_command(ledger, policy, region, persons_file, institutions_file, mapping, engine, spark_master, encoding, out, memory_limit, workers):
    """Recompute every settlement of LEDGER (files, folders or globs) to the fen and report the differences.

    Exit codes: 0 no discrepancy, 1 discrepancies found, 2 bad input or configuration, or rows that
    could not be assessed (verdict incomplete); 130 interrupted, 143 terminated.
    """
    from .run import audit

    # A CI job's timeout or `kill` sends SIGTERM: unwind as an exit, so the run's working folder and any
    # half-written report are removed (the handler runs once DuckDB returns from the query in progress).
    main_thread = threading.current_thread() is threading.main_thread()  # signals reach the main thread only
    previous = signal.signal(signal.SIGTERM, _terminated) if main_thread else None
    try:
        code, summary = audit(list(ledger), policy, region, persons_file, mapping, engine, spark_master, encoding, out,
                              workers=workers, memory_limit=memory_limit, institutions_file=institutions_file,
                              progress=lambda line: click.echo(f"  {line}", err=True))
    except AuditInputError as e:
        click.echo(f"conform: error: {e}", err=True)
        sys.exit(2)
    except ImportError as e:
        click.echo(f"conform: error: {e} (the Spark engine needs `pip install conform[spark]` and Java 17)", err=True)
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl-C: click would exit 1, which here means "discrepancies found"
        click.echo("conform: audit interrupted; nothing written", err=True)
        sys.exit(130)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    n = sum(summary["discrepancies_by_field"].values())
    over = summary["overpaid_fen"]
    skipped = f"（其中按 --map [skip] 排除 {summary['rows_skipped']} 行）" if summary["rows_skipped"] else ""
    click.echo(f"审计完成：{summary['rows_read']} 行{skipped}，{summary['persons']} 人，差异 {n} 项，多付 {over // 100}.{over % 100:02d} 元"
               f"（参考引擎结算 {summary['persons_reference']} 人）"
               + (f"；未能审核 {summary['unassessed']} 行（原因见报告）。" if summary["unassessed"] else "。"))
    click.echo(f"audit: {summary['rows_read']} rows"
               + (f" ({summary['rows_skipped']} left out by --map [skip])" if summary["rows_skipped"] else "")
               + f", {n} discrepancies, {summary['elapsed_s']:.1f} s, {summary['rows_per_s']:,} rows/s ({summary['engine']})")
    sys.exit(code)
