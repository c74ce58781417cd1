"""docs/openapi.yaml is read by vendors' tools: a description with a comma in an unquoted flow mapping
(`{type: string, description: a, b}`) silently becomes a description cut at the comma plus a stray key `b`
with no value. No key of the document may be empty."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _empty_keys(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if v is None:
                yield f"{path}/{k}"
            yield from _empty_keys(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _empty_keys(v, f"{path}[{i}]")


def test_no_key_without_a_value():
    doc = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    assert list(_empty_keys(doc)) == []


def test_a_description_with_a_comma_is_whole():
    doc = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    sign_no = doc["components"]["schemas"]["PlatformSigninOutput"]["properties"]["signinoutb"]["properties"]["sign_no"]
    assert sign_no["description"] == "签到编号, sent in every later envelope"
