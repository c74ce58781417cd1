"""s29 probeH5 F2: a failure whose figure rests on a named reading (rests_on) is listed as violating its article
*under the readings relied on* — in junit.xml, report.html (failure text and matrix), report.xlsx and results.json
(`failed_articles_under_readings`, the matrix row's `under_readings`) — not as a plain breach; a plain defect keeps
the plain wording; `failed_articles` and the exit code are unchanged.

Two twins of the sample system for 北京（三）'s 110元/月 from 70: a lawful one counting 70 from the month after the
birthday month (the month the text leaves open, A-BJ-AGE70), and a defective one counting age by the year alone
(110.00 from January of the 70th year, before the birthday: 北京（三）broken under any reading). Both are registered
only in the server's process (this file's `__main__`)."""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from openpyxl import load_workbook
from sample_server import twin_servers

from conform.harness.cli import main as cli

HERE = Path(__file__).resolve()
XSD = HERE.parent.parent / "docs" / "junit-10.xsd"
LAWFUL, DEFECT = "s29j_bj_age70_month_after", "s29j_bj_age70_by_year"
UNDER = "违反的条款（在所依据的读法下） articles violated under the readings relied on: (三)"
PLAIN = "违反的条款 articles violated: (三)"


def _register() -> None:
    """The twins (probeH5 L_bj_age70_month_after, D_bj_age70_by_year), registered only in the server's process."""
    from conform.fixtures.sample_system import defects as D
    from conform.reference import account

    @D.defect(LAWFUL, "（合法解读）北京：年满70周岁的次月起按110元/月划入（生日所在月份仍按70周岁以下）", "A-BJ-AGE70")
    def _month_after() -> None:
        def age(birth, first):
            a = first.year - birth.year - (first.month < birth.month)
            if first.month == birth.month and birth.day > 1:
                a -= 1
            return a
        account.age_in_month = age

    @D.defect(DEFECT, "北京：年龄按年份相减（不看生日月份），年满70周岁那一年的1月起即按110元/月划入", "北京（三）")
    def _by_year() -> None:
        account.age_in_month = lambda birth, first: first.year - birth.year


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[int, Path]]:
    out = {}
    with twin_servers(HERE, (LAWFUL, DEFECT)) as urls:
        for name, url in urls.items():
            folder = tmp_path_factory.mktemp(name)
            res = CliRunner().invoke(cli, ["run", "--adapter", url, "--article", "beijing-3", "--tag",
                                           "not conform_property", "--out", str(folder), "--no-progress"])
            out[name] = (res.exit_code, folder)
    return out


def _failed(folder: Path) -> list[dict]:
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return [c for c in data["checks"] if c["status"] == "failed"]


def _failure_texts(folder: Path) -> dict[str, str]:
    """testcase name → its <failure> text and system-out, as a JUnit reader sees them."""
    root = ET.fromstring((folder / "junit.xml").read_bytes())
    return {c.get("name"): "\n".join([c.find("failure").text or "", c.find("system-out").text or ""])
            for c in root.iter("testcase") if c.find("failure") is not None}


def test_a_lawful_reading_is_listed_as_violated_under_the_reading(runs):
    code, folder = runs[LAWFUL]
    assert code == 1  # the blame and the exit code are unchanged: rests_on over-approximates
    failed = _failed(folder)
    assert failed, "the lawful twin fails the birthday-month scenarios"
    for c in failed:
        assert "A-BJ-AGE70" in c["assumptions"], (c["name"], c["assumptions"])
        assert c["failed_articles"] == ["beijing-3"]                 # kept as it was: other tools read it
        assert c["failed_articles_under_readings"] == ["beijing-3"], c["name"]
    texts = _failure_texts(folder)
    assert set(texts) == {c["name"] for c in failed}
    for name, text in texts.items():
        assert UNDER in text, name
        assert PLAIN not in text and "违反的条款 articles violated:" not in text, name
        assert "所依据的假设" in text and "A-BJ-AGE70" in text, name
    xmlschema.XMLSchema(XSD).validate(str(folder / "junit.xml"))

    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    [row] = [r for r in data["matrix"] if r["tag"] == "beijing-3"]
    assert row["result"] == "failed"
    assert (row["failed_under_readings"], row["only_under_readings"]) == (len(failed), True)
    assert "A-BJ-AGE70" in row["under_readings"]
    assert "均在引用了读法的步骤上" in row["reason"] and "不一定违反" not in row["reason"]

    page = (folder / "report.html").read_text(encoding="utf-8")
    matrix_row = page[page.index('id="a-beijing-3"'):]
    matrix_row = matrix_row[:matrix_row.index("</tr>")]
    assert "在所依据的读法下" in matrix_row and "A-BJ-AGE70" in matrix_row
    section = page[page.index(f'id="{failed[0]["id"]}"', page.index('id="failures"')):]
    section = section[:section.index("</section>")]
    assert "违反的条款（在所依据的读法下）" in section and "北京 (三)" in section

    wb = load_workbook(folder / "report.xlsx")
    for sheet in ("失败详情", "场景明细"):
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index("违反情形 Violation")
        said = {r[col] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] in {c["id"] for c in failed}}
        assert said and all(s.startswith("违反的条款（在所依据的读法下）") and "A-BJ-AGE70" in s for s in said), (sheet, said)
    ws = wb["条款矩阵"]
    col = [c.value for c in ws[1]].index("依据读法的失败 Failures under readings")
    [cell] = [r[col] for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "3"]
    assert cell == f"{len(failed)}（{'、'.join(row['under_readings'])}）"


def test_a_plain_defect_keeps_the_plain_wording(runs):
    code, folder = runs[DEFECT]
    assert code == 1
    failed = _failed(folder)
    plain = [c for c in failed if not c["assumptions"]]
    assert plain, [(c["name"], c["assumptions"]) for c in failed]  # months before the birthday: no reading
    texts = _failure_texts(folder)
    for c in plain:
        assert c["failed_articles"] == ["beijing-3"] and c["failed_articles_under_readings"] == [], c["name"]
        assert PLAIN in texts[c["name"]] and "在所依据的读法下" not in texts[c["name"]], c["name"]
    for c in failed:  # whatever rests on a reading says so; nothing else does
        assert bool(c["failed_articles_under_readings"]) == bool(c["assumptions"]), c["name"]
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    [row] = [r for r in data["matrix"] if r["tag"] == "beijing-3"]
    assert row["result"] == "failed" and not row["only_under_readings"]
    page = (folder / "report.html").read_text(encoding="utf-8")
    section = page[page.index(f'id="{plain[0]["id"]}"', page.index('id="failures"')):]
    section = section[:section.index("</section>")]
    assert "违反的条款 articles violated" in section and "在所依据的读法下" not in section


if __name__ == "__main__":
    _register()
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
