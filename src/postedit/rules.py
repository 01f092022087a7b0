"""Rule packs: YAML files under ``rules/``, validated on load.

Layout: ``rules/<language>/*.yaml`` apply to articles in that language;
``rules/<language>/mt/*.yaml`` only to those that are machine-translated (declared, or judged so
from the symptoms they show: `postedit.translation`); ``rules/<language>/from-<source>/*.yaml``
only to articles translated from ``<source>`` (declared, or guessed from the pack's ``cues``).
A rule's full id is ``<language>[.mt|.from-<source>].<id>``, e.g. ``en.from-ar.truth-truce``.

Rule kinds (the engine knows no vocabulary; all words live in the packs):

- ``substitution``: literal words or phrases (``match``), replaced by ``replace``; all literal rules
  of all packs are matched in one pass over the text.
- ``regex``: a regular expression (``pattern``), replaced by the ``replace`` template.
- ``boilerplate``: whole paragraphs (``paragraphs``) or a regex (``pattern``) that is deleted.

Every rule carries ``examples``: sentences it must change (the error marked ``[[like this]]``, with
``to`` giving the expected replacement of the marked text) and sentences it must leave alone.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import regex
import yaml

from .grammar import GrammarConfig, parse_config
from .kinds import expand
from .yamlload import PackLoader

KINDS = ("substitution", "regex", "boilerplate", "balance", "repair", "fused-words", "tells")
# fused-words: a lower-case word the language's word list does not know, made of two it knows well
FUSED = regex.compile(r"(?<![\w'’@#/.-])\p{Ll}{8,}(?![\w'’@-]|\.\w)")
# the repairs the engine has built in (`postedit.pipeline`), which a ``kind: repair`` rule turns
# on: each edits with its rule's id (ftfy: the id and the step, ``repair.ftfy.mojibake``)
BUILTIN_REPAIRS = (
    "ftfy",
    "arabic-tatweel",
    "arabic-presentation-forms",
    "invisible",
    "whitespace",
    "repeated-title",
    "category-label",
    "repeated-paragraph",
    "near-repeated-paragraph",
    "inconsistent-name",
    "near-name",
)
ANY = "any"  # rules/any/: packs for every article, whatever its language
# the most a rule's ``evidence`` may be: under `postedit.translation.THRESHOLD`, so that no one
# rule (a writer's one slip, or a rule for MT text firing on a fluent article) makes an article
# machine-translated on its own
MAX_EVIDENCE = 0.45
MT = "*"  # the source language of rules/<language>/mt/: translated (by machine) from any language
MT_FOLDER = "mt"
ANY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")  # written in full
CASES = ("preserve", "sensitive", "canonical")
SCOPES = ("sentence", "paragraph", "before")
PLACES = ("any", "title", "body")
YAML_LOADER = PackLoader  # safe YAML (libyaml where built in), each key once per mapping
REGEX_TIMEOUT = 0.5  # seconds a rule's pattern may spend on one paragraph
PROBE_TIMEOUT = 0.25  # seconds a pattern may spend on each probe when its pack is loaded
# texts on which nested or overlapping repeats ((a+)+$, (\w+\s?)*!) take exponential time
# (exponential in the length: 40 characters are enough to show it, and cost a sane pattern nothing)
PROBES = ("a" * 40 + "!", "ab " * 14 + "!", "1" * 40 + "x", "Word " * 9 + "\n", " " * 40 + "x")
MARK = re.compile(r"\[\[(.*?)\]\]", re.S)
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")
TOKEN_RE = re.compile(r"\w+(?:['’-]\w+)*")


class RuleError(ValueError):
    """A pack that cannot be loaded: says the file, the rule and what is wrong."""

    def __init__(self, path: Path | str, rule: str | None, reason: str) -> None:
        where = f"{path}: rule {rule!r}" if rule else str(path)
        super().__init__(f"{where}: {reason}")
        self.path, self.rule, self.reason = str(path), rule, reason


APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def plain_apostrophes(text: str) -> str:
    """``text`` with the apostrophe's typographic forms as ``'``. Most text has none: plain
    ASCII without a backtick is returned as it is, not read through the table."""
    if text.isascii() and "`" not in text:
        return text
    return text.translate(APOSTROPHES)


def word_key(word: str) -> str:
    """How words compare: casefolded, with the apostrophe's typographic forms as ``'``
    ("Kata’ib" is "kata'ib")."""
    return plain_apostrophes(word.casefold())


def tokens(text: str) -> list[str]:
    """The word tokens of ``text`` as they compare (`word_key`)."""
    return [word_key(m.group()) for m in TOKEN_RE.finditer(text)]


@dataclass(frozen=True)
class Words:
    """A list of words and phrases that must (or must not) occur near a match."""

    phrases: tuple[tuple[str, ...], ...]  # token tuples; a trailing "*" on the last token = prefix
    within: str | int  # "sentence", "paragraph", "before" or a number of words on each side

    @functools.cached_property
    def singles(self) -> frozenset[str]:
        """The one-word phrases without a wildcard: found with one set lookup per word."""
        return frozenset(p[0] for p in self.phrases if len(p) == 1 and not p[0].endswith("*"))

    @functools.cached_property
    def others(self) -> tuple[tuple[str, ...], ...]:
        return tuple(p for p in self.phrases if len(p) > 1 or p[0].endswith("*"))


@dataclass(frozen=True, slots=True)
class Context:
    require: tuple[Words, ...] = ()  # every group must find one of its words
    forbid: tuple[Words, ...] = ()  # no group may find any of its words
    preceded_by: regex.Pattern[str] | None = None  # must match the text just before the match
    not_preceded_by: regex.Pattern[str] | None = None
    followed_by: regex.Pattern[str] | None = None  # must match the text just after the match
    not_followed_by: regex.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Example:
    kind: str  # "fix", "flag" or "keep"
    text: str  # without the [[ ]] markers
    span: tuple[int, int] | None  # the marked error
    to: str | None  # the expected replacement of the marked text


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    path: str
    language: str
    source_language: str | None
    description: str
    message: str
    action: str
    confidence: float
    order: int  # position in load order: breaks ties between overlapping edits
    phrases: tuple[str, ...] = ()
    pattern: regex.Pattern[str] | None = None
    replace: str | None = None
    case: str = "preserve"
    # (canonical case) name forms a substitution matches and leaves as they are
    unchanged: frozenset[str] = frozenset()
    paragraphs: tuple[str, ...] = ()
    last: int | None = None  # boilerplate: only in the last N paragraphs
    pairs: tuple[str, ...] = ()  # balance: opening and closing marks
    where: str = "any"  # title, body or any
    context: Context = field(default_factory=Context)
    examples: tuple[Example, ...] = ()
    touches: frozenset[str] = frozenset()  # what the invariant guards let it change (GUARDED)
    # contexts an editor said it must never fire in: (text, left, right), white space folded,
    # left and right within the sentence (see `postedit.correct.exception_key`)
    exceptions: frozenset[tuple[str, str, str]] = frozenset()
    demoted: bool = False  # a fix the trust policy made a flag (`postedit.trust.apply`)
    repair: str | None = None  # kind repair: the built-in repair it turns on (`BUILTIN_REPAIRS`)
    # how strongly a change or flag of this rule says the text is machine-translated (0-1)
    evidence: float = 0.0
    # fused-words: the word list (wordfreq's language code), the Zipf frequency each part must
    # reach, and the first parts that make a compound, not two words ("anti", "non")
    wordlist: str = ""
    common: float = 0.0
    prefixes: frozenset[str] = frozenset()
    suffixes: frozenset[str] = frozenset()  # ... and the last parts ("less", "ness")
    # tells: phrases that together say something of the whole article (a synonym spinner's),
    # and how many different ones it takes
    tells: tuple[regex.Pattern[str], ...] = ()
    at_least: int = 0

    def covers(self, edit_rule: str) -> bool:
        """Is an edit of rule id ``edit_rule`` this rule's? (A repair's edits may name a step
        after its id: ``repair.ftfy.mojibake`` is ``repair.ftfy``'s.)"""
        return edit_rule == self.id or (
            self.kind == "repair" and edit_rule.startswith(self.id + ".")
        )


