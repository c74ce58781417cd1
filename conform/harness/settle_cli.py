"""`conform settle`: cases in, the reference's figures out, case by case in bounded memory.

Input is recognised by its first character: `[` a JSON array of cases, `{` one case or
JSON lines (one case per line), anything else YAML (one case or a list). JSON is read
and settled one case at a time, so memory stays flat however long the input; YAML is
read whole and so is bounded by `--max-case-mb`, as is each single JSON case.

Output: one case as indented JSON; a list as a JSON array with one case per line; with
`--jsonl`, JSON lines. The trace (each figure's steps and clause) is printed for a
single case, and for a list or JSON lines only with `--trace`; `--no-trace` leaves it
out everywhere. Output is held back until 1 MiB has accumulated, so a bad case early
in the input leaves stdout empty; a bad case later ends the output unterminated and
the error says how many cases were written. So do a read or write error (a full disk, a
closed stream: the user's environment, exit 2 like bad input, not an internal error) and
SIGINT/SIGTERM (exit 130/143): with JSON lines every line written is whole, so only the
message tells a cut-short output from a finished one. Past the hold-back, output goes out
in blocks of whole cases, so the count said is what the stream took.

A `ytd` whose year no settlement of the case is in counts for nothing; it is not refused
(a person file of another year is no malformed input, and `conform audit` warns of the
same), but stderr says so, naming the case and the year.

Errors say where: malformed JSON its line and column (in JSON lines, a record that is no
whole value on its own line is named on that line, not where the decoder gave up further
on); a case's data error the file and, for JSON, the line the case starts on.
"""
from __future__ import annotations

import bisect
import codecs
import contextlib
import errno
import os
import re
import select
import signal
import stat
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Iterator

import orjson

from conform.display import quoted
from conform.reference.case import CaseError, Settlement, parse_case
from conform.reference.loading import InputError, check_text, decode_json, has_surrogate_escape, load_yaml
from conform.reference.policy import PolicyError

CHUNK = 1 << 20
HOLD_BACK = 1 << 20  # bytes of output kept back before streaming starts
FINISH_WAIT = 2.0  # seconds a signal waits for the case it cut to be written whole (a reader that stopped: given up)
SEND_EVERY = 1 << 16  # once streaming, bytes of whole cases gathered before each write (and flush)
WARN_AT_MOST = 10  # warnings of one kind said case by case; the rest are counted at the end
YAML_NOTICE = 1 << 20  # characters of YAML above which stderr says it is being read
PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal
_WS = re.compile(r"[ \t\r\n]*")


class SettleError(Exception):
    """A located refusal: printed as one `conform: error:` line, exit 2."""


def _os_error(e: OSError) -> str:
    """An OSError in the user's words ("No space left on device"), without Python's "[Errno 28]"."""
    return e.strerror or str(e) or type(e).__name__


# --------------------------------------------------------------------------- input


