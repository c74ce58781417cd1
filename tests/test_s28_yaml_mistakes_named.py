"""YAML mistakes a Chinese region author makes are named, on the line they are on, with the fix (probe s28 N F6).

A full-width colon from a Chinese input method (`ordinary.ratio.tertiary："0.50"`) was reported as "could not find
expected ':'" on the line after it; a TAB indent as "found character that cannot start any token". The strict loader
(conform.reference.loading.load_yaml: region files, case YAML) now names the character, its line and column, and
what to type instead; any other parse error keeps the parser's own message.
"""
from __future__ import annotations

import pytest

from conform.reference.case import CaseError, load_text
from conform.reference.loading import InputError, load_yaml
from conform.reference.policy import REGION_DIR, PolicyError, load_region_file

ZHEJIANG = REGION_DIR / "zhejiang-example.yaml"
COLON_FIX = "use an ASCII colon ':' followed by a space"
TAB_FIX = "indent with spaces, not a tab"



def refused(text: str) -> str:
    with pytest.raises(InputError) as e:
        load_yaml(text)
    return str(e.value)


BASE = 'name: x\nvalues:\n  a.b: "1"\n{}\n  c.d: "2"\nsource:\n  date: "2023-01-01"\n'


@pytest.mark.parametrize("line4, where, what", [
    ('  k.k："0.50"', "line 4 column 6", f"a full-width colon '：' after 'k.k': {COLON_FIX}"),  # parser: line 5
    ('  k.k： "0.50"', "line 4 column 6", f"a full-width colon '：' after 'k.k': {COLON_FIX}"),
    ('  k.k：\n    value: "3"', "line 4 column 6", f"a full-width colon '：' after 'k.k': {COLON_FIX}"),
    ('  k.k:\n    value: "3"\n    article：第六条', "line 6 column 12",
     f"a full-width colon '：' after 'article': {COLON_FIX}"),
    ('  k.k："0.50"\n\n# a comment\n', "line 4 column 6", f"a full-width colon '：' after 'k.k': {COLON_FIX}"),
    ('\tk.k: "0.50"', "line 4 column 1", f"a tab in the indent: {TAB_FIX}"),
    ('  \tk.k: "0.50"', "line 4 column 3", f"a tab in the indent: {TAB_FIX}"),
    ('\u3000 k.k: "0.50"', "line 4 column 1", "a full-width space '\u3000' (U+3000) in the indent"),
    ('  k.k: {value: "3"，article: x}', "line 4 column 19", "a full-width comma '，' where YAML needs ASCII"),
])
def test_the_mistake_is_named_on_its_own_line_with_the_fix(yaml_parser, line4, where, what):
    said = refused(BASE.format(line4))
    assert said.startswith(f"malformed YAML at {where}: "), said
    assert what in said, said


@pytest.mark.parametrize("text, where", [
    ('name: x\nvalues：\n  a.b: "1"\n', "line 2 column 7"),  # a top-level key: the parser said line 3
    ('name： x\nvalues:\n  a.b: "1"\n', "line 1 column 5"),  # parser: "mapping values are not allowed" on line 2
    ('name: x\nvalues:\n  a.b: "1"\n  c.d："2"\n', "line 4 column 6"),  # the last line: the parser said line 5
])
def test_a_full_width_colon_anywhere_in_the_file(yaml_parser, text, where):
    said = refused(text)
    assert said.startswith(f"malformed YAML at {where}: a full-width colon '：'"), said
    assert said.endswith(COLON_FIX), said


def test_a_full_width_colon_inside_a_value_is_no_mistake(yaml_parser):
    """Chinese prose in a quote keeps its own colons: accepted, and not blamed for another line's error."""
    ok = 'values:\n  k.k:\n    value: "3"\n    quote: 第六条：三千元\n'
    assert load_yaml(ok)["values"]["k.k"]["quote"] == "第六条：三千元"
    said = refused('values:\n  k.k:\n    quote: 第六条\n      参保人员：三千元\n  x: [1\n')
    assert "full-width" not in said and "tab" not in said, said


def test_any_other_parse_error_keeps_the_parsers_message(yaml_parser):
    said = refused("policy: [x\n")
    assert said.startswith("malformed YAML at line ") and "full-width" not in said and "tab" not in said, said


def region_with(tmp_path, old: str, new: str):
    text = ZHEJIANG.read_text(encoding="utf-8").replace("name: zhejiang-example", "name: s28-yaml")
    assert old in text
    lines = text.splitlines()
    line = next(i for i, x in enumerate(lines) if old in x) + 1
    path = tmp_path / "s28-yaml.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, line


@pytest.mark.parametrize("old, new, what", [
    ("  ordinary.ratio.primary: ", "  ordinary.ratio.primary：", COLON_FIX),
    ("  ordinary.ratio.primary: ", "\tordinary.ratio.primary: ", TAB_FIX),
])
def test_a_region_file_names_the_file_the_line_and_the_fix(tmp_path, old, new, what):
    path, line = region_with(tmp_path, old, new)
    with pytest.raises(PolicyError) as e:
        load_region_file(str(path))
    said = str(e.value)
    assert said.startswith(f"region file {path}: malformed YAML at line {line} column "), said
    assert said.endswith(what) and "\n" not in said, said


def test_a_yaml_case_names_it_too():
    with pytest.raises(CaseError) as e:
        load_text('policy: zhejiang\nperson：\n  type: in_service\n', "case.yaml")
    assert "line 2 column 7: a full-width colon '：' after 'person'" in str(e.value), str(e.value)


# The review's files (probe s28 R R2): a tab or `Remark：` that is the content of a block scalar or a quoted string is
# lawful; the real error is the mis-indented key on the next line, which the parser's own message names.
CASE_HEAD = 'policy: panzhihua\nperson:\n  psn_no: "P1"\n'
CASE_TAIL = ' psn_type: "1101"\n'


@pytest.mark.parametrize("scalar, line", [
    ("  note: |\n    first\n    \tsecond (a tab inside a block scalar: lawful)\n", 7),          # review c7
    ("  note: |\n    Remark：see the text\n", 6),                                                 # review c8
    ("  note: >\n    Remark：folded\n    \tand tabbed\n", 7),
    ('  note: "Remark\n    note：quoted, lawful"\n', 6),                                          # review c9
    ("  note: 'Remark\n    \tnote：single-quoted, lawful'\n", 6),
])
def test_a_tab_or_full_width_colon_inside_a_scalar_is_not_blamed(yaml_parser, scalar, line):
    said = refused(CASE_HEAD + scalar + CASE_TAIL)
    assert "full-width" not in said and "tab" not in said, said
    assert said.startswith(f"malformed YAML at line {line} column 2: "), said  # ' psn_type', the parser's line


def test_the_lawful_scalar_loads_and_a_real_mistake_after_it_is_still_named(yaml_parser):
    lawful = CASE_HEAD + "  note: |\n    Remark：see\n    \tthe text\n"
    assert load_yaml(lawful)["person"]["note"] == "Remark：see\n\tthe text\n"
    said = refused(CASE_HEAD + "  note: |\n    Remark：see\n  psn_type：\"1101\"\n  x: 1\n")
    assert said.startswith("malformed YAML at line 6 column 11: a full-width colon '：' after 'psn_type'"), said


def test_a_colon_inside_an_unterminated_quote_is_not_blamed(yaml_parser):
    said = refused('policy: panzhihua\nlabel: "first\n  Remark：second\n')  # the quote never closes
    assert "full-width" not in said, said
