"""Which articles the features test, and why the others cannot be tested.

Reads the coverage list `features/articles.yaml` (per document, per article:
`tested`, or `untestable` with a reason, or `pending`) and the tags of every
scenario under `features/` (parsed with the official Gherkin parser that
pytest-bdd uses), and checks that the two agree. The report writer builds its
article matrix from `article_index()`; the coverage test fails on any problem
`check_coverage()` returns.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from gherkin.errors import CompositeParserException, ParserError
from gherkin.parser import Parser
from gherkin.token_scanner import TokenScanner

from conform.reference.loading import UniqueSafeLoader
from conform.reference.policy import POLICY_IDS, load_policy

from . import resources

ROOT = resources.root()
FEATURES = resources.features_dir()
ARTICLES_FILE = resources.articles_file()
STATUSES = ("tested", "untestable", "pending")


@dataclass(frozen=True)
class Problem:
    """One disagreement; `policy` is the document it concerns (None: the list or the tree as a whole)."""

    policy: str | None
    message: str


@dataclass(frozen=True)
class ScenarioTags:
    """One scenario (or one 例子 block of an outline) with the tags that apply to it."""

    file: str  # relative to the repository root
    line: int  # the 场景 / 场景大纲 line
    name: str
    tags: frozenset[str]
    cases: int = 1  # rows run: 1 for a 场景, the example rows of this 例子 block for a 场景大纲
    folder: str | None = None  # the policy whose folder holds the file (features/<policy>/…)


@dataclass
class ArticleCoverage:
    """One article's row in the coverage matrix."""

    policy: str
    article: str
    label: str
    heading: str
    status: str  # tested | untestable | pending | missing (not in the coverage list)
    reason: str = ""
    scenarios: list[str] = field(default_factory=list)  # scenario names, each once
    cases: int = 0  # scenarios run for this article, outline example rows counted one by one


# --------------------------------------------------------------------------- reading


def load_articles_file(path: Path = ARTICLES_FILE) -> tuple[dict[str, dict[str, dict]], list[Problem]]:
    """The coverage list as {policy: {article: entry}}, with any problems in its shape."""
    where = _rel(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueSafeLoader)  # noqa: S506 - a safe loader
    except FileNotFoundError:
        return {}, [Problem(None, f"{where}: the coverage list is missing")]
    except yaml.YAMLError as e:
        return {}, [Problem(None, f"{where}: malformed YAML: {e}")]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return {}, [Problem(None, f"{where}: expected a mapping of policy → article → entry")]
    out: dict[str, dict[str, dict]] = {}
    problems: list[Problem] = []
    for policy, entries in data.items():
        if policy not in POLICY_IDS:
            problems.append(Problem(None, f"{where}: unknown policy {policy!r} (known: {', '.join(POLICY_IDS)})"))
            continue
        if not isinstance(entries, dict):
            problems.append(Problem(policy, f"{where}: {policy}: expected a mapping of article id → {{status: …}}"))
            continue
        out[policy] = {}
        for art, entry in entries.items():
            art = str(art)
            if not isinstance(entry, dict):
                problems.append(Problem(policy, f"{where}: {policy} {art}: expected {{status: tested|untestable|pending, "
                                                f"reason: …}}"))
                continue
            out[policy][art] = entry
    return out, problems


def scan_features(root: Path = FEATURES) -> tuple[list[ScenarioTags], list[Problem]]:
    """Every scenario under `root` with its effective tags (feature ∪ rule ∪ scenario ∪ 例子)."""
    found: list[ScenarioTags] = []
    problems: list[Problem] = []
    for path in sorted(root.rglob("*.feature")):
        inner = path.relative_to(root).parts
        folder = inner[0] if len(inner) > 1 and inner[0] in POLICY_IDS else None
        stat = path.stat()
        scenarios, problem = _scan_file(path, folder, stat.st_mtime_ns, stat.st_size)
        found += scenarios
        if problem is not None:
            problems.append(problem)
    return found, problems


@lru_cache(maxsize=512)
def _scan_file(path: Path, folder: str | None, mtime_ns: int, size: int
               ) -> tuple[tuple[ScenarioTags, ...], Problem | None]:
    """One file's scenarios, kept per process while the file is unchanged (its time and size are the
    key): a report is written after every run, and a test process runs the harness many times."""
    rel = _rel(path)
    try:
        doc = Parser().parse(TokenScanner(path.read_text(encoding="utf-8")))
    except (CompositeParserException, ParserError) as e:
        return (), Problem(folder, f"{rel}: not valid Gherkin: {e}")
    feature = doc.get("feature")
    found: list[ScenarioTags] = []
    if feature:
        _walk(rel, folder, feature.get("children", []), _tags(feature), found)
    return tuple(found), None


