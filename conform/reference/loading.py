"""Reading untrusted input files (cases, regions, params) without surprises.

YAML is read with a loader that keeps every scalar as text (only `null`/`~`/empty
becomes None), so YAML's implicit types never reach the model: `2023-02-30`,
`12:30` (sexagesimal), `.nan`, `yes` stay strings and the model parses them and
refuses them with its own located message. Aliases (`*name`) are refused, which
closes "billion laughs" expansion, and nesting deeper than `MAX_DEPTH` is refused
before the parser's recursion can overflow. Explicit tags (`!!python/object`,
`!!float`) have no constructor and are refused. A key given twice in one mapping is refused with
both lines (`DuplicateKeyError`): YAML's parsers keep the last one silently, so a second
`ordinary.cap:` pasted below the first would change every figure without a word.
A parse error caused by a tab in the indent or a full-width colon from a Chinese input method names it, on the
line it is on, with the fix (`named_mistake`).
`UniqueSafeLoader` is PyYAML's safe loader (typed scalars, for the shipped policy files and the
audit's maps) with the same refusal.

JSON is read with the standard library's C decoder with `parse_float=Decimal`, so
numbers stay exact; `NaN`/`Infinity`, integers too long to convert, nesting
beyond the recursion limit and a key given twice in one object become `InputError`s
with a line and column.
"""
from __future__ import annotations

import json
import json.scanner
import re
from decimal import Decimal
from typing import Any

import yaml

try:
    from yaml.cyaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    CParser = None

MAX_DEPTH = 32  # a case nests 4 levels deep; a region file 3
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


class InputError(ValueError):
    """A file that cannot be read as data; the message says where (line, column or byte)."""


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A YAML mapping that gives one key twice: `problem_mark` is the second, `first` the first."""

    def __init__(self, key: Any, mark: Any, first: Any) -> None:
        self.key, self.first = key, first
        super().__init__(None, None, f"key {key!r} given twice (first on line {first.line + 1}); "
                         "YAML would silently keep the last one: give it once", mark)


def _construct_unique(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict:
    """BaseConstructor.construct_mapping, refusing a key already seen in the same mapping (the node's
    own keys: YAML's marks give the line of each)."""
    if not isinstance(node, yaml.MappingNode):
        raise yaml.constructor.ConstructorError(None, None, f"expected a mapping node, but found {node.id}",
                                                node.start_mark)
    mapping: dict = {}
    first: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            seen = key in first
        except TypeError:
            raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                    "found unhashable key", key_node.start_mark) from None
        if seen:
            raise DuplicateKeyError(key, key_node.start_mark, first[key])
        first[key] = key_node.start_mark
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


# --------------------------------------------------------------------------- YAML


