"""Atomic file writes: a report is either the previous good one or the complete new one.

Everything is written to a temporary file in the target's own directory (same
file system) and moved into place with `os.replace`, which is atomic; a crash
or Ctrl-C mid-write leaves at most a stray temporary file, never a half-written
report where a good one stood.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`, on error it is removed.

    For writers that want a file name (openpyxl's `save`). `fsync=False` skips making the bytes durable first, for a
    file rewritten often whose loss in a crash costs nothing (the progress state): the swap is atomic all the same."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if fsync:
            with open(tmp_path, "rb+") as f:  # make the bytes durable before the rename makes them visible
                os.fsync(f.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_bytes(target: str | os.PathLike, data: bytes, fsync: bool = True) -> Path:
    with atomic_path(target, fsync) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | os.PathLike, text: str, fsync: bool = True) -> Path:
    """UTF-8, with a lone surrogate (which UTF-8 cannot hold) written as its escape `\\udXXX`: one string
    from an in-process system under test must not cost the run its reports."""
    return write_bytes(target, text.encode("utf-8", "backslashreplace"), fsync)


def _a_pointer(path: Path) -> bool:
    """Whether the regular file `path` is a pointer point_latest writes where symlinks cannot be made: one line, a
    folder's name. Anything else there is a user's file, kept as a user's folder of that name is."""
    try:
        if path.stat().st_size > 512:
            return False
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return len(lines) == 1 and 0 < len(lines[0]) <= 255 and not any(c in lines[0] for c in "/\\")


def point_latest(base: Path, run_dir: Path, name: str = "latest") -> Path:
    """Make `base/latest` lead to `run_dir`: a relative symlink swapped in atomically, or, where
    symlinks cannot be made, a small pointer file holding the run folder's name."""
    link = base / name
    if link.is_dir() and not link.is_symlink():
        raise OSError(f"{link} is a real directory; not replacing it with the pointer to {run_dir.name}")
    if link.is_file() and not link.is_symlink() and not _a_pointer(link):
        raise OSError(f"{link} is a file this tool did not write (no one-line pointer to a run folder); not replacing "
                      f"it with the pointer to {run_dir.name}")
    tmp = base / f".{name}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        os.symlink(run_dir.name, tmp, target_is_directory=True)
    except (OSError, NotImplementedError):
        return write_text(link, run_dir.name + "\n")
    try:
        os.replace(tmp, link)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return link
