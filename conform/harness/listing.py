"""`conform list`: what the harness knows, so a newcomer or a CI script need not read the tree.

    conform list                  everything, as text
    conform list articles         one subject: policies, articles, regions, params, adapters, defects
    conform list articles --policy nanchang --json

Everything is read from the same data `conform run` uses (conform/reference/policies,
features/articles.yaml, conform/fixtures/regions, the sample system's registry), found
through conform/harness/resources.py, so it works from a clone and from the wheel alike.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from conform.display import one_line

SUBJECTS = ("policies", "articles", "regions", "params", "adapters", "defects")
COVERAGE_ZH = {"tested": "已测试", "untestable": "不可测试", "pending": "待定", "missing": "未列入"}


def policies() -> list[dict]:
    from conform.reference.policy import POLICY_IDS, load_policy

    from .report.model import doc_label

    out = []
    for pid in POLICY_IDS:
        p = load_policy(pid)
        out.append({"id": pid, "name": doc_label(p), "title": p.title, "number": p.number, "issuer": p.issuer,
                    "kind": p.kind, "valid_from": str(p.valid_from or ""), "valid_to": str(p.valid_to or ""),
                    "articles": len(p.articles), "draft": "征求意见稿" in doc_label(p)})
    return out


def articles(policy: str | None = None) -> list[dict]:
    from conform.reference.policy import POLICY_IDS, load_policy

    from .coverage import article_index
    from .report.model import doc_label

    index = article_index()
    out = []
    for pid in POLICY_IDS:
        if policy and pid != policy:
            continue
        p = load_policy(pid)
        for art in p.articles.values():
            entry = index.get(pid, {}).get(art.id)
            status = getattr(entry, "status", "missing")
            out.append({"tag": f"{pid}-{art.id}", "policy": pid, "document": doc_label(p), "article": art.id,
                        "label": art.label, "heading": art.heading, "status": status,
                        "status_zh": COVERAGE_ZH.get(status, status), "reason": getattr(entry, "reason", "") or "",
                        "scenarios": getattr(entry, "cases", 0)})
    return out


def regions(policy: str | None = None) -> list[dict]:
    """conform's own example regions, then the working folder's fixtures/regions/ (where `conform settle` and
    `conform audit` also find a region by name), each checked as a whole (policy.check_region): a file that does
    not load, or whose values break its policy, carries `errors` (and `error`, the first); `missing_required` /
    `missing_optional` are the keys its policy asks a region for that it leaves out. A working-folder file whose
    name an example already has is listed with the warning that the name never finds it."""
    from dataclasses import asdict

    from conform.reference.policy import LOCAL_REGION_DIR, REGION_SUFFIXES, check_region

    from .resources import regions_dir

    def files(folder) -> list:
        return sorted(p for s in REGION_SUFFIXES for p in folder.glob(f"*{s}"))

    own = files(regions_dir())
    local = []
    if LOCAL_REGION_DIR.is_dir() and LOCAL_REGION_DIR.resolve() != regions_dir().resolve():
        local = files(LOCAL_REGION_DIR)
    out = []
    for path in own + local:
        check = check_region(str(path))
        region = check.region
        if policy and check.policy is not None and check.policy != policy:
            continue
        row = {"name": region.name if region else path.stem, "policy": check.policy or "",
               "label": region.label if region else "", "example": bool(region and region.example),
               "values": dict(region.values) if region else {},
               "admdvs": region.admdvs if region else None,
               "file": path.name if path in own else str(path), "valid": check.ok,
               "errors": list(check.errors), "missing_required": list(check.missing_required),
               "missing_optional": list(check.missing_optional), "warnings": list(check.warnings),
               # the region's own document and, per figure, its article and quoted phrase (README: Adding a region)
               "source": asdict(region.source) if region and region.source else None,
               "citations": {k: asdict(c) for k, c in region.citations.items()} if region else {}}
        if check.errors:
            utf8 = (" save the file as UTF-8" if "invalid UTF-8" in check.errors[0]
                    and "save the file as UTF-8" not in check.errors[0] else "")
            row["error"] = check.errors[0] + (";" + utf8 if utf8 else "")
        out.append(row)
    return out


def params(policy: str | None = None) -> list[dict]:
    """The must-be-supplied parameters: what a region configuration (or a case's params) provides."""
    from conform.reference.policy import POLICY_IDS, load_policy

    out = []
    for pid in POLICY_IDS:
        if policy and pid != policy:
            continue
        for r in load_policy(pid).requirements:
            out.append({"policy": pid, "key": r.pattern, "unit": r.unit, "article": r.cite, "quote": r.quote,
                        "constraint": {str(k): str(v) for k, v in (r.constraint or {}).items()},
                        "optional": r.optional})
    return out


def adapters() -> list[dict]:
    from .adapters import plugin_process
    from .adapters.base import OPERATIONS
    from .adapters.python_plugin import registered

    # a python: plugin runs in a process of its own where it can be forked (Linux), else in conform's (plugin_process)
    where = ("在独立进程中运行 a Python plugin, run in a process of its own" if plugin_process.AVAILABLE
             else "在 conform 进程内运行 a Python plugin, run in conform's process")

    out = [{"name": "reference", "how": "--adapter reference", "what": "内置参考实现（默认） the built-in reference"},
           {"name": "http", "how": "--adapter http(s)://HOST:PORT/", "what": "按国家医保平台报文（2206/2207/2208）访问的被测系统 "
                                                                           "a system over HTTP, the platform's envelope"},
           {"name": "platform", "how": "--adapter platform+http(s)://HOST:PORT/PATH",
            "what": "原样使用国家医保平台接口（2201–2208、5206）的测试环境，--config 须给出测试人员池或 person_reset "
                    "a test environment speaking the national platform's own messages; its --config gives "
                    "[[adapter.platform.pool]] persons or hooks = [\"person_reset\"] (docs/connect-your-system.md §8)"},
           {"name": "python", "how": "--adapter python:package.module:Class", "what": f"Python 插件，{where}"},
           {"name": "sample", "how": "--adapter python:conform.fixtures.sample_plugin:SampleSystemPlugin",
            "what": "示例被测系统，Python 插件，不经 HTTP the sample system as a Python plugin, no HTTP"}]
    names = sorted(registered())
    out.append({"name": "plugin", "how": "--adapter NAME",
                "what": "已安装插件的名称（conform.adapters 入口点） an installed plugin's name (entry point group "
                        f"conform.adapters): {', '.join(names) if names else '无 none installed'}"})
    for name in names:
        out.append({"name": name, "how": f"--adapter {name}", "what": "已安装的插件（conform.adapters 入口点） installed plugin"})
    out.append({"name": "operations", "how": "", "what": "；".join(f"{k} {v}" for k, v in OPERATIONS.items())})
    return out


def defects() -> list[dict]:
    from conform.fixtures.sample_system.defects import DEFECTS
    from conform.fixtures.sample_system.faults import FAULTS

    out = [{"kind": "defect", "name": d.name, "bug": d.bug, "rule": d.rule} for d in DEFECTS.values()]
    out += [{"kind": "fault", "name": k, "bug": v, "rule": ""} for k, v in FAULTS.items()]
    return out


def collect(subject: str, policy: str | None) -> Any:
    if subject == "policies":
        return policies()
    if subject == "articles":
        return articles(policy)
    if subject == "regions":
        return regions(policy)
    if subject == "params":
        return params(policy)
    if subject == "adapters":
        return adapters()
    return defects()


def _with_clause(policy_id: str, keys: list[str]) -> str:
    """Keys with the clause that leaves each to a region: "ordinary.ratio.unrated（浙江 二（一））"."""
    from conform.reference.policy import POLICY_IDS, load_policy

    p = load_policy(policy_id) if policy_id in POLICY_IDS else None
    reqs = [p.requirement_for(k) if p else None for k in keys]
    return ", ".join(f"{k}（{r.cite}）" if r else k for k, r in zip(keys, reqs))


def render(subject: str, rows: list[dict]) -> str:
    lines: list[str] = []
    if subject == "policies":
        lines.append("政策文件 Policies (--policy ID)")
        for r in rows:
            lines.append(f"  {r['id']:<10} {r['name']}  {r['title']}  {r['number']}  "
                         f"施行 {r['valid_from'] or '—'}–{r['valid_to'] or '—'}  条款 {r['articles']}")
    elif subject == "articles":
        lines.append("条款 Articles (--article TAG)：已测试 tested / 不可测试 untestable / 待定 pending")
        for r in rows:
            reason = f"  理由：{r['reason']}" if r["reason"] and r["status"] != "tested" else ""
            n = f"  场景 {r['scenarios']}" if r["status"] == "tested" else ""
            lines.append(f"  {r['tag']:<16} {r['document']} {r['label']} {r['heading']}  [{r['status_zh']} {r['status']}]"
                         f"{n}{reason}")
    elif subject == "regions":
        lines.append("地区配置 Regions (\"region\": NAME; conform/fixtures/regions/, then ./fixtures/regions/)")
        bad = [one_line(str(r["name"])) for r in rows if r.get("errors")]
        if bad:  # first, so that a long listing cannot hide it
            lines.append(f"  ✗ {len(bad)} 个地区配置无效，不能使用 {len(bad)} invalid region file(s), see ✗ below: "
                         + ", ".join(bad))
        for r in rows:
            # a region file of the working folder is input like any other: its text escaped (display.one_line),
            # so an ESC sequence in a label cannot retitle or clear the terminal (probe s28 S F7)
            tag = "（示例）" if r["example"] else ""
            where = f"  [{one_line(str(r['file']))}]" if "/" in r["file"] else ""  # the working folder's own
            mark = "✗ " if r.get("errors") else ""
            lines.append(f"  {mark}{one_line(str(r['name'])):<20} {one_line(str(r['policy'])):<10} "
                         f"{one_line(str(r['label']))}{tag}{where}".rstrip())
            for e in r.get("errors", ()):
                lines.append(f"      ✗ 无效 invalid: {one_line(str(e))}")
            for w in r.get("warnings", ()):
                lines.append(f"      ! 注意 note: {one_line(str(w))}")
            if r.get("missing_required"):
                lines.append("      缺少必需参数 missing required (a settlement needing one is refused): "
                             + _with_clause(r["policy"], r["missing_required"]))
            if r.get("missing_optional"):
                lines.append("      未给可选参数 optional, not given: " + ", ".join(r["missing_optional"]))
            if r.get("admdvs"):
                lines.append(f"      医保区划 admdvs: {r['admdvs']}（请求的 insuplc_admdvs the envelope's code）")
            src = r.get("source")
            if src:
                lines.append("      出处 source: " + " ".join(src[k] for k in ("number", "document", "date", "url")
                                                          if src.get(k)))
            for k, v in r["values"].items():
                c = r.get("citations", {}).get(k)
                cited = " ".join(x for x in (c["article"], f"“{c['quote']}”" if c["quote"] else "") if x) if c else ""
                lines.append(f"      {k} = {v}" + (f"  （{cited}）" if cited else ""))
    elif subject == "params":
        lines.append("地区参数 Region parameters (the `required:` entries a region or a case supplies)")
        for r in rows:
            limit = ", ".join(f"{k} {v}" for k, v in r["constraint"].items())
            lines.append(f"  {r['policy']:<10} {r['key']:<40} {r['unit']:<8} {r['article']}"
                         f"{'  约束 ' + limit if limit else ''}{'  （可选 optional）' if r['optional'] else ''}")
    elif subject == "adapters":
        lines.append("适配器 Adapters (--adapter)")
        for r in rows:
            lines.append(f"  {r['name']:<11} {r['how']:<58} {r['what']}" if r["how"] else f"  操作 operations: {r['what']}")
    else:
        lines.append("示例系统的缺陷与故障 Sample-system defects and faults (python -m conform.fixtures.sample_system --defect/--fault)")
        for r in rows:
            lines.append(f"  {r['kind']:<7} {r['name']:<32} {r['bug']}" + (f" — 规则：{r['rule']}" if r["rule"] else ""))
    return "\n".join(lines)


@click.command("list")
@click.argument("subject", required=False, type=click.Choice(SUBJECTS + ("all",)), default="all")
@click.option("--policy", default=None, help="only this document: panzhihua, nanchang, jilin, beijing, zhejiang")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts instead of text")
def list_command(subject: str, policy: str | None, as_json: bool) -> None:
    """List policies, articles (with their status in articles.yaml), regions, region parameters, adapters
    and the sample system's defects."""
    from conform.reference.policy import POLICY_IDS

    if policy and policy not in POLICY_IDS:
        click.echo(f"conform: error: unknown policy {policy}; known: {', '.join(POLICY_IDS)}", err=True)
        sys.exit(2)
    subjects = SUBJECTS if subject == "all" else (subject,)
    found = {s: collect(s, policy) for s in subjects}
    if as_json:
        click.echo(json.dumps(found if subject == "all" else found[subject], ensure_ascii=False, indent=2))
    else:
        click.echo("\n\n".join(render(s, rows) for s, rows in found.items()))
    if any(r.get("errors") for r in found.get("regions", ())):
        # a region file marked ✗ fails `conform run` (exit 2): a CI step checking the files fails here too
        sys.exit(2)