class TextStream:
    """UTF-8 text from a binary stream, a chunk at a time, with line numbers for errors."""

    def __init__(self, raw: IO[bytes], source: str):
        self.raw, self.source = raw, source
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.buf = ""
        self.pos = 0
        self.line0 = 0  # newlines in the text dropped from the front of buf
        self.bytes_read = 0
        self.eof = False
        self.first = True
        self._cpos = self._cline = 0  # a cache for line_at: newlines in buf[:_cpos]

    def fill(self) -> bool:
        """Read one more chunk; False at the end."""
        if self.eof:
            return False
        try:
            data = self.raw.read(CHUNK)
        except OSError as e:  # EIO, a stale network file: the environment, not a bug in conform
            raise SettleError(f"{self.source}: cannot read: {_os_error(e)} (at byte {self.bytes_read})") from None
        final = not data
        try:
            text = self.decoder.decode(data, final)
        except UnicodeDecodeError as e:
            line = self.line0 + self.buf.count("\n") + data.count(b"\n", 0, max(e.start, 0)) + 1
            raise SettleError(f"{self.source}: invalid UTF-8 at byte {self.bytes_read + max(e.start, 0)} "
                              f"(line {line})") from None
        self.bytes_read += len(data)
        if self.first and text:
            self.first = False
            if text.startswith("\ufeff"):
                text = text[1:]
        if self.pos > CHUNK:
            dropped = self.buf.count("\n", 0, self.pos)
            self.line0 += dropped
            if self._cpos >= self.pos:
                self._cpos, self._cline = self._cpos - self.pos, self._cline - dropped
            else:
                self._cpos = self._cline = 0
            self.buf = self.buf[self.pos:]
            self.pos = 0
        self.buf += text
        self.eof = final
        return not final

    def skip_ws(self) -> str:
        """Skip blanks; the next character, or '' at the end."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def line_at(self, pos: int) -> int:
        """The line number of buf[pos], counting on from the last one asked (cases come in order)."""
        if pos < self._cpos:
            self._cpos = self._cline = 0
        self._cline += self.buf.count("\n", self._cpos, pos)
        self._cpos = pos
        return self.line0 + self._cline + 1

    def where(self) -> str:
        line = self.line0 + self.buf.count("\n", 0, self.pos) + 1
        col = self.pos - (self.buf.rfind("\n", 0, self.pos) + 1) + 1
        return f"line {line} column {col}"

    def value(self, limit: int, label: str, lines: bool = False) -> tuple[Any, str, int]:
        """Decode the JSON value at the current position, reading more as needed; (value, its text, where
        it starts in buf: `line_at` it until the next call). `lines`: JSON lines, where a case that fails
        is located on its own line."""
        while True:
            start = self.pos
            try:
                value, end = decode_json(self.buf, start, self.line0)
                if end < len(self.buf) or self.eof:
                    break
            except InputError as e:
                if self.eof:
                    message = str(e)
                    own = self._own_line(start, label) if lines else None
                    if own and own[0] != message:  # the decoder gave up past the case's line: name that line
                        message = own[0] + own[1]
                    raise SettleError(f"case {self.source}: {message}") from None
            if len(self.buf) - start > limit:
                own = self._own_line(start, label) if lines else None
                if own:
                    raise SettleError(f"case {self.source}: {own[0]}{own[1]}; read on as one case it passes "
                                      f"{limit >> 20} MB, the limit for one case (--max-case-mb)") from None
                raise SettleError(f"case {self.source}: {label} is larger than {limit >> 20} MB, the limit for one "
                                  "case; raise it with --max-case-mb") from None
            self.fill()  # may drop text before self.pos (== start) and renumber
        self.pos = end
        return value, self.buf[start:end], start

    def _own_line(self, start: int, label: str) -> tuple[str, str] | None:
        """For JSON lines: when the case starting at `start` is no whole JSON value on its own line (a record
        cut off, and the next one read on as its continuation), that line's own error and a note, so the
        message names the broken record's line rather than where the decoder gave up; else None."""
        eol = self.buf.find("\n", start)
        if eol < 0:
            return None
        bol = self.buf.rfind("\n", 0, start) + 1
        line = self.line_at(start)
        try:
            decode_json(self.buf[bol:eol], start - bol, line - 1)
        except InputError as e:
            return str(e), (f" ({label}, on line {line}, is not a whole JSON value on its line: with --jsonl "
                             "each case is one line)")
        return None


def _values(ts: TextStream, limit: int, lines: bool = False) -> Iterator[tuple[Any, str, int]]:
    """The cases of a JSON array (positioned at '[') or of JSON lines (`lines`), one at a time, each with
    where it starts (TextStream.value)."""
    c = ts.skip_ws()
    if c == "[":
        ts.pos += 1
        n = 0
        while True:
            c = ts.skip_ws()
            if c == "]":
                ts.pos += 1
                if ts.skip_ws():
                    raise SettleError(f"case {ts.source}: malformed JSON at {ts.where()}: extra data after the array")
                return
            if n:
                if c != ",":
                    raise SettleError(f"case {ts.source}: malformed JSON at {ts.where()}: expected ',' or ']' "
                                      f"after case {n - 1}" if c else
                                      f"{ts.source}: malformed JSON: the array is not closed (']' missing)")
                ts.pos += 1
                c = ts.skip_ws()
            if not c:
                raise SettleError(f"case {ts.source}: malformed JSON: the array is not closed (']' missing)")
            yield ts.value(limit, f"case {n}")
            n += 1
    n = 0
    while c:
        yield ts.value(limit, f"case {n}", lines)
        n += 1
        c = ts.skip_ws()


