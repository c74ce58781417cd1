"""docs/connect-your-system.md says what the tools do: T003's optional `date`, the [adapter.options] table
a plugin reads as config.options (§4, §5), and §8.6's conform.toml is what --print-config prints."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from conform.fixtures.sample_system.platform import sample_config
from conform.harness.config import parse_adapter_config

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "connect-your-system.md").read_text(encoding="utf-8")


def section(start: str, end: str) -> str:
    return PAGE[PAGE.index(start):PAGE.index(end)]


def toml_blocks(text: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", text, re.S)


def without_comments(block: str) -> list[str]:
    lines = [re.sub(r"\s+#.*$", "", ln).rstrip() for ln in block.splitlines() if not ln.lstrip().startswith("#")]
    return lines


def test_t003_documents_the_optional_date():
    t003 = section("### T003", "## 3.")
    assert "`date`" in t003 and "optional" in t003 and "第十九条" in t003 and "二（三）" in t003


def test_section_4_documents_adapter_options_and_the_plugin_reads_them():
    four = section("## 4. Running it", "## 5. A Python plugin")
    block = toml_blocks(four)[0]
    assert "[adapter.options]" in block
    cfg = parse_adapter_config(tomllib.loads(block), "docs §4",
                               environ={"CONFORM_API_KEY": "doc-example-key"})
    assert cfg.options == {"base_url": "https://sut.example.com/api", "tenant": "test"}
    assert "config.options" in four
    five = section("## 5. A Python plugin", "## 6.")
    assert "config.options" in five and "[adapter.options]" in five


def test_section_8_6_is_what_print_config_prints():
    doc = without_comments(toml_blocks(section("### 8.6", "### 8.7"))[0])
    printed = sample_config("http://127.0.0.1:8080/").splitlines()
    pool = "[[adapter.platform.pool]]"
    cut_doc, cut_printed = doc.index(pool), printed.index(pool)
    assert doc[:cut_doc] == printed[:cut_printed]   # every key and value, in order, up to the pool

    def entries(lines: list[str]) -> list[tuple[str, ...]]:
        text = "\n".join(lines)
        return [tuple(ln for ln in chunk.strip().splitlines() if ln) for chunk in text.split(pool)[1:]]
    assert set(entries(doc[cut_doc:])) <= set(entries(printed[cut_printed:]))   # the pool persons shown exist
    assert "样例三级医院" in sample_config("http://x/") and "样例tertiary" not in sample_config("http://x/")


def test_the_validity_table_says_a_dated_use_is_refused_as_a_credit_is():
    validity = section("### Validity", "### Rounding")
    assert "dated account use" in validity and "T003 `date`" in validity
    assert "2023年起开始实施改革" in validity and "valid_from` is earlier" in validity
