"""`conform audit LEDGER...`: the regulator's audit of an exported settlement ledger (结算清单)."""
from __future__ import annotations

import os
import re
import signal
import sys
import threading
from pathlib import Path

import click

from conform.display import first_line, internal_error, one_line, quoted
from conform.reference.policy import POLICY_IDS

from . import interrupt
from .errors import AuditInputError
from .limits import DEFAULT_MEMORY, REPORT_MEMORY

# Exit codes (docs/audit.md): 1 means "discrepancies found" to a CI job, so no failure may ever exit 1.
EXIT_INPUT, EXIT_INTERNAL = 2, 3


_SAID = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


def _signalled(signum, _frame):
    """Ctrl-C or SIGTERM: unwind the run (its working folder and any half-written report are removed),
    unless the report is already published, when the run ends with its verdict (conform/audit/interrupt.py)."""
    if not interrupt.receive(signum):
        return
    # the unwinding may close half-written files (openpyxl's streams): nothing of that is the user's concern
    sys.unraisablehook = lambda _u: None
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


_quiet_exit: list[bool] = []


def _quiet_exit_once() -> None:
    """At interpreter exit, ignore Ctrl-C and SIGTERM: the run has ended with its verdict, and a signal
    landing in an exit callback (multiprocessing's, after the reference workers) would only print a
    traceback. Registered after multiprocessing's, so it runs before it (last in, first out)."""
    if not _quiet_exit:
        import atexit
        import importlib

        importlib.import_module("multiprocessing.util")  # its exit callback must be registered before this one
        atexit.register(lambda: [signal.signal(s, signal.SIG_IGN) for s in _SAID])
        _quiet_exit.append(True)


def _stopped(signum: int, out: str | None = None) -> None:
    """Said when a signal ended the run before its report was published: nothing of this run is left, and an
    earlier run's report in --out is noted as a failed run notes it (it would pass for this run's)."""
    click.echo(f"conform: audit {_SAID.get(signum, 'stopped')}; nothing written", err=True)
    _earlier_report(out)
    sys.exit(128 + signum)


def _fund_line(summary: dict) -> str:
    """多付/少付 for the console; a ledger without hifp_pay has no fund figures to state (None, not 0.00)."""
    over, under = summary.get("overpaid_fen"), summary.get("underpaid_fen")
    if over is None or under is None:
        return "统筹基金支付 hifp_pay 未审核（清单无此列）"
    from .report.text import yuan

    return f"多付 {yuan(over)} 元，少付 {yuan(under)} 元"


# A rate from a run this short is mostly start-up time (a one-row ledger read "0 rows/s").
MIN_RATE_SECONDS = 0.5


# An identifier from an input file on the console is cut as the page cuts it (report/html.py MAX_IDENT).
MAX_SHOWN = 60


def _shown(v: object) -> str:
    """A value from an input file (a psn_no, a skipped code) as the console prints it: a control character
    (an ESC starting a terminal sequence) or a bidi override escaped and the value quoted (conform.display.quoted),
    never raw; a long value cut (…)."""
    s = "" if v is None else str(v)
    return quoted(s if len(s) <= MAX_SHOWN else s[: MAX_SHOWN - 1] + "…")


def _left_out(summary: dict) -> str:
    """The rows left out unassessed, by reason: 'med_type=51 3; vali_flag=0 2' (--map [skip], void records)."""
    return "; ".join(f"{_shown(k['skip'])} {k['rows']}" for k in summary["skipped_by_code"])


