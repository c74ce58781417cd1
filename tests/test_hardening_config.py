"""conform.toml and --adapter: every bad value is a located configuration error (exit 2) before any check runs.

Classes closed here: header names/values HTTP does not allow (non-ASCII, control characters),
framing and hop-by-hop headers (a config must not set Content-Length, Transfer-Encoding,
Connection, Host…), URLs with a bad scheme/port/host, a plugin module that fails to import for
any reason (syntax error, an exception or sys.exit at import), `supports = []`.
"""
from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from conform.harness.adapters import AdapterSpecError, make_adapter
from conform.harness.cli import main as cli
from conform.harness.config import ConfigError, load_adapter_config


def write(tmp_path, text: str, name: str = "conform.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def run_cli(args: list[str], tmp_path):
    return CliRunner().invoke(cli, ["run", *args, "--out", str(tmp_path / "reports"), "--no-progress"])


@pytest.mark.parametrize("headers, key, why", [
    ('Content-Length = "5"', "adapter.headers.Content-Length", "set by the HTTP transport"),
    ('transfer-encoding = "chunked"', "adapter.headers.transfer-encoding", "set by the HTTP transport"),
    ('Connection = "close"', "adapter.headers.Connection", "set by the HTTP transport"),
    ('Host = "evil.example"', "adapter.headers.Host", "set by the HTTP transport"),
    ('X-Vendor = "ａｃｍｅ"', "adapter.headers.X-Vendor", "visible ASCII"),
    ('X-Vendor = "a\\u0000b"', "adapter.headers.X-Vendor", "visible ASCII"),
    ('X-Vendor = "a\\u007fb"', "adapter.headers.X-Vendor", "visible ASCII"),
    ('X-Vendor = "a\\tb\\u000b"', "adapter.headers.X-Vendor", "visible ASCII"),
    ('X-Vendor = " padded"', "adapter.headers.X-Vendor", "visible ASCII"),
    ('"X Vendor" = "a"', "adapter.headers.'X Vendor'", "not a valid HTTP header name"),
    ('"X-Vëndor" = "a"', "adapter.headers.'X-Vëndor'", "not a valid HTTP header name"),
    ('X-A = "1"\nx-a = "2"', "adapter.headers.x-a", "the same header"),
])
def test_headers_are_checked_as_http_allows(tmp_path, headers, key, why):
    p = write(tmp_path, f'[adapter]\nurl = "http://127.0.0.1:9/"\n[adapter.headers]\n{headers}\n')
    with pytest.raises(ConfigError) as e:
        load_adapter_config(p)
    assert f"{p}: key {key}:" in str(e.value) and why in str(e.value), str(e.value)


def test_a_header_from_the_environment_with_a_control_character_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CONFORM_HARDEN_KEY", "abc\x01def")
    p = write(tmp_path, '[adapter]\nurl = "http://127.0.0.1:9/"\n[adapter.headers]\nX-Api-Key = { env = "CONFORM_HARDEN_KEY" }\n')
    with pytest.raises(ConfigError, match="environment variable's value must be visible ASCII"):
        load_adapter_config(p)


@pytest.mark.parametrize("url, why", [
    ("ftp://x/", "must start with http:// or https://"),
    ("http://127.0.0.1:99999/", "out of range"),
    ("http://127.0.0.1:0/", "out of range"),
    ("http://127.0.0.1:-1/", "not a valid URL"),
    ("http://127.0.0.1:8x/", "not a valid URL"),
    ("http:///path", "names no host"),
    ("http://exa mple/", "spaces or control characters"),
    ("http://example/\u0000", "spaces or control characters"),
])
def test_urls_are_checked_in_the_config_and_on_the_command_line(tmp_path, url, why):
    p = write(tmp_path, f'[adapter]\nurl = {json.dumps(url)}\n')
    with pytest.raises(ConfigError) as e:
        load_adapter_config(p)
    assert f"{p}: key adapter.url:" in str(e.value) and why in str(e.value), str(e.value)
    with pytest.raises(AdapterSpecError) as e:   # an ftp:// --adapter is an unknown adapter name
        make_adapter(url)
    assert why in str(e.value) or "unknown adapter" in str(e.value), str(e.value)


def test_supports_empty_is_refused(tmp_path):
    p = write(tmp_path, '[adapter]\nurl = "http://127.0.0.1:9/"\nsupports = []\n')
    with pytest.raises(ConfigError, match=r"key adapter.supports: is empty"):
        load_adapter_config(p)


@pytest.mark.parametrize("text, key", [
    ('[adapter]\nurl = "http://x/"\ntimeout = 1e300', "adapter.timeout"),
    ('[adapter]\nurl = "http://x/"\ntimeout = inf', "adapter.timeout"),
    ('[adapter]\nurl = "http://x/"\nmax_response_bytes = 10', "adapter.max_response_bytes"),
    ('[adapter]\nurl = "http://x/"\nmax_response_bytes = 99999999999999999', "adapter.max_response_bytes"),
])
def test_out_of_range_numbers_are_refused(tmp_path, text, key):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError, match=f"key {key}:"):
        load_adapter_config(p)


