"""s28 probeH3 F3(a): 吉林 三 — an unfiled remote visit 不能联网结算 and is settled by the 参保地 agency on receipts
(凭医疗保障凭证、医疗费用收据(发票)、病历等材料到参保地医保经办机构办理结算). A 2207 cannot be told from the agency's
settlement, so a system refusing it follows 三's words: features/jilin/三_关于费用结算.feature accepts the refusal, or a
settlement at the 参保地 standard with the written figures (A-REMOTE-SAME), through
`那么 结算 "V1" 被拒绝的／未被拒绝的，各次结算结果为：` after `参保人尝试于 …`.

The refusing system is the sample system with one twin (probeH3 mutant #17), served from this file (its `__main__`)."""
from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from sample_server import SampleServer

from conform.harness.adapters import SettlementRefused
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import NOTE_PROPERTY, MismatchError
from conform.harness.run import CONFORMANCE, execute
from conform.harness.steps.library import then_table_if
from conform.harness.steps.world import World

HERE = Path(__file__).resolve()
TWIN = "s28_jl_remote_unfiled_refused"


def _register() -> None:
    """The twin, registered only in the server's process."""
    from conform.fixtures.sample_system import defects as D
    from conform.fixtures.sample_system import service as SV

    settle = SV.SampleSystem._settle

    @D.defect(TWIN, "吉林：未备案的异地就医不能联网结算，2206/2207 拒绝", "吉林 三")
    def _refuse() -> None:
        def twin(self, data, commit):
            p = self._person(data)
            if p.ledger.rules.policy.id == "jilin" and data.get("remote_flag") in ("1", 1, True) \
                    and not p.ledger.person.remote_filing:
                raise SV.Refused("未办理异地就医备案，不能联网结算，请回参保地医保经办机构手工报销")
            return settle(self, data, commit)
        SV.SampleSystem._settle = twin


def test_a_system_refusing_an_unfiled_remote_visit_passes_jilin_3():
    with SampleServer(script=HERE, script_args=(TWIN,)) as server:
        run, _ = execute(adapter=server.url, articles=("jilin-3",), paths=(CONFORMANCE / "test_features.py",))
    checks = [c for c in run.checks if c.kind == "scenario"]
    assert checks and all(c.status == "passed" for c in checks), \
        [(c.name, c.status, c.failed_articles, c.message) for c in checks if c.status != "passed"]
    unfiled = [c for c in checks if c.name.startswith("未备案")]
    assert len(unfiled) == 4, [c.name for c in checks]  # the outline's 3 examples and the totals scenario
    # the refusal is said, not hidden: each unfiled check notes what the system answered
    assert all("被测系统拒绝了结算 V1" in (c.message or "") for c in unfiled), [c.message for c in unfiled]


class RefuseRemote(ReferenceAdapter):
    """The reference, refusing every remote visit (none of this test's persons has filed)."""

    name = "refuse-remote"

    def settle(self, psn_no, s):
        if s.remote:
            raise SettlementRefused("未办理异地就医备案，不能联网结算")
        return super().settle(psn_no, s)


def _request() -> SimpleNamespace:
    return SimpleNamespace(node=SimpleNamespace(user_properties=[]))


def _world(adapter) -> World:
    w = World(adapter)
    w.policy, w.region = "jilin", "jilin-example"
    w.set_person(psn_no="JL-S28", psn_type="1101")
    # 三's second scenario: V1 unfiled remote 一级 300.00 (尝试), V2 local 二级 3000.00
    w.settle({"date": "2023-03-01", "facility": "primary", "med_type": "11", "medfee_sumamt": "300.00",
              "remote": True}, expect_refusal=True)
    w.settle({"date": "2023-04-01", "facility": "secondary", "med_type": "11", "medfee_sumamt": "3000.00"})
    return w


HEAD = ["编号", "本次起付线", "统筹基金支付"]


def test_after_a_refusal_the_refused_branch_is_judged_and_the_settled_one_only_noted():
    w = _world(RefuseRemote())
    assert w.oracle is not None and "V1" in w.refused and "V1" not in w.results
    req = _request()
    then_table_if(w, req, "V1", "未被拒绝", [HEAD, ["V1", "200.00", "60.00"], ["V2", "0.00", "1440.00"]])
    assert any(k == NOTE_PROPERTY and "V1" in v for k, v in req.node.user_properties), req.node.user_properties
    # V2 alone: (3000 − 200) × 55% = 1540 > cap 1500 → 1500.00
    then_table_if(w, _request(), "V1", "被拒绝", [HEAD, ["V2", "200.00", "1500.00"]])
    with pytest.raises(MismatchError) as e:  # the settled branch's V2 figures are no answer after a refusal
        then_table_if(w, _request(), "V1", "被拒绝", [HEAD, ["V2", "0.00", "1440.00"]])
    assert {m.field for m in e.value.mismatches} == {"act_pay_dedc", "hifp_pay"}


def test_a_settled_unfiled_visit_is_judged_on_the_written_figures():
    w = _world(ReferenceAdapter())  # settles V1 at the 参保地 standard: (300 − 200) × 60% = 60.00
    assert "V1" in w.results and not w.refused
    then_table_if(w, _request(), "V1", "未被拒绝", [HEAD, ["V1", "200.00", "60.00"], ["V2", "0.00", "1440.00"]])
    then_table_if(w, _request(), "V1", "被拒绝", [HEAD, ["V2", "200.00", "1500.00"]])  # not its branch: not judged
    with pytest.raises(MismatchError) as e:
        then_table_if(w, _request(), "V1", "未被拒绝", [HEAD, ["V1", "200.00", "61.00"]])
    assert [m.actual for m in e.value.mismatches] == ["60.00"]
    assert Decimal(w.results["V1"]["hifp_pay"]) == Decimal("60.00")


if __name__ == "__main__":
    _register()
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