def _console(summary: dict) -> list[str]:
    n = sum(summary["discrepancies_by_field"].values())
    skipped = (f"（其中排除 {summary['rows_skipped']} 行：{_left_out(summary)}）" if summary["rows_skipped"] else "")
    # 稽核, 参考实现: the reports' words (审计 is the audit office's)
    chinese = (f"稽核完成：{summary['rows_read']} 行{skipped}，{summary['persons']} 人，差异 {n} 项，{_fund_line(summary)}"
               f"（参考实现结算 {summary['persons_reference']} 人）"
               + (f"；未能审核 {summary['unassessed']} 行（原因见报告）。" if summary["unassessed"] else "。"))
    elapsed, rate = summary["elapsed_s"], summary.get("rows_per_s") or 0
    speed = f", {rate:,} rows/s" if elapsed >= MIN_RATE_SECONDS and rate >= 1 else ""
    english = (f"audit: {summary['rows_read']} rows"
               + (f" ({summary['rows_skipped']} left out: {_left_out(summary)})" if summary["rows_skipped"] else "")
               + f", {n} discrepancies, {elapsed:.1f} s{speed} ({summary['engine']})")
    from conform.display import one_line

    from .report.text import ytd_unused_text  # imported by the run already

    # what the report says before every figure (a year the ledger holds from after January, run.py's `warnings`):
    # said again here, under the figures, as the progress line said it, for whoever reads only the end
    note = [f"注意 note: {one_line(w)}" for w in summary.get("warnings") or ()]
    u = (summary.get("persons_file") or {}).get("ytd_unused")
    note += [f"注意 note: {ytd_unused_text(u, _shown)}"] if u else []
    # recorded figures of otherwise assessed rows that the audit did not check (浙江 before its account reform)
    note += [f"未审核 not assessed: {'、'.join(x['fields'])} — {x['rows']} 行 rows（例如 setl_id "
             f"{_shown(x['example_setl_id'])}）：{x['reason']}" for x in summary.get("fields_not_assessed") or []]
    return [chinese, english, *note]


# At most this many files with no rows are named on the console (summary.json and 概要 name them all).
MAX_WARNED = 10


def _empty_files(summary: dict) -> list[str]:
    """A warning for each file with no rows to read (0 bytes, blank lines: a failed export): the run goes on
    with the others, and says so, rather than pass over a month never audited."""
    from conform.display import one_line

    from .sources import no_rows_said

    empty = [f for f in summary.get("files") or () if f.get("empty")]
    lines = [f"conform: warning: {one_line(no_rows_said(f['path'], f['empty']))}; a failed export? the settlements it "
             "should hold are not audited" for f in empty[:MAX_WARNED]]
    if len(empty) > MAX_WARNED:
        lines.append(f"conform: warning: {len(empty) - MAX_WARNED} more files with no rows read (summary.json files)")
    return lines


def _short_files(summary: dict) -> list[str]:
    """A warning for each file with far fewer rows than the others (report.text.short_files: a partly failed
    export?), as a file with none is warned."""
    from conform.display import one_line

    from .report.text import short_file_said, short_files

    short = short_files(summary.get("files"))
    lines = [f"conform: warning: {one_line(short_file_said(f))}; a partly failed export? the settlements missing "
             "from it are not audited" for f in short[:MAX_WARNED]]
    if len(short) > MAX_WARNED:
        lines.append(f"conform: warning: {len(short) - MAX_WARNED} more files with far fewer rows than the others "
                     "(summary.json files)")
    return lines


def _out_of_memory(e: BaseException) -> BaseException | None:
    """DuckDB's OutOfMemoryException, raised as such or kept as the context of a located input error."""
    import duckdb

    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, duckdb.OutOfMemoryException):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


# DuckDB raises the same OutOfMemoryException when it cannot spill: "failed to offload data block ...
# This limit was set by the 'max_temp_directory_size' setting" (by default the free space of the drive
# of its temp_directory, which is in the run's working folder). That is a full disk, not a small limit.
_SPILL_FULL = ("failed to offload", "max_temp_directory_size")


def _spill_full(e: BaseException) -> bool:
    text = str(e).lower()
    return any(k in text for k in _SPILL_FULL)


def _workdir_named() -> str:
    """The folder the run's working folder (and DuckDB's spill files) is made in."""
    env = os.environ.get("CONFORM_AUDIT_WORKDIR")
    if env:
        return f"{env} (CONFORM_AUDIT_WORKDIR)"
    import tempfile

    return f"{tempfile.gettempdir()} (the system temporary folder; CONFORM_AUDIT_WORKDIR not set)"


