"""The platform envelope on top of the `http` adapter's transport.

The profile does not open its own connections: every exchange goes through
`HttpAdapter.call` (its client, timeouts, failure counting, status and infcode
checks, evidence and masking all apply). This httpx transport sits under that
client and turns the harness envelope into the platform's: it keeps `infno`,
`msgid` and `inf_time`, adds the fixed fields from the config (`infver`,
`recer_sys_code`, operator, `fixmedins_*`, `mdtrtarea_admvs`, `sign_no`…) and
puts the transaction's own `input` in place. It keeps the exact request and the
raw answer (at most MAX_BODY bytes) for the adapter, which decodes amounts
exactly (conform/harness/adapters/platform/amounts.py).
"""
from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from . import amounts

MAX_BODY = 2_000_000  # bytes of an answer kept; a longer one is cut (and so no longer JSON)


class PlatformTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner
        self.local = threading.local()

    def prepare(self, header: dict, input_: dict) -> None:
        """The next request of this thread: the envelope's platform fields and its input."""
        self.local.pending = (header, input_)
        self.local.sent = None
        self.local.raw = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pending = getattr(self.local, "pending", None)
        if pending is not None:
            header, input_ = pending
            self.local.pending = None
            base = json.loads(request.read())
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
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY:
                    break
        finally:
            response.close()
        raw = b"".join(chunks)[:MAX_BODY]
        self.local.raw = raw
        return httpx.Response(response.status_code, headers=[(k, v) for k, v in response.headers.raw
                                                             if k.lower() not in (b"content-length", b"content-encoding",
                                                                                  b"transfer-encoding")],
                              content=raw, extensions={k: v for k, v in response.extensions.items()
                                                       if k == "reason_phrase"})

    def taken(self) -> tuple[Any, bytes | None]:
        """The envelope really sent and the raw answer of this thread's last exchange."""
        return getattr(self.local, "sent", None), getattr(self.local, "raw", None)

    def close(self) -> None:
        self.inner.close()
