"""rclose10's D2–D5 and the display Cf table: a merged cause shows its figures, the credit's rounding step keeps
only roundings of the product, a plugin's reply beside its answer is bounded before it is parsed, the evidence
lock's at-fork hook releases only what it took, and UNSHOWN escapes every Cf of the running Python."""
from __future__ import annotations

import os
import sys
import time
import unicodedata

import pytest
from openpyxl import load_workbook

from conform.harness.report import html, model, xlsx
from conform.harness.results import CheckResult, Mismatch, RunResult

# ------------------------------------------------------------------------------------------------- D2

# 北京's example region 在职 二级 (起付线 1800, 70%), a visit of 1800.15: (1800.15 − 1800) × 70% = 0.105 → 0.11 half up;
# a system rounding half to even answers 0.10, a fen off at 支付比例 (a trace made by hand in that shape)
TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1800.15"},
         {"step": "起付线", "clause": "北京 二", "value": "1800.00"},
         {"step": "支付比例", "clause": "北京 二；A-ROUND-FEN", "value": "0.11", "rounded": True},
         {"step": "年度最高支付限额", "clause": "北京 二", "value": "0.11"}]


def _merged_run() -> RunResult:
    """Check a compares 普通门诊统筹支付 only (the part), b 统筹基金支付 only (the sum): one cause, field hifp_pay,
    whose representative (a, the first) has no hifp_pay mismatch."""
    run = RunResult(adapter={"adapter": "http"}, policies=["beijing"], selection={"policies": ["beijing"]},
                    run_id="implI", planned=2, finished="2024-01-01T00:01:00+00:00")
    for cid, mm in (("a", Mismatch("ordinary_pay", "0.11", "0.10", "V1", "普通门诊统筹支付")),
                    ("b", Mismatch("hifp_pay", "0.11", "0.10", "V1", "统筹基金支付"))):
        run.checks.append(CheckResult(nodeid=f"t.py::{cid}", kind="scenario", name=f"半分进位{cid}", policy="beijing",
                                      articles=["beijing-2"], status="failed", message="m",
                                      feature_file=f"beijing/{cid}.feature", line=3, mismatches=[mm], trace=TRACE))
    return run


def test_a_merged_cause_whose_representative_compared_the_part_shows_its_figures(tmp_path):
    data = model.build(_merged_run())
    [cause] = data["causes"]
    assert cause["field"] == "hifp_pay" and cause["fields"] == ["ordinary_pay", "hifp_pay"]
    rep = next(c for c in data["checks"] if c["id"] == cause["representative"])
    assert [m["field"] for m in rep["mismatches"]] == ["ordinary_pay"]
    page = html.render(data)
    section = page[page.index('id="causes"'):page.index('id="documents"')]
    # the English beside 应为/实际 (probe s21 X item 2)
    assert ('应为 <span class="en">expected</span> <span class="exp">0.11</span>，实际 <span class="en">actual</span> '
            '<span class="act">0.10</span>') in section
    path = xlsx.write(data, tmp_path / "r.xlsx")
    ws = load_workbook(path)["原因汇总"]
    head = [c.value for c in next(ws.iter_rows(max_row=1))]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == cause["id"])
    got = dict(zip(head, row))
    assert (got["应为 Expected"], got["实际 Actual"]) == (0.11, 0.1), got
    assert not got["信息 Message"]


def test_a_cause_of_two_parts_without_the_sum_is_named_as_the_sum():
    from conform.harness.report.causes import group

    def check(cid: str, field: str, label: str) -> dict:
        return {"id": cid, "status": "failed", "kind": "scenario", "document": "北京", "policy": "beijing",
                "articles": [], "path": f"features/beijing/{cid}.feature", "trace": TRACE, "message": "",
                "extra": {}, "mismatches": [{"field": field, "expected": "0.11", "actual": "0.10", "item": "V1",
                                             "label": label}]}

    [cause] = group([check("a", "ordinary_pay", "普通门诊统筹支付"), check("b", "chronic_pay", "慢特病支付")], {})
    assert cause["fields"] == ["ordinary_pay", "chronic_pay"] and cause["field"] == "hifp_pay"
    assert cause["label"] == "统筹基金支付"
    assert cause["headline"].startswith("统筹基金支付（hifp_pay）"), cause["headline"]


