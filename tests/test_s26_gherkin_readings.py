"""Scenarios whose expected figures rest on a named reading name it where the harness reads it (probe s26/probe2 F6).

A passing scenario's `declared_assumptions` come from its name alone — the title plus, for an outline, its example
row (plugin.check_of) — so a reading that fixes a figure but appears only in a comment, or nowhere, is not shown next
to the check. Each case below was checked against the article text and the scenario's own working: the figure named
changes under the other reading the text allows (swapping the reading in the probe's readings server fails it).
The items are collected by the real runner (conform/harness/conformance) and read through plugin.check_of.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SPLIT = "A-PZH-OVERFLOW-SPLIT"
JL_OVERFLOW = "A-JL-CHRONIC-OVERFLOW"
FLEX_TIER2 = "A-PZH-FLEX-TIER2"

PZH7 = "features/panzhihua/第07条_普通门诊统筹.feature"
PZH9 = "features/panzhihua/第09条_两病门诊用药保障.feature"
PZH10 = "features/panzhihua/第10条_门诊慢特病保障.feature"
PZH11 = "features/panzhihua/第11条_门诊共济政策衔接.feature"
JL23 = "features/jilin/二(三)_门诊慢性病.feature"
NC422 = "features/nanchang/四（二）2_门诊特殊慢性病待遇.feature"
ZJ_HALF = "features/zhejiang/二（一）_退休人员起付线减半到分.feature"
BJ3 = "features/beijing/（三）_改进个人账户计入办法.feature"

# (feature file, a fragment of the title naming one scenario, readings every case of it must declare)
TITLE_READINGS = [
    # 第十一条 does not say how the visit that crosses the cap is split (its part after the cap goes on)
    (PZH9, "“两病”年度限额用完后的用药费用转入普通门诊统筹", {SPLIT}),
    (PZH11, "先按慢特病政策支付，慢特病限额用完后按门诊统筹政策支付", {SPLIT, "A-CHRONIC-OVERFLOW-RATIO"}),
    (PZH11, "一次就诊超过慢特病限额，超出部分在同一笔结算中按门诊统筹支付", {SPLIT, "A-CHRONIC-OVERFLOW-RATIO"}),
    (PZH11, "转入门诊统筹的费用同样受门诊统筹年度限额约束", {SPLIT}),
    (PZH11, "慢特病限额余额所对应的费用四舍五入到分", {SPLIT}),
    (PZH10, "未备案在市外的门诊慢特病超过限额，转入部分按地区配置的未备案比例支付", {SPLIT}),
    # V3 (a 两病 visit of a person also registered for a chronic disease, under its own cap) and the account rule
    (PZH10, "未建立个人账户的参保人照常享受两病和慢特病待遇",
     {"A-PZH-NO-ACCOUNT-CHRONIC", "A-PZH-TWO-DISEASE-REGISTERED", "A-PZH-CHRONIC-PER-DISEASE"}),
    # 吉林: the part after the chronic cap going to ordinary pooling, and the crossing visit's split, are the reading
    (JL23, "超过慢性病年度限额，超出部分转入普通门诊统筹，结算的支付比例记慢性病比例", {JL_OVERFLOW}),
    (JL23, "慢性病限额用完后，慢性病费用按普通门诊统筹支付", {JL_OVERFLOW}),
    (JL23, "单设限额的病种与共用限额的病种分别计算限额", {JL_OVERFLOW, "A-JL-CHRONIC-CAP-PER-DISEASE"}),
    (JL23, "一人两个病种各自用满限额", {JL_OVERFLOW, "A-JL-CHRONIC-CAP-PER-DISEASE"}),
    (JL23, "两个未单设限额的病种共用统筹区的慢性病限额", {JL_OVERFLOW, "A-JL-CHRONIC-CAP-PER-DISEASE"}),
    (JL23, "期初已累计的未单设限额病种的慢性病支付计入共用限额", {JL_OVERFLOW, "A-JL-CHRONIC-YTD-BUCKET"}),
    # 南昌: the split of the visit crossing the cap (the region only says that the rest goes on)
    (NC422, "地区规定超过病种限额的费用转入普通门诊统筹（示例参数", {"A-NC-CHRONIC-OVERFLOW"}),
    # 555.55 halved: 277.775 → 277.78, and 277.78 − 200 = 77.78
    (ZJ_HALF, "分两次付满减半后的起付线", {"A-ZJ-HALF-FEN"}),
    # the birthday month counted as 70
    (BJ3, "生日所在月份起按70周岁计", {"A-BJ-AGE70"}),
    (BJ3, "退休人员年满70周岁前后连续计入", {"A-BJ-AGE70"}),
]

# (feature file, title fragment, a cell that picks the example rows, the reading only those rows rest on)
ROW_READINGS = [
    (PZH7, "未建立个人账户的参保人不享受普通门诊统筹", '参保人为 "二档" 灵活就业人员', FLEX_TIER2),
    (PZH10, "未建立个人账户的参保人照常享受两病和慢特病待遇", '参保人为 "二档" 灵活就业人员', FLEX_TIER2),
    (NC422, "地区规定超过病种限额的费用转入普通门诊统筹（示例参数", "定点零售药店", "A-CHRONIC-PHARMACY"),
]

PROBE = """\
import json, os

