"""The `conform` command: settle cases with the reference, run the conformance suite.

Exit codes (the CI gate): 0 everything required passed; 1 non-conformance found;
2 usage, input or configuration error; 3 the system under test could not be
reached or errored; 4 the harness itself failed (status harness_error, a bug in
conform); 130 `conform run` interrupted before any check finished.
"""
from __future__ import annotations

import sys

import click


EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def _die(message: str) -> None:
    click.echo(f"conform: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--max-case-mb", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="Largest single case, and largest YAML input (YAML is read whole; JSON streams case by case).")
def settle(case: str, trace: bool | None, jsonl: bool, max_case_mb: int) -> None:
    """Compute CASE (a JSON, JSON lines or YAML file, or - for stdin) with the reference engine and print JSON.

    A JSON array or JSON lines is read and written case by case, so memory stays flat however many cases there
    are; progress goes to stderr on long runs. Amounts are text: -?[0-9]+(.[0-9]{1,2})? (a JSON number is read
    exactly by the same rule).
    """
    from harness.settle_cli import SettleError, run

    sys.stdout.flush()
    try:
        run(case, trace, jsonl, max_case_mb, sys.stdout.buffer, sys.stderr)
    except SettleError as e:
        _die(str(e))


def _register_run() -> None:
    from harness.run import run_command

    main.add_command(run_command, "run")


_register_run()


def _register_audit() -> None:
    from audit.cli import audit_command

    main.add_command(audit_command, "audit")


_register_audit()


def _register_synth_ledger() -> None:
    from audit.synth_cli import synth_ledger_command

    main.add_command(synth_ledger_command, "synth-ledger")


_register_synth_ledger()


def _register_list() -> None:
    from harness.listing import list_command

    main.add_command(list_command, "list")


_register_list()

if __name__ == "__main__":
    main()
