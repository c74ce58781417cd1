"""`concurrency` made real for an HTTP system: the checks split over worker processes, run at once.

pytest runs one check at a time, and its fixtures and hooks are not thread-safe, so checks cannot
run concurrently inside one session. With `concurrency = N > 1` and an http adapter, `conform run`
starts N worker processes (`python -m conform.harness.shards`); worker i runs the checks whose collection
index is i modulo N (scenarios and property tests alike), each against the same system, with its own
connection, its own evidence per check and its own test persons: every psn_no it sends carries the
prefix `W<i>-` (CONFORM_PSN_PREFIX), so two workers never touch the same person. Each worker writes
its RunResult as JSON; the parent merges them in collection order, so the reports are those of one
run. The seed of the properties is drawn once and given to every worker, so a rerun with the same
seed tries the same examples at any concurrency.

Progress: each worker writes its progress (checks done, passed / failed / errors, the current check,
its time left) to `<i>.progress.json` in the run's temporary folder; the parent reads those files and
shows one bar, or one heartbeat every 30 s or 50 checks, for the whole run (conform/harness/progress.py).
The parent's timer does not wait on any worker: a worker stuck in one check only stops moving its
own figures.

Signals: a worker stops like a single run (its report part marked incomplete); the parent forwards
its first SIGINT/SIGTERM to the workers, waits for their parts and merges what they gathered.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from .. import atomic
from .results import INCOMPLETE, RunResult, incomplete_note, incomplete_reasons

ROOT = Path(__file__).resolve().parents[2]  # the repository root: conform/harness/ is two below
PSN_PREFIX_ENV = "CONFORM_PSN_PREFIX"


class ShardSelect:
    """pytest plugin of a worker: keep the items whose index is `index` modulo `count`."""

    def __init__(self, index: int, count: int):
        self.index, self.count = index, count
        self.order: dict[str, int] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for i, item in enumerate(items):
            self.order[item.nodeid] = i
            (keep if i % self.count == self.index else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _seed_args(extra_args: tuple[str, ...]) -> tuple[str, ...]:
    """The same property seed for every worker: the caller's, or one drawn here (unless derandomized)."""
    if "--conform-seed" in extra_args or any(a.startswith("--hypothesis-seed") for a in extra_args):
        return ()
    from .properties.settings import PROFILES, choose_profile

    try:
        profile = choose_profile("--conform-thorough" in extra_args)
    except pytest.UsageError:
        return ()
    if PROFILES[profile].get("derandomize"):
        return ()
    return ("--conform-seed", str(random.SystemRandom().getrandbits(32)))


def execute_sharded(workers: int, adapter: str | None, config: str | None, policies: tuple[str, ...],
                    articles: tuple[str, ...], tag: str | None, extra_args: tuple[str, ...] = (),
                    guard: Any = None, progress: bool | str = False) -> Any:
    """Run the selection split over `workers` processes at once; return one merged `Execution`.

    progress: as execute_detailed's (False silent; True / "auto" a bar on a terminal, heartbeats
    otherwise; "heartbeat"), shown by this process from what the workers report."""
    from .progress import Progress

    ticker = Progress(sys.stderr, "auto" if progress is True else str(progress)) if progress else None
    try:
        ex = _execute(workers, adapter, config, policies, articles, tag, extra_args, guard, ticker)
        if ticker is not None:
            ticker.finish(ex.run)  # the last line: the merged run's own figures
        return ex
    finally:
        if ticker is not None:
            ticker.stop()


def _execute(workers: int, adapter: str | None, config: str | None, policies: tuple[str, ...],
             articles: tuple[str, ...], tag: str | None, extra_args: tuple[str, ...], guard: Any,
             ticker: Any) -> Any:
    extra = tuple(extra_args) + _seed_args(tuple(extra_args))
    with tempfile.TemporaryDirectory(prefix="conform-shards-") as tmp:
        procs: list[subprocess.Popen] = []
        logs = []
        forwarded = False
        states = [Path(tmp) / f"{i}.progress.json" for i in range(workers)]
        if ticker is not None:
            # a worker not started yet is still to come; one that has exited is over, whatever it last wrote
            ticker.follow(states, lambda i: i >= len(procs) or procs[i].poll() is None)

        def forward() -> None:
            for q in procs:
                if q.poll() is None:
                    q.send_signal(signal.SIGINT)

        try:
            for i in range(workers):
                cmd = [sys.executable, "-m", "conform.harness.shards", f"{i}/{workers}", str(Path(tmp) / f"{i}.json"),
                       json.dumps({"adapter": adapter, "config": os.path.abspath(config) if config else None,
                                   "policies": list(policies), "articles": list(articles), "tag": tag,
                                   "extra_args": list(extra),
                                   "progress": str(states[i]) if ticker is not None else None})]
                env = {**os.environ, PSN_PREFIX_ENV: f"W{i}-"}
                logs.append(open(Path(tmp) / f"{i}.log", "w+b"))  # noqa: SIM115 - closed below
                procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=logs[-1]))
        except KeyboardInterrupt:
            forwarded = True
            forward()
        for p in procs:
            while p.poll() is None:
                try:
                    p.wait()
                except KeyboardInterrupt:  # the first signal: pass it on, then wait for the parts
                    if not forwarded:
                        forwarded = True
                        forward()
        if guard is not None:
            guard.finishing()
        stderr = []
        for log in logs:
            log.seek(0)
            stderr.append(log.read()[-4000:])
            log.close()
        parts = []
        for i in range(workers):
            f = Path(tmp) / f"{i}.json"
            if f.is_file():
                parts.append(json.loads(f.read_text(encoding="utf-8")))
    if not parts and (forwarded or (guard is not None and guard.received)):
        # stopped before any worker got as far as writing its part (still importing): nothing gathered, as a
        # single run stopped at its start (exit 130, no report), not a harness error
        raise KeyboardInterrupt
    if not parts:
        text = b"".join(stderr).decode("utf-8", "replace").strip()
        raise RuntimeError(f"no worker of the concurrent run reported: {text[-2000:]}")
    set_up = any(isinstance(p["run"].get("adapter"), dict) and p["run"]["adapter"].get("system") for p in parts)
    ex = merge(parts, None if set_up else _described(adapter, config))
    if forwarded or (guard is not None and guard.received):
        ex.interrupted = True
    if len(parts) < workers or ex.interrupted:
        run = ex.run
        run.incomplete = True
        why = [*incomplete_reasons(run.notes), *(["interrupted"] if ex.interrupted else []),
               *([f"{workers - len(parts)} of {workers} workers did not report"] if len(parts) < workers else [])]
        run.notes = [n for n in run.notes if not n.startswith(INCOMPLETE)]
        run.notes.append(incomplete_note(why, len(run.checks), run.planned))
    return ex




