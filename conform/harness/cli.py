"""The `conform` command: settle cases with the reference, run the conformance suite.

Exit codes (the CI gate): 0 everything required passed; 1 non-conformance found;
2 usage, input or configuration error; 3 the system under test could not be
reached or errored; 4 the harness itself failed (status harness_error, a bug in
conform); 130 `conform run` interrupted (Ctrl-C or SIGTERM) before any check
finished; other commands 130 on Ctrl-C, 143 on SIGTERM. These hold from this module's
first line on, before any command has its own handling.

A closed output pipe (`conform audit … 2>&1 | head`, a log collector that died) never
ends a run: what is written to that stream afterwards is dropped, and the run finishes
with its own code (_PipeTolerant). A command that stops because its output's reader went
away (`conform settle cases.jsonl --jsonl | head`) exits 141 (128 + SIGPIPE, as a shell
says it), never 1.
"""
from __future__ import annotations

import errno
import os
import sys

try:  # the C module: `signal` imports enum first, a few milliseconds a Ctrl-C would meet unhandled
    import _signal as signal
except ImportError:  # pragma: no cover - not CPython
    import signal  # type: ignore[no-redef]

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130   # 128 + SIGINT; `conform run` says it for SIGTERM too (docs/ci.md)
EXIT_PIPE = 141   # 128 + SIGPIPE: the command stopped because the reader of its output went away


# --------------------------------------------------------------------------- signals from the first instant
# A Ctrl-C or SIGTERM before a command installs its own handling (`conform run` after importing pytest,
# `conform audit` after its imports: a second or two) was Python's: click's "Aborted!" (exit 1, which
# reads as "non-conformance" or "discrepancies found"), a traceback, or death by SIGTERM (143 where
# `conform run` documents 130). So the process started as `conform` installs a handler here, before
# anything else is imported. Until `main` runs nothing has been done: the process ends at once with the
# documented code. Inside `main` the signal unwinds as _Signalled, which click does not catch. After the
# command has ended (its exit code decided), a late signal is ignored.

class _Signalled(BaseException):
    """SIGINT or SIGTERM before the command's own handling took over (BaseException: nothing catches it
    on its way out, click's KeyboardInterrupt handling included)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _command_name(argv: list[str]) -> str:
    """The subcommand on the command line (`run`, `audit`, …), or "" before one is given."""
    return next((a for a in argv[1:] if not a.startswith("-")), "")


def _started_as_conform() -> bool:
    """True in the process started as the `conform` command (the console script, or python -m conform.harness.cli);
    False when a program or a test imports this module (its signal handling stays its own) and in a
    multiprocessing worker re-importing the parent's main script (there __main__ is "__mp_main__")."""
    if __name__ == "__main__":
        return True
    main_module = sys.modules.get("__main__")
    if getattr(main_module, "__name__", None) != "__main__":
        return False
    name = os.path.basename(getattr(main_module, "__file__", "") or "")
    return name.removesuffix(".exe").removesuffix("-script.py") == "conform"


_PHASE = ["starting"]   # starting (importing) → running (inside main) → over (the exit code is decided)
_COMMAND = _command_name(sys.argv)


def interrupted_code(signum: int, command: str = _COMMAND) -> int:
    """130 for Ctrl-C; SIGTERM is 130 for `conform run` (docs/ci.md), 143 (128 + 15) for the others
    (`conform audit`: docs/audit.md)."""
    if signum == getattr(signal, "SIGINT", 2) or command == "run":
        return EXIT_INTERRUPTED
    return 128 + signum


def _interrupted_message(signum: int, command: str = _COMMAND) -> str:
    if command == "run":
        return "conform: 运行被中断 interrupted before any check ran"
    said = "interrupted" if signum == getattr(signal, "SIGINT", 2) else "terminated"
    return f"conform: {command} {said}; nothing written" if command == "audit" else f"conform: {said}"


_PENDING: list[int] = []   # a signal while `conform run --out DIR` was importing, answered as `main` starts
_RUN_FLAGS = frozenset({"--no-progress", "--thorough", "-h", "--help"})  # run's options that take no value


def _run_out(argv: list[str]) -> str | None:
    """The --out of a `conform run` command line as click reads it (the last one given), or None: read from argv, as
    a signal may land before click (or the run command) is imported."""
    args = argv[1:]
    command = _command_name(argv)
    if command != "run":
        return None
    rest = args[args.index(command) + 1:]
    out, i = None, 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            break
        if arg == "--out":
            out = rest[i + 1] if i + 1 < len(rest) else None
            i += 2
        elif arg.startswith("--out="):
            out, i = arg[len("--out="):], i + 1
        elif arg.startswith("-") and "=" not in arg and arg not in _RUN_FLAGS:
            i += 2  # an option and its value (a value may look like anything)
        else:
            i += 1
    return out