@dataclass(frozen=True)
class Cues:
    """What says an English (say) article was translated from one source language: words a
    translation from it leaves (transliterations, names of its world). An article the engine
    judges machine-translated and whose source is not declared is guessed to come from the
    language whose cues it shows most, at least ``at_least`` distinct ones."""

    pattern: regex.Pattern[str]
    at_least: int
    # no cue holds white space, so none runs over a line break (`count` reads a line at a time)
    by_line: bool = False

    def count(self, text: str) -> int:
        """How many different cues (case aside) ``text`` shows."""
        if not self.by_line:
            return len({m.group().casefold() for m in self.pattern.finditer(text)})
        found: set[str] = set()
        for line in text.split("\n"):
            found |= cues_in(self.pattern, line)
        return len(found)


@functools.lru_cache(maxsize=8192)  # by line: reposts share most of their lines
def cues_in(pattern: regex.Pattern[str], line: str) -> frozenset[str]:
    """The cues a line of text shows, case folded. A match neither holds nor looks past the
    white space around it, so a text's matches are its lines' matches, each line read alone."""
    return frozenset(m.group().casefold() for m in pattern.finditer(line))


CUE_FIELDS = ("words", "at_least")


def parse_cues(data: Any, fail: Any) -> Cues:
    if not isinstance(data, dict) or set(data) - set(CUE_FIELDS) or "words" not in data:
        raise fail("'cues' has 'words' (a list; a trailing * matches any ending) and 'at_least'")
    words = data["words"]
    at_least = data.get("at_least", 2)
    if (
        not isinstance(words, list)
        or not words
        or not all(isinstance(w, str) and w.strip() for w in words)
    ):
        raise fail("'cues: words' must be a list of words or phrases")
    if isinstance(at_least, bool) or not isinstance(at_least, int) or at_least < 1:
        raise fail("'cues: at_least' must be a positive whole number")
    alternatives = sorted(
        (
            r"\s+".join(regex.escape(t) for t in w.rstrip("*").split())
            + (r"[\w'’-]*" if w.endswith("*") else "")
            for w in words
        ),
        key=len,
        reverse=True,
    )
    # where every cue begins with a letter or digit, a match begins on a word boundary: saying
    # so lets the scan skip the inside of words (the same matches, a third faster)
    start = r"\b" if all(regex.match(r"\w", w.strip()) for w in words) else ""
    pattern = regex.compile(
        start + r"(?<![\w'’-])(?:" + "|".join(alternatives) + r")(?![\w'’-])", regex.I
    )
    return Cues(pattern, at_least, not any(len(w.split()) > 1 for w in words))


