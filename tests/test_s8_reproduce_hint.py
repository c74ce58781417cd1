"""A failed property's reproduce hint names the options of the command that ran it (rvendor8 D1).

`conform run` printed "reproduce with --conform-seed N" — the pytest plugin's option, which `conform run`
refuses ("No such option"). It passes --conform-front-end run, and its own --seed / --examples rerun the
property; pytest keeps its --conform-* options.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sample_server import SampleServer

from conform.harness import run as run_module
from conform.harness.results import RunResult
from conform.harness.run import CONFORMANCE, execute

PROPS = (CONFORMANCE / "test_properties.py",)


def _failed_deductible(front_end: str) -> tuple[str, str]:
    # the twin charges 南昌's deductible (四（二）1: 起付线 600 a year) on every visit: the property fails
    with SampleServer(defect="deductible_per_visit") as twin:
        run, _ = execute(adapter=twin.url, policies=("nanchang",), tag="conform_property",
                         extra_args=("--conform-thorough", "--conform-budget", "3s", "--conform-seed", "3",
                                     "--conform-shrink-seconds", "0.1", "-k", "test_deductible",
                                     "--conform-front-end", front_end),
                         paths=PROPS)
    (c,) = run.checks
    assert c.status == "failed", c.message[:300]
    return c.message, twin.url


@pytest.mark.parametrize("front_end, said, not_said", [
    ("run", "conform run --seed ", "--conform-seed"),
    ("pytest", "--conform-seed ", "conform run"),
])
def test_the_hint_names_the_front_ends_options(front_end, said, not_said, capfd):
    msg, url = _failed_deductible(front_end)
    hint = msg[msg.index("reproduce this property alone"):]
    out = capfd.readouterr()
    head = [line for line in (out.out + out.err).splitlines() if line.startswith("属性反例 Property counterexamples")]
    # the system too (rvendor D4): without it the command reruns against the built-in reference and says 合格
    adapter = "--adapter" if front_end == "run" else "--conform-adapter"
    # the run as it ran (s20): its profile, budget and shrinking time too, not a bare seed rerunning the quick profile
    thorough = "--thorough --budget 3s --shrink-seconds 0.1" if front_end == "run" else \
        "--conform-thorough --conform-budget 3s --conform-shrink-seconds 0.1"
    # in a pytest session the head's line is a whole command (s29: `pytest …`, a CONFORM_PROFILE=ci before it)
    command = said if front_end == "run" else f"pytest {said}"
    assert head and all(f"reproduce with {command}3 {thorough} {adapter} {url})" in line for line in head), head
    assert said in hint and not_said not in hint and f"{adapter} {url}" in hint, hint
    if front_end == "run":
        assert " --examples " in hint and " --thorough" in hint and "--policy nanchang" in hint, hint
    else:
        assert " --conform-examples " in hint, hint


def _args(monkeypatch, tmp_path, *options: str):
    seen = {}

    def fake(adapter, config, policies, articles, tag, extra_args=(), *a, **kw):
        seen["args"] = tuple(extra_args)
        return run_module.Execution(RunResult(adapter={"adapter": "reference"}), 0)

    monkeypatch.setattr(run_module, "execute_detailed", fake)
    result = CliRunner().invoke(run_module.run_command, [*options, "--format", "json", "--out",
                                                         str(tmp_path / "out"), "--no-progress"])
    return result, seen.get("args")


def test_conform_run_examples_and_seed_reach_the_properties(monkeypatch, tmp_path):
    result, args = _args(monkeypatch, tmp_path, "--seed", "7", "--examples", "12")
    assert result.exit_code == 0, result.output
    i, j, k = args.index("--conform-seed"), args.index("--conform-examples"), args.index("--conform-front-end")
    assert (args[i + 1], args[j + 1], args[k + 1]) == ("7", "12", "run")


@pytest.mark.parametrize("options, said", [
    (("--budget", "90s", "--examples", "3"), "--budget and --examples: choose one"),
    (("--examples", "0"), "--examples"),
])
def test_conform_run_refuses_what_cannot_run(monkeypatch, tmp_path, options, said):
    result, args = _args(monkeypatch, tmp_path, *options)
    assert result.exit_code == 2 and said in result.output and args is None, result.output


def test_the_hint_never_shows_credentials():
    import argparse

    from conform.harness.properties.settings import PropertySettings, _system, reproduce

    class Config:
        def __init__(self, **o):
            self.option = argparse.Namespace(**o)

        def getoption(self, name, default=None):
            return getattr(self.option, name, default)

    system = _system(Config(conform_adapter="https://vendor:s3cret@sut.example/api?token=abc&x=1", conform_config="c.toml"))
    hint = reproduce(PropertySettings("ci", 5, front_end="run", system=system), 5)
    assert "s3cret" not in hint and "abc" not in hint and "sut.example/api" in hint and "--config c.toml" in hint
    assert reproduce(PropertySettings("ci", 5, front_end="run", system=_system(Config(conform_adapter="reference"))), 5) \
        == "conform run --seed 5"
