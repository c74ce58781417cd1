"""What a path is when it is there but is neither a regular file nor a folder: a named pipe, a device, a socket.

Told by os.stat alone, so a pipe is never opened (opening one waits for a writer for ever) and a device never
read (/dev/zero has no end). The one classification every reader of a user's file names in its refusal: the
ledger and persons readers of the audit, and the harness's config, baseline and TLS files.
"""
from __future__ import annotations

import os
import stat

PIPE = "a named pipe (FIFO)"


def special_kind(path: str | os.PathLike) -> str | None:
    """PIPE, 'a device' or 'a socket' for a path that is one (through links), None for a regular file, a folder,
    or nothing there."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return PIPE if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
