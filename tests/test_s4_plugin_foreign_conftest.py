"""`pytest --conform-adapter` with the wheel installed in a virtual environment that sits inside a folder
with a conftest.py of its own (a monorepo whose root conftest names pytest_plugins, run from a
subproject): collecting the suite from site-packages, pytest read that conftest.py too and the session
ended with exit 4, "cannot load the checks: … Defining 'pytest_plugins' in a non-top-level conftest…".
The suite's folders now load no conftest.py above the package; the vendor's own conftests load as ever."""
from __future__ import annotations

import json
import subprocess

import pytest
from sample_server import SampleServer
from wheel_env import clean_env, installed_wheel

FOREIGN = '''\

Path(__file__).with_name("IMPORTED").write_text("the foreign conftest was imported")
pytest_plugins = []
'''


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory):
    """base/x/conftest.py (pytest_plugins), base/x/v the venv with the wheel, base/y the vendor's project."""
    base = tmp_path_factory.mktemp("foreign")
    outer = base / "x"
    outer.mkdir()
    (outer / "conftest.py").write_text(FOREIGN, encoding="utf-8")
    venv = outer / "v"
    installed_wheel(base, venv)
    vendor = base / "y"
    (vendor / "tests" / "deep").mkdir(parents=True)
    # the vendor's own conftests: a top-level one naming pytest_plugins (allowed there) and one further down
    (vendor / "conftest.py").write_text("import pytest\n\npytest_plugins = []\n\n@pytest.fixture\n"
                                        "def vendor_top():\n    return 'top'\n\n"
                                        "def pytest_configure(config):\n"
                                        "    config.addinivalue_line('markers', 'own: the vendor\\'s test')\n",
                                        encoding="utf-8")
    (vendor / "tests" / "deep" / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef vendor_deep():\n    return 'deep'\n", encoding="utf-8")
    (vendor / "tests" / "deep" / "test_own.py").write_text(
        "import pytest\n\n@pytest.mark.own\ndef test_own(vendor_top, vendor_deep):\n    assert (vendor_top, vendor_deep) == ('top', 'deep')\n",
        encoding="utf-8")
    return venv / "bin", outer, vendor


def test_a_conftest_above_the_venv_is_not_loaded_and_the_vendors_own_are(monorepo):
    bindir, outer, vendor = monorepo
    with SampleServer() as server:
        done = subprocess.run([str(bindir / "pytest"), "--conform-adapter", server.url, "-m",
                               "panzhihua-7 and not conform_property or own", "--conform-report", "reports/",
                               "-p", "no:cacheprovider", "-rA", "tests/"],
                              cwd=vendor, env=clean_env(), capture_output=True, text=True, timeout=600)
    out = done.stdout[-3000:] + done.stderr[-2000:]
    assert "non-top-level conftest" not in out, out
    assert not (outer / "IMPORTED").exists(), out
    assert done.returncode == 0, out
    data = json.loads((vendor / "reports" / "results.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "合格" and data["counts"]["passed"] > 5
    assert "PASSED tests/deep/test_own.py::test_own" in done.stdout, out  # with both its conftests' fixtures
    assert all("panzhihua-7" in c["articles"] for c in data["checks"])


def test_should_pytest_read_one_anyway_the_failure_says_what_to_do():
    """The table the plugin fills is pytest's own (private): a pytest without it reads the conftest.py
    again, and the message must then say what to do, not only pytest's 'move it to the rootdir'."""
    from conform.harness.run import _Hook, conclude

    hook = _Hook()
    hook.collect_errors.append("::x: Failed: Defining 'pytest_plugins' in a non-top-level conftest is no longer "
                               "supported: … /repo/conftest.py Please move it to a top level conftest file")
    ex = conclude(hook, 2, "http://127.0.0.1:1/", None, {"policies": [], "articles": [], "tag": None})
    assert ex.usage_error.startswith("cannot load the checks: ::x: Failed: Defining 'pytest_plugins'")
    assert "put the virtual environment outside that folder" in ex.usage_error
    assert "conform run" in ex.usage_error