# ------------------------------------------------------------------------------------------------- D3

def _credit_blame(actual: str, average: str = "2825.00") -> tuple[list[str], list[str]]:
    from conform.harness.report.causes import blame
    from conform.reference.account import credit_month
    from conform.reference.case import CreditRequest, parse_person
    from conform.reference.engine import rules_for

    rules = rules_for("panzhihua", "panzhihua-example", {"account.retiree.average_pension": average})
    trace = credit_month(rules, parse_person({"psn_no": "R", "psn_type": "1201"}, "implI"),
                         CreditRequest("2023-03")).trace.render()
    expected = str(credit_month(rules, parse_person({"psn_no": "R", "psn_type": "1201"}, "implI"),
                                CreditRequest("2023-03")).amount)
    wrong = [{"field": "amount", "expected": expected, "actual": actual, "item": "2023-03", "label": "个人账户计入"}]
    return blame(wrong, {"2023-03": trace}, "panzhihua")


PRODUCT_STEP = (["panzhihua-4", "panzhihua-12"], [])  # 平均养老金 × 比例: 第四条；第十二条 (the average's source)
ROUNDING_STEP = (["panzhihua-4"], [])  # 退休人员定额: 第四条（二） 以“元”为单位四舍五入 alone


@pytest.mark.parametrize("actual", ["56.37", "55.51", "57.49", "60.00"])
def test_a_credit_within_a_yuan_that_is_no_rounding_of_the_product_began_at_the_product(actual):
    # 攀枝花 example region: 2825.00 × 2% = 56.50 → 以“元”为单位四舍五入 57.00 (第四条（二）). 56.37 (an average of 2818.50),
    # 55.51, 57.49 are within a yuan of 56.50 but neither 56.50 nor a whole yuan: no rounding of it; 60.00 (3000.00)
    # is a whole yuan 3.50 away
    assert _credit_blame(actual) == PRODUCT_STEP


@pytest.mark.parametrize("actual", ["56.50", "56.00"])
def test_a_credit_that_rounds_the_product_otherwise_stays_at_the_rounding(actual):
    # 56.50: the product kept to the fen; 56.00: 56.50 rounded down to the yuan. The average was right
    assert _credit_blame(actual) == ROUNDING_STEP


def test_a_credit_kept_to_the_fen_of_a_longer_product_stays_at_the_rounding():
    # 2824.99 × 2% = 56.4998 → 四舍 56.00; a system keeping the fen answers 56.50 (56.4998 to the fen): a rounding of
    # the product, not the product's (rmut4's twin pzh_credit_not_yuan, implF)
    assert _credit_blame("56.50", "2824.99") == ROUNDING_STEP
    # 2850.00 × 2% = 57.00, whole: 57.50 is half a yuan from it, neither it nor another whole yuan
    assert _credit_blame("57.50", "2850.00") == PRODUCT_STEP


# ------------------------------------------------------------------------------------------------- D4

from conform.fixtures.sample_plugin import SampleSystemPlugin  # noqa: E402


class SendsManyObjects(SampleSystemPlugin):
    """settle's reply, written by the plugin on conform's pipe itself: beside an empty answer, rclose10's amplify.py
    rest, `{"seq":…,"evidence":[{},{},…]}` of BESIDE_LIMIT bytes (4.19 M empty objects)."""

    def settle(self, psn_no, settlement):
        import json

        from conform.harness.adapters import plugin_process as pp

        real = pp._send_reply

        def send(fd, answer, rest):
            pp._send_reply = real
            head = b'{"seq":%d,"evidence":[' % json.loads(rest)["seq"]
            tail = b'],"exception":["E","m",[]]}'
            n = (pp.BESIDE_LIMIT - len(head) - len(tail) + 1) // 3
            real(fd, b"", head + b",".join([b"{}"] * n) + tail)

        pp._send_reply = send
        return super().settle(psn_no, settlement)


class RecordsManyObjects(SampleSystemPlugin):
    """settle records 200 entries whose response is 5 lists of 200 empty objects before a sound answer."""

    def settle(self, psn_no, settlement):
        from conform.harness import evidence

        for i in range(200):
            evidence.record("settle", {"n": i}, [[{} for _ in range(200)] for _ in range(5)])
        return super().settle(psn_no, settlement)


