"""Where conform's own data lives: the source tree when run from a clone, package data in an installed wheel.

A clone has features/ at the repository root and the package conform/ beside it, whose
reference/policies/ and fixtures/regions/ hold the rules and the example regions. The wheel
carries the package (so that data sits beside its code wherever it is installed) and features/
as package data under conform/harness/_data/features (pyproject.toml:
[tool.hatch.build.targets.wheel.force-include]). Every module that reads these asks here, so
`conform run` works the same from either, and from any working directory. Paths shown to a reader
are relative to the repository root or site-packages (features/…, conform/harness/…), whichever
layout is in use.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent          # conform/harness/
CONFORM = PACKAGE.parent                           # conform/: reference/, fixtures/, audit/ beside harness/
TOP = CONFORM.parent                               # the repository root, or site-packages
BUNDLED = PACKAGE / "_data"                        # package data in an installed wheel


def source_root() -> Path | None:
    """The repository root when running from a clone (it has pyproject.toml and features/), else None."""
    if (TOP / "pyproject.toml").is_file() and (TOP / "features").is_dir():
        return TOP
    return None


def root() -> Path:
    """The folder every shown path is relative to: the repository root, or the wheel's data folder."""
    return source_root() or BUNDLED


def features_dir() -> Path:
    """The zh-CN scenarios (features/<policy>/*.feature)."""
    src = source_root()
    return src / "features" if src else BUNDLED / "features"


def articles_file() -> Path:
    """features/articles.yaml: every article tested, or why it cannot be."""
    return features_dir() / "articles.yaml"


def policies_dir() -> Path:
    """conform/reference/policies: the documents' figures, assumptions and (texts/) articles."""
    return CONFORM / "reference" / "policies"


def regions_dir() -> Path:
    """conform/fixtures/regions: example region configurations."""
    return CONFORM / "fixtures" / "regions"


def openapi_file() -> Path:
    """docs/openapi.yaml: the published description every answer is validated against (both profiles)."""
    src = source_root()
    return src / "docs" / "openapi.yaml" if src else BUNDLED / "openapi.yaml"


def pytest_config() -> Path:
    """The ini file `conform run` hands pytest: the project's pyproject.toml, or the wheel's own copy."""
    src = source_root()
    return src / "pyproject.toml" if src else BUNDLED / "conform-pytest.ini"


def relative(path: str | Path) -> str:
    """A path as shown in reports: relative to the repository root (features/…), forward slashes."""
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    p = p.resolve()
    for base in (source_root(), BUNDLED, TOP):
        if base is None:
            continue
        try:
            return p.relative_to(base).as_posix()
        except ValueError:
            continue
    return p.as_posix()


def locate(shown: str) -> Path | None:
    """The file behind a path shown in a report (the inverse of `relative`), if it exists."""
    if not shown:
        return None
    p = Path(shown)
    candidates = [p] if p.is_absolute() else [root() / p, TOP / p, features_dir() / p]
    return next((c for c in candidates if c.is_file()), None)
