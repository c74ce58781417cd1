"""conform.toml's [adapter] ca_file, client_cert and client_key (rvendor8 D4): a test environment's own CA
trusted besides the public bundle, a client certificate for mutual TLS; paths relative to the config file;
a file that cannot be used stops the run with exit 2 naming the key and the file, before any request."""
from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner
from test_s8_implR_tls import Server, make_pki, prepare

from conform.harness.config import ConfigError, load_adapter_config
from conform.harness.run import EXIT_USAGE, run_command

pytestmark = pytest.mark.skipif(not os.environ.get("CI") and shutil.which("openssl") is None,
                                reason="needs the openssl command to make throwaway certificates")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def test_tls_files_are_read_relative_to_the_config_file_and_used(pki, tmp_path):
    for name in ("ca", "client"):
        shutil.copy(pki[name], tmp_path / f"{name}.pem")
    shutil.copy(pki["client.key"], tmp_path / "client.key")
    cfg_file = tmp_path / "conform.toml"
    cfg_file.write_text('[adapter]\nca_file = "ca.pem"\nclient_cert = "client.pem"\nclient_key = "client.key"\n',
                        encoding="utf-8")
    cfg = load_adapter_config(cfg_file)
    assert (cfg.ca_file, cfg.client_cert, cfg.client_key) == (str(tmp_path / "ca.pem"), str(tmp_path / "client.pem"),
                                                             str(tmp_path / "client.key"))
    with Server(pki["server"], pki["server.key"], client_ca=pki["ca"]) as server:
        prepare(server.url, ca_file=cfg.ca_file, client_cert=cfg.client_cert, client_key=cfg.client_key)


def test_a_missing_ca_file_is_exit_2_naming_the_key_before_any_request(tmp_path):
    cfg_file = tmp_path / "conform.toml"
    cfg_file.write_text('[adapter]\nurl = "https://127.0.0.1:1/"\nca_file = "missing.pem"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key adapter\.ca_file: .*missing\.pem: no such file"):
        load_adapter_config(cfg_file)
    out = tmp_path / "out"
    result = CliRunner().invoke(run_command, ["--config", str(cfg_file), "--article", "panzhihua-7", "--no-progress",
                                              "--out", str(out)])
    assert result.exit_code == EXIT_USAGE, result.output[-2000:]
    assert "adapter.ca_file" in result.output and "no such file" in result.output
    assert not (out / "results.json").exists()


def test_a_tls_key_must_be_a_path(tmp_path):
    cfg_file = tmp_path / "conform.toml"
    cfg_file.write_text('[adapter]\nclient_cert = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key adapter\.client_cert: must be the path of a PEM file"):
        load_adapter_config(cfg_file)