def pytest_collection_finish(session):
    from conform.harness.plugin import check_of
    out = []
    for item in session.items:
        ch = check_of(item)
        if ch.kind == "scenario":
            out.append({"file": ch.feature_file, "name": ch.name,
                        "declared": ch.extra.get("assumptions", [])})
    with open(os.environ["CONFORM_PROBE_OUT"], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
"""


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Every case of the files above as the runner collects it: its name and declared readings."""
    tmp = tmp_path_factory.mktemp("s26_readings")
    (tmp / "conform_s26_probe.py").write_text(PROBE, encoding="utf-8")
    out = tmp / "collected.json"
    files = sorted({f for f, *_ in TITLE_READINGS + ROW_READINGS})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT)]), "CONFORM_PROBE_OUT": str(out),
           "CONFORM_FEATURES": os.pathsep.join(str(ROOT / f) for f in files)}
    env.pop("CONFORM_EXTRA_FEATURES", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "conform/harness/conformance/test_features.py",
                           "--collect-only", "-q", "-p", "conform_s26_probe"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(out.read_text(encoding="utf-8"))


def _cases(collected: list[dict], file: str, fragment: str) -> list[dict]:
    cases = [c for c in collected if c["file"] == file and fragment in c["name"].split(" [", 1)[0]]
    titles = {c["name"].split(" [", 1)[0] for c in cases}
    assert len(titles) == 1, f"{file}: {fragment!r} should name exactly one scenario, found {sorted(titles)}"
    return cases


@pytest.mark.parametrize(("file", "fragment", "readings"), TITLE_READINGS,
                         ids=[f"{Path(f).stem}:{frag[:12]}" for f, frag, _ in TITLE_READINGS])
def test_the_title_names_the_reading_that_fixes_the_figure(collected, file, fragment, readings):
    for case in _cases(collected, file, fragment):
        assert readings <= set(case["declared"]), (
            f"{case['name']}: declares {case['declared']}, missing {sorted(readings - set(case['declared']))}")


@pytest.mark.parametrize(("file", "fragment", "cell", "reading"), ROW_READINGS,
                         ids=[f"{Path(f).stem}:{r}" for f, _, _, r in ROW_READINGS])
def test_an_outline_row_names_the_reading_only_it_rests_on(collected, file, fragment, cell, reading):
    cases = _cases(collected, file, fragment)
    rows = [c for c in cases if cell in c["name"].split(" [", 1)[1]]
    others = [c for c in cases if c not in rows]
    assert rows and others
    for case in rows:
        assert reading in case["declared"], f"{case['name']}: declares {case['declared']}"
    for case in others:  # a row that states the fact (no account, a medical institution) does not rest on it
        assert reading not in case["declared"], f"{case['name']}: declares {case['declared']}"
