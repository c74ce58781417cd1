"""A T003 answer giving the balance before its own debit fails the scenario that checks the balance right after
the use (probe s27 H2 F1): the 5206 balance was the only one compared, so under the CI profile the system passed.

The twin (k_use_balance_before_debit of the probe) debits the account right but answers the balance read before the
debit. This module is its own launcher (`python tests/test_s27_use_balance.py NAME --port 0 --port-file F`): the twin is
registered only when run as a script, never in the test process."""
from __future__ import annotations

import sys
from pathlib import Path

from sample_server import SampleServer, twin_servers

from conform.harness.run import CONFORMANCE, execute

HERE = Path(__file__).resolve()
TWIN = "s27_use_balance_before_debit"
DEBITED = "为子女支付药店购药个人负担费用，从账户余额中扣除"
REFUSED = "被拒绝的用途不扣减账户余额"


def _checks(url: str) -> dict[str, object]:
    run, _ = execute(adapter=url, articles=("beijing-4",), paths=(CONFORMANCE / "test_features.py",),
                     extra_args=("-k", "从账户余额中扣除 or 不扣减账户余额"))
    out = {c.name: c for c in run.checks}
    assert set(out) == {DEBITED, REFUSED}, sorted(out)
    return out


def test_a_use_answering_the_balance_before_its_debit_fails():
    with twin_servers(HERE, (TWIN,)) as urls:
        checks = _checks(urls[TWIN])
    c = checks[DEBITED]
    # 北京（四）: balance 300.00, the child's pharmacy part 120.50 allowed → 179.50; the twin answers 300.00 (its 5206
    # says 179.50: only the use's own answer is wrong, so it is the use's working that is blamed)
    assert c.status == "failed", (c.status, c.message)
    assert "个人账户使用1 使用后个人账户余额（T003 应答） (acct_balance): expected 179.50, got 300.00" in c.message, c.message
    assert "个人账户 个人账户余额" not in c.message, c.message
    assert c.failed_articles == ["beijing-4"], c.failed_articles
    # a refused use moves nothing: its answer's balance is the same before and after, so the twin passes there
    assert checks[REFUSED].status == "passed", checks[REFUSED].message


def test_the_sample_system_passes_both():
    with SampleServer() as server:
        checks = _checks(server.url)
    for c in checks.values():
        assert c.status == "passed", (c.name, c.message)


def _register_twin() -> None:
    from conform.fixtures.sample_system import defects as D
    from conform.fixtures.sample_system import service as SV
    from conform.reference.money import fmt

    @D.defect(TWIN, "T003 允许的个人账户使用：应答的 acct_balance 为扣款前余额（余额本身已扣减）", "北京（四）")
    def _twin() -> None:
        check_use = SV.SampleSystem.check_use

        def answer_balance_before(self, data):
            before = self._person(data).ledger.balance
            out = check_use(self, data)
            if out.get("decision") == "allowed" and "acct_balance" in out and before is not None:
                out["acct_balance"] = fmt(before)   # BUG: the balance read before the debit
            return out
        SV.SampleSystem.check_use = answer_balance_before


if __name__ == "__main__":
    from sample_server import serve_twin

    _register_twin()
    sys.exit(serve_twin(sys.argv[1:]))
