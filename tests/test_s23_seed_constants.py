"""One --seed draws the same examples whatever modules the process has loaded (probe s23 K F1): Hypothesis mixes the
literals of loaded "local" modules into its draws, so `conform run` at concurrency 2 (and from a wheel) drew others."""
from __future__ import annotations

import importlib

from hypothesis import Phase, given, seed, settings
from hypothesis import strategies as st

from conform.harness.properties.settings import seeded_draws_only


def _draws() -> list:
    got: list = []

    @seed(20231)
    @settings(max_examples=300, database=None, derandomize=False, phases=[Phase.generate], deadline=None)
    @given(st.integers(min_value=0, max_value=10**13), st.text(max_size=12))
    def t(i: int, s: str) -> None:
        got.append((i, s))

    with seeded_draws_only():
        t()
    return got


def test_a_seed_draws_the_same_after_a_module_full_of_constants_is_loaded(tmp_path, monkeypatch):
    first = _draws()
    (tmp_path / "s23_many_constants.py").write_text(
        "\n".join(f"C{i} = {9876543210000 - i * 7919}" for i in range(300))
        + "\nWORDS = ('conform-s23-α', 'conform-s23-β', '统筹基金支付')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("s23_many_constants")
    assert _draws() == first


def test_the_hook_is_given_back_afterwards():
    from hypothesis.internal.conjecture import providers

    before = providers._get_local_constants
    with seeded_draws_only():
        assert providers._get_local_constants is not before
        assert len(providers._get_local_constants()) == 0
    assert providers._get_local_constants is before
