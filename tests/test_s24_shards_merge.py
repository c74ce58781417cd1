"""A concurrent run stopped before its workers set their adapters up, or before they narrowed the collection to
their shards (probe s24 S F4): the merged reports named the system "reference" (a worker's default) instead of the
configured URL, and counted and listed every planned check once per worker (junit tests="1601" for 800 checks)."""
from __future__ import annotations

from conform.harness.results import RunResult
from conform.harness.shards import _described, merge

ORDER = {"a": 0, "b": 1, "c": 2, "d": 3}
HTTP = {"adapter": "http", "system": "http://127.0.0.1:8765/", "supports": ["settle"], "timeout_s": 10}


def _part(planned: list[str], adapter: dict, interrupted: bool = True) -> dict:
    r = RunResult(planned=len(planned), planned_checks=[{"nodeid": n, "name": n.upper()} for n in planned],
                  adapter=dict(adapter))
    if interrupted:
        r.incomplete = True
        r.notes.append(f"未完成 incomplete run (interrupted): 0 of {len(planned)} checks finished")
    return {"run": r.to_dict(), "order": ORDER, "pytest_code": 2 if interrupted else 0, "usage_error": None,
            "collect_errors": [], "interrupted": interrupted}


def test_workers_stopped_before_narrowing_plan_each_check_once():
    # both workers stopped while collecting: each reports the whole selection as planned
    default = {"adapter": "reference", "system_name": "收费系统"}
    ex = merge([_part(["a", "b", "c", "d"], default), _part(["a", "b", "c", "d"], default)], HTTP)
    run = ex.run
    assert run.planned == 4
    assert [pc["nodeid"] for pc in run.planned_checks] == ["a", "b", "c", "d"]
    assert run.notes == ["未完成 incomplete run (interrupted): 0 of 4 checks finished"]


def test_one_worker_narrowed_the_other_did_not():
    ex = merge([_part(["a", "c"], HTTP), _part(["d", "b", "a", "c"], {"adapter": "reference"})], HTTP)
    assert ex.run.planned == 4 and [pc["nodeid"] for pc in ex.run.planned_checks] == ["a", "b", "c", "d"]


def test_narrowed_shards_still_add_up():
    ex = merge([_part(["b", "d"], HTTP, False), _part(["a", "c"], HTTP, False)], HTTP)
    assert ex.run.planned == 4 and [pc["nodeid"] for pc in ex.run.planned_checks] == ["a", "b", "c", "d"]


def test_no_worker_set_up_its_adapter_the_parents_configured_system_is_named():
    default = {"adapter": "reference", "system_name": "收费系统", "system_version": "2.1"}
    ex = merge([_part(["a", "b"], default), _part(["c", "d"], default)], HTTP)
    a = ex.run.adapter
    assert a["adapter"] == "http" and a["system"] == "http://127.0.0.1:8765/"
    assert a["system_name"] == "收费系统" and a["system_version"] == "2.1"  # the [system] table is kept
    assert a["workers"] == 2
    from conform.harness.report.model import build

    data = build(ex.run)  # what results.json, junit.xml and the certification record name
    assert data["run"]["system"] == "http://127.0.0.1:8765/"
    assert [c["nodeid"] for c in data["run"]["not_run"]] == ["a", "b", "c", "d"]


def test_a_worker_that_set_its_adapter_up_is_named_even_when_the_first_did_not():
    ex = merge([_part(["a", "c"], {"adapter": "reference"}), _part(["b", "d"], {**HTTP, "system_name": "S"})], None)
    assert ex.run.adapter["adapter"] == "http" and ex.run.adapter["system"] == HTTP["system"]


def test_the_parent_describes_the_configured_url_without_contacting_it(tmp_path):
    cfg = tmp_path / "conform.toml"
    cfg.write_text('[adapter]\nurl = "http://127.0.0.1:9/?token=s3cr3tTokenValue"\nconcurrency = 2\n', encoding="utf-8")
    d = _described(None, str(cfg))
    assert d is not None and d["adapter"] == "http" and d["system"].startswith("http://127.0.0.1:9/")
    assert "s3cr3tTokenValue" not in d["system"]
    assert _described("http://127.0.0.1:9/", None)["system"] == "http://127.0.0.1:9/"


class _Gone:
    """A worker process that ended without writing its part (Ctrl-C landed while it was still importing)."""

    def __init__(self, *args, **kwargs):
        pass

    def poll(self):
        return 1

    def wait(self):
        return 1


def test_stopped_before_any_worker_reported_is_an_interrupt_not_a_harness_error(monkeypatch):
    import types

    import pytest

    from conform.harness import shards

    monkeypatch.setattr(shards.subprocess, "Popen", _Gone)
    guard = types.SimpleNamespace(received=[2], finishing=lambda: None)
    # run.py's run_command turns it into exit 130 and no report, as a single run stopped at its start
    with pytest.raises(KeyboardInterrupt):
        shards._execute(2, "http://127.0.0.1:9/", None, (), (), None, ("--conform-seed", "7"), guard, None)
    # not interrupted: the workers' failure is the harness's own, said so
    guard.received = []
    with pytest.raises(RuntimeError, match="no worker of the concurrent run reported"):
        shards._execute(2, "http://127.0.0.1:9/", None, (), (), None, ("--conform-seed", "7"), guard, None)
