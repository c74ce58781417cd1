"""The `conform` command: settle cases with the reference, run the conformance suite.

Exit codes (the CI gate): 0 everything required passed; 1 non-conformance found;
2 usage, input or configuration error; 3 the system under test could not be
reached or errored.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from reference.case import CaseError, load_text, parse_cases
from reference.policy import PolicyError

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
@click.option("--no-trace", is_flag=True, help="Leave the explanation of each figure out of the output.")
def settle(case: str, no_trace: bool) -> None:
    """Compute CASE (a JSON or YAML file, or - for stdin) with the reference engine and print JSON."""
    from reference.engine import compute_case

    if case == "-":
        text, source = sys.stdin.read(), "<stdin>"
    else:
        path = Path(case)
        if not path.is_file():
            _die(f"{case}: no such file")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            _die(f"{case}: cannot read: {e}")
        source = case
    try:
        cases, is_list = parse_cases(load_text(text, source), source)
        results = []
        for c in cases:
            try:
                results.append(compute_case(c, with_trace=not no_trace))
            except PolicyError as e:
                raise CaseError(str(e), case=c.name) from None
    except (CaseError, PolicyError) as e:
        _die(str(e))
    click.echo(json.dumps(results if is_list else results[0], ensure_ascii=False, indent=2))


def _register_run() -> None:
    from harness.run import run_command

    main.add_command(run_command, "run")


_register_run()


def _register_list() -> None:
    from harness.listing import list_command

    main.add_command(list_command, "list")


_register_list()

if __name__ == "__main__":
    main()
