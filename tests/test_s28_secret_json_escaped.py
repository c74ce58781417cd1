"""A secret a system echoes JSON-escaped in a raw answer body kept as evidence (PHP's json_encode writes '/' as '\\/';
others write any character as \\uXXXX) is masked like one echoed as written or percent-encoded (probe s28 S F5: the
key stood unmasked in results.json and report.html for every non-200, malformed or over-64-KiB answer)."""
from __future__ import annotations

import json

import pytest

from conform.harness import evidence
from conform.harness.adapters.http import kept_body

SECRET = "sk/LIVE=abc+def\"q\\z"


@pytest.fixture(autouse=True)
def _registered():
    evidence.register_secret(SECRET)
    yield
    evidence._secrets.discard(SECRET)


@pytest.mark.parametrize("echoed", [
    json.dumps({"err_msg": f"bad key {SECRET}"}),                                   # \" and \\ escaped
    json.dumps({"err_msg": SECRET}).replace("/", "\\/"),                             # PHP: \/ too
    json.dumps({"err_msg": SECRET}, ensure_ascii=True).replace("=", "\\u003d"),      # \u003d, lower hex
    "".join(f"\\u{ord(c):04X}" for c in SECRET),                                     # every character, upper hex
])
def test_a_json_escaped_echo_is_masked_in_a_kept_body(echoed: str) -> None:
    kept = kept_body(echoed.encode())
    assert "***" in kept and "LIVE" not in kept and "abc" not in kept


def test_a_secret_beyond_the_bmp_is_masked_as_a_surrogate_pair() -> None:
    secret = "key𝟘𝟙secret"
    evidence.register_secret(secret)
    try:
        assert evidence.mask(json.dumps(secret)) == '"***"'
    finally:
        evidence._secrets.discard(secret)


def test_text_that_only_resembles_the_secret_is_kept() -> None:
    assert evidence.mask("sk\\/LIVE=abc+def") == "sk\\/LIVE=abc+def"   # cut short: not the secret