def _clear_earlier_out() -> None:
    """`conform run --out DIR` stopped while starting (exit 130): an earlier run's reports in DIR are removed, as
    when the run is stopped later in its start (run._stopped_at_start) or starts writing there (docs/ci.md), so that
    none passes for this run's. Nothing else is touched (report.remove_earlier)."""
    out = _run_out(sys.argv)
    if not out or not out.strip():
        return
    try:
        from conform.harness.report import remove_earlier

        remove_earlier(out)
    except Exception:  # noqa: BLE001 - the exit code (130) is decided; a folder that cannot be read keeps it
        pass


def _early_signal(signum: int, frame: object) -> None:
    if _PHASE[0] == "over":   # the command has ended with its own exit code: a late signal changes nothing
        return
    if _PHASE[0] == "starting" and _run_out(sys.argv) is not None:
        # `conform run --out DIR` still importing: the earlier reports in DIR are to be removed, which needs
        # conform's report code, not to be imported from inside the import this signal landed in; `main`,
        # a moment later, answers it (_LazyGroup.main)
        _PENDING.append(signum)
        return
    if _PHASE[0] == "starting":   # still importing: nothing done, nothing to unwind, no traceback
        try:
            os.write(2, (_interrupted_message(signum) + "\n").encode())
        finally:
            os._exit(interrupted_code(signum))
    raise _Signalled(signum)


_early_signal.conform_early = True  # type: ignore[attr-defined]  # a command's own handling, ending, may
# put SIG_IGN in its place rather than restore it (conform.harness.run._Interrupts): its exit code is decided


if _started_as_conform():
    for _sig in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)):
        if _sig is not None:
            signal.signal(_sig, _early_signal)

import click  # noqa: E402 - after the handler: importing click is a tenth of a second a signal may land in


# --------------------------------------------------------------------------- closed output pipes
# Python ignores SIGPIPE, so a write to a pipe whose reader has gone raises BrokenPipeError: from a progress
# line, the audit's run ended with exit 1 ("discrepancies found") and no report; from `conform run`'s last
# lines, a conformant run exited 1. And a flush that fails at exit makes the exit code 120.


def _closed_pipe(e: BaseException) -> bool:
    return isinstance(e, OSError) and e.errno == errno.EPIPE


class _PipeTolerant:
    """sys.stdout or sys.stderr of the process started as `conform`: once a write finds the pipe closed, the
    stream's file descriptor is pointed at os.devnull, so this and every later write (click's, rich's, a
    progress line, the flush at exit) succeed unseen and the command goes on to its own end and exit code."""

    def __init__(self, stream):
        self._stream = stream
        self.pipe_closed = False

    def write(self, text):
        try:
            return self._stream.write(text)
        except OSError as e:
            if not _closed_pipe(e):
                raise
            self._to_devnull()
            return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as e:
            if not _closed_pipe(e):
                raise
            self._to_devnull()

    def _to_devnull(self) -> None:
        self.pipe_closed = True
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, self._stream.fileno())
        finally:
            os.close(null)
        try:  # what the closed pipe refused, still in the stream's buffer, goes there too
            self._stream.flush()
        except OSError:
            pass

    def __getattr__(self, name):  # encoding, isatty, fileno, buffer, …: the stream's own
        return getattr(self._stream, name)


def _tolerate_closed_pipes() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _PipeTolerant):
            setattr(sys, name, _PipeTolerant(stream))


