"""A region file given by path may carry any `name:` (README), also one with Chinese, a space or a '/':
`conform run --region ./file.yaml` draws its properties under that very file. The name was looked up
again as a path, so the properties skipped it ("region '长春 市/一区': no such file") and the run ended 无法判定."""
from __future__ import annotations

from pathlib import Path

import pytest

from conform.harness import generators
from conform.reference.policy import forget_named_region_files, load_region_file

ROOT = Path(__file__).resolve().parent.parent
NAME = "长春 市/一区"


@pytest.fixture
def region_file(tmp_path):
    text = (ROOT / "conform/fixtures/regions/jilin-example.yaml").read_text(encoding="utf-8")
    assert "\nname: jilin-example\n" in text and "\nexample: true\n" in text
    p = tmp_path / "changchun.yaml"
    p.write_text(text.replace("\nname: jilin-example\n", f"\nname: {NAME}\n")
                 .replace("\nexample: true\n", "\nexample: false\n"), encoding="utf-8")
    yield p
    generators._CHOSEN.clear()  # noqa: SLF001 - later tests draw under the example regions again
    forget_named_region_files()
    generators.clear_caches()


def test_the_properties_draw_under_a_file_whose_name_is_no_path(region_file):
    chosen = generators.choose_regions((str(region_file),))
    assert chosen == {"jilin": (NAME,)}
    assert Path(load_region_file(NAME).path).resolve() == region_file.resolve()
    assert generators.skipped_settings("jilin") == (), generators.skipped_settings("jilin")
    assert [s.region for s in generators.settings_for("jilin")] == [NAME]
    assert generators.region_sha256(NAME)  # the certification record pins the file's bytes
