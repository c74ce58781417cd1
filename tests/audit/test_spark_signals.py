"""Ctrl-C on the Spark engine: pyspark's SparkContext replaces the SIGINT handler with its own, which
would bypass `conform audit`'s (a signal after the report is published must let the run end with its
verdict). The engine keeps the audit's handler and cancels Spark's jobs first."""
from __future__ import annotations

import signal

import pytest

from conform.audit.engines.spark import _keep_sigint


class Context:
    def __init__(self, fails: bool = False):
        self.cancelled, self.fails = 0, fails

    def cancelAllJobs(self):  # noqa: N802 - pyspark's name
        self.cancelled += 1
        if self.fails:
            raise RuntimeError("SparkContext was shut down")


@pytest.fixture
def restore_sigint():
    before = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, before)


def test_the_audits_handler_is_kept_and_spark_jobs_are_cancelled_first(restore_sigint):
    seen = []
    ctx = Context()
    _keep_sigint(lambda signum, _frame: seen.append((signum, ctx.cancelled)), ctx)
    signal.getsignal(signal.SIGINT)(signal.SIGINT, None)  # as the interpreter would call it
    assert seen == [(signal.SIGINT, 1)]  # the audit's handler ran (and did not raise), after the cancel


def test_without_a_handler_of_its_own_ctrl_c_still_interrupts_even_if_spark_is_gone(restore_sigint):
    ctx = Context(fails=True)
    _keep_sigint(signal.default_int_handler, ctx)
    with pytest.raises(KeyboardInterrupt):
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
    assert ctx.cancelled == 1
    _keep_sigint(signal.SIG_DFL, ctx)
    with pytest.raises(KeyboardInterrupt):
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
    _keep_sigint(signal.SIG_IGN, ctx)  # an ignored Ctrl-C stays ignored
    signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
