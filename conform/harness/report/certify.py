"""The certification record: what was tested, against which rules, by which build, reproducibly.

A vendor's certificate cites a report; a reader must be able to check it. The
record names the system under test (name and version from the config's
[system] table, not only its URL), the rule set (one SHA-256 over the policy
files and the features used, the project's version and git commit), the seed
and profile in words, and a manifest of SHA-256 digests of every report file
(written beside them as manifest.sha256, checkable with `sha256sum -c`).
It also names the documents, the dates and the region configurations the
figures came from, each pinned: its file, the SHA-256 of its bytes and its
figures as written, and the rule set's digest and the commit cover the region
files used. The shipped ones (conform/fixtures/regions/*-example.yaml) are
fictitious, so a 合格 against them, for a framework (吉林, 浙江) above all,
certifies those example figures, not a real 统筹区, and the record says so; a
real region (no `example: true`, `conform run --region FILE`) is certified as
the figures in its file, not as the region's published ones. The regions
scenarios use only to see them refused (conform/fixtures/regions/invalid/) are
listed apart: nothing was settled under them.
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from conform.display import cut

from .. import resources

MAX_CONFIG = 1_000_000
PROFILE_WORDS = {
    "conform": "日常运行：每个属性随机生成少量样例（快速检查） everyday run: a few random examples per property",
    "ci": "持续集成：每个属性固定生成同一批样例（每次结果可重现） CI run: the same examples every time",
    "thorough": "认证运行：每个属性在时间预算内生成尽可能多的样例（或 --examples 给定的个数） certification run: as many "
                "examples per property as the time budget allows (or the number --examples gives)",
}


def system_identity(config: str | None) -> dict[str, str]:
    """{system_name, system_version} from the config's [system] table (absent keys are left out)."""
    if not config:
        return {}
    from conform.files import special_kind

    if special_kind(config):  # a device (/dev/zero) is never read: the config check has refused it already
        return {}
    try:
        with Path(config).open("rb") as f:
            raw = f.read(MAX_CONFIG)
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
def _base_digest() -> tuple[Any, int]:
    """The digest's state over every policy file and feature (path, NUL, bytes, NUL in path order), and how many."""
    h = hashlib.sha256()
    files = _rule_files()
    for shown, path in files:
        h.update(shown.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h, len(files)


def ruleset_digest(regions: Iterable[tuple[str, bytes]] = ()) -> tuple[str, int]:
    """SHA-256 over every policy file and feature, then the region files the run used (shown path, NUL, bytes,
    NUL; each part in path order), and how many files: the same figures in another region file are another
    rule set. Without regions it is the digest of the policies and features alone."""
    base, count = _base_digest()
    h = base.copy()
    files = sorted(set(regions))
    for shown, data in files:
        h.update(shown.encode("utf-8") + b"\0" + data + b"\0")
    return h.hexdigest(), count + len(files)


OUTSIDE = " +仓库外的地区配置 region files outside the repository（以各自的 SHA-256 为准 pinned by their SHA-256）"
DIRTY = " +未提交修改 uncommitted changes"
DIRTY_UNKNOWN = " +是否有未提交修改未知 uncommitted changes unknown"


@lru_cache(maxsize=8)
def git_commit(region_files: tuple[str, ...] = ()) -> str:
    """The repository's commit (with '+未提交修改' when the tree has uncommitted changes, or a region file the
    run used is untracked, ignored or changed; '+仓库外的地区配置' when one lies outside the clone), or ''
    outside a clone."""
    root = resources.source_root()
    if root is None or not (root / ".git").exists():
        return _built_from(region_files)
    inside, outside = _inside(root, region_files)
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5)
        # a region file the run read: committed as it is, or the commit does not pin its figures
        regions = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--ignored", "--", *inside],
                                 cwd=root, capture_output=True, text=True, timeout=5) if inside else None
    except (OSError, subprocess.SubprocessError):
        return ""
    commit = head.stdout.strip() if head.returncode == 0 else ""
    if not commit:
        return ""
    changed = dirty.stdout.strip() or (regions is not None and (regions.returncode != 0 or regions.stdout.strip()))
    return commit + (DIRTY if changed else "") + (OUTSIDE if outside else "")


