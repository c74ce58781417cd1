"""`conform synth-ledger`: write a synthetic settlement ledger with known planted discrepancies."""
from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import click

from conform.reference.policy import POLICY_IDS, PolicyError

def _terminated(signum, _frame):
    click.echo("conform: synth-ledger terminated; nothing written", err=True)
    raise SystemExit(128 + signum)


def _a_number(_ctx, param, value: float) -> float:
    """FloatRange lets NaN through (every comparison with it is false): a 'nan' rate planted nothing."""
    if value != value:
        raise click.BadParameter("must be a number from 0 to 1, not nan", param=param)
    return value


MAX_ROWS = 100_000_000  # ten city-years; about 9 GB of Parquet, hours of reference-engine time


@click.command("synth-ledger")
@click.option("--rows", type=click.IntRange(1, MAX_ROWS), required=True,
              help="Rows to write (settlements and reversals), up to 100 million.")
@click.option("--policy", type=click.Choice(POLICY_IDS), required=True, help="The document whose rules settle the rows.")
@click.option("--region", default=None, help="Region configuration (a name in conform/fixtures/regions/ or "
                                              "./fixtures/regions/, or a path); "
                                              "default: the policy's example region.")
@click.option("--defect-rate", type=click.FloatRange(0.0, 1.0), default=0.02, show_default=True, callback=_a_number,
              help="Share of persons whose recorded figures come from a defective system.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed writes the same ledger.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes, 1-256 (default: up to 2; never more than the chunks of 4,000 persons).")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="FILE.parquet; FILE.planted.parquet (and FILE.persons.jsonl when needed) are written beside it.")
def synth_ledger_command(rows: int, policy: str, region: str | None, defect_rate: float, seed: int,
                         workers: int | None, out: str) -> None:
    """Write a synthetic ledger (结算清单) for demos, docs and benchmarks.

    Recorded figures come from the reference engine; in a share of persons they come from a
    defective system instead (起付线按次计算, 退休人员按在职待遇结算, 未控制年度最高支付限额,
    舍去分位以下而非四舍五入, 定点药店支付比例错误, 撤销结算未恢复年度累计, 跨年度未重置年度累计).
    FILE.planted.parquet lists exactly the (setl_id, field) pairs that differ from the correct figures.
    """
    if not out.strip():  # an unset $OUT; as a Path it would be ".", "the current folder must end in .parquet"
        click.echo("conform: error: synth-ledger: --out: empty value (e.g. an unset variable); give FILE.parquet", err=True)
        sys.exit(2)
    out = Path(out)
    if out.suffix.lower() != ".parquet":
        click.echo(f"conform: error: synth-ledger writes Parquet: --out {out} must end in .parquet", err=True)
        sys.exit(2)
    above = next((p for p in out.parents if p.exists()), None)  # the nearest existing folder above --out
    if above is not None and not above.is_dir():
        click.echo(f"conform: error: synth-ledger: --out {out}: {above} is a file, not a folder", err=True)
        sys.exit(2)
    started = time.perf_counter()
    # Stopped (SIGTERM, Ctrl-C): unwind, so the half-written files are removed, and exit 143/130.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if main_thread else None
    # Ctrl-C as KeyboardInterrupt here, not the `conform` start-up handler's (conform/harness/cli.py), which would end
    # with its own words before the half-written files are removed
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler) if main_thread else None
    try:
        from .synth import synth_ledger  # pyarrow and the generator: only when the command runs

        r = synth_ledger(rows, policy, out, region=region, defect_rate=defect_rate, seed=seed, workers=workers)
    except (PolicyError, ValueError, OSError) as e:
        click.echo(f"conform: error: synth-ledger: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("conform: synth-ledger interrupted; nothing written", err=True)
        sys.exit(130)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, previous_int)
    elapsed = time.perf_counter() - started
    click.echo(f"{out}: {r.rows} rows, {r.persons} persons, {r.defective_persons} with planted defects, "
               f"{r.planted} planted (setl_id, field) pairs; {elapsed:.1f} s ({r.rows / max(elapsed, 1e-9):,.0f} rows/s)")
    click.echo(f"planted: {out.with_name(out.name.removesuffix('.parquet') + '.planted.parquet')}")
    if r.persons_file:
        click.echo(f"persons: {r.persons_file}")