@dataclass(frozen=True, eq=False)
class Rules:
    """All rules of a rules folder (compared and hashed by identity)."""

    root: str
    rules: tuple[Rule, ...]
    stopwords: dict[str, frozenset[str]] = field(default_factory=dict)  # per language
    # (path relative to root, language, source language, sha256 of the file): what changed
    packs: tuple[tuple[str, str, str | None, str], ...] = ()
    grammar: dict[str, GrammarConfig] = field(default_factory=dict)  # per language
    # the gazetteers' `postedit.gazetteer.Entity` records (placed before ``trust``: positional)
    entities: tuple[Any, ...] = ()
    # per language, words that are numbers ("two" -> "2"): figures, for de-duplication
    number_words: dict[str, dict[str, str]] = field(default_factory=dict)
    trust: Any = None  # the `postedit.trust.Trust` a run measured and applied, if any
    # per language, per source language: what says an article was translated from it
    cues: dict[str, dict[str, Cues]] = field(default_factory=dict)

    @functools.cached_property
    def evidence(self) -> dict[str, float]:
        """Rule id -> how strongly its edits say the text is machine-translated."""
        return {r.id: r.evidence for r in self.rules if r.evidence > 0}

    def cues_for(self, language: str | None) -> dict[str, Cues]:
        return self.cues.get((language or "").split("-")[0].lower(), {})

    def grammar_for(self, language: str | None) -> GrammarConfig:
        base = (language or "").split("-")[0].lower()
        return self.grammar.get(base, GrammarConfig(language=base or None))

    def stopwords_for(self, language: str | None) -> frozenset[str]:
        return self.stopwords.get((language or "").split("-")[0].lower(), frozenset())

    def number_words_for(self, language: str | None) -> dict[str, str]:
        return self.number_words.get((language or "").split("-")[0].lower(), {})

    def for_language(
        self, language: str | None, source_language: str | None, mt: bool = False
    ) -> tuple[Rule, ...]:
        """The rules for articles in ``language`` translated from ``source_language`` (None:
        not known), with the packs of ``mt/`` if ``mt`` (the article is machine-translated)."""
        return _select(self, language, source_language, mt or bool(source_language))

    def gated(self, language: str | None) -> bool:
        """Are there rules for ``language`` that apply only to translated articles?"""
        return _gated(self, (language or "").split("-")[0].lower())

    def entities_for(self, language: str | None, source_language: str | None) -> tuple[Any, ...]:
        """The entities whose mentions are recorded in articles of ``language`` translated from
        ``source_language`` (their packs apply to those articles)."""
        base = (language or "").split("-")[0].lower()
        src = (source_language or "").split("-")[0].lower() or None
        return tuple(
            e for e in self.entities if e.language == base and e.source_language in (None, MT, src)
        )

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted({r.language for r in self.rules}))

    @property
    def version(self) -> str:
        """The rules' version: the first 12 hex digits of a hash of every pack file's bytes."""
        digest = hashlib.sha256()
        for path, _, _, sha in sorted(self.packs):
            digest.update(f"{path}\0{sha}\0".encode())
        return digest.hexdigest()[:12]

    def digest_for(self, language: str | None, source_language: str | None) -> str:
        """A hash of the bytes of every pack file that applies to articles in ``language``
        translated from ``source_language`` (None: from whatever language the packs' cues may
        guess, or none): it changes when any rule they can meet changes."""
        return _digest(self, language, source_language)


@functools.lru_cache(maxsize=256)
def _select(
    rules: Rules, language: str | None, source_language: str | None, mt: bool
) -> tuple[Rule, ...]:
    base = (language or "").split("-")[0].lower()
    src = (source_language or "").split("-")[0].lower() or None
    return tuple(
        r
        for r in rules.rules
        if r.language in (base, ANY)
        and (r.source_language in (None, src) or (mt and r.source_language == MT))
    )


@functools.lru_cache(maxsize=256)
def _gated(rules: Rules, base: str) -> bool:
    return any(r.language == base and r.source_language for r in rules.rules)


@functools.lru_cache(maxsize=256)
def _digest(rules: Rules, language: str | None, source_language: str | None) -> str:
    base = (language or "").split("-")[0].lower()
    src = (source_language or "").split("-")[0].lower() or None
    digest = hashlib.sha256()
    for path, lang, source, sha in rules.packs:
        if lang in (base, ANY) and (source in (None, MT, src) or src is None):
            digest.update(f"{path}\0{sha}\0".encode())
    return digest.hexdigest()


# --- loading -------------------------------------------------------------------------------------

