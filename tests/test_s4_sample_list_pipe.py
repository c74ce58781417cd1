"""`python -m conform.fixtures.sample_system --list | head -2` (as a newcomer reads the defects): the reader
closing the pipe early ends the listing quietly, not with a BrokenPipeError traceback."""
from __future__ import annotations

import subprocess
import sys


def test_listing_into_a_pipe_closed_early_prints_no_traceback():
    p = subprocess.Popen([sys.executable, "-m", "conform.fixtures.sample_system", "--list"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline()
    p.stdout.close()  # as `head -1` does
    err = p.stderr.read().decode("utf-8", "replace")
    assert p.wait(timeout=60) == 0, err
    assert first.startswith(b"defect ") and "Traceback" not in err, err
