"""Does a changed event schema still honour the version that was published?

A published event type (``pingan.<service>.<aggregate>.<event>.v<N>``) is a contract with every
consumer and with every event already sitting on a topic. Within one version, the current
schema must accept every document the published schema accepted, and must still describe
every property it described. So, within a version:

- adding an optional property is fine;
- widening is fine: a value type that now also allows ``null``, an enum with more values,
  a looser length or range, ``integer`` → ``number``;
- removing a property, changing its type, format or fixed value, narrowing an enum,
  tightening a constraint, adding a required property or making an optional one required is
  breaking. Such a change needs a new event type ``….v<N+1>`` next to the old one.

``breaking_changes`` compares two JSON Schemas (as Pydantic generates them) structurally,
following local ``$ref``s into ``$defs``, so renaming a ``$defs`` entry is not by itself a
change; only the shape behind it counts.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["breaking_changes"]

Schema = dict[str, Any]

_LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")
_UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
_MAX_REF_HOPS = 32


def breaking_changes(published: Schema, current: Schema) -> list[str]:
    """Human-readable reasons why ``current`` breaks ``published``; empty when compatible.

    Each message starts with the property path, e.g.
    ``data.location.lon: type changed number -> string``.
    """
    checker = _Checker(published, current)
    checker.compare(published, current, "")
    return checker.problems


class _Resolved:
    """One schema with its ``$ref`` (if any) followed; ``ref`` keeps the name for messages."""

    __slots__ = ("ref", "schema")

    def __init__(self, schema: Schema, ref: str | None) -> None:
        self.schema = schema
        self.ref = ref


class _Checker:
    def __init__(self, published_root: Schema, current_root: Schema) -> None:
        self._pub_root = published_root
        self._cur_root = current_root
        self._active: set[tuple[str | None, str | None]] = set()
        self.problems: list[str] = []

    # -- entry point ----------------------------------------------------------------------

    def compare(self, published: Any, current: Any, path: str) -> None:
        pub_alts = _alternatives(self._pub_root, published)
        cur_alts = _alternatives(self._cur_root, current)
        if len(pub_alts) == 1 and len(cur_alts) == 1:
            self._compare_one(pub_alts[0], cur_alts[0], path)
            return
        used: set[int] = set()
        unmatched: list[_Resolved] = []
        for pub in pub_alts:
            exact = next((i for i, cur in enumerate(cur_alts) if self._fits(pub, cur, path)), None)
            if exact is not None:
                used.add(exact)
                continue
            family = _family(_kind(pub.schema))
            same_kind = [i for i, c in enumerate(cur_alts) if _family(_kind(c.schema)) == family]
            if len(same_kind) == 1:
                # One obvious successor: report what changed inside it, precisely.
                used.add(same_kind[0])
                self._compare_one(pub, cur_alts[same_kind[0]], path)
                continue
            unmatched.append(pub)
        if not unmatched:
            return
        leftover = [cur for i, cur in enumerate(cur_alts) if i not in used]
        if len(unmatched) == 1 and len(leftover) == 1:
            self._report(
                path, f"type changed {_describe(unmatched[0])} -> {_describe(leftover[0])}"
            )
        elif not leftover:
            lost = " | ".join(_describe(alt) for alt in unmatched)
            self._report(
                path,
                f"no longer accepts {lost} "
                f"(type changed {_describe_all(pub_alts)} -> {_describe_all(cur_alts)})",
            )
        else:
            self._report(
                path, f"type changed {_describe_all(pub_alts)} -> {_describe_all(cur_alts)}"
            )

    # -- one alternative against one alternative ---------------------------------------------

    def _fits(self, pub: _Resolved, cur: _Resolved, path: str) -> bool:
        saved, self.problems = self.problems, []
        try:
            self._compare_one(pub, cur, path)
            return not self.problems
        finally:
            self.problems = saved

    def _compare_one(self, pub: _Resolved, cur: _Resolved, path: str) -> None:
        key = (pub.ref, cur.ref)
        if pub.ref is not None and cur.ref is not None:
            if key in self._active:  # a recursive type: already being compared further up
                return
            self._active.add(key)
        try:
            self._compare_shapes(pub, cur, path)
        finally:
            self._active.discard(key)

    def _compare_shapes(self, pub: _Resolved, cur: _Resolved, path: str) -> None:
        p, c = pub.schema, cur.schema
        pub_kind, cur_kind = _kind(p), _kind(c)
        if cur_kind == "any" and not _has_restrictions(c):
            return
        if pub_kind == "any":
            if _has_restrictions(c) or cur_kind != "any":
                self._report(path, f"type changed any -> {_describe(cur)}")
            return
        if not _kind_widens(pub_kind, cur_kind):
            self._report(path, f"type changed {_describe(pub)} -> {_describe(cur)}")
            return
        self._compare_format(p, c, path)
        self._compare_values(p, c, path)
        self._compare_bounds(p, c, path)
        if cur_kind == "object":
            self._compare_objects(p, c, path)
        elif cur_kind == "array":
            self._compare_arrays(p, c, path)

    def _compare_format(self, p: Schema, c: Schema, path: str) -> None:
        pub_format, cur_format = p.get("format"), c.get("format")
        if cur_format is not None and cur_format != pub_format:
            self._report(path, f"format changed {pub_format or 'none'} -> {cur_format}")

    def _compare_values(self, p: Schema, c: Schema, path: str) -> None:
        pub_values, cur_values = _allowed_values(p), _allowed_values(c)
        if cur_values is None:
            return
        if pub_values is None:
            self._report(path, f"now restricted to {_show_values(cur_values)} (was any value)")
            return
        if "const" in p and "const" in c:
            if _canonical(p["const"]) != _canonical(c["const"]):
                self._report(path, f"const changed {_show(p['const'])} -> {_show(c['const'])}")
            return
        allowed = {_canonical(v) for v in cur_values}
        removed = [v for v in pub_values if _canonical(v) not in allowed]
        if removed:
            self._report(path, f"enum narrowed: {_show_values(removed)} no longer allowed")

    def _compare_bounds(self, p: Schema, c: Schema, path: str) -> None:
        for keyword in _LOWER_BOUNDS:
            new, old = _number(c.get(keyword)), _number(p.get(keyword))
            if new is not None and (old is None or new > old):
                self._report(path, f"{keyword} tightened {_show(old)} -> {_show(new)}")
        for keyword in _UPPER_BOUNDS:
            new, old = _number(c.get(keyword)), _number(p.get(keyword))
            if new is not None and (old is None or new < old):
                self._report(path, f"{keyword} tightened {_show(old)} -> {_show(new)}")
        if c.get("pattern") is not None and c.get("pattern") != p.get("pattern"):
            self._report(
                path, f"pattern changed {_show(p.get('pattern'))} -> {_show(c['pattern'])}"
            )
        if c.get("uniqueItems") is True and p.get("uniqueItems") is not True:
            self._report(path, "items must now be unique")

    def _compare_objects(self, p: Schema, c: Schema, path: str) -> None:
        pub_props: Schema = p.get("properties") or {}
        cur_props: Schema = c.get("properties") or {}
        pub_required = set(p.get("required") or ())
        cur_required = set(c.get("required") or ())
        for name, pub_schema in pub_props.items():
            where = _join(path, name)
            if name not in cur_props:
                self._report(where, "property removed")
                continue
            self.compare(pub_schema, cur_props[name], where)
        newly_required = [n for n in cur_props if n in cur_required - pub_required]
        newly_required += sorted(cur_required - pub_required - set(cur_props))
        for name in newly_required:
            where = _join(path, name)
            if name in pub_props:
                self._report(where, "became required (was optional)")
            else:
                self._report(where, "new required property")
        self._compare_additional(p, c, path)

    def _compare_additional(self, p: Schema, c: Schema, path: str) -> None:
        pub_extra, cur_extra = (
            p.get("additionalProperties", True),
            c.get("additionalProperties", True),
        )
        if cur_extra is True or pub_extra is False:
            return
        if cur_extra is False:
            self._report(path, "additional properties no longer allowed")
        elif pub_extra is True:
            self._report(path, "additional properties now restricted")
        else:
            self.compare(pub_extra, cur_extra, _join(path, "*"))

    def _compare_arrays(self, p: Schema, c: Schema, path: str) -> None:
        pub_items, cur_items = p.get("items"), c.get("items")
        if isinstance(pub_items, dict) or isinstance(cur_items, dict):
            self.compare(
                pub_items if isinstance(pub_items, dict) else {},
                cur_items if isinstance(cur_items, dict) else {},
                f"{path}[]" if path else "[]",
            )
        pub_prefix = p.get("prefixItems") or []
        cur_prefix = c.get("prefixItems") or []
        for index, pub_item in enumerate(pub_prefix):
            where = f"{path}[{index}]"
            if index >= len(cur_prefix):
                self._report(where, "tuple item removed")
            else:
                self.compare(pub_item, cur_prefix[index], where)

    def _report(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '<root>'}: {message}")


# -- schema helpers ----------------------------------------------------------------------------


def _resolve(root: Schema, schema: Any) -> _Resolved:
    """Follow ``$ref`` (local JSON pointers only); sibling keywords override the target's."""
    if not isinstance(schema, dict):
        return _Resolved({} if schema is True or schema is None else {"not": {}}, None)
    ref_name: str | None = None
    for _ in range(_MAX_REF_HOPS):
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            break
        target = _pointer(root, ref)
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        ref_name = ref
        schema = {**target, **siblings}
    else:
        raise ValueError(f"$ref chain too long at {ref_name}")
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        inner = _resolve(root, all_of[0])
        siblings = {k: v for k, v in schema.items() if k != "allOf"}
        return _Resolved({**inner.schema, **siblings}, inner.ref or ref_name)
    return _Resolved(schema, ref_name)