# --------------------------------------------------------------------------- output


class OutputError(SettleError):
    """The output could not be written (a full disk, a closed stdout): said with how many cases it holds."""


class Output:
    """Holds output back until HOLD_BACK bytes, then streams in blocks of whole cases (SEND_EVERY). A block goes to
    the file descriptor itself, bytes counted: Python's buffered writer reports a block a full disk cut short as
    written (the rest left in its buffer), so `cases_out` would not be what the output holds. It is: the cases whose
    last byte was written, whatever stopped the run (a write error, a signal in the middle of a block)."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        try:
            self.fd: int | None = stream.fileno()
        except (OSError, ValueError, AttributeError):  # a test's BytesIO: written through the stream
            self.fd = None
        # a regular file takes a block in one write and can be cut back; a pipe or terminal neither (fixed per stream)
        self.regular = self.fd is not None and _regular_file(self.fd)
        self.held: list[bytes] = []
        self.ends: list[int] = []  # the offset in the held bytes where each held case ends
        self.size = 0
        self.cases_out = 0
        self.streaming = False

    def write(self, b: bytes, cases: int = 0) -> None:
        """`b` ends a case (`cases` 1) or is none (0: an opening or closing bracket)."""
        self.held.append(b)
        self.size += len(b)
        if cases:
            self.ends.append(self.size)
        if self.size > (SEND_EVERY if self.streaming else HOLD_BACK):
            self.streaming = True
            self.send()

    def send(self) -> None:
        """Write what is held; OutputError (a closed pipe's BrokenPipeError passes: exit 141). What is held is let go
        first: a block a signal or an error cut in the middle is never written again — but the case it cut is
        finished (a signal: `_finish_case`) or taken back (a write error to a file: `_cut_partial`), so every line
        the output holds is whole (README, Limits)."""
        data, ends = b"".join(self.held), self.ends
        self.held, self.ends, self.size = [], [], 0
        done = [0]
        try:
            self.stream.flush()  # anything written before through the stream goes first
            if self.fd is None:
                self.stream.write(data)
                self.stream.flush()
                done[0] = len(data)
            else:
                self._write(memoryview(data), done)
        except OSError as e:
            if e.errno == errno.EPIPE:
                raise
            if self.fd is not None:
                self._cut_partial(ends, done[0])
            _discard(self.stream)
            raise OutputError(f"writing the output: {_os_error(e)} (output stopped after "
                              f"{self.cases_out + _cases_within(ends, done[0])} case(s): it is incomplete)") from None
        except BaseException:   # a signal (SIGINT, SIGTERM) in the middle of the block
            if self.fd is not None:
                self._finish_case(memoryview(data), ends, done)
            raise
        finally:
            self.cases_out += _cases_within(ends, done[0])

    def _write(self, view: memoryview, done: list[int], upto: int | None = None, wait: float | None = None) -> None:
        """Write view[done:upto], `done` kept exact (a signal cannot fall between a write and its count). A pipe or
        terminal is written PIPE_BUF at a time once select finds it writable (such a write does not block), within
        `wait` seconds if given; a regular file in one write."""
        upto = len(view) if upto is None else upto
        regular = self.regular
        deadline = None if wait is None else time.monotonic() + wait
        while done[0] < upto:
            if not regular:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not select.select([], [self.fd], [], left)[1]:
                    return   # not writable in time: given up
            with _signals_deferred():
                done[0] += os.write(self.fd, view[done[0]:upto if regular else min(upto, done[0] + select.PIPE_BUF)])

    def _finish_case(self, view: memoryview, ends: list[int], done: list[int]) -> None:
        """After a signal mid-block: the rest of the case it cut, so no line is left half written (a reader that
        stopped reading gets FINISH_WAIT seconds, then the run stops as it is). A second signal stops at once."""
        rest = next((e for e in ends if e > done[0]), None)
        if rest is None or done[0] == 0 or done[0] in ends:
            return
        try:
            self._write(view, done, rest, FINISH_WAIT)
        except OSError:
            pass

    def _cut_partial(self, ends: list[int], done: int) -> None:
        """After a write error (a full disk): a regular file is truncated back to the end of its last whole case, so
        every line it holds is whole; a pipe cannot take bytes back."""
        whole = max((e for e in ends if e <= done), default=0)
        if done == whole or not self.regular:
            return
        try:
            os.ftruncate(self.fd, os.lseek(self.fd, 0, os.SEEK_CUR) - (done - whole))
        except OSError:
            pass

    def stop(self) -> str:
        """The run stops early (bad input, a signal): once streaming, the whole cases held go out too; what the
        output then holds, for the message."""
        if not self.streaming:
            return "nothing written"
        try:
            self.send()
        except (OutputError, OSError):  # the count stays what the stream took
            pass
        return f"output stopped after {self.cases_out} case(s): it is incomplete"

    def close(self) -> None:
        self.send()


def _regular_file(fd: int) -> bool:
    if os.name == "nt":   # no select on a pipe there: each block in one write, as before
        return True
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM held until the block ends, then handled by the handlers they had: a handler raising right
    after os.write returned, before its count was added, left `cases_out` a whole block short of what the output held
    (probe s28 S F1). The block never waits: a regular file's write, or a PIPE_BUF one to a pipe select found
    writable. In the main thread only (where handlers are set); elsewhere a no-op."""
    sigs = (signal.SIGINT, signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or any(signal.getsignal(g) is None for g in sigs):
        yield   # not the main thread, or a handler not set from Python (which could not be put back)
        return
    caught: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum))
                for sig in sigs}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])   # now, to its own handler: the count is in


