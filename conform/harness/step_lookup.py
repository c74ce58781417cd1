"""A remembered answer to pytest-bdd's "which step definition parses this step?".

pytest-bdd (9.x) answers it for every step of every scenario by asking pytest, for each fixture
name registered, which definitions are visible to the test (`find_fixturedefs_for_step`): about
35 look-ups per step, a sixth of a scenario's time here. The answer depends only on the step's
type and text, on where the test is (module and class: fixture visibility is by location), and
on which fixtures are registered, so it is kept per fixture manager (one per pytest session) under
exactly that key; anything else is asked again. If pytest-bdd no longer has the function, nothing
is changed.
"""
from __future__ import annotations

import weakref

_memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_original = None


def _remembered(step, fixturemanager, node):
    from pytest_bdd.compat import get_fixture_names

    key = (step.type, step.name, node.path, getattr(node, "cls", None), tuple(get_fixture_names(fixturemanager)))
    known = _memo.setdefault(fixturemanager, {})
    found = known.get(key)
    if found is None:
        found = known[key] = tuple(_original(step=step, fixturemanager=fixturemanager, node=node))
    return iter(found)


def install() -> bool:
    """Put the remembering look-up in place (once per process); False where pytest-bdd lacks the hook."""
    global _original
    import importlib

    try:  # the module: `pytest_bdd.scenario` as an attribute is the decorator of that name
        scenario = importlib.import_module("pytest_bdd.scenario")
    except ImportError:
        return False
    current = getattr(scenario, "find_fixturedefs_for_step", None)
    if current is None:
        return False
    if current is not _remembered:
        _original = current
        scenario.find_fixturedefs_for_step = _remembered
    return True
