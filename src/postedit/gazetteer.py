"""Gazetteers: packs of names (people, bodies, places) whose variants become one canonical form.

A gazetteer pack has an ``entities`` list instead of (or besides) ``rules``; each entity is one
line of data::

    - {name: Higher Military Commission, type: body, variants: [Supreme Military Committee]}

and becomes one ``substitution`` rule ``<prefix>entity-<slug of name>`` whose examples are made
from the entity itself: each variant in a neutral sentence must become ``name``, and ``name``
must be left alone. An entity with a ``context`` guard gives its own ``examples``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ENTITY_FIELDS = ("name", "type", "variants", "notes", "action", "confidence", "context", "examples")
TYPES = ("person", "body", "group", "place", "media", "event", "other")
_SLUG = re.compile(r"[^a-z0-9]+")
TEMPLATE = "Officials said that {} was mentioned in the statement."


def slug(name: str) -> str:
    return _SLUG.sub("-", name.casefold()).strip("-") or "entity"


def entity_rules(pack: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    """Rule entries (as a pack would spell them) for every entity of a gazetteer pack."""
    from .rules import RuleError, name_form

    action = pack.get("action", "fix")
    confidence = pack.get("confidence", 0.97)
    out = []
    for number, entity in enumerate(pack["entities"], start=1):
        if not isinstance(entity, dict) or not isinstance(entity.get("name"), str):
            raise RuleError(path, None, f"entity #{number} needs a 'name'")
        name = entity["name"]
        rid = f"entity-{slug(name)}"

        def fail(reason: str, rid: str = rid) -> RuleError:
            return RuleError(path, rid, reason)

        unknown = sorted(set(entity) - set(ENTITY_FIELDS))
        if unknown:
            raise fail(f"unknown entity field(s) {unknown}; known: {list(ENTITY_FIELDS)}")
        kind = entity.get("type", "other")
        if kind not in TYPES:
            raise fail(f"type must be one of {list(TYPES)}")
        variants = entity.get("variants")
        if (
            not isinstance(variants, list)
            or not variants
            or not all(isinstance(v, str) and v.strip() for v in variants)
        ):
            raise fail("'variants' must be a non-empty list of names")
        same = [v for v in variants if name_form(v) == name_form(name)]
        if same:
            raise fail(f"variant {same[0]!r} is the name itself")
        if "context" in entity and "examples" not in entity:
            raise fail("an entity with a context guard needs its own examples")
        examples = entity.get("examples") or [
            *({"fix": TEMPLATE.format(f"[[{v}]]"), "to": name} for v in variants),
            {"keep": TEMPLATE.format(name)},
        ]
        notes = f" {entity['notes']}" if entity.get("notes") else ""
        rule = {
            "id": rid,
            "kind": "substitution",
            "description": f"{kind}: {name}.{notes}",
            "message": f"One spelling for {name} ({kind}) across the corpus: {{match}} → {name}.",
            "action": entity.get("action", action),
            "confidence": entity.get("confidence", confidence),
            # the name itself matches too, as a change to itself (which makes no edit): so a
            # variant of another entity inside it ("Ann Jacobson" in "Tracey Ann Jacobson")
            # loses to it, being shorter and later
            "match": [*variants, name],
            "replace": name,
            "case": "canonical",
            "examples": examples,
        }
        if "context" in entity:
            rule["context"] = entity["context"]
        out.append(rule)
    return out