class StrictLoader(yaml.BaseLoader):
    """BaseLoader (all scalars text) plus null, no aliases, bounded depth."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            ev = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"alias *{ev.anchor} is not accepted (anchors and aliases are refused in input files)",
                ev.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels",
                                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                   ["~", "n", "N", ""])
StrictLoader.add_constructor("tag:yaml.org,2002:null", lambda loader, node: None)
StrictLoader.add_constructor("tag:yaml.org,2002:str", lambda loader, node: loader.construct_scalar(node))
StrictLoader.add_constructor("tag:yaml.org,2002:seq", lambda loader, node: loader.construct_sequence(node))
StrictLoader.add_constructor("tag:yaml.org,2002:map", lambda loader, node: _construct_unique(loader, node))


def _refuse_tag(loader: StrictLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(None, None, f"explicit tag {node.tag} is not accepted", node.start_mark)


StrictLoader.add_constructor(None, _refuse_tag)  # !!python/…, !!float, !!timestamp, custom tags


_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same types, 10× faster


class UniqueSafeLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """yaml.safe_load's loader (typed scalars, merge keys) refusing a key given twice in a mapping
    (DuplicateKeyError). A key a merge (`<<: *base`) brings in may be overridden: only the mapping's
    own keys are compared."""

    _MERGE = "tag:yaml.org,2002:merge"

    def flatten_mapping(self, node: Any) -> None:
        # A mapping merged into another before it is built itself (`sibling: {<<: *X}` above X's own turn)
        # is flattened in place: its pairs become the merged ones followed by its own. Its own count is kept
        # from the first time, so that only those are compared when it is built.
        own = self.__dict__.setdefault("_own_pairs", {})
        own.setdefault(id(node), sum(1 for k, _ in node.value if k.tag != self._MERGE))
        super().flatten_mapping(node)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # type: ignore[override]
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            n_own = self.__dict__.get("_own_pairs", {}).get(id(node))
            pairs = node.value if n_own is None else node.value[len(node.value) - n_own:]
            for key_node, _ in pairs:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    seen = key in first
                except TypeError:  # unhashable: the safe constructor's own message
                    continue
                if seen:
                    raise DuplicateKeyError(key, key_node.start_mark, first[key])
                first[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def duplicate_key_message(e: DuplicateKeyError) -> str:
    """'line 12 column 3: key 'ordinary.cap' given twice (first on line 11); …'"""
    return f"line {e.problem_mark.line + 1} column {e.problem_mark.column + 1}: {e.problem}"


def _mark(e: yaml.YAMLError) -> str:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    if mark is not None:
        return f"line {mark.line + 1} column {mark.column + 1}: {problem}"
    return problem


# Characters a Chinese input method or a copied-in tab puts where YAML's syntax needs an ASCII one. The parser
# only says it "could not find expected ':'" (on the line after a full-width colon) or "found character that cannot
# start any token" (a tab): named here with the line they are on and the fix (probe s28 N F6).
_FULL_WIDTH = {"：": ("a full-width colon '：'", "use an ASCII colon ':' followed by a space"),
               "，": ("a full-width comma '，'", "use an ASCII comma ','"),
               "［": ("a full-width bracket '［'", "use an ASCII bracket '['"),
               "］": ("a full-width bracket '］'", "use an ASCII bracket ']'"),
               "｛": ("a full-width brace '｛'", "use an ASCII brace '{'"),
               "｝": ("a full-width brace '｝'", "use an ASCII brace '}'")}
_FULL_WIDTH_SPACE = "\u3000"
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # the line breaks YAML's marks count
# A key written with a full-width colon: `  ordinary.ratio.tertiary："0.50"`, `- date：…` (ASCII-led, so that a
# line of Chinese prose continuing a quote, `参保人员：…`, is not taken for one).
_KEY_FULL_WIDTH_COLON = re.compile(r"^[ \t]*(?:-[ \t]+)*([A-Za-z_][\w.\-<>]*)[ \t]*：")


def _line_mistake(line: str) -> tuple[int, str] | None:
    """(column from 0, what is wrong and its fix) for a tab or full-width space in `line`'s indent, or a key followed
    by a full-width colon; None otherwise."""
    indent = len(line) - len(line.lstrip(" \t" + _FULL_WIDTH_SPACE))
    if "\t" in line[:indent]:
        return line.index("\t"), "a tab in the indent: indent with spaces, not a tab"
    if _FULL_WIDTH_SPACE in line[:indent]:
        return (line.index(_FULL_WIDTH_SPACE),
                "a full-width space '\u3000' (U+3000) in the indent: indent with ASCII spaces")
    m = _KEY_FULL_WIDTH_COLON.match(line)
    if m:
        what, fix = _FULL_WIDTH["："]
        return m.end() - 1, f"{what} after {m[1]!r}: {fix}"
    return None


def _inside_scalars(text: str, upto: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (line, column) spans, half-open, of the block (`|`, `>`) and quoted scalars that start on or before line
    `upto`: a tab or `Remark：` there is the scalar's content, lawful (probe s28 R R2). Read with PyYAML's scanner up
    to its first error; a quoted scalar the scanner was inside when it failed counts to the error's mark."""
    spans = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.line > upto:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">", '"', "'"):
                spans.append(((token.start_mark.line, token.start_mark.column),
                              (token.end_mark.line, token.end_mark.column)))
    except yaml.YAMLError as err:
        start, end = getattr(err, "context_mark", None), getattr(err, "problem_mark", None)
        if start is not None and end is not None and getattr(err, "context", None) == "while scanning a quoted scalar":
            # an unterminated quote: its content runs to where the scanner stopped
            spans.append(((start.line, start.column), (end.line, end.column + 1)))
    return spans