def _walk(rel: str, folder: str | None, children: list[dict], inherited: frozenset[str],
          found: list[ScenarioTags]) -> None:
    for child in children:
        if "rule" in child:
            rule = child["rule"]
            _walk(rel, folder, rule.get("children", []), inherited | _tags(rule), found)
            continue
        sc = child.get("scenario")
        if sc is None:
            continue  # 背景
        tags = inherited | _tags(sc)
        line = sc["location"]["line"]
        examples = sc.get("examples") or []
        if not examples:
            found.append(ScenarioTags(rel, line, sc["name"], tags, 1, folder))
            continue
        for ex in examples:
            rows = len(ex.get("tableBody") or [])
            found.append(ScenarioTags(rel, line, sc["name"], tags | _tags(ex), rows, folder))


def _tags(node: dict[str, Any]) -> frozenset[str]:
    return frozenset(t["name"].lstrip("@") for t in node.get("tags", []))


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _article_tag(tag: str) -> tuple[str, str] | None:
    """`panzhihua-7` → ("panzhihua", "7"); None for a tag that names no policy's article."""
    policy, sep, art = tag.partition("-")
    if sep and policy in POLICY_IDS:
        return policy, art
    return None


# --------------------------------------------------------------------------- the index and the checks


def _build(articles_file: Path, features_root: Path) -> tuple[dict[str, dict[str, ArticleCoverage]], list[Problem]]:
    listed, problems = load_articles_file(articles_file)
    scenarios, feature_problems = scan_features(features_root)
    problems += feature_problems
    index: dict[str, dict[str, ArticleCoverage]] = {}
    for pid in POLICY_IDS:
        policy = load_policy(pid)
        entries = listed.get(pid, {})
        index[pid] = {}
        for art in policy.articles.values():
            entry = entries.get(art.id)
            status = str(entry.get("status", "")) if entry is not None else "missing"
            index[pid][art.id] = ArticleCoverage(pid, art.id, art.label, art.heading, status,
                                                 str((entry or {}).get("reason") or "").strip())
        for art_id in entries:
            if art_id not in policy.articles:
                problems.append(Problem(pid, f"{_rel(articles_file)}: {pid} lists article {art_id!r}, which "
                                             f"{policy.short} does not have (known: {', '.join(policy.articles)})"))
    for sc in scenarios:
        where = f"{sc.file}:{sc.line} “{sc.name}”"
        arts = [a for a in map(_article_tag, sorted(sc.tags)) if a is not None]
        folder = sc.folder
        if not arts:
            problems.append(Problem(folder, f"{where}: no article tag (tag it @<policy> @<policy>-<article>, "
                                            f"e.g. @panzhihua @panzhihua-7)"))
        for pid in sorted({p for p, _ in arts} | ({folder} if folder else set())):
            if pid not in sc.tags:
                problems.append(Problem(pid, f"{where}: missing its policy tag @{pid}"))
        for pid, art_id in arts:
            row = index[pid].get(art_id)
            if row is None:
                problems.append(Problem(pid, f"{where}: tag @{pid}-{art_id} names no article of "
                                             f"{load_policy(pid).short} (known: {', '.join(index[pid])})"))
                continue
            if sc.name not in row.scenarios:
                row.scenarios.append(sc.name)
            row.cases += sc.cases
    for pid, rows in index.items():
        for row in rows.values():
            name = f"{_rel(articles_file)}: {pid} {row.label} ({pid}-{row.article})"
            msg = None
            if row.status == "missing":
                msg = "not in the coverage list; mark it tested or untestable with a reason"
            elif row.status not in STATUSES:
                msg = f"unknown status {row.status!r} (use {' | '.join(STATUSES)})"
            elif row.status == "pending":
                msg = "still pending; mark it tested or untestable with a reason"
            elif row.status == "tested" and not row.scenarios:
                msg = f"marked tested but no scenario is tagged @{pid}-{row.article}"
            elif row.status == "untestable" and not row.reason:
                msg = "marked untestable without a reason"
            elif row.status == "untestable" and row.scenarios:
                msg = (f"marked untestable but tagged on {len(row.scenarios)} scenario(s), "
                       f"e.g. “{row.scenarios[0]}”; mark it tested")
            if msg:
                problems.append(Problem(pid, f"{name}: {msg}"))
    return index, problems


def article_index(articles_file: Path = ARTICLES_FILE,
                  features_root: Path = FEATURES) -> dict[str, dict[str, ArticleCoverage]]:
    """Per policy, per article id (in the document's order): label, heading, status, reason, scenarios."""
    return _build(articles_file, features_root)[0]


def check_coverage(articles_file: Path = ARTICLES_FILE, features_root: Path = FEATURES,
                   policy: str | None = None) -> list[str]:
    """Every disagreement between the coverage list and the scenario tags; empty when all is well.

    With `policy`, only the problems that concern that document (its folder, tags and entries).
    """
    problems = _build(articles_file, features_root)[1]
    return [p.message for p in problems if policy is None or p.policy in (policy, None)]


__all__ = ["ArticleCoverage", "ScenarioTags", "article_index", "check_coverage", "load_articles_file",
           "scan_features", "ARTICLES_FILE", "FEATURES"]
