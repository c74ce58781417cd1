"""A secret echoed percent-encoded (a query string, a logged URL) is masked like the secret itself: an API key
`sk/SECRETKEY+ghij==` came back as `sk%2FSECRETKEY%2Bghij%3D%3D` and stood unmasked in every report (s27 probeU F4)."""
from __future__ import annotations

import pytest

from conform.harness import evidence
from conform.harness.config import register_header_secret

KEY = "sk/SECRETKEY+ghij=="


@pytest.fixture
def secrets():
    saved = set(evidence._secrets)  # noqa: SLF001 - registered values must not mask other tests' evidence
    evidence._secrets.clear()  # noqa: SLF001
    yield
    evidence._secrets.clear()  # noqa: SLF001
    evidence._secrets.update(saved)  # noqa: SLF001


@pytest.mark.parametrize("echoed", ["sk%2FSECRETKEY%2Bghij%3D%3D",    # quote(safe="")
                                    "sk%2fSECRETKEY%2bghij%3d%3d",    # the same in lower-case hex
                                    "sk/SECRETKEY%2Bghij%3D%3D",      # quote() keeps '/'
                                    KEY])
def test_a_header_secret_echoed_percent_encoded_is_masked(secrets, echoed):
    register_header_secret(KEY)
    said = evidence.mask({"err_msg": f"key {echoed} not allowed", "url": f"/api?key={echoed}&x=1"})
    assert said == {"err_msg": "key *** not allowed", "url": "/api?key=***&x=1"}


ODD = "sk~SECRETKEY*a/b c"  # characters the encoders disagree on (s27 probeR F2)


@pytest.mark.parametrize("echoed", ["sk~SECRETKEY%2Aa%2Fb%20c",   # Python quote(safe="")
                                    "sk~SECRETKEY*a%2Fb%20c",     # JavaScript encodeURIComponent
                                    "sk%7ESECRETKEY*a%2Fb+c",     # Java URLEncoder
                                    "sk~SECRETKEY*a%2fb%20c",     # lower-case hex
                                    "%73%6B~SECRETKEY*a/b c"])    # every character may be encoded
def test_a_secret_is_masked_whichever_encoder_echoed_it(secrets, echoed):
    register_header_secret(ODD)
    assert evidence.mask(f"[{echoed}]") == "[***]"


def test_encoded_text_that_is_not_the_secret_is_left_alone(secrets):
    register_header_secret("tok-9f8e7d6c")
    assert evidence.mask("tok-9f8e7d6d / tok%2D9f8e7d6c / tok-9f8e7d") == "tok-9f8e7d6d / *** / tok-9f8e7d"