def test_deeply_nested_toml_and_a_huge_file_are_configuration_errors(tmp_path):
    deep = write(tmp_path, "[adapter.options]\nx = " + "[" * 5000 + "]" * 5000 + "\n", "deep.toml")
    with pytest.raises(ConfigError, match="malformed TOML"):
        load_adapter_config(deep)
    big = write(tmp_path, "# " + "x" * (2 << 20) + "\n", "big.toml")
    with pytest.raises(ConfigError, match="larger than"):
        load_adapter_config(big)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'[adapter]\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_adapter_config(bad)


MODULES = {
    "conform_harden_syntax": ("def broken(:\n    pass\n", "syntax error"),
    "conform_harden_raises": ("raise RuntimeError('vendor client needs a licence file')\n",
                              "RuntimeError: vendor client needs a licence file"),
    "conform_harden_exits": ("import sys\nsys.exit(3)\n", "SystemExit"),
    "conform_harden_keyerror": ("import os\nos.environ['CONFORM_SURELY_UNSET_1234']\n", "KeyError"),
}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_plugin_module_failing_to_import_is_a_configuration_error_naming_it(tmp_path, monkeypatch, module):
    source, why = MODULES[module]
    (tmp_path / f"{module}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(AdapterSpecError) as e:
        make_adapter(f"python:{module}:Adapter")
    assert module in str(e.value) and why in str(e.value), str(e.value)
    # and through the command line: exit 2, the module named, no traceback, no check ran
    monkeypatch.delitem(sys.modules, module, raising=False)
    result = run_cli(["--adapter", f"python:{module}:Adapter"], tmp_path)
    assert result.exit_code == 2, result.output
    assert module in result.output and "Traceback" not in result.output
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


@pytest.mark.parametrize("text, key", [
    ('[adapter]\nurl = "http://127.0.0.1:9/"\n[adapter.headers]\nContent-Length = "0"\n',
     "adapter.headers.Content-Length"),
    ('[adapter]\nurl = "http://127.0.0.1:70000/"\n', "adapter.url"),
    ('[adapter]\nname = "reference"\nsupports = []\n', "adapter.supports"),
])
def test_conform_run_exits_2_with_a_located_message_before_any_check(tmp_path, text, key):
    p = write(tmp_path, text)
    result = run_cli(["--config", str(p)], tmp_path)
    assert result.exit_code == 2, result.output
    assert f"{p}: key {key}:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_credentials_in_the_url_query_are_masked(tmp_path):
    from conform.harness import evidence
    from conform.harness.adapters.http import public_url

    url = "http://user:pw-7d1e9@127.0.0.1:9/api?token=tok-55aa31&sign=sig-0b9c&mode=test&access_token=at-42f1"
    a = make_adapter(url)
    shown = repr(a.describe()) + public_url(url) + evidence.mask(f"POST {url} failed")
    for secret in ("pw-7d1e9", "tok-55aa31", "sig-0b9c", "at-42f1"):
        assert secret not in shown, shown
    assert "mode=test" in public_url(url)       # harmless parameters stay readable


@pytest.mark.parametrize("text, key, why", [
    ('[system]\nnmae = "HIS"\n', "system.nmae", "unknown key; allowed: name, version"),
    ('[system]\nname = "HIS"\nversion = 3.10\n', "system.version", "3.10 becomes 3.1"),
    ('[system]\nname = ""\n', "system.name", "must be non-empty text"),
    ('system = "HIS 3.10"\n', "system", "must be a table"),
])
def test_the_system_table_is_checked_not_read_wrong(tmp_path, text, key, why):
    """[system] goes into the certification record: a misspelt key or an unquoted version is refused."""
    p = write(tmp_path, text + '[adapter]\nurl = "http://127.0.0.1:9/"\n')
    with pytest.raises(ConfigError, match=f"key {key}: .*{why}"):
        load_adapter_config(p)


def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path):
    """Windows Notepad's "UTF-8" starts the file with EF BB BF."""
    p = tmp_path / "conform.toml"
    p.write_bytes(b"\xef\xbb\xbf" + '[system]\nname = "HIS"\nversion = "3.10"\n[adapter]\nurl = "http://127.0.0.1:9/"\n'
                  .encode())
    assert load_adapter_config(p).spec == "http://127.0.0.1:9/"
    from conform.harness.report.certify import system_identity
    assert system_identity(str(p)) == {"system_name": "HIS", "system_version": "3.10"}


def test_a_folder_given_as_the_config_says_so(tmp_path):
    with pytest.raises(ConfigError, match="is a folder, not a config file"):
        load_adapter_config(tmp_path)
