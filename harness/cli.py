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


class _LazyGroup(click.Group):
    """Subcommands imported when they are run (click's lazy-loading recipe): `conform audit` need not import
    pytest for `conform run` (0.3 s at every start, in every reference worker the audit spawns, which
    re-imports this module), nor `conform settle` DuckDB."""

    LAZY = {"run": "harness.run:run_command", "audit": "audit.cli:audit_command",
            "synth-ledger": "audit.synth_cli:synth_ledger_command", "list": "harness.listing:list_command"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            import importlib

            module, attr = self.LAZY[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


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


if __name__ == "__main__":
    main()
