"""Backward-compatibility check between two versions of an event's JSON Schema.

A change breaks existing consumers when it removes or renames a field, narrows a field's type
(fewer enum values, fewer alternatives, another type) or adds a new required field.
Adding optional fields or widening types is allowed (docs/contract.md: "Add freely").
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
_IGNORED_KEYS = frozenset({"description", "title", "default", "examples"})


def _resolve(node: Any, defs: Schema) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _resolve(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _resolve(v, defs) for k, v in node.items() if k not in _IGNORED_KEYS}
    if isinstance(node, list):
        return [_resolve(v, defs) for v in node]
    return node


def _alternatives(node: Any) -> list[Any]:
    if isinstance(node, dict) and "anyOf" in node:
        return [alt for sub in node["anyOf"] for alt in _alternatives(sub)]
    return [node]


def _accepts_all_of(old: Any, new: Any) -> bool:
    """True when every value the old schema accepted is still accepted by the new one."""
    if old == new:
        return True
    new_alts = _alternatives(new)
    for alt in _alternatives(old):
        if alt in new_alts:
            continue
        if isinstance(alt, dict) and "enum" in alt:
            widened = any(
                isinstance(n, dict)
                and "enum" in n
                and set(alt["enum"]) <= set(n["enum"])
                and {k: v for k, v in n.items() if k != "enum"} == {k: v for k, v in alt.items() if k != "enum"}
                for n in new_alts
            )
            if widened:
                continue
        is_object = isinstance(alt, dict) and alt.get("type") == "object" and "properties" in alt
        if is_object and any(isinstance(n, dict) and not breaking_changes(alt, n) for n in new_alts):
            continue
        return False
    return True


def breaking_changes(old: Schema, new: Schema, path: str = "") -> list[str]:
    """Describe each change from `old` to `new` that would break a consumer written against `old`."""
    old_r = _resolve(old, old.get("$defs", {}))
    new_r = _resolve(new, new.get("$defs", {}))
    problems: list[str] = []
    old_props: Schema = old_r.get("properties", {})
    new_props: Schema = new_r.get("properties", {})
    for name, old_field in old_props.items():
        where = f"{path}{name}"
        if name not in new_props:
            problems.append(f"{where}: field removed or renamed")
        elif not _accepts_all_of(old_field, new_props[name]):
            problems.append(f"{where}: type narrowed or changed")
    added_required = set(new_r.get("required", [])) - set(old_r.get("required", []))
    for name in sorted(added_required):
        problems.append(f"{path}{name}: new required field")
    return problems