def _memory_message(e: BaseException, memory_limit: str | None) -> str:
    # DuckDB's own advice (SET threads=..., SET memory_limit=...) is for its SQL shell: only its first line is kept.
    first = first_line(e).removeprefix("Out of Memory Error: ")
    if _spill_full(e):
        return (f"conform: error: the working folder {_workdir_named()} has no space left: DuckDB {first.rstrip('.')} "
                "(it could not write its spill files there); free some space there, or set CONFORM_AUDIT_WORKDIR "
                "to a folder on a disk with room (a larger --memory-limit also spills less)")

    env = os.environ.get("CONFORM_AUDIT_MEMORY")
    limit = (f"memory limit {memory_limit} (--memory-limit)" if memory_limit else
             f"memory limit {env} (CONFORM_AUDIT_MEMORY)" if env else
             f"default memory limit ({DEFAULT_MEMORY}; {REPORT_MEMORY} while the report is written)")
    return (f"conform: error: the {limit} is too small for this ledger: DuckDB {first}; "
            "raise it with --memory-limit (e.g. --memory-limit 8GB) or the environment variable CONFORM_AUDIT_MEMORY "
            "(beyond the limit DuckDB spills to disk, but each step needs some memory of its own)")


def _os_message(e: OSError, out: str | None) -> str:
    """An OSError names a path: the output folder (--out), the working folder, or another file."""
    reason = e.strerror or str(e) or type(e).__name__
    path = str(e.filename) if e.filename is not None else ""  # escaped where said: a name may hold \n or U+202E
    return (_folder_message(path, reason, out)
            or f"conform: error: {one_line(reason)}" + (f": {one_line(path)}" if path else ""))


def _folder_message(path: str, reason: str, out: str | None) -> str | None:
    """A file that could not be written, said as the folder it is in: the output folder (--out: the report is built
    beside it) or the working folder (CONFORM_AUDIT_WORKDIR); None for any other."""
    return _out_message(path, reason, out) or _work_message(path, reason)


def _out_message(path: str, reason: str, out: str | None) -> str | None:
    if out is not None and path and _near(Path(path), Path(out)):
        return f"conform: error: cannot write the report to output folder {one_line(out)} (--out): {reason}: {one_line(path)}"
    from .report import DEFAULT_BASE, LATEST  # (the report package is imported by the run already)

    if out is None and path and _near(Path(path), DEFAULT_BASE / LATEST):  # the default: reports/audit-<id>
        return (f"conform: error: cannot write the report to output folder {DEFAULT_BASE}/ (the default --out): "
                f"{reason}: {one_line(path)}")
    return None


def _work_message(path: str, reason: str) -> str | None:
    work = os.environ.get("CONFORM_AUDIT_WORKDIR")
    if work and path and _near(Path(path), Path(work) / "x"):
        return (f"conform: error: cannot use the working folder CONFORM_AUDIT_WORKDIR={one_line(work)}: {reason}: "
                f"{one_line(path)}")
    return None


def _near(path: Path, target: Path) -> bool:
    """Is `path` the target, one of its parent folders, or in its parent folder (where the report is built)?"""
    p, t = path.absolute(), target.absolute()
    return p == t or p in t.parents[:-1] or t.parent in p.parents


def _in_build(path: Path, out: str | None) -> bool:
    """Is `path` in the folder the report is built in: .<--out's name>.<pid>.tmp beside --out (.audit-<id>.<pid>.tmp
    in reports/ by default), or .conform-audit.<pid>.tmp inside an existing --out (report._inside_tmp)?"""
    from .report import DEFAULT_BASE
    from .report_files import INSIDE_PREFIX

    folder = path.absolute().parent
    name = folder.name
    if name.startswith(INSIDE_PREFIX) and name.endswith(".tmp"):
        return out is None or folder.parent == Path(out).absolute()
    if out is not None:
        target = Path(out).absolute()
        return folder.parent == target.parent and re.fullmatch(rf"\.{re.escape(target.name)}\.\d+\.tmp", name) is not None
    return folder.parent == DEFAULT_BASE.absolute() and re.fullmatch(r"\.audit-.+\.\d+\.tmp", name) is not None


# DuckDB's IO errors name the file in quotes (inside a JSON text, escaped: \"…\"), and the system's reason after it.
_DUCKDB_FILE = re.compile(r'file \\?"(?P<path>(?:[^"\\]|\\[^"])+)\\?": (?P<reason>[^"{}]+?)["}]?(?:,|$)')