RULE_FIELDS = {
    "id": True,
    "kind": True,
    "description": True,
    "message": True,
    "action": True,
    "confidence": True,
    "examples": True,
    "match": False,
    "pattern": False,
    "replace": False,
    "case": False,
    "ignore_case": False,
    "paragraphs": False,
    "last": False,
    "context": False,
    "pairs": False,
    "unchanged": False,
    "where": False,
    "touches": False,
    "repair": False,
    "evidence": False,
    "wordlist": False,
    "common": False,
    "prefixes": False,
    "suffixes": False,
    "at_least": False,
}
GUARDED = ("numbers", "urls", "quotes")  # left unchanged by a fix unless its rule ``touches`` them
EXCEPTIONS_FILE = "exceptions.yaml"  # in a pack's folder: contexts editors ruled out
CONTEXT_FIELDS = (
    "require",
    "forbid",
    "preceded_by",
    "not_preceded_by",
    "followed_by",
    "not_followed_by",
)
PACK_FIELDS = (
    "description",
    "rules",
    "entities",
    "action",
    "confidence",
    "stopwords",
    "number_words",
    "grammar",
    "rewrite_spellings",
    "exceptions",
    "touches",
    "cues",
    "evidence",
)
EXCEPTION_FIELDS = ("rule", "text", "left", "right", "sentence", "article", "decided")


def pack_scope(root: Path, path: Path) -> tuple[str, str | None]:
    """The (language, source language) a pack file applies to, from its place under ``root``."""
    parts = path.relative_to(root).parts[:-1]
    if len(parts) not in (1, 2) or not LANG_RE.match(parts[0]):
        raise RuleError(
            path,
            None,
            "packs live in rules/<language>/, rules/<language>/mt/ or "
            "rules/<language>/from-<source>/",
        )
    if len(parts) == 2:
        if parts[1] == MT_FOLDER and parts[0] != ANY:
            return parts[0], MT
        if not parts[1].startswith("from-") or not LANG_RE.match(parts[1][5:]):
            raise RuleError(
                path,
                None,
                f"folder {parts[1]!r} should be named {MT_FOLDER} or from-<source language>",
            )
        return parts[0], parts[1][5:]
    return parts[0], None


TRUST_FILE = "trust.yaml"  # at the top of rules/: the trust policy (`postedit.trust`), not a pack


def pack_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*.yaml")
        if not any(x.startswith(".") for x in p.parts) and p != root / TRUST_FILE
    )


def load_rules(root: Path | str) -> Rules:
    """Load and validate every pack under ``root``; raise `RuleError` on the first problem.

    Loading compiles and probes every pattern, so the packs of one folder are loaded once per
    process while their bytes stay the same (the command checks them before a run starts, and
    the run loads them again)."""
    root = Path(root)
    if not root.is_dir():
        raise RuleError(root, None, "rules folder not found")
    try:
        contents = tuple(
            (str(p), hashlib.sha256(p.read_bytes()).hexdigest()) for p in pack_files(root)
        )
    except OSError as exc:
        raise RuleError(root, None, f"cannot read: {exc}") from exc
    return _load_rules(root, contents)


@functools.lru_cache(maxsize=4)
def _load_rules(root: Path, contents: tuple[tuple[str, str], ...]) -> Rules:
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    stopwords: dict[str, set[str]] = {}
    grammar: dict[str, dict[str, Any]] = {}
    packs = []
    entities: list[Any] = []
    numbers: dict[str, dict[str, str]] = {}
    forms: dict[tuple[str, str | None, str], Any] = {}
    cues: dict[str, dict[str, Cues]] = {}
    for path in pack_files(root):
        language, source = pack_scope(root, path)
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise RuleError(path, None, f"cannot read: {exc}") from exc
        packs.append((path.relative_to(root).as_posix(), language, source, sha))
        pack_rules, words, checks = load_pack(root, path, start=len(rules))
        numbers.setdefault(language, {}).update(checks.pop("number_words", {}))
        if "cues" in checks:
            if source in cues.setdefault(language, {}):
                raise RuleError(path, None, f"another pack gives the cues of from-{source}/")
            cues[language][source] = checks.pop("cues")
        for entity in checks.pop("entities", ()):
            for form in entity.forms:
                key = (entity.language, entity.source_language, name_form(form))
                if key in forms and forms[key].id != entity.id:
                    raise RuleError(path, entity.id, f"{form!r} also names {forms[key].id}")
                forms[key] = entity
            entities.append(entity)
        stopwords.setdefault(language, set()).update(words)
        _merge_grammar(grammar.setdefault(language, {}), checks, path, source)
        for rule in pack_rules:
            if rule.id in seen:
                raise RuleError(path, rule.id, f"id already defined in {seen[rule.id]}")
            seen[rule.id] = str(path)
            rules.append(rule)
    rules = attach_exceptions(
        rules, [(p, load_exceptions(p)) for p in pack_files(root) if p.name == EXCEPTIONS_FILE]
    )
    frozen = {lang: frozenset(words) for lang, words in stopwords.items() if words}
    for lang, g in grammar.items():
        for backend, ids in g.get("fix", {}).items():
            off = sorted(ids - g.get("enabled", {}).get(backend, ids))
            if off:
                raise RuleError(
                    root / lang, None, f"grammar: {backend} may fix {off} but does not run them"
                )
    configs = {
        lang: GrammarConfig(
            languagetool=g.get("languagetool"),
            enabled={k: frozenset(v) for k, v in g.get("enabled", {}).items()},
            disabled={k: frozenset(v) for k, v in g.get("disabled", {}).items()},
            fix={k: frozenset(v) for k, v in g.get("fix", {}).items()},
            dictionary=frozenset(g.get("dictionary", ())),
            language=lang,
        )
        for lang, g in grammar.items()
        if g
    }
    number_words = {lang: words for lang, words in numbers.items() if words}
    return Rules(
        str(root),
        tuple(rules),
        frozen,
        tuple(packs),
        configs,
        tuple(entities),
        number_words,
        cues={lang: found for lang, found in cues.items() if found},
    )