def named_mistake(text: str, e: yaml.YAMLError) -> str | None:
    """'line 16 column 26: a full-width colon …: use an ASCII colon …' when the parse error `e` comes from a tab,
    or full-width punctuation where YAML needs ASCII, at its mark or on the line the mark follows; None otherwise
    (the parser's own message stands). Checked: the character at the mark, then the lines from the one before the
    mark (the last non-blank one: a key is found missing its ':' only on the next line), or from the key the parser
    was scanning, to the mark's — a tab or full-width colon inside a block or quoted scalar is its content, never
    named (the parser's line stands)."""
    mark = getattr(e, "problem_mark", None)
    if mark is None:
        return None
    lines = _YAML_BREAK.split(text)
    if not 0 <= mark.line < len(lines):
        return None
    at = lines[mark.line][mark.column:mark.column + 1]
    if at == "\t":
        indent = not lines[mark.line][:mark.column].strip(" \t")
        what = "in the indent: indent with spaces, not a tab" if indent else "where YAML needs a space: use a space"
        return f"line {mark.line + 1} column {mark.column + 1}: a tab {what}"
    if at in _FULL_WIDTH:
        what, fix = _FULL_WIDTH[at]
        return f"line {mark.line + 1} column {mark.column + 1}: {what} where YAML needs ASCII: {fix}"
    first = mark.line - 1
    while first > 0 and (not lines[first].strip() or lines[first].lstrip().startswith("#")):
        first -= 1
    context = getattr(e, "context_mark", None)  # a key's start, when it is the key that lacks its ':'
    if context is not None and getattr(e, "context", None) == "while scanning a simple key" \
            and 0 <= context.line < first:
        first = context.line
    spans: list | None = None
    for n in range(max(first, 0), mark.line + 1):
        found = _line_mistake(lines[n])
        if found is None:
            continue
        if spans is None:  # scanned only when a line looks wrong: a plain parse error costs nothing more
            spans = _inside_scalars(text, mark.line)
        if any(start <= (n, found[0]) < end for start, end in spans):
            continue
        return f"line {n + 1} column {found[0] + 1}: {found[1]}"
    return None


if CParser is not None:

    class StrictCLoader(CParser, yaml.constructor.BaseConstructor, yaml.resolver.BaseResolver):  # type: ignore[misc]
        """StrictLoader's types on libyaml's parser: the same values, ten times faster.

        libyaml composes in C, where aliases and depth cannot be checked, so `load_yaml` first walks
        the events (also in C) and refuses aliases and deep nesting before composing.
        """

        def __init__(self, stream: Any) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.BaseConstructor.__init__(self)
            yaml.resolver.BaseResolver.__init__(self)

    StrictCLoader.yaml_implicit_resolvers = StrictLoader.yaml_implicit_resolvers
    StrictCLoader.yaml_constructors = StrictLoader.yaml_constructors
else:  # pragma: no cover - PyYAML without libyaml
    StrictCLoader = None  # type: ignore[assignment,misc]

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def check_yaml_events(text: str) -> None:
    """Refuse aliases ("billion laughs") and nesting beyond MAX_DEPTH from the event stream, before any loader
    composes `text` (load_yaml, and the audit's --map read with a typed loader); yaml.YAMLError with a mark."""
    depth = 0
    parser = yaml.CBaseLoader if StrictCLoader is not None else yaml.BaseLoader
    for ev in yaml.parse(text, Loader=parser):
        t = type(ev)
        if t in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels",
                                                  ev.start_mark)
        elif t in _CLOSE:
            depth -= 1
        elif t is yaml.AliasEvent:
            raise yaml.composer.ComposerError(
                None, None, f"alias *{ev.anchor} is not accepted (anchors and aliases are refused in input files)",
                ev.start_mark)


def load_yaml(text: str) -> Any:
    """YAML text to dicts, lists, strings and None; InputError names the line and column."""
    try:
        if StrictCLoader is not None:
            check_yaml_events(text)
            return yaml.load(text, Loader=StrictCLoader)  # noqa: S506 - BaseConstructor: no object construction
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - BaseLoader subclass: no object construction
    except DuplicateKeyError as e:
        raise InputError(f"YAML at {duplicate_key_message(e)}") from None
    except yaml.YAMLError as e:
        raise InputError(f"malformed YAML at {named_mistake(text, e) or _mark(e)}") from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH comes first
        raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels") from None