def _inside(root: Path, files: tuple[str, ...]) -> tuple[list[str], bool]:
    """The files under `root` (relative, posix) and whether any lies outside it."""
    inside, outside = [], False
    top = root.resolve()
    for f in files:
        try:
            inside.append(Path(f).resolve().relative_to(top).as_posix())
        except (ValueError, OSError):
            outside = True
    return inside, outside


def _built_from(region_files: tuple[str, ...] = ()) -> str:
    """The commit an installed wheel was built from (conform/harness/_data/build.json, written by hatch_build.py);
    a region file the run used from outside the package's own regions is not pinned by it."""
    import json

    try:
        data = json.loads((resources.BUNDLED / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    commit = str(data.get("git_commit") or "")[:64] if isinstance(data, dict) else ""
    if not commit:
        return ""
    from conform.reference.policy import REGION_DIR

    _, outside = _inside(REGION_DIR, region_files)
    # dirty null: whether the tree was clean is not known (hatch_build.py), never read as clean
    dirty = DIRTY if data.get("dirty") else DIRTY_UNKNOWN if data.get("dirty") is None else ""
    return commit + dirty + (OUTSIDE if outside else "")


def seed_words(seed: object, front_end: object = "run", reproduce: object = None) -> str:
    """The seed and the option that reproduces it in the command that ran (examples["front_end"]): `conform run`
    takes --seed, a vendor's pytest session --conform-seed (its --seed would be no option of conform's). With the
    session's own options (examples["reproduce"], settings.reproduce_session) those: a --thorough run's seed alone
    reran the 20-example profile."""
    if seed in (None, ""):
        return "本次运行没有属性测试，未使用随机种子 no property ran, no seed"
    if seed == "derandomize":
        return "固定样例（不随机），每次运行相同 fixed examples, the same every run"
    if isinstance(reproduce, str) and reproduce.strip():
        from .model import pytest_command

        how = pytest_command(reproduce.strip()) if front_end == "pytest" else reproduce.strip()
    else:
        how = f"pytest --conform-seed {seed}" if front_end == "pytest" else f"conform run --seed {seed}"
    if "budget" in how or ("thorough" in how and "examples" not in how):  # a time budget: examples follow speed
        return (f"随机种子 {seed}：用 {how} 可按同样的选项重跑；时间预算下样例数取决于运行速度，各反例的重现命令见其下方 "
                f"rerun with {how}; under a time budget the examples depend on speed: each counterexample names its own")
    return f"随机种子 {seed}：用 {how} 可重现同一批样例 reproduce with {how}"


def profile_words(profile: object) -> str:
    if not profile:
        return "—"
    return PROFILE_WORDS.get(str(profile), f"{profile}")


REGION_STEP = re.compile(r'地区配置\s*"([^"\n]{1,200})"')
# 那么 地区配置被拒绝，原因引用 "…" (conform/harness/steps/library.py): the scenario's region is there to be refused
REFUSED_STEP = "地区配置被拒绝"
OVERRIDE_STEP = "地区参数"   # 假如 地区参数 "…" 为 "…": one figure of the scenario's region file overridden
MAX_REGIONS = 100   # region files a record lists (a run uses a handful)
MAX_VALUES = 200    # figures listed per region (a region file holds a few dozen)


NOT_RUN = ("not_applicable", "skipped")


def region_refs(checks: list[dict], selected: Any = ()) -> tuple[dict[str, dict[str, int]], list[str]]:
    """The region refs (names or paths) the run's checks settled or drew under, each with how many scenarios and
    properties used it: a scenario's 地区配置 "…" step (and a counterexample's), and each property's
    extra["regions"], the region files its draws came from (conform/harness/properties/runner.py). And apart,
    in order, the refs only scenarios that must see them refused named (conform/fixtures/regions/invalid/:
    framework violations, no figures anything was settled under). `selected`: the run's --region files, first and
    always (with no check, if none ran under them: a run certifying a city pins its file whatever ran)."""
    used: dict[str, dict[str, int]] = {ref: {"scenarios": 0, "properties": 0}
                                       for ref in list(selected or ())[:MAX_REGIONS] if isinstance(ref, str) and ref}
    refused: dict[str, None] = {}

    def use(ref: object, kind: str) -> None:
        if isinstance(ref, str) and ref and (ref in used or len(used) < MAX_REGIONS):
            counts = used.setdefault(ref, {"scenarios": 0, "properties": 0})
            counts[kind] += 1

    standins = _standins(used)
    for c in checks:
        if c.get("status") in NOT_RUN:  # not applicable or skipped: nothing was settled under its region
            continue
        kind = "properties" if c.get("kind") == "property" else "scenarios"
        texts = [str(s.get("text", "")) for s in c.get("steps") or [] if isinstance(s, dict)]
        named = list(dict.fromkeys(ref for text in texts for ref in REGION_STEP.findall(text)))
        if any(text.startswith(REFUSED_STEP) for text in texts):
            # the file refused, not one whose figures a 地区参数 step overrides: there the override is what is
            # refused, the file (a valid example) only its base — neither refused nor settled under
            if not any(text.startswith(OVERRIDE_STEP) for text in texts):
                for ref in named[:MAX_REGIONS]:
                    refused.setdefault(ref)
        elif kind == "scenarios" and c.get("policy") in standins:
            # a run certifying a region runs its document's scenarios under it, whatever region they were written
            # under (steps.world.World.subject: those with their own 地区参数 are not applicable, so not here)
            use(standins[str(c["policy"])], kind)
        else:
            for ref in named:
                use(ref, kind)
        for ref in dict.fromkeys(REGION_STEP.findall(str(c.get("counterexample") or ""))):
            use(ref, kind)
        extra = c.get("extra")
        drawn = extra.get("regions") if isinstance(extra, dict) else None
        if isinstance(drawn, (list, tuple)):
            for ref in dict.fromkeys(r for r in drawn if isinstance(r, str)):
                use(ref, "properties")
    return used, [r for r in refused if r not in used][:MAX_REGIONS]


def _standins(selected: dict[str, dict[str, int]]) -> dict[str, str]:
    """policy → the first --region file given for it: the region its scenarios ran under (World.subject)."""
    from conform.reference.policy import PolicyError, load_region_file

    out: dict[str, str] = {}
    for ref in selected:
        try:
            out.setdefault(load_region_file(ref).policy, ref)
        except (PolicyError, OSError, ValueError):
            continue
    return out


def regions_used(checks: list[dict], selected: Any = ()) -> list[dict]:
    """The region configurations the run settled or drew under, and its --region files (region_refs), each as
    _region describes it."""
    used, _ = region_refs(checks, selected)
    drawn = drawn_digests(checks)
    regions = _merged([region_record(ref, counts, drawn=drawn.get(ref)) for ref, counts in used.items()])
    _files(regions)
    return regions


def _shown_path(path: Path) -> str:
    """A region file's path for the record: conform/fixtures/regions/… for the shipped ones, relative to the
    working folder for one beside the user (./fixtures/regions/), else as loaded."""
    from conform.reference.policy import REGION_DIR

    try:
        full = path.resolve()
    except OSError:
        return str(path)
    for base, prefix in ((REGION_DIR, "conform/fixtures/regions/"), (Path.cwd(), "")):
        try:
            return prefix + full.relative_to(base.resolve()).as_posix()
        except (ValueError, OSError):
            continue
    return str(path)


def region_sha256(ref: str) -> str:
    """The SHA-256 of a region file's bytes as a property drew under it (generators.region_sha256, which the
    property runner records on each check as extra["region_sha256"]; '' when it cannot be read)."""
    from ..generators import region_sha256 as drawn_sha256

    return drawn_sha256(ref)


def drawn_digests(checks: list[dict]) -> dict[str, set[str]]:
    """ref → the SHA-256s the checks recorded for it when they drew (extra["region_sha256"], region_sha256)."""
    out: dict[str, set[str]] = {}
    for c in checks:
        extra = c.get("extra")
        shas = extra.get("region_sha256") if isinstance(extra, dict) else None
        if isinstance(shas, dict):
            for ref, sha in list(shas.items())[:MAX_REGIONS]:
                if isinstance(ref, str) and isinstance(sha, str) and sha:
                    out.setdefault(ref, set()).add(sha)
    return out


def region_record(ref: str, uses: dict[str, int] | None = None, check: bool = True,
                  drawn: set[str] | None = None) -> dict:
    """One region file as the record pins it: the file as loaded, the SHA-256 of its bytes, example or real,
    its label and its figures (key → value as written). A file that does not load, or whose figures the
    framework refuses (`check`), carries `error`: listed as such, never as a row that looks fine; so does one
    whose bytes are not those the checks drew under (`drawn`: edited during the run, its figures now listed
    may not be those checked). `_file` (path, bytes) is for the rule set's digest and the commit's check."""
    from conform.reference.policy import MAX_REGION_BYTES, PolicyError, _region_path, bind_cached, load_region_file

    entry: dict = {"name": ref, "ref": ref, "label": "", "policy": "", "document": "", "example": False,
                   "fictitious": False, "file": "", "sha256": "", "values": {}, "source": {}, "citations": {},
                   "error": "", **(uses or {})}
    try:
        path = _region_path(ref)
        entry["file"] = _shown_path(path)
        with path.open("rb") as f:
            data = f.read(MAX_REGION_BYTES + 1)
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["_file"] = (entry["file"], str(path), data)
        r = load_region_file(ref)
    except (PolicyError, OSError, ValueError) as e:
        entry["error"] = cut(f"无法读取 failed to load: {e}", 500)
        return entry
    label = str(r.label or "")
    entry.update(name=r.name, label=label, policy=r.policy, example=bool(r.example), admdvs=r.admdvs or "",
                 fictitious=bool(r.example) or "虚构" in label,
                 values={cut(str(k), 200): cut(str(v), 200) for k, v in list(r.values.items())[:MAX_VALUES]},
                 # the region's own document and, per figure, its article and phrase, as the file cites them
                 source={k: cut(str(v), 300) for k, v in vars(r.source).items() if v} if r.source else {},
                 citations={cut(str(k), 200): {"article": cut(c.article, 100), "quote": cut(c.quote, 500)}
                            for k, c in list(r.citations.items())[:MAX_VALUES]})
    if check:
        try:
            bind_cached(r.policy, ref)
        except (PolicyError, ValueError) as e:
            entry["error"] = cut(f"数值无效 invalid: {e}", 500)
    if drawn and entry["sha256"] not in drawn:
        then = "、".join(sorted(d[:12] + "…" for d in drawn))
        entry["error"] = (f"文件在运行中被修改 changed during the run: 抽样时 SHA-256 drawn under {then}，现为 now "
                          f"{entry['sha256'][:12]}…；所列数值不一定是检查所用的 the figures listed may not be those checked"
                          + (f"；{entry['error']}" if entry["error"] else ""))
    return entry


def scope_note(documents: list[dict], regions: list[dict]) -> str:
    """What a 合格 certifies of the figures it was reached under. Fictitious example regions: for a framework
    (吉林, 浙江: each 统筹区 or city sets its own figures) not any real 统筹区, unless the run also drew under a
    real region of it; for a city, not its real parameters where the example supplied them. A real region
    (no `example: true`, e.g. given with `conform run --region FILE`): the figures as in that file, pinned by
    its SHA-256, not that they are the region's published ones. A region that failed to load or bind: nothing."""
    by_policy = {d["id"]: d.get("label") or d.get("short", d["id"]) for d in documents if d.get("id")}

    def named(rs: list[dict]) -> str:
        return "、".join(f"{r['name']}（{by_policy.get(r['policy'], r['policy']) or '—'}）" for r in rs)

    fictitious = [r for r in regions if r["fictitious"] and not r.get("error")]
    real = [r for r in regions if not r["fictitious"] and not r.get("error")]
    broken = [r for r in regions if r.get("error")]
    note = ""
    if fictitious:
        note += (f"本次使用的地区配置 {named(fictitious)} 为示例配置，所有数值均为虚构，仅用于测试。"
                 "The region configurations used are fictitious examples. ")
        with_real = {r["policy"] for r in real}
        frameworks = [d for d in documents if d.get("kind") == "framework" and d.get("checks")]
        open_fw = [d for d in frameworks if d["id"] not in with_real]
        real_fw = [d for d in frameworks if d["id"] in with_real]
        if open_fw:
            docs = "、".join(d.get("label") or d.get("short", "") for d in open_fw)
            note += (f"{docs} 是框架性文件，具体数值由各统筹区（设区市）确定：本报告对其的“合格”只说明被测系统按上述虚构的"
                     "示例数值计算时符合文件规定的结构和上限，不证明被测系统符合任何真实统筹区的参数；认证某一统筹区，须以该统筹区"
                     "正式发布的数值作地区配置（conform run --region 文件）重新运行。For a framework document, 合格 certifies "
                     "the fictitious example figures, not any real pooling region: rerun with the region's published "
                     "figures (conform run --region FILE) to certify it. ")
        if real_fw:
            docs = "、".join(d.get("label") or d.get("short", "") for d in real_fw)
            note += (f"{docs} 的场景按上述虚构的示例数值运行，只说明被测系统符合文件规定的结构和上限；真实统筹区的数值见下文。"
                     f"For {docs} the scenarios ran under the fictitious examples; the real region's figures below. ")
        fw_ids = {d["id"] for d in frameworks}
        if any(r["policy"] not in fw_ids for r in fictitious):
            note += ("对城市文件，“合格”只说明被测系统按这些示例数值计算正确，文件未规定、由示例补充的数值不代表当地现行标准。"
                     "合格 certifies the example figures where the document leaves them open, not the local ones. ")
    for r in real:
        doc = by_policy.get(r["policy"], r["policy"]) or "—"
        note += (f"地区配置 {r['name']}（{doc}）{r['label']} 不是示例配置：检查按该文件所列数值运行（文件 {r['file']}，"
                 f"SHA-256 {r['sha256']}）。本报告对该地区的“合格”说明被测系统按这些数值（见认证记录所列数值）计算时符合"
                 f"{doc}的规定；这些数值是否即该地区正式发布的数值，须对照该地区的文件核对，本工具不核对。"
                 f"For region {r['name']} (not an example), 合格 certifies the system against the figures in that file "
                 "as listed in this record (the SHA-256 given here); that they are the region's published figures is to be "
                 "checked against the region's own documents. ")
    if broken:
        note += (f"地区配置 {'、'.join(r['name'] for r in broken)} 无法读取或数值无效（原因见认证记录），本次运行不证明按其数值"
                 "计算的任何结果。Region files that failed to load or were refused certify nothing in this run.")
    return note.strip()


def coverage_note(checks: list[dict], adapter: dict) -> str:
    """What a 合格 does not cover of what it was run on: the checks not applicable (judged nothing), by reason, and
    for the platform profile what the configuration leaves out, so the visits of those kinds were never sent (probe
    s24 W F1/F3/F4/F5: each alone turned a defective system's 不合格 into a 合格 that said nothing of it)."""
    from .model import not_applicable_reasons

    note = ""
    reasons = not_applicable_reasons(checks)
    if reasons:
        n = sum(k for _, k in reasons)
        said = "；".join(f"{why}（{k} 项）" for why, k in reasons[:8])
        more = (f"；另有 {len(reasons) - 8} 种原因，见各项不适用检查的说明 {len(reasons) - 8} more reasons: each "
                "not-applicable check's message" if len(reasons) > 8 else "")
        note += (f"“合格”不涵盖 {n} 项不适用的检查（未判定，其所核对的规则未经验证），按原因：{said}{more}。"
                 f"合格 does not cover the {n} checks not applicable (they judged nothing), by reason as listed. ")
    left = dict(adapter.get("not_sendable") or {})
    missing = list(adapter.get("transactions_left_out") or [])
    if left:
        note += ("平台配置未涵盖以下情形，此类就诊从未发送给被测系统，“合格”不涵盖其适用的规则 the platform configuration "
                 "leaves these out, so no such visit was ever sent and 合格 does not cover the rules they carry："
                 + "；".join(str(v) for v in left.values()) + "。")
    if missing:
        note += (f"平台配置未列出的交易 {'、'.join(missing)} 从未发送给被测系统 transactions not in the platform "
                 "configuration, never sent。")
    return note.strip()


def _files(regions: list[dict]) -> tuple[list[tuple[str, bytes]], tuple[str, ...]]:
    """Take each region's (shown path, bytes) for the digest and its path for the commit check out of the entries."""
    digest, paths = [], []
    for r in regions:
        shown, path, data = r.pop("_file", (None, None, None))
        if shown is not None:
            digest.append((shown, data))
            paths.append(path)
    return digest, tuple(sorted(set(paths)))


def _merged(entries: list[dict]) -> list[dict]:
    """One entry per file (a name and a path to the same file are one region), the uses summed."""
    out: dict[str, dict] = {}
    for e in entries:
        key = e["_file"][1] if e.get("_file") else f"ref:{e['ref']}"
        try:
            key = str(Path(key).resolve()) if e.get("_file") else key
        except OSError:
            pass
        if key in out:
            for k in ("scenarios", "properties"):
                if k in e:
                    out[key][k] = out[key].get(k, 0) + e[k]
        else:
            out[key] = e
    return list(out.values())


def record(run: dict, examples: dict, checks: list[dict] | None = None, documents: list[dict] | None = None) -> dict:
    """The certification record for the report's `run` view: who, against which documents and region
    configurations (each with its file, SHA-256 and figures), when, by which build."""
    profile = (examples or {}).get("profile", "")
    adapter = run.get("adapter") or {}
    used, refused_refs = region_refs(checks or [], (run.get("selection") or {}).get("regions"))
    drawn = drawn_digests(checks or [])
    regions = _merged([region_record(ref, counts, drawn=drawn.get(ref)) for ref, counts in used.items()])
    refused = _merged([region_record(ref) for ref in refused_refs])
    digest_files, paths = _files(regions + refused)
    digest, nfiles = ruleset_digest(digest_files)
    docs = [d for d in documents or [] if d.get("id")]
    names = {d["id"]: d.get("label") or d.get("short", "") for d in docs}
    for r in regions + refused:  # the document as every sheet names it (南昌 marked 征求意见稿)
        r["document"] = names.get(r["policy"], r["policy"])
    nregions = len(digest_files)
    return {
        "documents": [{"id": d["id"], "label": d.get("label") or d.get("short", ""), "title": d.get("title", ""),
                       "number": d.get("number", ""), "kind": d.get("kind", "")} for d in docs],
        "started": run.get("started", ""),
        "finished": run.get("finished", ""),
        "regions": regions,
        "regions_refused": refused,
        "scope_note": " ".join(n for n in (scope_note(docs, regions), coverage_note(checks or [], adapter)) if n),
        "system_name": adapter.get("system_name") or "",
        "system_version": adapter.get("system_version") or "",
        "system_url": run.get("system", ""),
        "ruleset_sha256": digest,
        "ruleset_files": nfiles,
        "ruleset_regions": nregions,
        "ruleset_words": (f"{nfiles} 个文件：政策文件、场景文件" + (f"和本次使用的 {nregions} 个地区配置文件（含用于验证拒绝的）"
                          if nregions else "（本次未使用地区配置文件）")
                          + f" {nfiles} files: policies, features" + (f" and the {nregions} region files this run "
                          "used (those refused on purpose included)" if nregions else "")),
        "project_version": run.get("harness_version", ""),
        "git_commit": git_commit(paths),
        "seed": run.get("seed"),
        "seed_words": seed_words(run.get("seed"), (examples or {}).get("front_end", "run"),
                                 (examples or {}).get("reproduce")),
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