def _cases_within(ends: list[int], done: int) -> int:
    """How many of the cases ending at `ends` lie whole within the first `done` bytes."""
    return bisect.bisect_right(ends, done)


def _discard(stream: IO[bytes]) -> None:
    """After a failed write, point the stream's descriptor at os.devnull, so that the flush at exit does not fail
    again (Python then prints an "Exception ignored" traceback and exits 120)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())
        finally:
            os.close(null)
        stream.flush()
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's BytesIO): nothing flushes it at exit
        pass


class Progress:
    """A line on stderr every few seconds (every second, rewritten in place, on a terminal)."""

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self.tty = stream.isatty()
        self.every = 1.0 if self.tty else PROGRESS_EVERY
        self.t0 = time.monotonic()
        self.next = self.t0 + max(self.every, 2.0)
        self.shown = False

    def tick(self, cases: int, settlements: int) -> None:
        now = time.monotonic()
        if now < self.next:
            return
        self.next = now + self.every
        rate = settlements / (now - self.t0)
        msg = f"conform: settled {cases:,} cases, {settlements:,} settlements ({rate:,.0f}/s)"
        self.stream.write(f"\r{msg}" if self.tty else f"{msg}\n")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\n")


# --------------------------------------------------------------------------- the command


def _open(case: str) -> tuple[IO[bytes], str]:
    if case == "-":
        if sys.stdin is None:  # descriptor 0 closed (`conform settle - <&-`)
            raise SettleError("<stdin>: cannot read: standard input is closed; give the case file, or pipe it in")
        return sys.stdin.buffer, "<stdin>"
    if not case.strip():  # Path("") is the current folder: "is a directory" would not say what went wrong
        raise SettleError("CASE: empty value (e.g. an unset variable); give the case file, or - for stdin")
    path = Path(case)
    if len(case) > 4096:
        raise SettleError(f"{case[:60]}…: the path is longer than 4096 characters")
    try:
        if path.is_dir():
            raise SettleError(f"{case}: is a directory, not a case file")
        if not path.exists():
            raise SettleError(f"{case}: no such file")
        return path.open("rb"), case
    except OSError as e:
        raise SettleError(f"{case}: cannot read: {e.strerror or e}") from None


def _read_all(ts: TextStream, limit: int, what: str) -> str:
    while ts.fill():
        if len(ts.buf) > limit:
            raise SettleError(f"{ts.source}: {what} is larger than {limit >> 20} MB (it is read whole); raise the "
                              "limit with --max-case-mb, or give JSON lines (--jsonl), which stream case by case")
    return ts.buf


def run(case: str, trace: bool | None, jsonl: bool, max_case_mb: int,
        stdout: IO[bytes], stderr: IO[str], stdin: IO[bytes] | None = None) -> None:
    """Settle every case of `case` (`-`: `stdin`, default sys.stdin) and write the output; SettleError for bad input
    or an I/O error. Any other way out (SIGINT/SIGTERM, a bug) carries `settle_output`: what stdout then holds."""
    from conform.reference.engine import compute_case

    limit = max_case_mb << 20
    raw, source = (stdin, "<stdin>") if case == "-" and stdin is not None else _open(case)
    out = Output(stdout)
    progress = Progress(stderr)
    ytd_unread = YtdUnread(stderr)
    written = 0
    try:
        ts = TextStream(raw, source)
        first = ts.skip_ws()
        if not first:
            raise SettleError(f"case {source}: empty input")
        items: Iterator[tuple[Any, str | None, int | None]]
        yaml_text = None
        if first in "[{":
            single = first == "{" and not jsonl
            items = _values(ts, limit, lines=first == "{" and jsonl)
        else:
            yaml_text = _read_all(ts, limit, "YAML input")
            if len(yaml_text) > YAML_NOTICE:
                stderr.write(f"conform: reading {len(yaml_text) / 1e6:.1f} MB of YAML whole (JSON lines stream faster)\n")
            data = load_yaml_cases(yaml_text, source)
            single = not isinstance(data, list)
            items = ((c, None, None) for c in (data if isinstance(data, list) else [data]))
        with_trace = trace if trace is not None else single
        indent = orjson.OPT_INDENT_2 if single else 0
        n_setl = 0
        for i, (data, text, start) in enumerate(items):
            if single and i:
                raise SettleError(f"{source}: more than one JSON value at {ts.where()}; for several cases give a "
                                  "JSON array or JSON lines with --jsonl")
            try:
                if type(data) is not dict:  # named in the input's words, not Python's (str, NoneType)
                    kind = _yaml_kind(yaml_text, None if single else i) if yaml_text is not None else _json_kind(data)
                    raise CaseError(f"expected a case (a mapping of policy, person and settlements), got {kind}",
                                    case=str(i))
                if text is not None and "\\u" in text and has_surrogate_escape(text):  # `in` first: a fast scan
                    try:
                        check_text(data)
                    except InputError as e:
                        raise CaseError(str(e), case=str(i)) from None
                c = parse_case(data, str(i))
                try:
                    result = compute_case(c, with_trace=with_trace)
                except PolicyError as e:
                    raise CaseError(str(e), case=c.name) from None
            except (CaseError, PolicyError) as e:  # located: the file, and the line the case starts on (JSON)
                raise SettleError(f"{source}{f' line {ts.line_at(start)}' if start is not None else ''}: {e}") from None
            if c.person.ytd is not None:
                ytd_unread.check(c, i, f"{source}{f' line {ts.line_at(start)}' if start is not None else ''}")
            b = orjson.dumps(result, option=indent)
            if single or jsonl:
                out.write(b + b"\n", 1)
            else:
                out.write((b",\n" if i else b"[\n") + b, 1)
            written += 1
            n_setl += len(c.items)
            progress.tick(written, n_setl)
        if not single and not jsonl:
            out.write(b"\n]\n" if written else b"[]\n")
        if single and not written:
            raise SettleError(f"case {source}: empty input")
    except OutputError:
        progress.done()
        raise
    except (CaseError, PolicyError, SettleError) as e:
        progress.done()
        if out.streaming:
            raise SettleError(f"{e} ({out.stop()})") from None
        raise SettleError(str(e)) from None
    except BaseException as e:  # SIGINT/SIGTERM (cli says it), a closed pipe, a bug: the whole cases held go out
        progress.done()
        if not (isinstance(e, OSError) and e.errno == errno.EPIPE):
            try:
                e.settle_output = out.stop()  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - an exception that takes no attribute: said without the count
                pass
        raise
    finally:
        ytd_unread.done()
        if case != "-":
            raw.close()
    progress.done()
    out.close()


class YtdUnread:
    """Warns of a case whose person `ytd` is of a year none of its settlements is in: it counts for nothing (a person
    file of last year, a typo in `year`). `conform audit` warns of the same (persons_file.ytd_unused)."""

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self.cases = 0
        self.example = ""

    def check(self, c: Any, i: int, where: str) -> None:
        year = c.person.ytd.year
        if any(type(it) is Settlement and it.date.year == year for it in c.items):
            return
        self.cases += 1
        if self.cases <= WARN_AT_MOST:
            self.stream.write(f"conform: warning: {where}: case {i} ({quoted(c.person.psn_no)}), person ytd, field year: "
                              f"{year}, but no settlement of the case is in {year}: its totals count for nothing "
                              "(ytd is what was counted in its year before the case's first settlement)\n")

    def done(self) -> None:
        if self.cases > WARN_AT_MOST:
            self.stream.write(f"conform: warning: {self.cases - WARN_AT_MOST} more case(s) whose ytd year no settlement "
                              f"of theirs is in ({self.cases} in all)\n")
        self.cases = 0


def _json_kind(value: Any) -> str:
    """A decoded JSON value's type in JSON's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else type(value).__name__


