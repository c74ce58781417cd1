"""Build hook: record the git commit a wheel was built from (conform/harness/_data/build.json).

An installed wheel has no .git; the certification record (conform/harness/report/certify.py)
reads the commit from this file instead, so a certificate names the exact rules.

Plain `uv build` (and `python -m build`) builds the sdist first and the wheel from the unpacked sdist, where
there is no .git: so the sdist carries the build.json written from the checkout, and the wheel built from it
keeps that file. Where no commit can be known (an sdist or a tree without git), the file says so —
{"git_commit": "", "dirty": null} — rather than claiming a clean tree; the report then says 不可用.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUILD_JSON = "conform/harness/_data/build.json"


def _git(root: str, *args: str) -> str | None:
    """git's output, or None where git cannot answer (no git, not a checkout)."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def build_info(root: str) -> dict | None:
    """{"git_commit", "dirty"} of the checkout at `root`, or None where it is no git checkout."""
    commit = _git(root, "rev-parse", "HEAD")
    if not commit:
        return None
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {"git_commit": commit, "dirty": None if status is None else bool(status)}


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name not in ("wheel", "sdist") or version == "editable":
            return
        info = build_info(self.root)
        if info is None:
            if (Path(self.root) / BUILD_JSON).is_file():
                return  # an unpacked sdist: its build.json, written from the checkout, goes into the wheel as is
            if self.target_name == "sdist":
                return  # nothing known to carry: the wheel built from it says unknown
            info = {"git_commit": "", "dirty": None}  # unknown, never "clean"
        self._tmp = Path(tempfile.mkdtemp(prefix="conform-build-"))
        out = self._tmp / "build.json"
        out.write_text(json.dumps(info), encoding="utf-8")
        build_data["force_include"][str(out)] = BUILD_JSON

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