def _pointer(root: Schema, ref: str) -> Schema:
    if not ref.startswith("#"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = root
    for raw in ref[1:].split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ValueError(f"unresolvable $ref {ref!r}")
    if not isinstance(node, dict):
        raise ValueError(f"$ref {ref!r} does not point at a schema")
    return node


def _alternatives(root: Schema, schema: Any) -> list[_Resolved]:
    """Flatten ``anyOf``/``oneOf`` and ``type: [..]`` into single-shape alternatives."""
    resolved = _resolve(root, schema)
    s = resolved.schema
    for keyword in ("anyOf", "oneOf"):
        options = s.get(keyword)
        if isinstance(options, list) and options:
            flattened: list[_Resolved] = []
            for option in options:
                flattened.extend(_alternatives(root, option))
            return flattened
    types = s.get("type")
    if isinstance(types, list):
        if not types:
            return [resolved]
        return [_Resolved({**s, "type": t}, resolved.ref) for t in types]
    return [resolved]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _kind(s: Schema) -> str:
    declared = s.get("type")
    if isinstance(declared, str):
        return declared
    values = _allowed_values(s)
    if values:
        kinds = {_json_type(v) for v in values}
        if kinds == {"integer", "number"}:
            return "number"
        if len(kinds) == 1:
            return kinds.pop()
    if "properties" in s or "additionalProperties" in s:
        return "object"
    if "items" in s or "prefixItems" in s:
        return "array"
    return "any"


def _family(kind: str) -> str:
    return "number" if kind == "integer" else kind


def _kind_widens(pub_kind: str, cur_kind: str) -> bool:
    return pub_kind == cur_kind or (pub_kind == "integer" and cur_kind == "number")


def _has_restrictions(s: Schema) -> bool:
    return any(
        key in s
        for key in ("const", "enum", "format", "pattern", "not", *_LOWER_BOUNDS, *_UPPER_BOUNDS)
    )


def _allowed_values(s: Schema) -> list[Any] | None:
    if "const" in s:
        return [s["const"]]
    enum = s.get("enum")
    return list(enum) if isinstance(enum, list) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _show(value: Any) -> str:
    return "none" if value is None else _canonical(value)


def _show_values(values: list[Any]) -> str:
    return ", ".join(_show(v) for v in values)


def _describe(alt: _Resolved) -> str:
    s = alt.schema
    if alt.ref is not None and _kind(s) == "object":
        return alt.ref.rsplit("/", 1)[-1]
    if "const" in s:
        return _show(s["const"])
    kind = _kind(s)
    fmt = s.get("format")
    text = f"{kind}({fmt})" if fmt else kind
    if "enum" in s:
        name = alt.ref.rsplit("/", 1)[-1] + " " if alt.ref else ""
        text = f"{name}enum {text}"
    if kind == "array" and isinstance(s.get("items"), dict):
        item = s["items"]
        ref = item.get("$ref")
        inner = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else _kind(item)
        text = f"array of {inner}"
    return text


def _describe_all(alts: list[_Resolved]) -> str:
    return " | ".join(_describe(alt) for alt in alts)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
