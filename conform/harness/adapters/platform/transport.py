"""The platform envelope on top of the `http` adapter's transport.

The profile does not open its own connections: every exchange goes through
`HttpAdapter.call` (its client, timeouts, failure counting, status and infcode
checks, evidence and masking all apply). This httpx transport sits under that
client and turns the harness envelope into the platform's: it keeps `infno`,
`msgid` and `inf_time`, adds the fixed fields from the config (`infver`,
`recer_sys_code`, operator, `fixmedins_*`, `mdtrtarea_admvs`, `sign_no`…) and
puts the transaction's own `input` in place. It keeps the exact request and the
answer for the adapter, which decodes amounts exactly
(conform/harness/adapters/platform/amounts.py): read whole up to `[adapter]
max_response_bytes` and decompressed (gzip/deflate, the client asks for them)
under the same bound, as the http profile's read_body does; an answer beyond it
is the error `too_large` naming the limit, never cut and then parsed. A UTF-8 byte
order mark before the JSON is dropped (RFC 8259 §8.1), nothing else.
"""
from __future__ import annotations

import json
import re
import threading
from typing import Any

import httpx

from ...config import DEFAULT_MAX_RESPONSE
from ..http import AnswerError, decompress, parse_json
from . import amounts
from .messages import OUTPUT_UNREAD

BOM = b"\xef\xbb\xbf"


class PlatformTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, limit: int = DEFAULT_MAX_RESPONSE):
        """`limit`: [adapter] max_response_bytes, the largest answer read, before and after decompression."""
        self.inner = inner
        self.limit = limit
        self.local = threading.local()

    def prepare(self, header: dict, input_: dict) -> None:
        """The next request of this thread: the envelope's platform fields and its input."""
        self.local.pending = (header, input_)
        self.local.sent = None
        self.local.raw = None
        self.local.content_type = ""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pending = getattr(self.local, "pending", None)
        infno = None
        if pending is not None:
            header, input_ = pending
            self.local.pending = None
            base = json.loads(request.read())
            infno = base.get("infno")
            envelope = {"infno": base.get("infno"), "msgid": base.get("msgid"), **header,
                        "inf_time": base.get("inf_time"), "input": input_}
            self.local.sent = envelope
            body = amounts.dumps(envelope).encode("utf-8")
            headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
            request = httpx.Request(request.method, request.url, headers=headers, content=body,
                                    extensions=request.extensions)
        response = self.inner.handle_request(request)
        chunks, size = [], 0
        try:
            for chunk in response.stream:  # type: ignore[union-attr]
                size += len(chunk)
                if size > self.limit:   # HttpAdapter.call makes it the exchange's error, as read_body's own
                    raise AnswerError("too_large", f"the answer is larger than {self.limit} bytes "
                                                   "(max_response_bytes)")
                chunks.append(chunk)
        finally:
            response.close()
        # the body as sent, then decoded here: the headers handed on drop content-encoding, so nothing after this
        # would (a gzip bomb is too_large, an unknown or broken encoding malformed, as in the http profile)
        raw = decompress(b"".join(chunks), response.headers.get("content-encoding", ""), self.limit)
        # a UTF-8 byte order mark before the JSON (a .NET/Java gateway's habit): RFC 8259 §8.1 lets a parser ignore it
        # "in the interests of interoperability", and the audit reads JSON lines 可带 BOM alike; nothing else is dropped
        raw = raw.removeprefix(BOM)
        self.local.raw = raw
        self.local.content_type = response.headers.get("content-type", "")
        given = _no_output_as_empty(raw) if infno in OUTPUT_UNREAD else raw
        return httpx.Response(response.status_code, headers=[(k, v) for k, v in response.headers.raw
                                                             if k.lower() not in (b"content-length", b"content-encoding",
                                                                                  b"transfer-encoding")],
                              content=given, extensions={k: v for k, v in response.extensions.items()
                                                       if k == "reason_phrase"})

    def content_type(self) -> str:
        """The Content-Type this thread's last answer declared ("" when none)."""
        return getattr(self.local, "content_type", "") or ""

    def taken(self) -> tuple[Any, bytes | None]:
        """The envelope really sent and the raw answer of this thread's last exchange."""
        return getattr(self.local, "sent", None), getattr(self.local, "raw", None)

    def close(self) -> None:
        self.inner.close()


def _no_output_as_empty(raw: bytes) -> bytes:
    """A successful answer (infcode 0) to a message whose output the harness reads nothing from (OUTPUT_UNREAD), with
    `output` null, "" or absent, handed on with `output` {}; any other answer unchanged (the http profile judges
    it). The adapter reads the answer as it came (`taken`), so evidence shows what the system sent."""
    try:
        parse_json(raw)
        answer = amounts.decode(raw)
    except (AnswerError, ValueError, RecursionError):
        return raw
    if not isinstance(answer, dict) or answer.get("output") not in (None, ""):
        return raw
    code = answer.get("infcode")   # 0, or the same as digit text ("0", "00"), as http.envelope_output reads it
    if isinstance(code, bool) or not (code == 0 or (isinstance(code, str) and re.fullmatch(r"-?0{1,9}", code))):
        return raw
    try:
        return amounts.dumps({**answer, "output": {}}).encode("utf-8")
    except (TypeError, ValueError):
        return raw