def _die(message: str) -> None:
    click.echo(f"conform: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


EXIT_INTERNAL = 3  # a bug in conform, for the commands that judge nothing (as `conform audit` says it)
# The commands that report their own internal errors: `run` (4, in its reports) and `audit` (3)
_OWN_INTERNAL = frozenset({"run", "audit"})
_PASSED_ON = (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort)


def _said_internal(command: click.Command) -> click.Command:
    """`command` whose unexpected exception (a bug in conform) ends in one line and exit 3, as `conform audit`'s
    does, never Python's traceback and exit 1 — which a gate reading the exit code took for a finding."""
    if getattr(command, "_internal_said", False):
        return command
    inner = command.invoke

    def invoke(ctx: click.Context):
        try:
            return inner(ctx)
        except _PASSED_ON:
            raise
        except Exception as e:  # noqa: BLE001 - said in one line; KeyboardInterrupt, SystemExit, signals pass
            if _closed_pipe(e):
                raise
            from conform.display import internal_error

            click.echo(internal_error(e), err=True)
            sys.exit(EXIT_INTERNAL)

    command.invoke = invoke  # type: ignore[method-assign]
    command._internal_said = True  # type: ignore[attr-defined]
    return command


class _LazyGroup(click.Group):
    """Subcommands imported when they are run (click's lazy-loading recipe): `conform audit` need not import
    pytest for `conform run` (0.3 s at every start, in every reference worker the audit spawns, which
    re-imports this module), nor `conform settle` DuckDB."""

    LAZY = {"run": "conform.harness.run:run_command", "audit": "conform.audit.cli:audit_command",
            "synth-ledger": "conform.audit.synth_cli:synth_ledger_command", "list": "conform.harness.listing:list_command"}

    def main(self, *args, **kwargs):  # type: ignore[override]
        """click's main, where a signal before the command's own handling exits with the documented code."""
        if _started_as_conform():
            _tolerate_closed_pipes()
        if not _started_as_conform() or signal.getsignal(signal.SIGINT) is not _early_signal:
            return super().main(*args, **kwargs)
        _PHASE[0] = "running"
        try:
            if _PENDING:  # signalled while importing (_early_signal)
                raise _Signalled(_PENDING[0])
            return super().main(*args, **kwargs)
        except _Signalled as e:
            _PHASE[0] = "over"  # the exit code is decided: a further signal changes nothing
            if _COMMAND == "run":
                _clear_earlier_out()
            click.echo(_interrupted_message(e.signum), err=True)
            sys.exit(interrupted_code(e.signum))
        finally:
            _PHASE[0] = "over"

    def invoke(self, ctx: click.Context):
        """The command, where one stopped by a closed output pipe exits 141 (click would say 1)."""
        try:
            return super().invoke(ctx)
        except OSError as e:
            if not _closed_pipe(e):
                raise
            for stream in (sys.stdout, sys.stderr):  # its buffer still holds what the pipe refused
                try:
                    stream.flush()
                except OSError:
                    pass
            sys.exit(EXIT_PIPE)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            import importlib

            module, attr = self.LAZY[name].split(":")
            command = getattr(importlib.import_module(module), attr)
        else:
            command = super().get_command(ctx, name)
        return command if command is None or name in _OWN_INTERNAL else _said_internal(command)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="conform")
def main() -> None:
    """Conformance harness for 职工医保门诊共济保障机制 settlement systems."""


@main.command()
@click.argument("case", type=str)
@click.option("--trace/--no-trace", default=None,
              help="Print each figure's steps and clause. Default: yes for a single case, no for a list or "
                   "JSON lines.")
@click.option("--jsonl", is_flag=True, help="JSON lines: read one case per line (a JSON array is read as well) and "
                                            "write one result per line.")
@click.option("--max-case-mb", type=click.IntRange(1, 4096), default=4, show_default=True,
              help="Largest single case, and largest YAML input (YAML is read whole; JSON streams case by case). "
                   "Settling a case takes up to about 100 times its size in memory (40 times with --no-trace).")
def settle(case: str, trace: bool | None, jsonl: bool, max_case_mb: int) -> None:
    """Compute CASE (a JSON, JSON lines or YAML file, or - for stdin) with the reference engine and print JSON.

    A JSON array or JSON lines is read and written case by case, so memory stays flat however many cases there
    are; progress goes to stderr on long runs. Amounts are text: -?[0-9]+(.[0-9]{1,2})? (a JSON number is read
    exactly by the same rule).
    """
    from conform.harness.settle_cli import SettleError, run

    if sys.stdout is None:  # descriptor 1 closed (`conform settle case.json >&-`): the environment, not a bug
        _die("writing the output: standard output is closed (nothing was written)")
    try:
        sys.stdout.flush()
        run(case, trace, jsonl, max_case_mb, sys.stdout.buffer, sys.stderr)
    except SettleError as e:
        _die(str(e))
    except OSError as e:
        if _closed_pipe(e):
            raise
        _die(f"writing the output: {e.strerror or e} (nothing was written)")  # the flush before anything was written
    except _Signalled as e:  # SIGINT/SIGTERM: the documented code, and what stdout holds (JSON lines look whole)
        _PHASE[0] = "over"
        said = getattr(e, "settle_output", None)
        click.echo(_interrupted_message(e.signum) + (f"; {said}" if said else ""), err=True)
        sys.exit(interrupted_code(e.signum))


if __name__ == "__main__":
    main()
