"""Gazetteers: packs of names (people, bodies, places), each with its acceptable spellings and
the error forms MT makes of it.

A gazetteer pack has an ``entities`` list instead of (or besides) ``rules``; each entity is one
line of data::

    - {name: Alina Romanowski, type: person, errors: [Elena Romanski, Alina Romanovsky]}

- ``errors`` are forms an editor would change because they are wrong: a broken or misheard name,
  a mistranslation, other words for an official name. They become one ``substitution`` rule
  ``<prefix>entity-<slug of name>`` that fixes them to ``name``; its examples are made from the
  entity itself (each error in a neutral sentence must become ``name``; ``name`` and every
  spelling must be left alone). An entity with a ``context`` guard gives its own ``examples``.
- ``spellings`` are forms a careful publication prints: another transliteration, the case of a
  particle, an apostrophe style, a fuller form. The text keeps them; each mention of the entity
  (by its name or a spelling) is *recorded* in the corpus record's ``entities`` list, with the
  entity's id and name, so that downstream tools see one entity without the text being churned.
  A pack that wants one spelling in its text says ``rewrite_spellings: true``: its spellings are
  then fixed like errors.

Names compare exactly but for white space, the case of al-/el- particles and the apostrophe's
typographic forms (`postedit.rules.name_form`); a possessive "’s" after a name is not part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .memo import content_key
from .model import Mention

ENTITY_FIELDS = (
    "name",
    "type",
    "spellings",
    "errors",
    "notes",
    "action",
    "confidence",
    "context",
    "examples",
)
TYPES = ("person", "body", "group", "place", "media", "event", "other")
_SLUG = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"\w+")
MAX_GAP = 3  # characters between two words of one mention (" - ", "' ")
TEMPLATE = "Officials said that {} was mentioned in the statement."


def slug(name: str) -> str:
    return _SLUG.sub("-", name.casefold()).strip("-") or "entity"


@dataclass(frozen=True, slots=True)
class Entity:
    """One named thing of a gazetteer, and the forms whose mentions are recorded as it."""

    id: str  # "<language>[.from-<source>].entity-<slug>", the id its rule has too
    name: str
    type: str
    forms: tuple[str, ...]  # name and spellings (and errors, where they need no context)
    language: str
    source_language: str | None
    path: str = ""  # the pack it is in
    # it has acceptable spellings (a transliterated name): a near miss is one more spelling
    spelled: bool = False


def _names(entity: dict[str, Any], key: str, fail: Any) -> list[str]:
    value = entity.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"'{key}' must be a list of names")
    return value


def _checked(pack: dict[str, Any], path: Path) -> list[tuple[dict[str, Any], list, list]]:
    """The entities of a pack, validated: (entity, spellings, errors)."""
    from .rules import RuleError, name_form

    out = []
    for number, entity in enumerate(pack["entities"], start=1):
        if not isinstance(entity, dict) or not isinstance(entity.get("name"), str):
            raise RuleError(path, None, f"entity #{number} needs a 'name'")
        name = entity["name"]
        rid = f"entity-{slug(name)}"

        def fail(reason: str, rid: str = rid) -> RuleError:
            return RuleError(path, rid, reason)

        if "variants" in entity:
            raise fail(
                "'variants' is split in two: 'errors' (wrong forms, fixed to the name) and "
                "'spellings' (acceptable forms, kept in the text and recorded as the entity)"
            )
        unknown = sorted(set(entity) - set(ENTITY_FIELDS))
        if unknown:
            raise fail(f"unknown entity field(s) {unknown}; known: {list(ENTITY_FIELDS)}")
        if entity.get("type", "other") not in TYPES:
            raise fail(f"type must be one of {list(TYPES)}")
        spellings, errors = _names(entity, "spellings", fail), _names(entity, "errors", fail)
        if not spellings and not errors:
            raise fail("an entity needs 'spellings' or 'errors' (a non-empty list of names)")
        same = [v for v in spellings + errors if name_form(v) == name_form(name)]
        if same:
            raise fail(f"{same[0]!r} is the name itself")
        both = {name_form(v) for v in spellings} & {name_form(v) for v in errors}
        if both:
            raise fail(f"{sorted(both)[0]!r} is both a spelling and an error")
        if "context" in entity and "examples" not in entity:
            raise fail("an entity with a context guard needs its own examples")
        out.append((entity, spellings, errors))
    return out


def entity_rules(pack: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    """Rule entries (as a pack would spell them) for the entities that have forms to fix."""
    action = pack.get("action", "fix")
    confidence = pack.get("confidence", 0.97)
    rewrite = pack.get("rewrite_spellings", False)
    if not isinstance(rewrite, bool):
        from .rules import RuleError

        raise RuleError(path, None, "'rewrite_spellings' is true or false")
    out = []
    for entity, spellings, errors in _checked(pack, path):
        fixed = errors + spellings if rewrite else errors
        if not fixed:
            continue  # spellings only: recorded, never rewritten
        name, kind = entity["name"], entity.get("type", "other")
        kept = [] if rewrite else spellings
        examples = entity.get("examples") or [
            *({"fix": TEMPLATE.format(f"[[{v}]]"), "to": name} for v in fixed),
            *({"keep": TEMPLATE.format(v)} for v in (name, *kept)),
        ]
        notes = f" {entity['notes']}" if entity.get("notes") else ""
        rule = {
            "id": f"entity-{slug(name)}",
            "kind": "substitution",
            "description": f"{kind}: {name}.{notes}",
            "message": f"{{match}} is not a form of {name} ({kind}): {{match}} → {name}.",
            "action": entity.get("action", action),
            "confidence": entity.get("confidence", confidence),
            "match": fixed,
            # the name and its spellings match too, and are left as they are: so an error form
            # of another entity inside one ("Ann Jacobson" in "Tracey Ann Jacobson") loses to
            # it, being shorter and later
            "unchanged": [name, *kept],
            "replace": name,
            "case": "canonical",
            "examples": examples,
        }
        if "context" in entity:
            rule["context"] = entity["context"]
        out.append(rule)
    return out


def entity_records(
    pack: dict[str, Any], path: Path, prefix: str, language: str, source: str | None
) -> list[Entity]:
    """The entities of a pack, with the forms whose mentions are recorded as each."""
    out = []
    for entity, spellings, errors in _checked(pack, path):
        name = entity["name"]
        # an error form that needs a context to be this entity is not recorded without it
        wrong = [] if "context" in entity else errors
        forms = tuple(dict.fromkeys([name, *spellings, *wrong]))
        kind = entity.get("type", "other")
        eid = f"{prefix}entity-{slug(name)}"
        out.append(Entity(eid, name, kind, forms, language, source, str(path), bool(spellings)))
    return out


def name_words(pack: dict[str, Any]) -> set[str]:
    """The words of the names and spellings of a pack's entities (for the spelling checker's
    dictionary: a recorded spelling is not a misspelling)."""
    from .rules import TOKEN_RE

    words = set()
    for entity in pack["entities"]:
        if not isinstance(entity, dict) or not isinstance(entity.get("name"), str):
            continue
        spellings = entity.get("spellings") if isinstance(entity.get("spellings"), list) else []
        for name in [entity["name"], *(s for s in spellings if isinstance(s, str))]:
            for token in TOKEN_RE.findall(name):
                words.update(w.casefold() for w in (token, *token.split("-")))
    return words


class EntityIndex:
    """Finds the mentions of a set of entities in a text: leftmost, longest, not overlapping."""

    def __init__(self, entities: tuple[Entity, ...]) -> None:
        from .rules import name_form, word_key

        self.entries: dict[tuple[str, ...], list[tuple[Entity, str]]] = {}
        self.prefixes: set[tuple[str, ...]] = set()
        self.longest = 0
        self.key = content_key(repr(entities))  # what `find` depends on (`postedit.memo`)
        for entity in entities:
            for form in entity.forms:
                key = tuple(word_key(w) for w in _WORD.findall(form))
                self.entries.setdefault(key, []).append((entity, name_form(form)))
                self.longest = max(self.longest, len(key))
                self.prefixes.update(key[:n] for n in range(1, len(key)))
        self.firsts = {key[0] for key in self.entries if key}  # where a mention may begin

    def __bool__(self) -> bool:
        return bool(self.entries)

    def find(self, text: str) -> list[Mention]:
        from .rules import name_form, word_key

        if not self.entries:
            return []
        found = [m.span() for m in _WORD.finditer(text)]
        if text.isascii():  # `word_key` of each word: its lower case (no typographic marks)
            lowered = text.lower()
            words = [lowered[start:end] for start, end in found]
        else:
            words = [word_key(text[start:end]) for start, end in found]
        out: list[Mention] = []
        after = 0  # the first word not in a mention found
        for i in [k for k, word in enumerate(words) if word in self.firsts]:
            if i < after:
                continue
            best: tuple[int, Entity] | None = None
            key: tuple[str, ...] = ()
            for j in range(i, min(i + self.longest, len(found))):
                if j > i and found[j][0] - found[j - 1][1] > MAX_GAP:
                    break
                key += (words[j],)
                for entity, form in self.entries.get(key, ()):
                    if name_form(text[found[i][0] : found[j][1]]) == form:
                        best = (j, entity)
                        break
                if key not in self.prefixes:
                    break
            if best is not None:
                j, entity = best
                out.append(Mention(found[i][0], found[j][1], entity.id, entity.name))
                after = j + 1
        return out


NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
NEAR = 88.0  # rapidfuzz ratio (case folded) from which a phrase is a near miss of a known form
WORD_NEAR = 75.0  # ... and each of its words, where they differ
SHORT_WORD = 5  # a word shorter than this that differs makes another name (Ali, Ari)
CLOSEST = 5  # known forms looked at for one phrase, the closest first


def _fold(text: str) -> str:
    from .rules import name_form

    folded = name_form(text).casefold()
    return folded[:-2] if folded.endswith("'s") else folded


FIRSTS_KEPT = 65_536  # first words whose answer `NearNames` keeps
NO_FORMS: tuple[list[str], list[Entity]] = ([], [])


class NearNames:
    """Phrases that are almost a name a gazetteer knows: the name in other case ("Higher
    military committee"), or a near miss of one of its forms ("Elina Romanowsky" for Alina
    Romanowski), which a gazetteer cannot list. Each is found once, as (start, end, entity).
    An entity with acceptable spellings (a name transliterated from Arabic or Persian) is left
    out: a near miss of it is one more spelling (Mohamed, Muhammad), not an error."""

    def __init__(self, entities: tuple[Entity, ...]) -> None:
        from .rules import name_form

        self.exact = {name_form(f) for e in entities for f in e.forms}
        by_length: dict[int, list[tuple[str, Entity]]] = {}
        for entity in entities:
            for form in entity.forms if not entity.spelled else ():
                words = form.split()
                if len(words) > 1:
                    by_length.setdefault(len(words), []).append((_fold(form), entity))
        # per number of words: the folded forms, and the entity of each
        self.by_length = {
            n: ([f for f, _ in pairs], [e for _, e in pairs]) for n, pairs in by_length.items()
        }
        self.longest = max(self.by_length, default=0)
        # every form's first word, folded: a phrase whose first word is none of them, and too
        # short to be near one (`SHORT_WORD`), is neither a form nor a near miss of one
        self.firsts = {f.casefold().split()[0] for f in self.exact if f.strip()}
        near = {f.split()[0] for forms, _ in self.by_length.values() for f in forms}
        self.firsts |= near
        self.long_firsts = sorted(f for f in near if len(f) >= SHORT_WORD)
        self._first_kept: dict[str, bool] = {}  # first word -> may it start a phrase
        self.key = content_key("near", repr(entities))

    def __bool__(self) -> bool:
        return bool(self.by_length)

    def _may_start(self, text: str, start: int, end: int, following: int) -> bool:
        """Could a phrase of two words or more from the word at ``start:end`` (the next at
        ``following``) be a form or a near miss of one? Not where its first word, as the
        phrases compare (`name_form`, casefolded), is no form's first word, nor long enough
        and close enough (`WORD_NEAR`) to be a near miss of one. Where no space parts it from
        the next word, the phrases do not share a first word: they are read."""
        from rapidfuzz import fuzz, process

        from .rules import plain_apostrophes

        space = next((k for k in range(end, following) if text[k].isspace()), None)
        if space is None:
            return True
        first = plain_apostrophes(text[start:space]).casefold()
        kept = self._first_kept.get(first)
        if kept is None:
            kept = first in self.firsts or (
                len(first) >= SHORT_WORD
                and process.extractOne(  # a little below: never less than the word check
                    first, self.long_firsts, scorer=fuzz.ratio, score_cutoff=WORD_NEAR - 0.01
                )
                is not None
            )
            if len(self._first_kept) >= FIRSTS_KEPT:
                self._first_kept.clear()
            self._first_kept[first] = kept
        return kept

    def near(self, folded: str, n: int) -> Entity | None:
        """The entity of which a phrase of ``n`` words (`name_form`, casefolded) is a near
        miss: a form of as many words close to it (`NEAR`), each word the form's or, both long
        enough, close to it (`WORD_NEAR`); the closest such form's. None if there is none."""
        from rapidfuzz import fuzz, process

        forms, entities = self.by_length.get(n, NO_FORMS)
        if not forms:
            return None
        words = folded.split()
        # the closest forms first, found in one pass in C (most candidates have none)
        for form, _, k in process.extract(
            folded, forms, scorer=fuzz.ratio, score_cutoff=NEAR, limit=CLOSEST
        ):
            other = form.split()
            if len(other) == len(words) and all(
                a == b or (min(len(a), len(b)) >= SHORT_WORD and fuzz.ratio(a, b) >= WORD_NEAR)
                for a, b in zip(words, other, strict=True)
            ):
                return entities[k]
        return None

    def find(self, text: str) -> list[tuple[int, int, Entity]]:
        from .rules import name_form

        tokens = [m.span() for m in NAME_TOKEN.finditer(text)]
        out: list[tuple[int, int, Entity]] = []
        i = 0
        while i < len(tokens):
            start = tokens[i][0]
            if (  # a capital, then a word close enough to take, and the first might start one
                not text[start].isupper()
                or i + 1 == len(tokens)
                or tokens[i + 1][0] - tokens[i][1] > MAX_GAP
                or self.longest < 2
                or not self._may_start(text, start, tokens[i][1], tokens[i + 1][0])
            ):
                i += 1
                continue
            # the most words a phrase from here may take: no gap over MAX_GAP between them
            last = i + 1
            while (
                last + 1 < len(tokens)
                and last + 1 - i < self.longest
                and tokens[last + 1][0] - tokens[last][1] <= MAX_GAP
            ):
                last += 1
            found = None
            for n in range(last - i + 1, 1, -1):
                end = tokens[i + n - 1][1]
                phrase = text[start:end]
                if phrase.endswith(("'s", "’s")):
                    end -= 2
                    phrase = phrase[:-2]
                form_of = name_form(phrase)
                if form_of in self.exact:
                    break  # a known form as written: a mention, not a near miss
                entity = self.near(form_of.casefold(), n)
                if entity is not None:
                    found = (start, end, entity)
                    break
            if found is None:
                i += 1
                continue
            out.append(found)
            while i < len(tokens) and tokens[i][0] < found[1]:
                i += 1
        return out
