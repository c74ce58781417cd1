"""The optional TOML file configuring a run's adapter (endpoint, headers, timeouts, concurrency).

    [adapter]
    url = "https://sut.example.com/fsi/api"   # or: name = "python:pkg.mod:Class" / an entry-point name / "reference";
                                # one is needed unless --adapter names the system (make_adapter refuses the file)
    timeout = 10                # seconds per request: the whole exchange, not each read
    max_response_bytes = 4194304  # largest answer accepted (after decompression); more is `too_large`
    concurrency = 8             # http: checks run at once in this many worker processes (conform.harness.shards)
    consecutive_failures = 5    # connection failures in a row before the run stops as unreachable
    insuplc_admdvs = "510400"   # optional: override the envelope's 参保地医保区划
    supports = ["prepare_person", "settle", …]   # optional: only these operations
    ca_file = "test-ca.pem"     # optional: a test environment's own CA (PEM), trusted besides the public bundle
    client_cert = "client.pem"  # optional: mutual TLS, this side's certificate (PEM) …
    client_key = "client.key"   # … and its unencrypted private key (PEM); paths relative to this file
    [adapter.headers]
    X-Api-Key = { env = "CONFORM_API_KEY" }     # secret, read from the environment
    X-Vendor = "acme"
    [adapter.options]           # free-form, handed to a python: plugin
    [system]                    # optional: name and version of the system under test, for the
    name = "…"                  # reports' certification record (read by conform/harness/report/certify.py)
    version = "…"

A header read from the environment (and any header whose name says key, token,
secret or authorization) is registered as a secret: masked in evidence and
never printed, with the credential after its auth scheme ("Bearer X" → X); so
are a URL's password (as written and percent-decoded), the Basic credential
httpx sends for its user:password, and credential-like query parameters
(`?token=`, `?key=`, `?sign=`, …). A URL with user:password@ and an
Authorization header together are refused (the URL's would replace the
header). Every problem names the file and the key.

Headers must be what HTTP allows (a token name, visible ASCII values) and not
one the transport owns (Content-Length, Transfer-Encoding, Connection, Host…):
a config that would fail or smuggle at request time fails here instead.
"""
from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conform.files import PIPE, special_kind

from . import evidence

ADAPTER_KEYS = {"url", "name", "timeout", "concurrency", "consecutive_failures", "insuplc_admdvs", "supports",
                "headers", "options", "max_response_bytes"}
TOP_LEVEL_KEYS = {"adapter", "system"}  # [system] name / version: read by conform/harness/report/certify.py
ADAPTER_KEYS |= {"profile", "platform"}  # the national-platform wire profile (conform/harness/adapters/platform)
TLS_KEYS = ("ca_file", "client_cert", "client_key")   # conform/harness/adapters/http.py tls_context
ADAPTER_KEYS |= set(TLS_KEYS)
# Header names whose values are credentials: the query rule's words, and cookies (a session id).
SECRET_HEADER = re.compile(r"key|token|secret|auth|passw|pwd|sign|credential|session|cookie", re.IGNORECASE)
# An auth scheme and its credential ("Bearer tok", "Basic dXNlcjpwdw=="): the credential alone is a secret too.
AUTH_SCHEME = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]+(\S.*)$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")
# Visible ASCII with inner spaces/tabs (RFC 9110 field-value, without obs-text): httpx sends ASCII only.
HEADER_VALUE = re.compile(r"^(?:[\x21-\x7e](?:[\x20\x21-\x7e\t]*[\x21-\x7e])?)?$")
# Headers the transport computes or that change the connection: set by a config they break or smuggle.
FORBIDDEN_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "host", "keep-alive",
                               "proxy-connection", "te", "trailer", "upgrade", "expect", "content-encoding"})
# Query parameters that carry credentials: their values are masked like secret headers.
# The word may follow a `_`/`-` or a camelCase boundary (appSecret, accessToken, appKey: common on platform APIs).
SECRET_QUERY = re.compile(r"^(?:.*[_-]|.*[a-z0-9](?=[A-Z]))?(?i:token|key|sign|signature|secret|password|passwd|"
                          r"pwd|auth|access_token|apikey|api_key|appkey|appsecret|accesstoken|credential|session)$")
