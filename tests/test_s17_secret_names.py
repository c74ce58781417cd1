"""Credential names in the common forms are masked: camelCase query parameters (?appSecret=,
?accessToken=, ?appKey=, usual on platform APIs) and headers named like the query rule's words
(X-Pwd, X-Credential, X-Session-Id) or Cookie, whose values a system may echo in an err_msg."""
from __future__ import annotations

import pytest

from conform.harness import evidence
from conform.harness.adapters.http import public_url
from conform.harness.config import SECRET_HEADER, SECRET_QUERY, load_adapter_config
import test_secrets_echo

secrets = test_secrets_echo.secrets  # the fixture: the values a test registers do not mask other tests' evidence


def test_camel_case_query_credentials_are_masked(secrets):
    from conform.harness.config import register_url_secrets

    url = ("http://127.0.0.1:9/api?appSecret=APPSECRET-1&accessToken=ACCESSTOKEN-2&appKey=APPKEY-3"
           "&AppSecret=APPSECRET-4&app_secret=APPSECRET-5&mode=test&monkey=banana&design=plain")
    shown = public_url(url)
    for s in ("APPSECRET-1", "ACCESSTOKEN-2", "APPKEY-3", "APPSECRET-4", "APPSECRET-5"):
        assert s not in shown, shown
    # ordinary words that end like a credential word (no camelCase boundary) stay readable
    assert "mode=test" in shown and "monkey=banana" in shown and "design=plain" in shown
    register_url_secrets(url)
    assert evidence.mask("echo APPSECRET-1 ACCESSTOKEN-2 APPKEY-3") == "echo *** *** ***"


@pytest.mark.parametrize("name", ["appSecret", "accessToken", "appKey", "clientSecret", "userPwd", "APPSECRET"])
def test_the_query_rule_takes_camel_case(name):
    assert SECRET_QUERY.match(name)


@pytest.mark.parametrize("name", ["Cookie", "Set-Cookie", "X-Pwd", "X-Credential", "X-Session-Id"])
def test_the_header_rule_covers_what_the_query_rule_covers_and_cookies(name):
    assert SECRET_HEADER.search(name)


def test_echoed_cookie_pwd_and_credential_headers_are_masked(tmp_path, secrets):
    cfg = tmp_path / "conform.toml"
    cfg.write_text('[adapter]\nurl = "http://127.0.0.1:9/"\n[adapter.headers]\n'
                   'Cookie = "JSESSIONID=COOKIESECRET4242; lang=zh-CN"\nX-Pwd = "PWDSECRET5151"\n'
                   'X-Credential = "CREDSECRET6161"\nAccept = "application/json"\n', encoding="utf-8")
    c = load_adapter_config(cfg)
    echoed = ('echo {"Cookie": "JSESSIONID=COOKIESECRET4242; lang=zh-CN", "X-Pwd": "PWDSECRET5151", '
              '"X-Credential": "CREDSECRET6161"} and JSESSIONID=COOKIESECRET4242 alone')
    masked = evidence.mask(echoed)
    for s in ("COOKIESECRET4242", "PWDSECRET5151", "CREDSECRET6161"):
        assert s not in masked, masked
    assert {"Cookie", "X-Pwd", "X-Credential"} <= c.secret_headers and "Accept" not in c.secret_headers
