"""Build conform's wheel and install it in a fresh virtual environment, for the tests that use the tool as a
vendor installs it (test_readers_wheel, test_s4_plugin_foreign_conftest)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv")


def clean_env() -> dict:
    """The environment without this checkout's Python and uv settings: the venv's own interpreter decides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "UV_PROJECT"))}
    env["NO_COLOR"] = "1"
    return env


def installed_wheel(base: Path, venv: Path) -> Path:
    """Build the wheel under `base`/dist and install it into a new venv at `venv`; returns the venv's bin/.
    Built as plain `uv build` builds it (the sdist, then the wheel from the unpacked sdist), the way a vendor's
    release job does: the sdist is left beside the wheel."""
    assert UV, "uv is needed to build the wheel (pip install uv)"
    dist = base / "dist"
    subprocess.run([UV, "build", "-o", str(dist), str(ROOT)], check=True, capture_output=True,
                   timeout=300, env=clean_env())
    wheel = next(dist.glob("conform-*.whl"))
    subprocess.run([UV, "venv", "-q", str(venv)], check=True, capture_output=True, timeout=120, env=clean_env())
    install = [UV, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(wheel)]
    # offline from uv's cache where it holds every dependency; otherwise let uv revalidate
    done = subprocess.run([*install, "--offline"], capture_output=True, timeout=300, env=clean_env())
    if done.returncode != 0:
        subprocess.run(install, check=True, capture_output=True, timeout=600, env=clean_env())
    return venv / "bin"