CONFIG_SIZE_LIMIT = 1 << 20     # bytes of conform.toml read; a real one is a few hundred
# [adapter] timeout when the config leaves it out (the sample system's timeout fault sleeps longer by default)
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 3600.0
DEFAULT_MAX_RESPONSE = 4 << 20  # 4 MiB: a settlement answer is a few KB
RESPONSE_LIMITS = (1024, 1 << 30)


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass
class AdapterConfig:
    """What the [adapter] table says, checked; `source` is the file it came from."""

    source: str = ""
    spec: str | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    max_response_bytes: int = DEFAULT_MAX_RESPONSE
    concurrency: int = 1
    consecutive_failures: int = 5
    insuplc_admdvs: str | None = None
    supports: frozenset[str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    secret_headers: frozenset[str] = frozenset()
    options: dict[str, Any] = field(default_factory=dict)
    profile: str = "http"          # "platform": speak the national platform as it is ([adapter.platform])
    platform: Any = None           # conform.harness.adapters.platform.config.PlatformConfig when profile is platform
    ca_file: str | None = None      # TLS files (PEM), checked readable and usable when the config is read
    client_cert: str | None = None
    client_key: str | None = None
    # [adapter.headers] entries named like an [adapter] key (`url` written after the headers table): name, line
    misplaced: tuple[tuple[str, int | None], ...] = ()

    def public_headers(self) -> dict[str, str]:
        """Headers as they may be shown: secret values replaced by ***."""
        return {k: ("***" if k in self.secret_headers else v) for k, v in self.headers.items()}


def read_config_bytes(path: str | os.PathLike, shown: str | None = None) -> bytes:
    """The config file's bytes, at most CONFIG_SIZE_LIMIT: a regular file, or a pipe (`--config <(…)`,
    to keep a key off disk), read once; a device or socket is refused. ConfigError naming the file."""
    src = shown or str(path)
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{src}: is a folder, not a config file: give the conform.toml in it")
    kind = special_kind(p)
    if kind and kind != PIPE:
        raise ConfigError(f"{src}: not a regular file ({kind}): give a conform.toml file")
    if not kind and not p.is_file():
        raise ConfigError(f"{src}: no such config file")
    try:
        with p.open("rb") as f:
            raw = f.read(CONFIG_SIZE_LIMIT + 1)
    except OSError as e:
        raise ConfigError(f"{src}: cannot read: {e.strerror or e}") from None
    if len(raw) > CONFIG_SIZE_LIMIT:
        raise ConfigError(f"{src}: larger than {CONFIG_SIZE_LIMIT} bytes; a conform.toml is a few lines")
    return raw


def spool_config(path: str | None) -> str | None:
    """A config given as a pipe (`--config <(envsubst < conform.toml.in)`) copied once (at most
    CONFIG_SIZE_LIMIT + 1 bytes) into a private temporary file, whose path is returned: the run reads its
    config more than once (each worker, the certification record), and a pipe gives its text only to the
    first reader. Other paths unchanged. Load the copy with `shown=path`."""
    if not path or special_kind(path) != PIPE:
        return path
    import atexit
    import shutil
    import tempfile

    try:  # bounded; what is wrong with it (too large, not TOML) the copy's reader says, naming `shown`
        with open(path, "rb") as f:
            raw = f.read(CONFIG_SIZE_LIMIT + 1)
    except OSError:
        return path
    folder = tempfile.mkdtemp(prefix="conform-config-")
    atexit.register(shutil.rmtree, folder, True)
    copy = os.path.join(folder, "conform.toml")
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # it may hold a key
    with os.fdopen(fd, "wb") as f:
        f.write(raw)
    return copy


def load_adapter_config(path: str | os.PathLike | None, environ: dict[str, str] | None = None,
                        shown: str | None = None) -> AdapterConfig:
    """Read and check a config file (None → all defaults); `shown`: the name messages give it (a pipe's,
    when `path` is its spooled copy)."""
    if not path:
        return AdapterConfig()
    env = os.environ if environ is None else environ
    src = shown or str(path)
    raw = read_config_bytes(path, src)
    try:
        text = raw.decode("utf-8-sig")  # Windows Notepad's "UTF-8" puts a byte-order mark first
    except UnicodeDecodeError as e:
        raise ConfigError(f"{src}: not UTF-8 text (byte {e.start}: {e.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{src}: malformed TOML: {e}") from None
    except RecursionError:
        raise ConfigError(f"{src}: malformed TOML: nested too deeply") from None
    except ValueError as e:  # e.g. an integer of thousands of digits (Python's int conversion limit)
        raise ConfigError(f"{src}: malformed TOML: {str(e)[:200]}") from None
    cfg = parse_adapter_config(data, src, env)
    if cfg.misplaced:  # tomllib gives no positions: the lines are found in the text, for the message to point at
        cfg.misplaced = tuple((name, _header_line(text, name)) for name, _ in cfg.misplaced)
    return cfg


# A TOML table header line ([adapter.headers], [ adapter . "headers" ]) and a key = … line (bare or quoted key).
_TABLE_LINE = re.compile(r"""^\s*\[\s*([^\[\]#]*?)\s*\]\s*(?:#.*)?$""")
_KEY_LINE = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


def _header_line(text: str, name: str) -> int | None:
    """The line (1-based) of `name = …` in the [adapter.headers] table, or None (an inline table, a dotted key)."""
    table = None
    for number, line in enumerate(text.splitlines(), 1):
        m = _TABLE_LINE.match(line)
        if m:
            table = ".".join(part.strip().strip("\"'") for part in m[1].split("."))
            continue
        k = _KEY_LINE.match(line)
        if table == "adapter.headers" and k and next(g for g in k.groups() if g is not None) == name:
            return number
    return None


def missing_system(cfg: AdapterConfig) -> str:
    """Why a config file that names no system (no [adapter] url or name) cannot run on its own: without one,
    the built-in reference engine would be certified under the file's [system] name (probe s29 U2 F5)."""
    said = (f"{cfg.source}: no [adapter] url or name: the system under test is not named; "
            'name = "reference" for the built-in engine')
    for name, line in cfg.misplaced:
        where = f" (line {line})" if line else ""
        said += (f"; adapter.headers.{name}{where} is a header named {name!r}, not the [adapter] key: "
                 "write it above [adapter.headers]")
    return said


def parse_adapter_config(data: dict, src: str = "<config>", environ: dict[str, str] | None = None) -> AdapterConfig:
    env = os.environ if environ is None else environ

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{src}: key {key}: {message}")

    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key; allowed: {', '.join(sorted(TOP_LEVEL_KEYS))}")
    _check_system(data.get("system", {}), fail)
    table = data.get("adapter", {})
    if not isinstance(table, dict):
        raise fail("adapter", "must be a table ([adapter])")
    unknown = sorted(set(table) - ADAPTER_KEYS)
    if unknown:
        raise fail(f"adapter.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(ADAPTER_KEYS))}")
    cfg = AdapterConfig(source=src)
    if "url" in table and "name" in table:
        raise fail("adapter.url", "give either url (an http system) or name (reference, python:…, a plugin), not both")
    for key in ("url", "name"):
        if key in table:
            v = table[key]
            if not isinstance(v, str) or not v.strip():
                raise fail(f"adapter.{key}", f"must be non-empty text, got {v!r}")
            if key == "url" and v.startswith("platform+"):  # the platform profile, written in the URL
                cfg.profile, v = "platform", v.removeprefix("platform+")
            if key == "url":
                problem = url_problem(v)
                if problem:
                    raise fail("adapter.url", problem)
            elif len(v) > 1000 or any(not c.isprintable() for c in v):
                raise fail("adapter.name", "must be one line of printable text (at most 1000 characters)")
            cfg.spec = v.strip()
    if "timeout" in table:
        v = table["timeout"]
        if (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0
                or v > MAX_TIMEOUT_S):
            raise fail("adapter.timeout", f"must be a positive number of seconds up to {MAX_TIMEOUT_S:g}, "
                                          f"got {v!r}"[:200])
        cfg.timeout = float(v)
    if "max_response_bytes" in table:
        v = table["max_response_bytes"]
        lo, hi = RESPONSE_LIMITS
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise fail("adapter.max_response_bytes", f"must be a whole number of bytes from {lo} to {hi}, "
                                                     f"got {v!r}"[:200])
        cfg.max_response_bytes = v
    for key in ("concurrency", "consecutive_failures"):
        if key in table:
            v = table[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 1 or v > 1000:
                raise fail(f"adapter.{key}", f"must be a whole number from 1 to 1000, got {v!r}"[:200])
            setattr(cfg, key, v)
    if "insuplc_admdvs" in table:
        v = table["insuplc_admdvs"]
        if not isinstance(v, str) or not re.fullmatch(r"\d{6}", v):
            raise fail("adapter.insuplc_admdvs", f"must be a six-digit 医保区划 code as text, got {v!r}"[:200])
        cfg.insuplc_admdvs = v
    if "supports" in table:
        from .adapters.base import OPERATIONS

        v = table["supports"]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise fail("adapter.supports", "must be a list of operation names")
        if not v:
            raise fail("adapter.supports", "is empty: list the operations the system supports, or leave the key out "
                                           "for all of them")
        bad = [x for x in v if x not in OPERATIONS]
        if bad:
            raise fail("adapter.supports", f"unknown operation {bad[0][:100]!r}; known: {', '.join(OPERATIONS)}")
        cfg.supports = frozenset(v)
    if "options" in table:
        if not isinstance(table["options"], dict):
            raise fail("adapter.options", "must be a table ([adapter.options])")
        cfg.options = dict(table["options"])
    if "profile" in table or "platform" in table:
        from .adapters.platform.config import PlatformConfigError, parse_platform

        if table.get("profile", "platform") not in ("http", "platform"):
            raise fail("adapter.profile", f'must be "http" or "platform", got {table["profile"]!r}')
        cfg.profile = table.get("profile", cfg.profile if "platform" not in table else "platform")
        try:
            cfg.platform = parse_platform(table.get("platform", {}))
        except PlatformConfigError as e:
            raise fail(f"adapter.platform.{e.key}".rstrip("."), str(e)) from None
    _tls_files(table, cfg, src, fail)
    headers = table.get("headers", {})
    if not isinstance(headers, dict):
        raise fail("adapter.headers", "must be a table ([adapter.headers])")
    secret: set[str] = set()
    seen: dict[str, str] = {}
    for name, v in headers.items():
        key = f"adapter.headers.{name[:100]!r}" if not HEADER_NAME.match(name) else f"adapter.headers.{name}"
        if not HEADER_NAME.match(name):
            raise fail(key, "not a valid HTTP header name (ASCII letters, digits and !#$%&'*+.^_`|~- only)")
        if name.lower() in FORBIDDEN_HEADERS:
            raise fail(key, "is set by the HTTP transport (framing or connection header); it cannot be configured")
        if name.lower() in seen:
            raise fail(key, f"the same header as adapter.headers.{seen[name.lower()]} (header names ignore case)")
        seen[name.lower()] = name
        if isinstance(v, dict):
            if set(v) != {"env"} or not isinstance(v["env"], str) or not v["env"]:
                raise fail(key, 'a header read from the environment is written { env = "VARIABLE" }')
            value = env.get(v["env"])
            if not value:
                raise fail(key, f"environment variable {v['env']} is not set")
            secret.add(name)
        elif isinstance(v, str):
            value = v
            if SECRET_HEADER.search(name):
                secret.add(name)
        else:
            raise fail(key, 'must be text or { env = "VARIABLE" }')
        if "\n" in value or "\r" in value:
            raise fail(key, "a header value cannot contain a line break")
        if len(value) > 8192 or not HEADER_VALUE.match(value):
            where = "the environment variable's value" if isinstance(v, dict) else "the value"
            raise fail(key, f"{where} must be visible ASCII (spaces inside only), no control characters, "
                            "at most 8192 characters")
        cfg.headers[name] = value
        if name.lower() in ADAPTER_KEYS:  # `url = …` written after [adapter.headers]: said if no system is named
            cfg.misplaced += ((name, None),)
    cfg.secret_headers = frozenset(secret)
    for name in secret:
        register_header_secret(cfg.headers[name], cookie=name.lower() == "cookie")
    if cfg.spec and cfg.spec.startswith(("http://", "https://")):
        problem = credential_conflict(cfg.spec, cfg.headers)
        if problem:
            raise fail("adapter.url", problem)
        register_url_secrets(cfg.spec)
    return cfg


def _tls_files(table: dict, cfg: AdapterConfig, src: str, fail) -> None:
    """[adapter] ca_file, client_cert, client_key: paths (relative to the config file's folder) to PEM files
    that must exist, be readable and hold what their key says; a problem names the key and the file, never
    anything read from it (a key's material)."""
    from .adapters.http import TlsFileError, tls_context

    base = Path(src).parent if Path(src).is_file() else Path.cwd()
    for key in TLS_KEYS:
        if key in table:
            v = table[key]
            if not isinstance(v, str) or not v.strip() or any(not c.isprintable() for c in v):
                raise fail(f"adapter.{key}", f"must be the path of a PEM file, as text, got {v!r}"[:200])
            path = Path(v.strip()).expanduser()
            setattr(cfg, key, str(path if path.is_absolute() else base / path))
    if cfg.ca_file or cfg.client_cert or cfg.client_key:
        try:
            tls_context(cfg.ca_file, cfg.client_cert, cfg.client_key)
        except TlsFileError as e:
            raise fail(f"adapter.{e.option}", e.message) from None


SYSTEM_KEYS = ("name", "version")


def _check_system(table: object, fail) -> None:
    """[system] names the system under test in the certification record: a misspelt key would leave the
    record without it, and an unquoted version 3.10 is TOML's number 3.1 — both refused, not shown wrong."""
    if not isinstance(table, dict):
        raise fail("system", "must be a table ([system]) with name and version")
    unknown = sorted(set(table) - set(SYSTEM_KEYS))
    if unknown:
        raise fail(f"system.{unknown[0]}", f"unknown key; allowed: {', '.join(SYSTEM_KEYS)}")
    for key, v in table.items():
        if not isinstance(v, str) or not v.strip():
            hint = (' (write it quoted, e.g. version = "3.10": unquoted, TOML reads a number, and 3.10 becomes 3.1)'
                    if isinstance(v, (int, float)) and not isinstance(v, bool) else "")
            raise fail(f"system.{key}", f"must be non-empty text, got {v!r}{hint}")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a system's endpoint (scheme, host, port, characters), or None."""
    from urllib.parse import urlsplit

    if len(url) > 2000:
        return "must be at most 2000 characters"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port            # ValueError when out of 0–65535 or not a number
    except ValueError as e:
        return f"is not a valid URL ({e})"
    if parts.scheme not in ("http", "https"):
        return f"must start with http:// or https://, got {url[:100]!r}"
    if not parts.hostname:
        return f"names no host: {url[:100]!r}"
    if port is not None and not 1 <= port <= 65535:
        return f"port {port} is out of range (1–65535)"
    import httpx  # outside the try: a failing import must not turn the except clause into an UnboundLocalError

    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as e:
        return f"is not a valid URL ({e})"
    return None


def register_url_secrets(url: str) -> None:
    """A URL's credentials and credential-like query values (?token=, ?key=, ?sign=…) are masked everywhere.

    The credentials in every form a system could echo: the password as written and percent-decoded, and
    the Basic credential httpx sends for them (base64 of user:password, as on the wire); with no password,
    the user name is the credential (`https://TOKEN@host/`)."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        parts = urlsplit(url)
        evidence.register_secret(parts.password)
        for k, v in parse_qsl(parts.query, keep_blank_values=False):
            if SECRET_QUERY.match(k) and len(v) >= 3:
                evidence.register_secret(v)
    except ValueError:
        return
    user, password = _userinfo(url)
    if user or password:
        evidence.register_secret(password or user)
        evidence.register_secret(_basic(user, password))


def register_header_secret(value: str, cookie: bool = False) -> None:
    """A secret header's value, and its credential in the forms a system could echo: the part after an
    auth scheme ("Bearer X" → X too), for Basic the decoded password (and user:password), and for a
    Cookie each cookie's value (a system may echo one cookie, not the whole header)."""
    evidence.register_secret(value)
    if cookie:
        for pair in value.split(";"):
            evidence.register_secret(pair.strip().partition("=")[2].strip())
        return
    m = AUTH_SCHEME.match(value)
    if not m:
        return
    scheme, credential = m[1], m[2].strip()
    evidence.register_secret(credential)
    if scheme.lower() == "basic":
        import base64
        import binascii

        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return
        user, sep, password = decoded.partition(":")
        evidence.register_secret(decoded)
        evidence.register_secret(password if sep and password else user)


def credential_conflict(url: str, headers: dict[str, str]) -> str | None:
    """Why `url` cannot be used with these headers: a URL with user:password@ and an Authorization
    header both set the one Authorization header (httpx sends the URL's Basic credential and drops the
    configured header without a word), so conform refuses the pair; None when they do not meet."""
    user, password = _userinfo(url)
    header = next((name for name in headers if name.lower() == "authorization"), None)
    if (user or password) and header:
        return (f"the URL carries user:password@ and adapter.headers.{header} is set too; both would be "
                "the request's one Authorization header (the URL's Basic credential would silently replace "
                "the header): give the credential in one place only")
    return None


def _userinfo(url: str) -> tuple[str, str]:
    """The URL's user name and password, percent-decoded as httpx sends them ("" when absent)."""
    import httpx

    try:
        u = httpx.URL(url)
        return u.username, u.password
    except (httpx.InvalidURL, ValueError, UnicodeError, TypeError):
        return "", ""


def _basic(user: str, password: str) -> str:
    """The Basic credential httpx sends for user:password (httpx.BasicAuth: UTF-8, base64)."""
    import base64

    return base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