def _described(adapter: str | None, config: str | None) -> dict | None:
    """The system under test as the parent's own --adapter and config describe it (nothing is contacted): what the
    reports name when no worker got as far as setting its adapter up. None if it cannot be described."""
    from .adapters import make_adapter
    from .config import load_adapter_config

    try:
        return make_adapter(adapter, load_adapter_config(config)).describe()
    except Exception:  # noqa: BLE001 - the run checked the config before it started; the reports then say less
        return None


def merge(parts: list[dict], described: dict | None = None) -> Any:
    """One Execution from the workers' parts: checks in collection order, counts and notes combined.

    `described`: the parent's description of the system under test (`_described`), for when no worker set its
    adapter up (stopped first: its run names the default, "reference")."""
    from .run import Execution

    runs = [RunResult.from_dict(p["run"]) for p in parts]
    order: dict[str, int] = {}
    for p in parts:
        order.update(p["order"])
    run = runs[0]
    # a worker's adapter description has "system" once its adapter was set up; before, only the default's name
    set_up = next((r.adapter for r in runs if r.adapter.get("system")), None)
    run.adapter = set_up if set_up is not None else {**run.adapter, **(described or {})}
    run.checks = sorted((c for r in runs for c in r.checks), key=lambda c: order.get(c.nodeid, 1 << 30))
    # each planned check once: a worker stopped before it narrowed the collection to its shard planned them all
    planned = {pc.get("nodeid", ""): pc for r in runs for pc in r.planned_checks}
    run.planned_checks = sorted(planned.values(), key=lambda pc: order.get(pc.get("nodeid", ""), 1 << 30))
    run.planned = len(planned) if planned else sum(r.planned for r in runs)
    run.unreachable = any(r.unreachable for r in runs)
    run.incomplete = any(r.incomplete for r in runs)
    why = incomplete_reasons([n for r in runs for n in r.notes])  # each worker's (interrupted, unreachable)
    run.notes = list(dict.fromkeys(n for r in runs for n in r.notes if not n.startswith(INCOMPLETE)))
    if run.incomplete:
        run.notes.append(incomplete_note(why, len(run.checks), run.planned))
    total = sum(int((r.examples or {}).get("total", 0) or 0) for r in runs)
    if run.examples:
        run.examples["total"] = total
    run.started = min(r.started for r in runs)
    run.finished = max(r.finished for r in runs)
    run.adapter = {**run.adapter, "workers": len(parts)}
    codes = [int(p["pytest_code"]) for p in parts]
    usage = next((p["usage_error"] for p in parts if p["usage_error"]), None)
    collect_errors = list(dict.fromkeys(e for p in parts for e in p["collect_errors"]))
    E = pytest.ExitCode
    if usage:
        code = E.USAGE_ERROR
    elif E.INTERNAL_ERROR in codes:
        code = E.INTERNAL_ERROR
    elif E.INTERRUPTED in codes:
        code = E.INTERRUPTED
    elif E.TESTS_FAILED in codes:
        code = E.TESTS_FAILED
    elif all(c == E.NO_TESTS_COLLECTED for c in codes):
        code = E.NO_TESTS_COLLECTED
    else:
        code = E.OK
    return Execution(run, int(code), usage, any(p["interrupted"] for p in parts), collect_errors)


def _worker(shard: str, out: str, spec: str) -> int:
    """One worker: run its share of the checks and write them (even when interrupted)."""
    from .progress import Progress
    from .run import _Interrupts, execute_detailed

    index, count = (int(x) for x in shard.split("/"))
    args = json.loads(spec)
    select = ShardSelect(index, count)
    # what it has done, for the parent's bar or heartbeat
    report = (Progress(mode="file", state=args["progress"]),) if args.get("progress") else ()
    with _Interrupts() as guard:
        ex = execute_detailed(args["adapter"], args["config"], tuple(args["policies"]), tuple(args["articles"]),
                              args["tag"], tuple(args["extra_args"]), plugins=(select, guard, *report))
        guard.finishing()
        data = {"run": ex.run.to_dict(), "pytest_code": ex.pytest_code, "usage_error": ex.usage_error,
                "interrupted": ex.interrupted, "collect_errors": ex.collect_errors, "order": select.order}
        atomic.write_bytes(out, json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(_worker(*sys.argv[1:4]))
