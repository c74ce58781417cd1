"""A --config file that names no system under test (no [adapter] url or name) is refused, exit 2, one line naming
the file (probe s29 U2 F5): it ran the built-in reference engine and certified it 合格 under the file's [system]
name. The reference stays the default when neither --adapter nor --config is given (README quickstart)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conform.harness.adapters import AdapterSpecError, make_adapter
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.cli import main
from conform.harness.config import load_adapter_config

ROOT = Path(__file__).resolve().parent.parent
SYSTEM = '[system]\nname = "ACME 医保结算系统"\nversion = "5.2.1"\n'
MISSING = 'no [adapter] url or name: the system under test is not named; name = "reference" for the built-in engine'
# `url` written after [adapter.headers]: TOML reads it as a header named url (line 10 below)
IN_HEADERS = (SYSTEM + '\n[adapter]\ntimeout = 20\n\n[adapter.headers]\nX-Api-Key = "k-123"\n'
              'url = "http://127.0.0.1:9/"     # meant for [adapter]\n')


def _run(tmp_path, *args):
    return CliRunner().invoke(main, ["run", *args, "--article", "panzhihua-7", "--tag", "not conform_property",
                                     "--out", str(tmp_path / "out"), "--no-progress"])


@pytest.mark.parametrize("text", ["", SYSTEM + "[adapter]\ntimeout = 20\nconcurrency = 1\n", SYSTEM],
                         ids=["empty", "no-url", "system-only"])
def test_conform_run_refuses_a_config_naming_no_system(tmp_path, text):
    cfg = tmp_path / "conform.toml"
    cfg.write_text(text, encoding="utf-8")
    r = _run(tmp_path, "--config", str(cfg))
    assert r.exit_code == 2, r.output[-2000:]
    said = [line for line in r.output.splitlines() if line.strip()]
    assert said == [f"conform: error: {cfg}: {MISSING}"], r.output[-2000:]
    assert not (tmp_path / "out").exists()  # refused before anything ran: no report, no 合格


def test_a_url_under_the_headers_table_is_named_with_its_line(tmp_path):
    cfg = tmp_path / "conform.toml"
    cfg.write_text(IN_HEADERS, encoding="utf-8")
    assert IN_HEADERS.splitlines()[9].startswith("url = ")
    r = _run(tmp_path, "--config", str(cfg))
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1, r.output[-2000:]
    assert f"{cfg}: {MISSING}" in r.output
    assert "adapter.headers.url (line 10) is a header named 'url', not the [adapter] key" in r.output, r.output
    assert "Traceback" not in r.output and not (tmp_path / "out").exists()


def test_the_refusal_is_in_make_adapter_where_every_path_chooses_the_system(tmp_path):
    cfg = tmp_path / "conform.toml"
    cfg.write_text(SYSTEM, encoding="utf-8")
    loaded = load_adapter_config(cfg)
    with pytest.raises(AdapterSpecError, match=r"no \[adapter\] url or name"):
        make_adapter(None, loaded)
    # a system named elsewhere: on the command line, or `name = "reference"` in the file, is the built-in engine
    assert isinstance(make_adapter("reference", loaded), ReferenceAdapter)
    cfg.write_text(SYSTEM + '[adapter]\nname = "reference"\n', encoding="utf-8")
    assert isinstance(make_adapter(None, load_adapter_config(cfg)), ReferenceAdapter)
    # neither --adapter nor --config: the reference, as before (README quickstart `uv run conform run`)
    assert isinstance(make_adapter(None, load_adapter_config(None)), ReferenceAdapter)
    assert isinstance(make_adapter(None, None), ReferenceAdapter)


def test_a_header_named_like_an_adapter_key_is_kept_when_the_system_is_named(tmp_path):
    """Said only in the refusal: with a url given the header is sent as written (never demand more of the file)."""
    cfg = tmp_path / "conform.toml"
    cfg.write_text('[adapter]\nurl = "http://127.0.0.1:9/"\n[adapter.headers]\ntimeout = "5"\n', encoding="utf-8")
    loaded = load_adapter_config(cfg)
    assert loaded.headers == {"timeout": "5"} and loaded.misplaced == (("timeout", 4),)
    assert make_adapter(None, loaded).describe()["adapter"] != "reference"


@pytest.mark.parametrize("entry_point", [False, True], ids=["harness-plugin", "with-vendor-entry-point"])
def test_the_pytest_plugins_refuse_the_same_config(tmp_path, entry_point):
    """The session `conform run` starts (conform/harness/plugin.py's adapter fixture) reads the same loader and
    chooses through make_adapter: given the config alone it exits 2 naming the file, not a 合格 for the reference;
    with the vendors' entry point (conform.harness.pytest_plugin) loaded too, that plugin refuses it before the
    session starts (its own wording, the same exit code and the same missing keys)."""
    cfg = tmp_path / "conform.toml"
    cfg.write_text(SYSTEM, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "conform.harness.plugin", "-p", "no:cacheprovider",
                           *(() if entry_point else ("-p", "no:conform")),
                           "-p", "no:xdist", "-p", "no:randomly", "-q", "conform/harness/conformance",
                           "-m", "panzhihua-7", "-k", "not conform_property", "--conform-config", str(cfg)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    said = done.stdout + done.stderr
    assert str(cfg) in said and "no [adapter] url or name" in said, said[-2000:]
    if entry_point:
        assert done.returncode == 2, said[-2000:]
    else:  # the fixture's pytest.exit: pytest's usage error (`conform run` refuses the file before its session)
        assert done.returncode == pytest.ExitCode.USAGE_ERROR and f"{cfg}: {MISSING}" in said, said[-2000:]
    assert " passed" not in said