def load_exceptions(path: Path) -> list[dict[str, str]]:
    """The ``exceptions`` list of a pack file: contexts in which a rule must not fire, each
    with the sentence it was found in (a must-keep example of the rule)."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    items = data.get("exceptions") if isinstance(data, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise RuleError(path, None, "'exceptions' must be a list")
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("rule", "text", "left", "right", "sentence")
        ):
            raise RuleError(
                path, None, f"exception #{n} needs 'rule', 'text', 'left', 'right' and 'sentence'"
            )
        unknown = sorted(set(item) - set(EXCEPTION_FIELDS))
        if unknown:
            raise RuleError(path, item["rule"], f"exception #{n}: unknown field(s) {unknown}")
        out.append({k: str(v) for k, v in item.items()})
    return out


def attach_exceptions(
    rules: list[Rule], found: list[tuple[Path, list[dict[str, str]]]]
) -> list[Rule]:
    """Give each rule the exceptions recorded for it, and each exception's sentence as a
    must-keep example (so ``postedit rules test`` proves the rule no longer fires there)."""
    by_id = {r.id: r for r in rules}
    extra: dict[str, list[dict[str, str]]] = {}
    for path, items in found:
        for item in items:
            if item["rule"] not in by_id:
                raise RuleError(path, item["rule"], "an exception for a rule that does not exist")
            extra.setdefault(item["rule"], []).append(item)
    if not extra:
        return rules
    out = []
    for rule in rules:
        items = extra.get(rule.id)
        if items:
            keys = frozenset((fold(i["text"]), fold(i["left"]), fold(i["right"])) for i in items)
            keep = tuple(
                Example("keep", i["sentence"], None, None)
                for i in items
                if i["sentence"] not in {e.text for e in rule.examples}
            )
            rule = replace(rule, exceptions=rule.exceptions | keys, examples=rule.examples + keep)
        out.append(rule)
    return out


def fold(text: str) -> str:
    return " ".join(text.split())


def _merge_grammar(
    into: dict[str, Any], checks: dict[str, Any], path: Path, source: str | None
) -> None:
    """Add one pack's grammar settings (and gazetteer names) to its language's."""
    if not checks:
        return
    if source and set(checks) - {"dictionary"}:
        raise RuleError(
            path, None, "grammar settings belong in rules/<language>/, not mt/ or from-*/"
        )
    if checks.get("languagetool"):
        if into.get("languagetool") not in (None, checks["languagetool"]):
            raise RuleError(path, None, "another pack gives another LanguageTool code")
        into["languagetool"] = checks["languagetool"]
    for key in ("enabled", "disabled", "fix"):
        for backend, ids in checks.get(key, {}).items():
            into.setdefault(key, {}).setdefault(backend, set()).update(ids)
    into.setdefault("dictionary", set()).update(checks.get("dictionary", ()))


def load_pack(
    root: Path, path: Path, start: int = 0
) -> tuple[list[Rule], list[str], dict[str, Any]]:
    """The rules of one pack file, the stop words it lists (for de-duplication) and its grammar
    settings (with the words of its gazetteer names in the dictionary)."""
    language, source = pack_scope(root, path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(path, None, f"cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise RuleError(path, None, f"invalid YAML: {exc}") from exc
    if not isinstance(data, dict) or not any(
        isinstance(data.get(k), (list, str, dict))
        for k in ("rules", "entities", "stopwords", "number_words", "grammar", "exceptions", "cues")
    ):
        raise RuleError(path, None, "a pack is a mapping with a 'rules' (or 'entities') list")
    words = data.get("stopwords", [])
    words = words.split() if isinstance(words, str) else words  # a block of words, or a list
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise RuleError(path, None, "'stopwords' must be words separated by spaces")
    unknown = sorted(set(data) - set(PACK_FIELDS))
    if unknown:
        raise RuleError(path, None, f"unknown pack field(s) {unknown}; known: {list(PACK_FIELDS)}")
    if "exceptions" in data and path.name != EXCEPTIONS_FILE:
        raise RuleError(path, None, f"exceptions belong in {EXCEPTIONS_FILE} of the pack's folder")
    number_words = data.get("number_words", {})
    if not isinstance(number_words, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in number_words.items()
    ):
        raise RuleError(path, None, "'number_words' maps words to whole numbers ('two: 2')")
    prefix = f"{language}." + (
        f"{MT_FOLDER}." if source == MT else f"from-{source}." if source else ""
    )
    if language == ANY:
        if source:
            raise RuleError(path, None, f"rules/{ANY}/ applies whatever the language: no from-")
        prefix = ""  # its rules are named in full (repair.whitespace)
    entries = list(data.get("rules") or [])
    checks: dict[str, Any] = {}
    if "grammar" in data:
        checks = parse_config(data["grammar"], lambda reason: RuleError(path, None, reason))
    if "entities" in data:
        from .gazetteer import entity_records, entity_rules, name_words

        if not isinstance(data["entities"], list):
            raise RuleError(path, None, "'entities' must be a list")
        entries += entity_rules(data, path)
        checks["entities"] = entity_records(data, path, prefix, language, source)
        words = frozenset(checks.get("dictionary", frozenset()) | name_words(data))
        checks["dictionary"] = words
    if number_words:
        checks["number_words"] = {word_key(k): str(v) for k, v in number_words.items()}
    if "cues" in data:
        if source in (None, MT):
            raise RuleError(
                path, None, "'cues' belong in a pack of rules/<language>/from-<source>/"
            )
        checks["cues"] = parse_cues(data["cues"], lambda reason: RuleError(path, None, reason))
    if "evidence" in data:  # the pack's default for its rules (a rule's own wins)
        entries = [
            {"evidence": data["evidence"], **e} if isinstance(e, dict) else e for e in entries
        ]
    if "touches" in data:  # the pack's default for its rules (a rule's own wins)
        entries = [{"touches": data["touches"], **e} if isinstance(e, dict) else e for e in entries]
    rules = [
        parse_rule(
            expand(entry, lambda reason, e=entry: _entry_error(path, prefix, e, reason)),
            path,
            prefix,
            language,
            source,
            start + i,
        )
        for i, entry in enumerate(entries)
    ]
    return rules, [w.casefold() for w in words], checks


def _entry_error(path: Path, prefix: str, entry: Any, reason: str) -> RuleError:
    local = entry.get("id") if isinstance(entry, dict) else None
    return RuleError(path, prefix + str(local) if local else None, reason)


def parse_rule(
    entry: Any, path: Path, prefix: str, language: str, source: str | None, order: int
) -> Rule:
    if not isinstance(entry, dict):
        raise RuleError(path, None, f"rule #{order + 1} is not a mapping")
    local = entry.get("id")
    if language == ANY:
        if not isinstance(local, str) or not ANY_ID_RE.match(local):
            raise RuleError(path, str(local), "an id in rules/any/ is a family and a name: a.b")
    elif not isinstance(local, str) or not ID_RE.match(local):
        raise RuleError(path, str(local), "'id' must be lower-case letters, digits and dashes")
    rid = prefix + local

    def fail(reason: str) -> RuleError:
        return RuleError(path, rid, reason)

    unknown = sorted(set(entry) - set(RULE_FIELDS))
    if unknown:
        raise fail(f"unknown field(s) {unknown}; known: {sorted(RULE_FIELDS)}")
    missing = [
        k
        for k, required in RULE_FIELDS.items()
        if required and k not in entry and not (k == "message" and entry.get("kind") == "repair")
    ]  # a built-in repair says in each edit what it did: its message is its own
    if missing:
        raise fail(f"missing field(s) {missing}")
    kind = entry["kind"]
    if kind not in KINDS:
        raise fail(f"kind must be one of {list(KINDS)}, not {kind!r}")
    action = entry["action"]
    if action not in ("fix", "flag"):
        raise fail(f"action must be 'fix' or 'flag', not {action!r}")
    confidence = entry["confidence"]
    if not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
        raise fail("confidence must be a number from 0 to 1")
    for key in ("description", "message"):
        if not isinstance(entry.get(key, "-"), str) or not entry.get(key, "-").strip():
            raise fail(f"{key!r} must be a non-empty string")
    case = entry.get("case", "preserve")
    if case not in CASES:
        raise fail(f"case must be one of {list(CASES)}")
    where = entry.get("where", "any")
    if where not in PLACES:
        raise fail(f"where must be one of {list(PLACES)}")

    fields: dict[str, Any] = {}
    if "repair" in entry and kind != "repair":
        raise fail("'repair' belongs to a rule of kind repair")
    if kind == "substitution":
        phrases = _strings(entry.get("match"), "match", fail)
        if not isinstance(entry.get("replace"), str) and action == "fix":
            raise fail("a substitution that fixes needs 'replace'")
        kept = _strings(entry["unchanged"], "unchanged", fail) if "unchanged" in entry else []
        if kept and case != "canonical":
            raise fail("'unchanged' is for names (case: canonical)")
        for phrase in phrases + kept:
            if not TOKEN_RE.search(phrase):
                raise fail(f"match {phrase!r} has no word in it")
        unchanged = {name_form(p) for p in kept}
        if case == "canonical" and isinstance(entry.get("replace"), str):
            unchanged.add(name_form(entry["replace"]))  # the name itself, in any particle case
        fields.update(
            phrases=tuple(phrases + kept),
            replace=entry.get("replace"),
            case=case,
            unchanged=frozenset(unchanged),
        )
    elif kind == "regex":
        fields.update(
            pattern=_compile(entry.get("pattern"), "pattern", fail, entry.get("ignore_case")),
            replace=entry.get("replace"),
        )
        if action == "fix" and not isinstance(fields["replace"], str):
            raise fail("a regex rule that fixes needs 'replace' (use '' to delete)")
        if fields["replace"] is not None:
            _check_template(fields["pattern"], fields["replace"], fail)
    elif kind == "balance":
        pairs = _strings(entry.get("pairs"), "pairs", fail)
        if any(len(p) != 2 for p in pairs) or action != "flag":
            raise fail("a balance rule flags, and its 'pairs' are two-character strings like '“”'")
        fields["pairs"] = tuple(pairs)
    elif kind == "tells":
        at_least = entry.get("at_least")
        if isinstance(at_least, bool) or not isinstance(at_least, int) or at_least < 2:
            raise fail("a tells rule needs 'at_least': how many different tells, 2 or more")
        if action != "flag":
            raise fail("a tells rule flags: it says something of the whole article")
        patterns = _strings(entry.get("match"), "match", fail)
        fields.update(
            tells=tuple(
                _compile(p, "match", fail, entry.get("ignore_case", True)) for p in patterns
            ),
            at_least=at_least,
        )
    elif kind == "fused-words":
        common = entry.get("common", 3.5)
        if isinstance(common, bool) or not isinstance(common, (int, float)) or common <= 0:
            raise fail("'common' is a Zipf frequency (wordfreq), e.g. 3.5")
        wordlist = entry.get("wordlist", language)
        if not isinstance(wordlist, str) or not LANG_RE.match(wordlist):
            raise fail("'wordlist' is the language code of wordfreq's word list")
        fields.update(
            pattern=FUSED,
            wordlist=wordlist,
            common=float(common),
            prefixes=frozenset(_strings(entry.get("prefixes", []), "prefixes", fail)),
            suffixes=frozenset(_strings(entry.get("suffixes", []), "suffixes", fail)),
        )
    elif kind == "repair":
        if entry.get("repair") not in BUILTIN_REPAIRS:
            raise fail(f"a repair rule names its built-in repair, one of {list(BUILTIN_REPAIRS)}")
        fields["repair"] = entry["repair"]
    else:  # boilerplate
        if "paragraphs" not in entry and "pattern" not in entry:
            raise fail("a boilerplate rule needs 'paragraphs' or 'pattern'")
        if "paragraphs" in entry:
            paras = _strings(entry["paragraphs"], "paragraphs", fail)
            fields["paragraphs"] = tuple(normalise_line(p) for p in paras)
        if "pattern" in entry:
            fields["pattern"] = _compile(
                entry["pattern"], "pattern", fail, entry.get("ignore_case")
            )
        last = entry.get("last")
        if last is not None and (not isinstance(last, int) or last < 1):
            raise fail("'last' must be a positive whole number of paragraphs")
        fields.update(last=last, replace="")
    context = _context(entry.get("context"), fail)
    examples = _examples(entry["examples"], action, fail)
    touches = entry.get("touches", [])
    if not isinstance(touches, list) or not set(touches) <= set(GUARDED):
        raise fail(f"'touches' must be a list of {list(GUARDED)}")
    evidence = entry.get("evidence", 0.0)
    if (
        isinstance(evidence, bool)
        or not isinstance(evidence, (int, float))
        or not (0 <= evidence < 1)
    ):
        raise fail("'evidence' must be a number from 0 to below 1")
    return Rule(
        id=rid,
        kind=kind,
        path=str(path),
        language=language,
        source_language=source,
        description=entry["description"].strip(),
        message=str(entry.get("message", "")).strip(),
        action=action,
        confidence=float(confidence),
        order=order,
        where=where,
        context=context,
        examples=examples,
        touches=frozenset(touches),
        evidence=float(evidence),
        **fields,
    )


_PARTICLE = re.compile(r"\b(?:Al|El|AL|EL)(?=[- ])")


def name_form(text: str) -> str:
    """How names compare: exact, but for white space, the case of al-/el- particles and the
    apostrophe's typographic forms."""
    form = " ".join(text.split())
    if "Al" in form or "El" in form or "AL" in form or "EL" in form:  # what a particle holds
        form = _PARTICLE.sub(lambda m: m.group().lower(), form)
    return plain_apostrophes(form)