def _io_message(e: BaseException, out: str | None = None) -> str | None:
    """DuckDB failing to read or write a file: one in the output folder (discrepancies.csv/.parquet, which DuckDB
    writes) or the working folder said as that folder's, as Python's own writing is (_os_message; a full disk while
    the report is written); any other (the spill folder on a full disk) as DuckDB says it."""
    import duckdb

    if not isinstance(e, duckdb.IOException):
        return None
    m = _DUCKDB_FILE.search(str(e))
    path = m.group("path").replace("\\\\", "\\") if m is not None else ""
    reason = one_line(m.group("reason").strip()) if m is not None else ""
    if path and _in_build(Path(path), out):
        # only a file of the report's build folder is the output folder's: a ledger beside --out that cannot be
        # read, or a spill file of a working folder on the same disk, is not (probe s26 probeR R5)
        return _out_message(path, reason, out)
    said = _work_message(path, reason) if path else None
    if said is not None:
        return said
    return f"conform: error: DuckDB could not read or write a file: {first_line(e)}"


def _empty_values(ledger, options: dict) -> list[str]:
    """The arguments given empty or blank, as `"$LEDGER"` or `--persons "$PERSONS"` give them with the variable
    unset. An empty path is the current folder to every file reader: the ledger reader would audit whatever
    files the folder holds, and an empty --persons or --encoding would quietly mean none, auditing every
    person without the facts the file was meant to give."""
    said = [f"LEDGER argument {i}" for i, a in enumerate(ledger, 1) if not a.strip()]
    for name, value in options.items():
        values = value if isinstance(value, tuple) else (value,)
        if any(v is not None and not v.strip() for v in values):
            said.append(name)
    return said


def _earlier_report(out: str | None) -> None:
    """Said after a failed, interrupted or terminated run whose --out already holds a report (its summary.json): the
    run wrote nothing there, and the earlier run's complete report, read after this run, would pass for its. Not deleted
    (it is the user's); a report being replaced is swapped in whole, summary.json last (report._publish)."""
    if out is None or not str(out).strip():
        return
    try:
        held = (Path(out) / "summary.json").is_file()
    except OSError:
        return
    if held:
        shown = one_line(str(out))
        click.echo(f"conform: note: the files in {shown} are an earlier run's report, left unchanged: this run wrote "
                   f"no report（{shown} 中的文件是此前一次稽核的报告，未改动：本次稽核没有写出报告）", err=True)


# How to get the Spark engine, said alike by --help, the error when pyspark is missing and docs/audit.md: the extra
# is conform's own, on no package index (`pip install conform[spark]` finds nothing), so from a clone or the wheel file.
SPARK_INSTALL = ("Java 17 and the spark extra: in a clone `uv sync --extra spark`; installed from the wheel, the "
                 "wheel file with the extra, `pip install 'conform-<version>-py3-none-any.whl[spark]'`")


@click.command("audit")
@click.argument("ledger", nargs=-1, required=True)
@click.option("--policy", required=True, type=click.Choice(POLICY_IDS), help="The document the ledger is settled under.")
@click.option("--region", default=None, help="A region configuration: a name in conform/fixtures/regions/ or ./fixtures/regions/, or a path.")
@click.option("--persons", "persons_file", default=None, help="Persons file (JSON lines, JSON, YAML or CSV; the case format's `person` fields).")
@click.option("--institutions", "institutions_file", default=None,
              help="Institutions table (fixmedins_code + facility or hosp_lv) for ledgers that carry only fixmedins_code.")
@click.option("--map", "mapping", multiple=True, help="Column/code mapping: a TOML/YAML file or src=dst (repeatable).")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help=f"duckdb (embedded) or spark ({SPARK_INSTALL}).")
@click.option("--spark-master", default=None, help="Spark master: local[*] (default), a cluster URL (spark://host:port, yarn, k8s://https://host:port), or "
                   "sc://host:port (Spark Connect); see docs/audit.md.")
@click.option("--encoding", default=None,
              help="Encoding of CSV/JSON lines ledger files (default: UTF-8, else GBK/GB18030 detected; UTF-16 by its "
                   "byte-order mark). The persons file and the institutions table detect their own.")
@click.option("--admdvs", default=None,
              help="The region's six-digit division code (医保区划, e.g. 510400): settlements of persons insured in "
                   "another city (insuplc_admdvs) are left out and counted; needed when the ledger holds several, "
                   "unless the --region file gives its admdvs (then that code, said in a note).")
