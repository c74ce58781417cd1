"""What a run is doing while it runs: a bar on a terminal, heartbeat lines in CI.

A CI job has no terminal, and a silent job looks hung: without a TTY (or with
`conform run --no-progress`) a heartbeat line goes to stderr every N seconds or
every M checks, whichever comes first, and once at the end:

    conform 进度 progress 120/873 (14%) · 通过 passed 110 · 失败 failed 8 · 错误 errors 2 · 已用 elapsed 1:02 · 预计剩余 left 6:40 · 当前 current: 攀枝花 第七条 …

N and M come from CONFORM_HEARTBEAT_SECONDS (default 30) and
CONFORM_HEARTBEAT_CHECKS (default 50). A timer thread keeps the lines coming
while one long check (a --thorough property) runs; lines go to a duplicate of
stderr's descriptor, so pytest's capture of fd 2 during a check cannot swallow them. On a terminal a rich bar
names the current check and refreshes by itself, so it moves during a long
property too. A pytest plugin, registered by conform/harness/run.py.
"""
from __future__ import annotations

import io
import os
import sys
import threading
import time
from typing import Any, TextIO

import pytest

DEFAULT_SECONDS = 30.0
DEFAULT_CHECKS = 50
BAD = ("failed",)
ERRORS = ("error", "harness_error", "feature_error")


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class Progress:
    """Follows the run (collection, each check's start and end) and reports it as a bar or as heartbeats."""

    def __init__(self, stream: TextIO | None = None, mode: str = "auto", seconds: float | None = None,
                 checks: int | None = None) -> None:
        self.stream, self._own = _own_stream(stream or sys.stderr)
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.mode = ("bar" if tty else "heartbeat") if mode == "auto" else mode
        self.seconds = seconds or _env_number("CONFORM_HEARTBEAT_SECONDS", DEFAULT_SECONDS)
        self.every = int(checks or _env_number("CONFORM_HEARTBEAT_CHECKS", DEFAULT_CHECKS))
        self.total = self.done = 0
        self.current = ""
        self.started = time.monotonic()
        self._last_line = self.started
        self._last_done = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar: Any = None
        self._task: Any = None
        self._collector: Any = None
        self._drawn = 0.0
        self._check: Any = None  # the running check's CheckResult: a property may count its examples in extra

    # ------------------------------------------------------------------ what the run has done so far
    def counts(self) -> tuple[int, int, int]:
        checks = list(getattr(getattr(self._collector, "run", None), "checks", ()))
        passed = sum(1 for c in checks if c.status == "passed")
        failed = sum(1 for c in checks if c.status in BAD)
        errors = sum(1 for c in checks if c.status in ERRORS)
        return passed, failed, errors

    def line(self) -> str:
        now = time.monotonic()
        elapsed = now - self.started
        passed, failed, errors = self.counts()
        share = f" ({self.done * 100 // self.total}%)" if self.total else ""
        if self.done and self.total > self.done:
            left = f"约 ~{clock(elapsed / self.done * (self.total - self.done))}"
        else:
            left = "0:00" if self.total and self.done >= self.total else "—"
        current = (f" · 当前 current: {self.current}{self._examples()}"
                   if self.current and self.done < self.total else "")
        return (f"conform 进度 progress {self.done}/{self.total}{share} · 通过 passed {passed} · 失败 failed {failed}"
                f" · 错误 errors {errors} · 已用 elapsed {clock(elapsed)} · 预计剩余 left {left}{current}")

    def _examples(self) -> str:
        tried = (getattr(self._check, "extra", None) or {}).get("examples")
        return f"（已试样例 examples tried {tried}）" if isinstance(tried, int) and tried else ""

    def _emit(self) -> None:
        with self._lock:
            self._last_line, self._last_done = time.monotonic(), self.done
            try:
                self.stream.write(self.line() + "\n")
                self.stream.flush()
            except (OSError, ValueError):  # a closed pipe must not cost the run
                pass

    def _beat(self) -> None:
        while not self._stop.wait(min(1.0, self.seconds)):
            if time.monotonic() - self._last_line >= self.seconds:
                self._emit()

    def _describe(self) -> str:
        bad = sum(self.counts()[1:])
        head = "场景与属性 checks" + (f" ✗ {bad}" if bad else "")
        room = (self._bar.console.width if self._bar is not None else 120) - 40 - _width(head)
        current = _fit(self.current, room) if self.current and room > 8 else ""
        return head.replace(f"✗ {bad}", f"[red]✗ {bad}[/red]") + (f" · {_markup_safe(current)}" if current else "")

    # ------------------------------------------------------------------ pytest hooks
    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        self._collector = getattr(session.config, "conform_collector", None)
        self.started = self._last_line = time.monotonic()
        if not self.total:
            return
        if self.mode == "bar":
            from rich.console import Console
            from rich.table import Column
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

            console = Console(file=self.stream)
            self._bar = Bar(BarColumn(bar_width=20), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("[progress.description]{task.description}",
                                       table_column=Column(no_wrap=True, overflow="ellipsis")), console=console,
                            auto_refresh=True, refresh_per_second=4, transient=False)
            self._bar.start()
            self._task = self._bar.add_task(self._describe(), total=self.total)
        elif self.mode == "heartbeat":
            self._emit()
            self._thread = threading.Thread(target=self._beat, name="conform-heartbeat", daemon=True)
            self._thread.start()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        ch = getattr(self._collector, "_current", {}).get(item.nodeid)
        name = getattr(ch, "name", "") or item.name
        from .report.terminal import article_label

        where = "、".join(article_label(t) for t in getattr(ch, "articles", []) or [])
        self.current = (f"{where} {name}" if where else name)[:160]
        self._check = ch
        if self._bar is not None:
            self._bar.update(self._task, description=self._describe())
            now = time.monotonic()
            if now - self._drawn >= 0.25:  # the first check at once, then at most 4 redraws a second
                self._drawn = now
                self._bar.refresh()

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, description=self._describe())
        elif self.mode == "heartbeat" and self.done - self._last_done >= self.every:
            self._emit()

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.stop()

    def stop(self) -> None:
        """End the bar or the heartbeats (the last heartbeat line gives the final figures)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
            self.current = ""
            self._emit()
        if self._bar is not None:
            self.current = ""
            self._bar.update(self._task, description=self._describe())
            self._bar.stop()
            self._bar = None
        if self._own:
            self._own = False
            try:
                self.stream.close()
            except OSError:
                pass


def _own_stream(stream: TextIO) -> tuple[TextIO, bool]:
    """A stream of our own on a duplicate of `stream`'s file descriptor: pytest redirects fd 2 while each
    check runs (fd capture), and the bar or a heartbeat written then would land in its capture file."""
    try:
        fd = os.dup(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return stream, False  # an in-memory stream (a test's capsys): nothing redirects it
    return os.fdopen(fd, "w", encoding="utf-8", errors="replace", buffering=1), True


def _width(text: str) -> int:
    """Cells on a terminal: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _fit(text: str, room: int) -> str:
    if _width(text) <= room:
        return text
    out, used = "", 0
    for ch in text:
        used += 2 if ord(ch) > 0x2E7F else 1
        if used > room - 1:
            break
        out += ch
    return out + "…"


def _markup_safe(text: str) -> str:
    from rich.markup import escape

    return escape(text)
