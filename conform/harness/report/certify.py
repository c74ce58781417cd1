"""The certification record: what was tested, against which rules, by which build, reproducibly.

A vendor's certificate cites a report; a reader must be able to check it. The
record names the system under test (name and version from the config's
[system] table, not only its URL), the rule set (one SHA-256 over the policy
files and the features used, the project's version and git commit), the seed
and profile in words, and a manifest of SHA-256 digests of every report file
(written beside them as manifest.sha256, checkable with `sha256sum -c`).
It also names the documents, the dates and the region configurations the
figures came from: the shipped ones (conform/fixtures/regions/*-example.yaml) are
fictitious, so a 合格 against them, for a framework (吉林, 浙江) above all,
certifies those example figures, not a real 统筹区, and the record says so.
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import tomllib
from functools import lru_cache
from pathlib import Path

from .. import resources
from .model import cut

MAX_CONFIG = 1_000_000
PROFILE_WORDS = {
    "conform": "日常运行：每个属性随机生成少量样例（快速检查） everyday run: a few random examples per property",
    "ci": "持续集成：每个属性固定生成同一批样例（每次结果可重现） CI run: the same examples every time",
    "thorough": "认证运行：每个属性生成数千个样例 certification run: thousands of examples per property",
}


def system_identity(config: str | None) -> dict[str, str]:
    """{system_name, system_version} from the config's [system] table (absent keys are left out)."""
    if not config:
        return {}
    try:
        raw = Path(config).read_bytes()[:MAX_CONFIG]
        table = tomllib.loads(raw.decode("utf-8-sig")).get("system", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    if not isinstance(table, dict):
        return {}
    out = {}
    for key in ("name", "version"):
        value = table.get(key)
        if isinstance(value, (str, int, float)) and str(value).strip():
            out[f"system_{key}"] = cut(str(value).strip(), 200)
    return out


def _rule_files() -> list[tuple[str, Path]]:
    files = [(f"conform/reference/policies/{p.relative_to(resources.policies_dir()).as_posix()}", p)
             for p in resources.policies_dir().rglob("*.yaml")]
    feats = resources.features_dir()
    files += [(f"features/{p.relative_to(feats).as_posix()}", p)
              for p in feats.rglob("*") if p.is_file() and p.suffix in (".feature", ".yaml")]
    return sorted(files)


@lru_cache(maxsize=1)
def ruleset_digest() -> tuple[str, int]:
    """SHA-256 over every policy file and feature (path, NUL, bytes, NUL in path order) and how many files."""
    h = hashlib.sha256()
    files = _rule_files()
    for shown, path in files:
        h.update(shown.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest(), len(files)


@lru_cache(maxsize=1)
def git_commit() -> str:
    """The repository's commit (with '+修改' when the tree has uncommitted changes), or '' outside a clone."""
    root = resources.source_root()
    if root is None or not (root / ".git").exists():
        return _built_from()
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    commit = head.stdout.strip() if head.returncode == 0 else ""
    return commit + (" +未提交修改 uncommitted changes" if commit and dirty.stdout.strip() else "")


def _built_from() -> str:
    """The commit an installed wheel was built from (conform/harness/_data/build.json, written by hatch_build.py)."""
    import json

    try:
        data = json.loads((resources.BUNDLED / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    commit = str(data.get("git_commit") or "")[:64] if isinstance(data, dict) else ""
    return commit + (" +未提交修改 uncommitted changes" if commit and data.get("dirty") else "")


def seed_words(seed: object) -> str:
    if seed in (None, ""):
        return "本次运行没有属性测试，未使用随机种子 no property ran, no seed"
    if seed == "derandomize":
        return "固定样例（不随机），每次运行相同 fixed examples, the same every run"
    return f"随机种子 {seed}：用 --seed {seed} 可重现同一批样例 reproduce with --seed {seed}"


def profile_words(profile: object) -> str:
    if not profile:
        return "—"
    return PROFILE_WORDS.get(str(profile), f"{profile}")


REGION_STEP = re.compile(r'地区配置\s*"([^"\n]{1,200})"')
RAN = ("passed", "failed", "error")  # a property that drew examples (not skipped, not refused before it began)


def regions_used(checks: list[dict]) -> list[dict]:
    """The region configurations the run settled under: each scenario's 地区配置 "…" step (and a
    counterexample's), and for every property that ran, the example regions its generators draw from
    (conform.harness.generators.settings_for: a region left out for a gap or an invalid figure was not
    drawn, so it is not named as certified). Each with its label and whether it is a fictitious example."""
    names: dict[str, None] = {}
    drawn: dict[str, None] = {}
    for c in checks:
        texts = [str(s.get("text", "")) for s in c.get("steps") or [] if isinstance(s, dict)]
        for text in [*texts, str(c.get("counterexample") or "")]:
            for name in REGION_STEP.findall(text):
                names.setdefault(name)
        if c.get("kind") == "property" and c.get("status") in RAN and c.get("policy"):
            drawn.setdefault(str(c["policy"]))
    if drawn:
        try:
            from ..generators import settings_for

            regions = {pid: [st.region for st in settings_for(pid) if st.region] for pid in drawn}
        except Exception:  # noqa: BLE001 - the record names what it can; the run's results stand without it
            regions = {}
        for pid in drawn:
            for name in regions.get(pid, ()):
                names.setdefault(name)
    return [_region(name) for name in names]


def _region(name: str) -> dict:
    from conform.reference.policy import PolicyError, load_region_file

    try:
        r = load_region_file(name)
    except (PolicyError, OSError, ValueError):
        return {"name": name, "label": "", "policy": "", "example": False, "fictitious": False}
    label = str(r.label or "")
    return {"name": r.name, "label": label, "policy": r.policy, "example": bool(r.example),
            "fictitious": bool(r.example) or "虚构" in label}


def scope_note(documents: list[dict], regions: list[dict]) -> str:
    """What a 合格 certifies when the figures came from fictitious example regions: for a framework
    (吉林, 浙江: each 统筹区 or city sets its own figures) not any real 统筹区; for a city, not its
    real parameters where the example supplied them."""
    fictitious = [r for r in regions if r["fictitious"]]
    if not fictitious:
        return ""
    frameworks = [d for d in documents if d.get("kind") == "framework" and d.get("checks")]
    by_policy = {d["id"]: d.get("label") or d.get("short", d["id"]) for d in documents if d.get("id")}
    names = "、".join(f"{r['name']}（{by_policy.get(r['policy'], r['policy'])}）" for r in fictitious)
    note = (f"本次使用的地区配置 {names} 为示例配置，所有数值均为虚构，仅用于测试。"
            "The region configurations used are fictitious examples. ")
    if frameworks:
        docs = "、".join(d.get("label") or d.get("short", "") for d in frameworks)
        note += (f"{docs} 是框架性文件，具体数值由各统筹区（设区市）确定：本报告对其的“合格”只说明被测系统按上述虚构的"
                 "示例数值计算时符合文件规定的结构和上限，不证明被测系统符合任何真实统筹区的参数；认证某一统筹区，须以该统筹区"
                 "正式发布的数值作地区配置重新运行。For a framework document, 合格 certifies the fictitious example "
                 "figures, not any real pooling region: rerun with the region's published figures to certify it.")
    else:
        note += ("“合格”只说明被测系统按这些示例数值计算正确，文件未规定、由示例补充的数值不代表当地现行标准。"
                 "合格 certifies the example figures where the document leaves them open, not the local ones.")
    return note


def record(run: dict, examples: dict, checks: list[dict] | None = None, documents: list[dict] | None = None) -> dict:
    """The certification record for the report's `run` view: who, against which documents and region
    configurations, when, by which build."""
    digest, nfiles = ruleset_digest()
    profile = (examples or {}).get("profile", "")
    adapter = run.get("adapter") or {}
    regions = regions_used(checks or [])
    docs = [d for d in documents or [] if d.get("id")]
    names = {d["id"]: d.get("label") or d.get("short", "") for d in docs}
    for r in regions:  # the document as every sheet names it (南昌 marked 征求意见稿)
        r["document"] = names.get(r["policy"], r["policy"])
    return {
        "documents": [{"id": d["id"], "label": d.get("label") or d.get("short", ""), "title": d.get("title", ""),
                       "number": d.get("number", ""), "kind": d.get("kind", "")} for d in docs],
        "started": run.get("started", ""),
        "finished": run.get("finished", ""),
        "regions": regions,
        "scope_note": scope_note(docs, regions),
        "system_name": adapter.get("system_name") or "",
        "system_version": adapter.get("system_version") or "",
        "system_url": run.get("system", ""),
        "ruleset_sha256": digest,
        "ruleset_files": nfiles,
        "project_version": run.get("harness_version", ""),
        "git_commit": git_commit(),
        "seed": run.get("seed"),
        "seed_words": seed_words(run.get("seed")),
        "profile": profile,
        "profile_words": profile_words(profile),
    }


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest(paths: list[Path]) -> list[dict]:
    return [{"file": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in paths]


def manifest_text(entries: list[dict]) -> str:
    """`sha256sum -c` format."""
    return "".join(f"{e['sha256']}  {e['file']}\n" for e in entries)
