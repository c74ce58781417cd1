"""A concurrent run's incomplete note keeps why its workers stopped (probe s23 K F6): merging the workers' parts wrote a
bare "未完成 incomplete run", so a CI reader could not tell a cancel (interrupted) from an unreachable system."""
from __future__ import annotations

from conform.harness.results import RunResult
from conform.harness.results import incomplete_note, incomplete_reasons
from conform.harness.shards import merge


def _part(names: list[str], note: str | None) -> dict:
    r = RunResult(planned=len(names), planned_checks=[{"nodeid": n, "name": n} for n in names])
    if note is not None:
        r.incomplete = True
        r.notes.append(note)
    return {"run": r.to_dict(), "order": {"a": 0, "b": 1, "c": 2, "d": 3}, "pytest_code": 0, "usage_error": None,
            "collect_errors": [], "interrupted": note is not None}


def test_the_merged_note_says_each_workers_reason_once():
    ex = merge([_part(["a", "c"], "未完成 incomplete run (interrupted): 0 of 2 checks finished"),
                _part(["b", "d"], "未完成 incomplete run (stopped early: system unreachable): 0 of 2 checks finished")])
    assert ex.run.notes == ["未完成 incomplete run (interrupted；stopped early: system unreachable): 0 of 4 checks finished"]


def test_one_worker_interrupted_is_said_so_and_no_reason_is_made_up():
    ex = merge([_part(["a", "c"], "未完成 incomplete run (interrupted): 0 of 2 checks finished"), _part(["b", "d"], None)])
    assert ex.run.notes == ["未完成 incomplete run (interrupted): 0 of 4 checks finished"]
    # a note without a reason stays without one
    assert incomplete_reasons(["未完成 incomplete run: 1 of 2 checks finished", "其他 other"]) == []
    assert incomplete_note([], 1, 2) == "未完成 incomplete run: 1 of 2 checks finished"
    assert incomplete_note(["interrupted", "interrupted"], 1, 2) == "未完成 incomplete run (interrupted): 1 of 2 checks finished"
