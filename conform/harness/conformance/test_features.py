"""Binds every feature file under features/ to the step library.

CONFORM_FEATURES (paths separated by os.pathsep) binds those feature files or folders instead
of features/; CONFORM_EXTRA_FEATURES binds them in addition — e.g. a property's counterexample
pasted into a file, run as a regression before it is moved into features/.
"""
import os
from pathlib import Path

from pytest_bdd import scenarios

from conform.harness import resources

FEATURES = resources.features_dir()  # the source tree or an installed wheel


def _paths(name: str) -> list[str]:
    return [p for p in os.environ.get(name, "").split(os.pathsep) if p.strip()]


for _path in (_paths("CONFORM_FEATURES") or [str(FEATURES)]) + _paths("CONFORM_EXTRA_FEATURES"):
    scenarios(str(Path(_path).resolve()))
