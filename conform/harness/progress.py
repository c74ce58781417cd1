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

Time left (预计剩余 left) is reckoned per kind of check, never as one rate over all of them: the
scenarios are quick and the properties, which run last, are slow, so a rate taken over the scenarios
said "~0:03" of a run that had fifteen minutes to go. The scenarios still to run take the time the
finished ones took each; with a time budget (--thorough, --budget) the properties end when it is spent,
so the run ends at the later of the two; without one, the properties still to run take the time the
finished properties took each, and before any property has finished that time is not known: the line
then says 至少 at least (the scenarios' part) or 未知 unknown, not a figure it cannot stand behind.

A concurrent run (`concurrency` > 1, conform/harness/shards.py) runs its checks in worker processes: each
worker's Progress, in mode "file", writes what it has done (counts, current check, time left) to a small
JSON file about once a second; the parent's Progress follows those files (`follow`) and shows one bar or
one heartbeat for the whole run. Its timer does not depend on the workers, so a worker stuck in one check
cannot stop the heartbeat, which then keeps naming that check and how long it has run.
"""
from __future__ import annotations

import io
import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import pytest

from .. import atomic, display

DEFAULT_SECONDS = 30.0
DEFAULT_CHECKS = 50
STATE_SECONDS = 1.0   # how often a worker rewrites its progress file while a check runs
FOLLOW_SECONDS = 0.5  # how often the parent of a concurrent run reads them
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


KINDS = ("scenario", "property")
_ELAPSED = re.compile(r" · 已用 elapsed [\d:]+")


class Pace:
    """How long the checks still to run will take, reckoned per kind (the module's docstring says why)."""

    def __init__(self) -> None:
        self.total = dict.fromkeys(KINDS, 0)
        self.done = dict.fromkeys(KINDS, 0)
        self.spent = dict.fromkeys(KINDS, 0.0)
        self.kinds: dict[str, str] = {}
        self.budget_end: float | None = None   # time.monotonic() when the properties' budget is spent
        self._began: dict[str, float] = {}

    def plan(self, session: pytest.Session) -> None:
        try:
            from .properties.settings import KEY, UNPLANNED
        except ImportError:  # pragma: no cover - the properties are part of the harness
            KEY = UNPLANNED = None
        for item in session.items:
            # a property left out of the budget's shares skips at once: it costs what a scenario does
            prop = item.get_closest_marker("conform_property") is not None and \
                not (UNPLANNED is not None and item.stash.get(UNPLANNED, False))
            kind = "property" if prop else "scenario"
            self.kinds[item.nodeid] = kind
            self.total[kind] += 1
        ps = session.config.stash.get(KEY, None) if KEY is not None else None
        left = ps.budget_left() if ps is not None and getattr(ps, "budget", None) else None
        if left is not None and self.total["property"]:
            self.budget_end = time.monotonic() + left

    def start(self, nodeid: str, now: float) -> None:
        self._began[nodeid] = now

    def finish(self, nodeid: str, now: float) -> None:
        kind = self.kinds.get(nodeid)
        began = self._began.pop(nodeid, None)
        if kind is None:
            return
        self.done[kind] += 1
        if began is not None:
            self.spent[kind] += now - began

    def left(self, now: float) -> tuple[float, bool]:
        """Seconds still to run and whether that is an estimate (True) or only a lower bound (False:
        part of what is left has no time per check known yet)."""
        def part(kind: str) -> tuple[float, bool]:
            todo, done = self.total[kind] - self.done[kind], self.done[kind]
            if todo <= 0:
                return 0.0, True
            return (self.spent[kind] / done * todo, True) if done else (0.0, False)

        seconds, exact = part("scenario")
        if self.total["property"] > self.done["property"]:
            if self.budget_end is not None and self.budget_end - now > seconds:
                return self.budget_end - now, exact  # the properties spend what the scenarios leave of it
            more, known = part("property")  # no budget, or it is spent: the properties' own pace
            seconds, exact = seconds + more, exact and known
        return seconds, exact


def left_text(seconds: float, exact: bool) -> str:
    if exact:
        return f"约 ~{clock(seconds)}"
    if seconds >= 1:
        return f"至少 at least ~{clock(seconds)}"
    return "未知 unknown"


class Progress:
    """Follows the run (collection, each check's start and end) and reports it as a bar or as heartbeats;
    in mode "file" (a worker of a concurrent run) it writes its state to `state` for the parent's
    Progress to `follow`."""

    def __init__(self, stream: TextIO | None = None, mode: str = "auto", seconds: float | None = None,
                 checks: int | None = None, state: str | os.PathLike | None = None) -> None:
        if mode == "file":
            self.stream, self._own = io.StringIO(), False
        else:
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
        self._last_key: str | None = None  # the last heartbeat line written, without its elapsed time
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar: Any = None
        self._task: Any = None
        self._collector: Any = None
        self._drawn = 0.0
        self._check: Any = None  # the running check's CheckResult: a property may count its examples in extra
        self.pace = Pace()
        self._since: float | None = None  # time.time() when the current check started
        self._state = Path(state) if state is not None else None
        self._writer: threading.Thread | None = None
        # following the workers of a concurrent run: what they wrote, summed up
        self._fed: dict[str, Any] | None = None
        self._follower: threading.Thread | None = None
        self._begun = False

    # ------------------------------------------------------------------ what the run has done so far
    def counts(self) -> tuple[int, int, int]:
        if self._fed is not None:
            return self._fed["passed"], self._fed["failed"], self._fed["errors"]
        checks = list(getattr(getattr(self._collector, "run", None), "checks", ()))
        passed = sum(1 for c in checks if c.status == "passed")
        failed = sum(1 for c in checks if c.status in BAD)
        errors = sum(1 for c in checks if c.status in ERRORS)
        return passed, failed, errors

    def left(self) -> tuple[float, bool]:
        if self._fed is not None:
            return self._fed["left"], self._fed["exact"]
        return self.pace.left(time.monotonic())

    def line(self) -> str:
        now = time.monotonic()
        elapsed = now - self.started
        passed, failed, errors = self.counts()
        share = f" ({self.done * 100 // self.total}%)" if self.total else ""
        if self.total and self.done >= self.total:
            left = "0:00"
        elif self.total:
            left = left_text(*self.left())
        else:
            left = "—"
        current = (f" · 当前 current: {self.current}{self._examples()}"
                   if self.current and self.done < self.total else "")
        return (f"conform 进度 progress {self.done}/{self.total}{share} · 通过 passed {passed} · 失败 failed {failed}"
                f" · 错误 errors {errors} · 已用 elapsed {clock(elapsed)} · 预计剩余 left {left}{current}")

    def _tried(self) -> Any:
        if self._fed is not None:
            return self._fed.get("examples")
        return (getattr(self._check, "extra", None) or {}).get("examples")

    def _examples(self) -> str:
        tried = self._tried()
        return f"（已试样例 examples tried {tried}）" if isinstance(tried, int) and tried else ""

    def _emit(self, final: bool = False) -> None:
        """One heartbeat line. The final one (`stop`) is left out when the last line written already gave the
        same figures: a concurrent run's last read of its workers (`gather`), or the line `finish` begins with,
        has printed it, and the same line twice reads as two ends."""
        with self._lock:
            self._last_line, self._last_done = time.monotonic(), self.done
            text = self.line()
            key = _ELAPSED.sub("", text)
            if final and key == self._last_key:
                return
            self._last_key = key
            try:
                self.stream.write(text + "\n")
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

    def _begin(self) -> None:
        """The bar, or the first heartbeat (and the timer behind the next ones), once the total is known."""
        self._begun = True
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
            self._task = self._bar.add_task(self._describe(), total=self.total, completed=self.done)
        elif self.mode == "heartbeat":
            self._emit()
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name="conform-heartbeat", daemon=True)
                self._thread.start()
        elif self.mode == "file":
            self.write_state()
            self._writer = threading.Thread(target=self._write_loop, name="conform-progress-file", daemon=True)
            self._writer.start()

    # ------------------------------------------------------------------ pytest hooks
    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list) -> Any:
        outcome = yield
        # pytest calls pytest_collection_finish even when the selection was refused (an unknown tag in -m: a
        # UsageError from this hook): no progress line may come before that refusal
        self._selected = outcome.excinfo is None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not getattr(self, "_selected", False):
            return
        self.total = len(session.items)
        self._collector = getattr(session.config, "conform_collector", None)
        self.started = self._last_line = time.monotonic()
        self.pace.plan(session)
        self._begin()

    def pytest_runtest_logstart(self, nodeid: str, location: tuple) -> None:
        self.pace.start(nodeid, time.monotonic())
        self._since = time.time()

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
        elif self.mode == "file":
            self.write_state()

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple) -> None:
        self.done += 1
        self.pace.finish(nodeid, time.monotonic())
        self._since = None
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, description=self._describe())
        elif self.mode == "heartbeat" and self.done - self._last_done >= self.every:
            self._emit()
        elif self.mode == "file":
            self.write_state()

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.mode == "file":
            self._stop.set()
            if self._writer is not None:  # its last write must not come after the final state
                self._writer.join(timeout=5)
                self._writer = None
            self.current = ""
            self.write_state(finished=True)
        self.stop()

    # ------------------------------------------------------------------ a worker of a concurrent run
    def state(self, finished: bool = False) -> dict[str, Any]:
        passed, failed, errors = self.counts()
        seconds, exact = (0.0, True) if finished else self.left()
        tried = self._tried()
        return {"total": self.total, "done": self.done, "passed": passed, "failed": failed, "errors": errors,
                "current": self.current if self.done < self.total else "", "since": self._since,
                "examples": tried if isinstance(tried, int) else None, "left": seconds, "exact": exact,
                "at": time.time(), "finished": finished}

    def write_state(self, finished: bool = False) -> None:
        """The state, replaced whole (a reader never sees half of it)."""
        if self._state is None:
            return
        with self._lock:
            try:  # rewritten every few seconds: atomic, without the fsync a report has
                atomic.write_bytes(self._state, json.dumps(self.state(finished), ensure_ascii=False).encode("utf-8"),
                                   fsync=False)
            except (OSError, ValueError, TypeError):  # progress must never cost the run
                pass

    def _write_loop(self) -> None:
        while not self._stop.wait(STATE_SECONDS):  # a long property's examples tried, its time left
            self.write_state()

    # ------------------------------------------------------------------ the parent of a concurrent run
    def follow(self, states: list[Path], alive: Any = None) -> None:
        """Show the run of the workers writing `states` (one file each) as one; `alive(i)` says whether
        worker i still runs (one that has ended without a last state counts as finished)."""
        self._sources, self._alive = list(states), alive
        self.started = self._last_line = time.monotonic()
        self._seen: list[dict | None] = [None] * len(self._sources)
        if self.mode == "heartbeat":  # the timer first: nothing a worker does (or fails to do) can stop it
            self._thread = threading.Thread(target=self._beat, name="conform-heartbeat", daemon=True)
            self._thread.start()
        self._follower = threading.Thread(target=self._follow_loop, name="conform-follow", daemon=True)
        self._follower.start()

    def _follow_loop(self) -> None:
        while True:
            self.gather()
            if self._stop.wait(FOLLOW_SECONDS):
                return

    def gather(self) -> None:
        """Read the workers' states once and show their sum."""
        now_wall, now = time.time(), time.monotonic()
        for i, path in enumerate(self._sources):
            try:
                self._seen[i] = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                pass  # not written yet, or being replaced: the last state read stands
        states = self._seen
        ended = [s is not None and s.get("finished") or
                 (self._alive is not None and not self._alive(i)) for i, s in enumerate(states)]
        fed = {k: sum(int(s.get(k) or 0) for s in states if s) for k in ("passed", "failed", "errors")}
        total = sum(int(s.get("total") or 0) for s in states if s)
        done = sum(int(s.get("done") or 0) for s in states if s)
        seconds, exact = 0.0, True
        for s, over in zip(states, ended):
            if over:
                continue
            if s is None:  # a worker still collecting: nothing known of its part
                exact = False
                continue
            age = max(0.0, now_wall - float(s.get("at") or now_wall))
            seconds = max(seconds, float(s.get("left") or 0.0) - age)
            exact = exact and bool(s.get("exact"))
        running = sorted((float(s["since"]), s) for s, over in zip(states, ended)
                         if s and not over and s.get("since") and s.get("current"))
        current = ""
        if running:
            since, first = running[0]
            tried = first.get("examples")
            current = str(first["current"]) + (f"（已试样例 examples tried {tried}）" if isinstance(tried, int) and tried
                                               else "")
            if now_wall - since >= self.seconds:  # a check that takes long (or is stuck) says for how long
                current += f"（已运行 running {clock(now_wall - since)}）"
            if len(running) > 1:
                current += f"（另 {len(running) - 1} 项同时运行 +{len(running) - 1} more at once）"
        fed.update(left=max(0.0, seconds), exact=exact, examples=None)
        with self._lock:
            self._fed, self.total, self.done, self.current = fed, total, done, current
        if not self._begun and (all(s is not None or over for s, over in zip(states, ended))
                                or now - self.started >= self.seconds):
            self._begin()
        elif self._bar is not None:
            if self._task is not None:
                self._bar.update(self._task, total=self.total, completed=self.done, description=self._describe())
        elif self._begun and self.mode == "heartbeat" and self.done - self._last_done >= self.every:
            self._emit()

    def finish(self, run: Any) -> None:
        """The merged run's own figures for the last line (the workers' last states may lag behind)."""
        self._stop.set()
        if self._follower is not None:
            self._follower.join(timeout=5)
            self._follower = None
        checks = list(run.checks)
        self._fed = {"passed": sum(1 for c in checks if c.status == "passed"),
                     "failed": sum(1 for c in checks if c.status in BAD),
                     "errors": sum(1 for c in checks if c.status in ERRORS), "left": 0.0, "exact": True,
                     "examples": None}
        self.done, self.total = len(checks), max(int(run.planned or 0), len(checks))
        if not self._begun:
            self._begin()
        elif self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=self.total, completed=self.done)
        self.stop()

    def stop(self) -> None:
        """End the bar or the heartbeats (the last heartbeat line gives the final figures)."""
        self._stop.set()
        if self._follower is not None:
            self._follower.join(timeout=5)
            self._follower = None
        if self._writer is not None:
            self._writer.join(timeout=2)
            self._writer = None
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
            self.current = ""
            self._emit(final=True)
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
    """Cells on a terminal: CJK characters take two (conform.display.width)."""
    return display.width(text)


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