def _contained_settle(plugin: str):
    from test_s6_implG_plugin_mends import settle_contained

    return settle_contained(f"python:test_s6_implI_mends:{plugin}", 1 << 20)


def _contained() -> bool:
    from conform.harness.adapters import plugin_process
    return bool(os.environ.get("CI")) or plugin_process.AVAILABLE


def test_a_reply_opening_millions_of_objects_beside_its_answer_is_refused_before_it_is_parsed():
    from conform.harness.adapters import plugin_process as pp

    # the rest alone: 12 MiB of `{},` is 4.19 M objects, more than BESIDE_CONTAINERS; refused before json.loads
    n = (pp.BESIDE_LIMIT - 60) // 3
    body = b'{"seq":1,"evidence":[' + b",".join([b"{}"] * n) + b'],"exception":["E","m",[]]}'
    assert len(body) <= pp.BESIDE_LIMIT
    t = time.monotonic()
    with pytest.raises(pp._TooLarge) as e:
        pp._parse(body)
    # n objects, the reply's own object, the evidence list, the exception list and its frames: n + 4
    assert e.value.args == (n + 4, "containers") and time.monotonic() - t < 3
    if not _contained():
        return
    # the whole call, the plugin writing that rest on conform's pipe: too_large, named as beside the answer
    t = time.monotonic()
    out, _ = _contained_settle("SendsManyObjects")
    assert getattr(out, "kind", None) == "too_large", out
    assert "beside the answer" in out.message and "objects and arrays" in out.message, out.message
    assert time.monotonic() - t < 10


def test_evidence_opening_many_objects_is_kept_in_part_and_the_answer_stands():
    # an entry: itself, its request, its response list, 5 lists, 1000 objects = 1008 objects and arrays;
    # 99 × 1008 = 99 792 fit EVIDENCE_CONTAINERS (100 000), the 100th makes 100 800: 99 kept, a note of the 101 left
    if not _contained():
        return
    out, kept = _contained_settle("RecordsManyObjects")
    assert isinstance(out, dict) and out["hifp_pay"], out
    recorded = [e for e in kept if isinstance(e.get("request"), dict) and "n" in e["request"]]
    assert len(recorded) == 99 and recorded[-1]["request"]["n"] == 98
    (note,) = [e for e in kept if "not_kept" in e]
    assert note["not_kept"] == "101 more entries of evidence: the 100000 objects and arrays kept of one call's are full"


# ------------------------------------------------------------------------------------------------- D5

def test_an_interrupted_wait_at_a_fork_never_releases_another_threads_evidence_lock(monkeypatch):
    import threading

    from conform.harness import evidence

    held, done = threading.Event(), threading.Event()
    real = threading.Lock()

    def holder():
        with real:
            held.set()
            done.wait(10)

    class Interrupted:
        """The lock as the forking thread sees it when a Ctrl-C interrupts its wait in the before-hook."""

        def acquire(self, *a):
            raise KeyboardInterrupt

        def release(self):
            real.release()

    t = threading.Thread(target=holder)
    t.start()
    try:
        assert held.wait(10)
        monkeypatch.setattr(evidence, "_lock", Interrupted())
        with pytest.raises(KeyboardInterrupt):
            evidence._before_fork()
        evidence._after_fork_in_parent()   # CPython forks on and runs it all the same
        assert real.locked()               # the other thread's lock, still its own
    finally:
        done.set()
        t.join(10)
    assert not real.locked()               # released by its holder, not twice
    # an undisturbed fork: taken before, released after, once
    monkeypatch.setattr(evidence, "_lock", real)
    evidence._before_fork()
    assert real.locked()
    evidence._after_fork_in_parent()
    evidence._after_fork_in_parent()
    assert not real.locked()


# ------------------------------------------------------------------------------------------------- display's Cf

def test_unshown_escapes_every_format_character_this_python_knows():
    # Cf (format: bidi controls, zero-width joiners, tag characters) show nothing yet change what is read; a newer
    # Python's Unicode (3.14: Unicode 16) may add some: this fails there until display.FORMAT lists them
    from conform import display

    cf = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    missed = [f"U+{c:04X} {unicodedata.name(chr(c), '?')}" for c in cf if not display.UNSHOWN.pattern.match(chr(c))]
    assert cf and not missed, (unicodedata.unidata_version, missed)
