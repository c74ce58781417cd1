"""Answers checked against the published description (docs/openapi.yaml) with jsonschema.

The components of docs/openapi.yaml are the contract for both profiles: the
`http` profile's `Response`/`SettleOutput`/… and the `platform` profile's
`Platform*` components. `validate(component, instance)` returns the first
violation as (kind, path, message), so an answer the description does not
allow is an error of the system under test, and the description cannot drift
from what the reader expects (`undescribed_reads`).
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators

from conform.reference.loading import UniqueSafeLoader

from .. import evidence, resources

DESCRIPTION = resources.openapi_file()  # docs/openapi.yaml in a clone; package data in a wheel

# Which component describes each answer's `output`, per profile and infno.
OUTPUTS = {
    "platform": {"9001": "PlatformSigninOutput", "1101": "Platform1101Output", "2201": "Platform2201Output", "2203": "PlatformEmptyOutput",
                 "2204": "Platform2204Output", "2206": "PlatformSettleOutput", "2207": "PlatformSettleOutput",
                 "2208": "PlatformSettleOutput", "5206": "Platform5206Output", "T001": "PersonOutput",
                 "T002": "CreditOutput", "T003": "UseOutput"},
    "http": {"2206": "PresettleOutput", "2207": "SettleOutput", "2208": "SettleOutput", "5206": "YtdOutput",
             "T001": "PersonOutput", "T002": "CreditOutput", "T003": "UseOutput"},
}


@functools.lru_cache(maxsize=1)
def description() -> dict:
    with open(DESCRIPTION, encoding="utf-8") as f:
        return yaml.load(f, Loader=UniqueSafeLoader)  # noqa: S506 - a safe loader


@functools.lru_cache(maxsize=64)
def _ecma(pattern: str) -> re.Pattern[str]:
    """A pattern as ECMA-262 (JSON Schema's regex dialect) reads it: `$` is the end of the text (Python's
    `$` also matches before a final newline, so "115.00\\n" would pass) and `\\d` is ASCII only."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern), re.ASCII)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict) -> Any:
    if validator.is_type(instance, "string") and not _ecma(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")   # as jsonschema's; `validate` masks, then cuts


# jsonschema checks `pattern` with Python's re.search; this one reads it as the description's readers do.
Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})


_SCHEMA = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
           "unevaluatedItems", "unevaluatedProperties")   # keywords whose value is a schema
_SCHEMAS = ("allOf", "anyOf", "oneOf", "prefixItems")       # … a list of schemas
_NAMED = ("properties", "patternProperties", "dependentSchemas", "$defs")   # … names → schemas


def _inlined(schema: Any, schemas: dict, within: tuple[str, ...]) -> Any:
    """`schema` with each `{"$ref": "#/components/schemas/X"}` (its description aside) replaced by X itself,
    so validating looks up no reference: jsonschema resolves each `$ref` anew at every use, which made an
    answer of a dozen amounts cost ~2 ms (PlatformSettleOutput), more than the rest of its exchange (rplat,
    s9). A reference with other keywords beside it, or to a component being inlined (a cycle), is kept."""
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.removeprefix("#/components/schemas/")
        if name != ref and name in schemas and name not in within and set(schema) <= {"$ref", "description"}:
            return _inlined(schemas[name], schemas, within + (name,))
        return schema
    out = dict(schema)
    for k in _SCHEMA:
        if k in out:
            out[k] = _inlined(out[k], schemas, within)
    for k in _SCHEMAS:
        if isinstance(out.get(k), list):
            out[k] = [_inlined(v, schemas, within) for v in out[k]]
    for k in _NAMED:
        if isinstance(out.get(k), dict):
            out[k] = {n: _inlined(v, schemas, within) for n, v in out[k].items()}
    return out


@functools.lru_cache(maxsize=64)
def validator(component: str) -> Draft202012Validator:
    doc = description()
    schemas = doc["components"]["schemas"]
    if component not in schemas:
        raise KeyError(f"docs/openapi.yaml has no component {component!r}")
    # the components stay beside it for a reference that is kept
    return Validator({**_inlined(schemas[component], schemas, (component,)), "components": doc["components"]})


def validate(component: str, instance: Any) -> tuple[str, str, str] | None:
    """The first way `instance` breaks the component, as (kind, path, message), or None."""
    errors = sorted(validator(component).iter_errors(instance), key=lambda e: (len(e.absolute_path), str(e.path)))
    if not errors:
        return None
    e = errors[0]
    path = "output" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
    if e.validator == "required":
        missing = e.message.split("'")[1] if "'" in e.message else ""
        return "missing_field", f"{path}.{missing}" if missing else path, "missing"
    said = e.message
    if e.validator == "type":   # in JSON's words (null, true, an object), not Python's (None, True, dict)
        wanted = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
        said = f"expected {' or '.join(JSON_TYPES.get(t, str(t)) for t in wanted)}, got {json_value(e.instance)}"
    return "wrong_type", path, evidence.shorten(f"does not match docs/openapi.yaml ({component}): {said}", 300)


JSON_TYPES = {"string": "a string", "integer": "an integer", "number": "a number", "object": "an object",
              "array": "a list", "boolean": "true or false", "null": "null"}


def json_value(v: Any) -> str:
    """A value of an answer as JSON says it (null, true, "text", 12.5, an object), masked and bounded."""
    from decimal import Decimal

    from .wire import BigNumber, JsonNumber, got

    if v is None:
        return "null"
    if isinstance(v, (BigNumber, JsonNumber)):
        return v.describe()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return "the string " + evidence.shorten(json.dumps(v, ensure_ascii=False), 100, "…")
    if isinstance(v, dict):
        return f"an object of {len(v)} fields"
    if isinstance(v, list):
        return f"a list of {len(v)}"
    if isinstance(v, (int, float, Decimal)):
        return "the number " + evidence.shorten(format(v, "f") if isinstance(v, Decimal) else str(v), 60, "…")
    return got(v)


def output_component(profile: str, infno: str) -> str | None:
    return OUTPUTS.get(profile, {}).get(infno)


def _properties(schema: dict, doc: dict) -> set[str]:
    """Property names a schema (following $ref, allOf, oneOf, anyOf) describes."""
    if "$ref" in schema:
        return _properties(doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], doc)
    names = set(schema.get("properties", {}))
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, ()):
            names |= _properties(sub, doc)
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        names |= _properties(schema["items"], doc)
    return names


def undescribed_reads(reads: dict[str, tuple[str, ...]]) -> list[str]:
    """Fields the reader takes that the description does not describe, as "Component.path.field"."""
    doc = description()
    missing = []
    for where, fields in reads.items():
        component, *steps = where.split(".")
        schema = doc["components"]["schemas"].get(component)
        if schema is None:
            missing.append(f"{where} (no such component)")
            continue
        for step in steps:
            sub = next((s for s in _walk(schema, doc) if step in s.get("properties", {})), None)
            schema = sub["properties"][step] if sub else {}
        described = _properties(schema, doc)
        missing += [f"{where}.{f}" for f in fields if f not in described]
    return missing


def _walk(schema: dict, doc: dict):
    if "$ref" in schema:
        yield from _walk(doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], doc)
        return
    yield schema
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, ()):
            yield from _walk(sub, doc)
