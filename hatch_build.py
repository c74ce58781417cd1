"""Build hook: record the git commit a wheel was built from (conform/harness/_data/build.json).

An installed wheel has no .git; the certification record (conform/harness/report/certify.py)
reads the commit from this file instead, so a certificate names the exact rules.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _git(root: str, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        commit = _git(self.root, "rev-parse", "HEAD")
        dirty = bool(_git(self.root, "status", "--porcelain", "--untracked-files=no"))
        self._tmp = Path(tempfile.mkdtemp(prefix="conform-build-"))
        out = self._tmp / "build.json"
        out.write_text(json.dumps({"git_commit": commit, "dirty": dirty}), encoding="utf-8")
        build_data["force_include"][str(out)] = "conform/harness/_data/build.json"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
