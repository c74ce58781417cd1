"""The built wheel is the whole tool: installed into a fresh virtual environment outside the repository,
`conform run`, `conform settle`, `conform audit`, `conform list` and the sample system work from its package data
and its declared dependencies alone."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from wheel_env import ROOT, clean_env, installed_wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    assert ROOT not in base.parents
    # the venv inside a vendor's project, as uv lays it out (`uv venv` → ./.venv): pytest prunes .venv when it walks
    # the project, and the installed suite lies inside it (test_the_plugin_collects_the_suite_from_the_projects_venv)
    project = base / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_own.py").write_text("def test_own():\n    assert 1 + 1 == 2\n", encoding="utf-8")
    bindir = installed_wheel(base, project / ".venv")
    work = base / "work"  # a folder with nothing of the repository in it
    work.mkdir()
    return bindir, work


def run(bindir: Path, work: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(bindir / args[0]), *args[1:]], cwd=work, env=clean_env(), input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_carries_features_policies_regions_and_the_sample_system(installed):
    bindir, work = installed
    site = next((bindir.parent / "lib").glob("python3*/site-packages"))
    assert (site / "conform" / "harness" / "_data" / "features" / "articles.yaml").is_file()
    assert list((site / "conform" / "harness" / "_data" / "features" / "panzhihua").glob("*.feature"))
    assert (site / "conform" / "reference" / "policies" / "texts" / "nanchang.yaml").is_file()
    assert (site / "conform" / "fixtures" / "regions" / "jilin-example.yaml").is_file()
    # the regions scenarios must see refused (吉林 六（二）, 浙江 三（二）) are those scenarios' fixtures
    shipped = {p.name for p in (site / "conform" / "fixtures" / "regions" / "invalid").glob("*.yaml")}
    assert shipped == {p.name for p in (ROOT / "conform" / "fixtures" / "regions" / "invalid").glob("*.yaml")}
    assert not (site / "features").exists()  # nothing dropped loose into site-packages
    # one top-level package: no generic names beside other packages (PyPI's `fixtures` was overwritten)
    assert not [n for n in ("reference", "harness", "fixtures", "audit") if (site / n).exists()]
    # the project's own attacker on the harness (gzip bombs, 64 MB answers) is no vendor's business
    assert (ROOT / "conform" / "fixtures" / "hostile_server").is_dir()
    assert not (site / "conform" / "fixtures" / "hostile_server").exists()
    # Apache-2.0 asks that recipients be given a copy of the licence
    dist = next(site.glob("conform-*.dist-info"))
    assert "Apache License" in (dist / "licenses" / "LICENSE").read_text(encoding="utf-8")


def test_conform_run_from_the_wheel(installed):
    bindir, work = installed
    done = run(bindir, work, "conform", "run", "--policy", "panzhihua", "--tag", "not conform_property",
               "--out", "out", "--format", "json,junit")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    data = json.loads((work / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "合格" and data["counts"]["passed"] > 100
    assert all(c["where"].startswith("features/panzhihua/") for c in data["checks"])
    doc = data["documents"][0]
    assert doc["articles_tested"] >= 8  # features/articles.yaml was read from the package data
    assert next(r for r in data["matrix"] if r["tag"] == "panzhihua-7")["text"].startswith("第七条")
    assert data["certification"]["ruleset_files"] > 10
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    if head:  # the commit the wheel was built from (hatch_build.py), though no .git is installed
        assert data["certification"]["git_commit"].startswith(head)
    assert "结论：合格" in done.stdout


def test_scenarios_naming_invalid_regions_pass_from_the_wheel(installed):
    # their Examples name conform/fixtures/regions/invalid/… files the reference must refuse, each for its clause
    bindir, work = installed
    done = run(bindir, work, "conform", "run", "--article", "jilin-6.2", "--article", "zhejiang-3.2",
               "--out", "out-invalid", "--format", "json")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    data = json.loads((work / "out-invalid" / "results.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "合格" and data["counts"]["failed"] == 0
    tags = [set(c["articles"]) for c in data["checks"]]
    assert tags and all(t & {"jilin-6.2", "zhejiang-3.2"} for t in tags)
    assert any("jilin-6.2" in t for t in tags) and any("zhejiang-3.2" in t for t in tags)
    named = {c["name"].split("配置=invalid/")[1].split(",")[0].rstrip("]"): c["status"]
             for c in data["checks"] if "配置=invalid/" in c["name"]}
    assert named == {name: "passed" for name in (
        "jilin-deductible-350", "jilin-cap-2500", "jilin-chronic-ratio-65", "jilin-chronic-cap-7000",
        "zhejiang-retiree-deductible-not-half", "zhejiang-retiree-bonus-10", "zhejiang-primary-ratio-55")}


def test_conform_settle_and_list_from_the_wheel(installed):
    bindir, work = installed
    case = (ROOT / "conform" / "fixtures" / "cases" / "jilin.yaml").read_text(encoding="utf-8")  # uses region jilin-example
    done = run(bindir, work, "conform", "settle", "-", stdin=case)
    assert done.returncode == 0, done.stderr
    # 吉林 二（五）emergency at 二级 along inpatient rules: (2000 − 500) × 85% = 1275.00 (README)
    assert '"hifp_pay": "1275.00"' in done.stdout
    # README "Adding a region": a region of one's own, by name, from conform/fixtures/regions/ of the working folder
    own = work / "own-region"
    (own / "fixtures" / "regions").mkdir(parents=True)
    region = (ROOT / "conform" / "fixtures" / "regions" / "jilin-example.yaml").read_text(encoding="utf-8")
    (own / "fixtures" / "regions" / "my-city.yaml").write_text(
        region.replace("name: jilin-example", "name: my-city").replace('ordinary.deductible: "200"',
                                                                       'ordinary.deductible: "300"'), encoding="utf-8")
    mine = run(bindir, own, "conform", "settle", "-", stdin=case.replace("region: jilin-example", "region: my-city"))
    assert mine.returncode == 0, mine.stderr
    # (1000 − 300) × 50% = 350.00 at 三级 under my-city's deductible, not the example's 200
    assert '"hifp_pay": "350.00"' in mine.stdout
    listed = run(bindir, work, "conform", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    everything = json.loads(listed.stdout)
    assert {"jilin-example"} <= {r["name"] for r in everything["regions"]}
    # the invalid regions ship as scenario fixtures, never as regions to use
    assert not any("invalid" in r["file"] or "350" in r["name"] for r in everything["regions"])
    assert any(a["status"] == "tested" for a in everything["articles"])
    sample = run(bindir, work, "python", "-m", "conform.fixtures.sample_system", "--list")
    assert sample.returncode == 0 and "deductible_per_visit" in sample.stdout


def test_conform_audit_from_the_wheel(installed):
    """docs/audit.md's worked example, audited by the installed tool: the report is written (the detail sheet's
    DuckDB function needs numpy, which only the development packages had brought in — every audit from the wheel
    was 'internal error: numpy is required', exit 3). Figures as worked by hand in docs/audit.md §6 and
    tests/audit/test_report_docs_example.py: 15 discrepancies, overpaid 200.00, underpaid 142.50."""
    import re

    bindir, work = installed
    text = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    (work / "docs-example.csv").write_text(re.search(r"```csv\n(.*?)```", text, re.S).group(1), encoding="utf-8")
    done = run(bindir, work, "conform", "audit", "docs-example.csv", "--policy", "panzhihua",
               "--region", "panzhihua-example", "--out", "audit-report")
    assert done.returncode == 1, done.stdout + done.stderr
    summary = json.loads((work / "audit-report" / "summary.json").read_text(encoding="utf-8"))
    assert sum(summary["discrepancies_by_field"].values()) == 15, summary
    assert (summary["overpaid"], summary["underpaid"]) == ("200.00", "142.50"), summary
    assert {p.name for p in (work / "audit-report").iterdir()} >= {"audit.xlsx", "audit.html", "discrepancies.csv"}


def test_the_plugin_collects_the_suite_from_the_projects_venv(installed):
    """`pytest --conform-adapter` run in a project whose venv is its own ./.venv (uv's default): pytest prunes
    `.venv` (norecursedirs, venv detection) and the suite inside it was never collected — "no conformance check
    matches the selection (-m / -k)" (rvendor s11 D5). The venv's other packages stay uncollected."""
    bindir, _ = installed
    project = bindir.parent.parent
    done = subprocess.run([str(bindir / "pytest"), "--conform-adapter", "reference", "-m", "panzhihua-7",
                           "-p", "no:cacheprovider", "--co", "-q"],
                          cwd=project, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    collected = [line for line in done.stdout.splitlines() if "::" in line]
    assert collected and all("conform/harness/conformance/" in line for line in collected), done.stdout[-2000:]
    assert not any("site-packages" in line and "conformance" not in line for line in collected)
    everything = subprocess.run([str(bindir / "pytest"), "--conform-adapter", "reference", "-p", "no:cacheprovider",
                                 "--co", "-q"], cwd=project, env=clean_env(), capture_output=True, text=True,
                                timeout=300)
    ids = [line for line in everything.stdout.splitlines() if "::" in line]
    assert "tests/test_own.py::test_own" in ids  # the vendor's own test, beside the suite
    assert all(i.startswith("tests/") or "conform/harness/conformance/" in i for i in ids), \
        [i for i in ids if not i.startswith("tests/") and "conformance" not in i][:5]


def test_the_default_build_carries_the_commit_through_the_sdist(installed):
    """Plain `uv build` builds the wheel from the unpacked sdist, where there is no .git: the wheel recorded
    {"git_commit": "", "dirty": false} — a certificate pinning no commit and claiming a clean tree (probe s20 L).
    The sdist carries the build.json written from the checkout, and the wheel keeps it."""
    import tarfile

    bindir, work = installed
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    if not head:
        pytest.skip("not a git checkout")
    site = next((bindir.parent / "lib").glob("python3*/site-packages"))
    built = json.loads((site / "conform" / "harness" / "_data" / "build.json").read_text(encoding="utf-8"))
    assert built["git_commit"] == head and isinstance(built["dirty"], bool), built
    (sdist,) = (work.parent / "dist").glob("conform-*.tar.gz")
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/conform/harness/_data/build.json"))
        assert json.loads(tar.extractfile(member).read())["git_commit"] == head


def test_a_build_where_no_commit_is_known_says_unknown_not_clean(installed, tmp_path, monkeypatch):
    """A wheel built from a tree with neither .git nor a build.json: the commit is unknown, and so is whether the
    tree was clean (dirty: null); the report then says 不可用 rather than pinning nothing as clean."""
    import tarfile
    import zipfile

    from wheel_env import UV, clean_env

    from conform.harness import resources
    from conform.harness.report import certify

    _, work = installed
    (sdist,) = (work.parent / "dist").glob("conform-*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    (src,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    (src / "conform" / "harness" / "_data" / "build.json").unlink(missing_ok=True)
    env = {**clean_env(), "GIT_CEILING_DIRECTORIES": str(tmp_path)}
    subprocess.run([UV, "build", "--wheel", "-o", str(tmp_path / "dist"), str(src)], check=True,
                   capture_output=True, timeout=300, env=env)
    (wheel,) = (tmp_path / "dist").glob("conform-*.whl")
    with zipfile.ZipFile(wheel) as z:
        built = json.loads(z.read("conform/harness/_data/build.json"))
    assert built == {"git_commit": "", "dirty": None}
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    (bundled / "build.json").write_text(json.dumps(built), encoding="utf-8")
    monkeypatch.setattr(resources, "BUNDLED", bundled)
    assert certify._built_from() == ""  # the xlsx and html then say 不可用 not available