def normalise_line(text: str) -> str:
    """Casefolded, with runs of white space as one space: how whole paragraphs are compared."""
    return " ".join(text.split()).casefold()


def _strings(value: Any, key: str, fail: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise fail(f"{key!r} must be a non-empty string or list of non-empty strings")
    return value


def _compile(source: Any, key: str, fail: Any, ignore_case: Any = False) -> regex.Pattern[str]:
    if not isinstance(source, str) or not source:
        raise fail(f"{key!r} must be a non-empty regular expression")
    flags = regex.V0 | (regex.IGNORECASE if ignore_case else 0)
    try:
        pattern = regex.compile(source, flags)
    except regex.error as exc:
        raise fail(f"{key!r} does not compile: {exc}") from exc
    try:  # refuse patterns that match the empty string: they would fire everywhere
        empty = pattern.fullmatch("", timeout=REGEX_TIMEOUT)
    except TimeoutError as exc:
        raise fail(f"{key!r} takes too long on the empty string") from exc
    if empty is not None and key == "pattern":
        raise fail(f"{key!r} matches the empty string")
    for probe in PROBES:  # patterns that backtrack without end are refused, not run
        try:
            for start in range(0, 4):
                pattern.match(probe, start, timeout=PROBE_TIMEOUT)
        except TimeoutError as exc:
            raise fail(
                f"{key!r} backtracks catastrophically: over {PROBE_TIMEOUT} s on "
                f"{len(probe):,} characters of {probe[:6]!r}…"
            ) from exc
    return pattern


GROUP_REF = re.compile(r"\\(\d+)|\\g<([^>]*)>")


def _check_template(pattern: regex.Pattern[str], template: str, fail: Any) -> None:
    for number, name in GROUP_REF.findall(template):
        ref = number or name
        if ref.isdigit():
            if int(ref) > pattern.groups:
                raise fail(f"replace refers to group {ref}, the pattern has {pattern.groups}")
        elif ref not in pattern.groupindex:
            raise fail(f"replace refers to group {ref!r}, which the pattern does not define")


def _words(value: Any, fail: Any) -> Words:
    if not isinstance(value, dict) or "words" not in value:
        raise fail("each context condition is a mapping with 'words' and optional 'within'")
    unknown = sorted(set(value) - {"words", "within"})
    if unknown:
        raise fail(f"unknown context condition field(s) {unknown}")
    phrases = []
    for word in _strings(value["words"], "words", fail):
        toks = tokens(word)
        if not toks:
            raise fail(f"context word {word!r} has no word in it")
        if word.rstrip().endswith("*"):
            toks[-1] += "*"
        phrases.append(tuple(toks))
    within = value.get("within", "sentence")
    if not (within in SCOPES or (isinstance(within, int) and within > 0)):
        raise fail("'within' is 'sentence', 'paragraph' or a number of words")
    return Words(tuple(phrases), within)


def _context(value: Any, fail: Any) -> Context:
    if value is None:
        return Context()
    if not isinstance(value, dict):
        raise fail("'context' must be a mapping")
    unknown = sorted(set(value) - set(CONTEXT_FIELDS))
    if unknown:
        raise fail(f"unknown context field(s) {unknown}; known: {list(CONTEXT_FIELDS)}")

    def groups(key: str) -> tuple[Words, ...]:
        raw = value.get(key, [])
        raw = [raw] if isinstance(raw, dict) else raw
        if not isinstance(raw, list):
            raise fail(f"context {key!r} must be a list of conditions")
        return tuple(_words(v, fail) for v in raw)

    patterns = {
        k: _compile(value[k], f"context.{k}", fail, True) for k in CONTEXT_FIELDS[2:] if k in value
    }
    return Context(require=groups("require"), forbid=groups("forbid"), **patterns)


def parse_example(text: str) -> tuple[str, tuple[int, int] | None]:
    """Strip the ``[[ ]]`` marker from an example; return the text and the marked span."""
    marks = list(MARK.finditer(text))
    if not marks:
        return text, None
    if len(marks) > 1:
        raise ValueError("mark exactly one error per example")
    m = marks[0]
    plain = text[: m.start()] + m.group(1) + text[m.end() :]
    return plain, (m.start(), m.start() + len(m.group(1)))


def _examples(value: Any, action: str, fail: Any) -> tuple[Example, ...]:
    if not isinstance(value, list):
        raise fail("'examples' must be a list")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or len(set(item) & {"fix", "flag", "keep"}) != 1:
            raise fail(f"an example has exactly one of fix/flag/keep: {item!r}")
        kind = next(k for k in ("fix", "flag", "keep") if k in item)
        unknown = sorted(set(item) - {kind, "to"})
        if unknown:
            raise fail(f"unknown example field(s) {unknown}")
        if not isinstance(item[kind], str) or not item[kind].strip():
            raise fail(f"{kind} example must be a non-empty string")
        try:
            text, span = parse_example(item[kind])
        except ValueError as exc:
            raise fail(f"example {item[kind]!r}: {exc}") from exc
        to = item.get("to")
        if kind == "keep":
            if span is not None or to is not None:
                raise fail(f"a keep example has no [[mark]] and no 'to': {item[kind]!r}")
        else:
            # a rule that fixes may say where its guard holds a fix back (a flag); one that
            # flags never fixes
            if kind != action and not (action == "fix" and kind == "flag"):
                raise fail(
                    f"a rule whose action is {action!r} has {action!r} examples, not {kind!r}"
                )
            if span is None:
                raise fail(f"mark the error with [[ ]]: {item[kind]!r}")
            if kind == "fix" and not isinstance(to, str):
                raise fail(f"a fix example needs 'to' (the expected replacement): {item[kind]!r}")
        out.append(Example(kind, text, span, to))
    if not any(e.kind == "keep" for e in out) or not any(e.kind != "keep" for e in out):
        raise fail("a rule needs examples of both kinds: what it changes and what it keeps")
    return tuple(out)


def describe(rules: Iterable[Rule]) -> list[dict[str, object]]:
    """One row per rule, for ``postedit rules list``."""
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "action": r.action,
            "confidence": r.confidence,
            "examples": len(r.examples),
            "description": r.description,
        }
        for r in rules
    ]