@click.option("--out", "out", default=None, help="Output folder (default reports/audit-<id>/ and reports/audit-latest).")
@click.option("--memory-limit", default=None,
              help=f"DuckDB memory limit, e.g. 4GB (default: CONFORM_AUDIT_MEMORY, else {DEFAULT_MEMORY}, and "
                   f"{REPORT_MEMORY} while the report is written; it spills to disk beyond).")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes for persons settled by the reference engine (1-256; default: one per CPU).")
def audit_command(ledger, policy, region, persons_file, institutions_file, mapping, engine, spark_master, encoding, admdvs,
                  out, memory_limit, workers):
    """Recompute every settlement of LEDGER (files, folders or globs) to the fen and report the differences.

    Exit codes: 0 no discrepancy, 1 discrepancies found, 2 bad input or configuration (including an output
    folder that cannot be written or a memory limit too small), or rows that could not be assessed or recorded
    figures left unchecked, with no discrepancy (verdict incomplete); 3 internal error (please report it); 130 interrupted, 143 terminated.
    """
    empty = _empty_values(ledger, {"--region": region, "--persons": persons_file, "--institutions": institutions_file,
                                   "--map": mapping, "--spark-master": spark_master, "--encoding": encoding,
                                   "--admdvs": admdvs, "--out": out, "--memory-limit": memory_limit})
    if empty:
        click.echo(f"conform: error: {', '.join(empty)}: empty value (e.g. an unset variable); give the value, or "
                   "leave the option out for its default", err=True)
        sys.exit(EXIT_INPUT)
    # A CI job's timeout or `kill` sends SIGTERM, a user Ctrl-C: DuckDB stops the query in progress and
    # reports it as its own error ('Query interrupted'), which the signal noted in `interrupt` names.
    main_thread = threading.current_thread() is threading.main_thread()  # signals reach the main thread only
    interrupt.reset()
    if main_thread:
        _quiet_exit_once()
    hook = sys.unraisablehook  # _signalled silences it while a signal unwinds the run
    previous: dict = {}
    try:
        try:
            if main_thread:
                for s in _SAID:
                    previous[s] = signal.signal(s, _signalled)
            # Imported under the handlers: DuckDB, openpyxl, ... take a second or so, and a Ctrl-C in that
            # second would otherwise be click's "Aborted!", exit 1 ("discrepancies found").
            from .run import audit

            code, summary = audit(list(ledger), policy, region, persons_file, mapping, engine, spark_master, encoding,
                                  out, workers=workers, memory_limit=memory_limit, institutions_file=institutions_file,
                                  admdvs=admdvs,
                                  progress=lambda line: click.echo(f"  {line}", err=True))
            # printed under the run's own handlers: a late signal is noted, and the verdict still printed
            for line in _empty_files(summary) + _short_files(summary):
                click.echo(line, err=True)
            for line in _console(summary):
                click.echo(line)
        except BaseException:  # whatever a signal became on its way out (DuckDB: 'Query interrupted')
            if interrupt.received() is not None:
                _stopped(interrupt.received(), out)
            raise
    except AuditInputError as e:
        oom = _out_of_memory(e)  # the ledger's reader reports DuckDB's failures as input errors
        # escaped as the notes are (one_line): a file's name may hold a line break or a bidi override (U+202E)
        click.echo(_memory_message(oom, memory_limit) if oom is not None else f"conform: error: {one_line(str(e))}",
                   err=True)
        _earlier_report(out)
        sys.exit(EXIT_INPUT)
    except ImportError as e:
        click.echo(f"conform: error: {one_line(str(e))} (the Spark engine needs {SPARK_INSTALL})", err=True)
        _earlier_report(out)
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:  # Ctrl-C outside our handler: click would exit 1, "discrepancies found"
        _stopped(signal.SIGINT, out)
    except OSError as e:  # the environment: an output folder that cannot be made, a full disk, a working folder
        click.echo(_os_message(e, out), err=True)
        _earlier_report(out)
        sys.exit(EXIT_INPUT)
    except Exception as e:  # noqa: BLE001 - never a traceback, never exit 1 ("discrepancies found")
        oom = _out_of_memory(e)
        said = _memory_message(oom, memory_limit) if oom is not None else _io_message(e, out)
        click.echo(said or internal_error(e), err=True)
        _earlier_report(out)
        sys.exit(EXIT_INPUT if said else EXIT_INTERNAL)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if interrupt.received() is None:  # after a signal the process is ending: half-closed files stay quiet
            sys.unraisablehook = hook
    sys.exit(code)