def key_lines(text: str, under: str) -> dict[str, int]:
    """The line (from 1) of each key of the mapping under the top-level key `under` (a region file's `values:`),
    for a message about one value: one more parse, of text load_yaml has accepted. {} where there is none."""
    try:
        root = yaml.compose(text, Loader=yaml.CBaseLoader if StrictCLoader is not None else yaml.BaseLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == under and isinstance(value, yaml.MappingNode):
            return {k.value: k.start_mark.line + 1 for k, _ in value.value if isinstance(k, yaml.ScalarNode)}
    return {}


# --------------------------------------------------------------------------- JSON


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number this tool accepts")


class DuplicateJSONKey(ValueError):
    """A JSON object that gives one key twice (`key`): refused, as json would keep the last."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def unique_object(pairs: list[tuple[str, Any]]) -> dict:
    """An object's pairs as a dict, refusing a key given twice (a plain dict would keep the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise DuplicateJSONKey(k)
            seen.add(k)
    return obj


# Python converts at most 4,300 digits to an int (CVE-2020-10735's limit) and says so in its own words, with no
# field; past 4,000 digits the number is kept exact as a Decimal, and the field's own check refuses it as too large.
INT_DIGITS = 4000


def _int(text: str) -> int | Decimal:
    return Decimal(text) if len(text) > INT_DIGITS else int(text)


DECODER = json.JSONDecoder(parse_float=Decimal, parse_int=_int, parse_constant=_refuse_constant,
                           object_pairs_hook=unique_object)


class _Found(Exception):
    def __init__(self, pos: int) -> None:
        self.pos = pos


def _duplicate_key_pos(text: str, pos: int) -> int | None:
    """Where the second of a key given twice starts (only after the C decoder refused one): the same
    text decoded again by the standard library's Python scanner, whose objects report their start, and
    the pairs of the object with the duplicate walked with that scanner to the key's position."""
    ws = json.decoder.WHITESPACE.match

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):  # noqa: ANN001
        s, start = s_and_end
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo)
        seen: set[str] = set()
        for i, (k, _) in enumerate(pairs):
            if k in seen:
                p = start
                for j in range(i + 1):
                    p = ws(s, p).end()
                    at = p
                    _, p = json.decoder.scanstring(s, p + 1, strict)
                    p = ws(s, ws(s, p).end() + 1).end()  # past the colon
                    if j == i:
                        raise _Found(at)
                    _, p = scan_once(s, p)
                    p = ws(s, p).end() + 1  # past the comma
            seen.add(k)
        return dict(pairs), end

    finder = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)
    finder.parse_object = parse_object  # type: ignore[assignment]
    finder.scan_once = json.scanner.py_make_scanner(finder)  # type: ignore[attr-defined]
    try:
        finder.raw_decode(text, pos)
    except _Found as f:
        return f.pos
    except (ValueError, RecursionError, IndexError):  # pragma: no cover - the C decoder read it
        return None
    return None  # pragma: no cover


def _where(text: str, pos: int, line0: int = 0) -> str:
    line = text.count("\n", 0, pos) + 1 + line0
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line} column {col}"


def decode_json(text: str, pos: int = 0, line0: int = 0) -> tuple[Any, int]:
    """One JSON value starting at `pos`: (value, end). Errors are InputError with line and column."""
    try:
        return DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as e:
        raise InputError(f"malformed JSON at {_where(text, e.pos, line0)}: {e.msg}") from None
    except DuplicateJSONKey as e:
        at = _duplicate_key_pos(text, pos)
        raise InputError(f"JSON at {_where(text, pos if at is None else at, line0)}: key {e.key!r} given twice in "
                         "one object (JSON readers would silently keep the last one): give it once") from None
    except RecursionError:
        raise InputError(f"malformed JSON at {_where(text, pos, line0)}: nested too deeply") from None
    except ValueError as e:  # NaN/Infinity (parse_constant) or an integer beyond Python's conversion limit
        msg = str(e).split(";")[0]
        raise InputError(f"malformed JSON after {_where(text, pos, line0)}: {msg}") from None


def load_json(text: str, line0: int = 0, extra_hint: str = "") -> Any:
    """One whole JSON document (a file, or one line of JSON lines starting at line `line0` + 1):
    decimals exact, NaN/Infinity refused, nothing after the value, depth and lone surrogates checked."""
    value, end = decode_json(text, 0, line0)
    if text[end:].strip():
        raise InputError(f"malformed JSON: extra data after the value ({_where(text, end, line0)}){extra_hint}")
    check_depth(value)
    if has_surrogate_escape(text):
        check_text(value)
    return value


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse nesting deeper than `limit` (JSON decodes up to the recursion limit)."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            raise InputError(f"nested deeper than {limit} levels")
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values() if isinstance(x, (dict, list)))
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v if isinstance(x, (dict, list)))


def has_surrogate_escape(text: str) -> bool:
    """Cheap pre-check: a lone surrogate can only arrive as a \\uD8xx–\\uDFxx escape."""
    return _SURROGATE_ESCAPE.search(text) is not None


def check_text(value: Any) -> None:
    """Refuse strings that are not Unicode text (a lone surrogate from a JSON escape)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError as e:
                raise InputError(f"text {v[:40]!r} holds a lone surrogate (\\u{ord(v[e.start]):04x}), "
                                 "which is not a character") from None
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def decode_utf8(data: bytes, what: str) -> str:
    """Bytes to text; invalid UTF-8 is an InputError naming the byte offset and line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"{what}: invalid UTF-8 at byte {e.start} (line {line})") from None
    return text[1:] if text.startswith("\ufeff") else text