def _yaml_kind(text: str, index: int | None) -> str:
    """The YAML type of the top-level value (index None) or of the index-th item of the top-level list, in YAML's
    words. The loader reads every scalar as text, so the event stream says whether it was quoted or a plain 42."""
    import yaml

    depth, n = 0, -1
    for ev in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if isinstance(ev, (yaml.StreamStartEvent, yaml.DocumentStartEvent, yaml.DocumentEndEvent, yaml.StreamEndEvent)):
            continue
        if isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
            continue
        if index is None and depth == 0 or index is not None and depth == 1 and (n := n + 1) == index:
            if isinstance(ev, yaml.SequenceStartEvent):
                return "a list"
            if isinstance(ev, yaml.MappingStartEvent):
                return "a mapping"
            if isinstance(ev, yaml.ScalarEvent):
                plain = not ev.style  # None from the Python parser, "" from libyaml's
                if index is None and plain and ev.value == "":
                    return "no value"  # an empty document (`---` alone): empty input
                return _plain_kind(ev.value) if plain else "a string"
        if isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
    return "no value"


def _plain_kind(value: str) -> str:
    """A plain (unquoted) YAML scalar's type as a YAML reader would take it: null, a number, a boolean or a string."""
    if value in ("", "~") or value.lower() == "null":
        return "null"
    if value.lower() in ("true", "false"):
        return "a boolean"
    return "a number" if _NUMBER.fullmatch(value) else "a string"


_NUMBER = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")


def load_yaml_cases(text: str, source: str) -> Any:
    try:
        data = load_yaml(text)
    except InputError as e:
        raise CaseError(str(e), case=source) from None
    if data is None:
        kind = _yaml_kind(text, None)
        if kind == "null":  # `null` or `~` is a value, not an empty file (an empty document reads as null too)
            raise SettleError(f"{source}: case 0: expected a case (a mapping of policy, person and settlements), "
                              "got null")
        raise SettleError(f"case {source}: empty input")
    return data
