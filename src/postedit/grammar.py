"""Grammar and spelling checks: LanguageTool (a server, or language-tool-python's own local
install) or Harper (offline, English only), turned into flags and a few allow-listed fixes.

What a checker may do is data in the packs (``grammar:`` in ``rules/<lang>/*.yaml``, see
`GrammarConfig`): which of its checks run (all, or only those listed), which are off, which may
fix (and then only with exactly one suggestion), the LanguageTool language code, and a project
dictionary, to which every gazetteer name is added, so that names are not spelling errors.
Which checker runs is run configuration (`GrammarSettings`): ``auto`` uses LanguageTool when a
server (or a local install) is configured, else Harper for English, else nothing, and says so
once.

A checker that fails (an error status, a timeout, a server that is down) never stops the run:
the article gets a warning and keeps the edits of the other stages; after `MAX_FAILURES`
failures in a row the checker is not asked again in that process.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .memo import Memo, Store, Stored, content_key
from .model import Edit, local_edit

BACKENDS = ("auto", "harper", "languagetool", "off")
MAX_FAILURES = 3
FIX_CONFIDENCE = 0.9
FLAG_CONFIDENCE = 0.6
FAILED = "grammar check failed"
SEPARATOR = "\n\n"
MAX_REQUEST = 20_000  # characters of paragraphs sent to LanguageTool in one request
MAX_PARAGRAPH = 20_000  # a longer paragraph is not a paragraph: it is not checked


@dataclass(frozen=True)
class GrammarConfig:
    """What the packs of one language let the checkers do."""

    languagetool: str | None = None  # LanguageTool's code for the language (en-US, fr, de-DE)
    disabled: dict[str, frozenset[str]] = field(default_factory=dict)  # backend -> check ids
    # backend -> the only check ids it runs (the checker's others never run); absent: all of
    # its checks but the disabled ones
    enabled: dict[str, frozenset[str]] = field(default_factory=dict)
    fix: dict[str, frozenset[str]] = field(default_factory=dict)  # backend -> check ids
    dictionary: frozenset[str] = frozenset()  # casefolded words that are not spelling errors
    language: str | None = None  # the packs' language (for word frequencies)

    def knows(self, word: str) -> bool:
        """True if ``word`` (or every part of it between hyphens) is in the dictionary."""
        word = word.strip(".,;:!?\"'“”‘’()[]").casefold().replace("’", "'")
        word = word.removesuffix("'s")
        if not word:
            return False
        return word in self.dictionary or all(p in self.dictionary for p in word.split("-") if p)


@dataclass(frozen=True)
class GrammarSettings:
    """Which checker a run uses."""

    backend: str = "auto"
    url: str | None = None  # a LanguageTool server, e.g. http://languagetool:8081
    local: bool = False  # language-tool-python's own LanguageTool (downloads it; needs Java)
    timeout: float = 20.0  # seconds per request
    retries: int = 2  # further tries of a failed request

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"grammar checker must be one of {list(BACKENDS)}: {self.backend!r}")

    def describe(self) -> str:
        """What a cached result depends on."""
        lt = self.url or ("local" if self.local else "")
        return f"{self.backend}|{lt}"

    @property
    def languagetool(self) -> bool:
        return self.backend in ("auto", "languagetool") and bool(self.url or self.local)

    def checker_name(self, language: str | None) -> str | None:
        """The checker articles in ``language`` get, or None."""
        base = (language or "").split("-")[0].lower()
        if self.backend == "off" or not base:
            return None
        if self.languagetool:
            return "languagetool"
        if self.backend in ("auto", "harper") and base == "en":
            return "harper"
        return None

    def unavailable(self) -> str | None:
        """Why the checker asked for cannot run at all, or None."""
        if self.backend == "languagetool" and not (self.url or self.local):
            return (
                "LanguageTool was asked for (--grammar languagetool) but no server is configured "
                "(--languagetool-url or $POSTEDIT_LANGUAGETOOL_URL, or --languagetool-local)"
            )
        return None

    def notice(self, language: str | None) -> str:
        """Why articles in ``language`` are checked by a checker, or why they are not."""
        name = self.checker_name(language)
        if name:
            return f"checked by {name}"
        if self.backend == "off":
            return "not checked: grammar checks are off"
        if self.backend == "languagetool":
            return "not checked: no LanguageTool server configured (--languagetool-url)"
        return (
            "not checked: no LanguageTool server configured (--languagetool-url), "
            "and Harper checks English only"
        )


@dataclass(frozen=True)
class Finding:
    """One match of a checker, with offsets in code points of the checked paragraph."""

    start: int
    end: int
    rule: str
    category: str
    spelling: bool
    message: str
    replacements: tuple[str, ...]


class CheckerError(RuntimeError):
    """A checker could not check a text (and was tried as often as configured)."""


# --- Harper --------------------------------------------------------------------------------------

# A Linter costs about a second to build and warms its caches over its first texts; it is not
# thread-safe. So: one per process, dictionary and set of checks, used under a lock.
_HARPER: dict[tuple[frozenset[str], frozenset[str] | None, frozenset[str]], Any] = {}
_HARPER_LOCK = threading.Lock()


def _harper(config: GrammarConfig) -> Any:
    enabled = config.enabled.get("harper")
    disabled = config.disabled.get("harper", frozenset())
    key = (config.dictionary, enabled, disabled)
    if key not in _HARPER:
        import harper

        linter = harper.Linter()
        words = sorted({w for word in config.dictionary for w in (word, *word.split("-")) if w})
        linter.import_words(words + [w.capitalize() for w in words])
        # Harper's time is its checks' (each of its ~900 reads the whole text): only the enabled
        # ones run. The disabled ones run too, and their findings are dropped after: of two
        # checks that flag the same words Harper reports one, so a disabled check's finding
        # hides the other's, which `make eval` measured as mostly noise.
        checks = linter.get_default_lint_config()
        linter.set_lint_config(
            {
                check: bool(on) and (enabled is None or check in enabled or check in disabled)
                for check, on in checks.items()
            }
        )
        _HARPER[key] = linter
    return _HARPER[key]


def harper_checks() -> frozenset[str]:
    """The ids of Harper's checks (what a pack's ``harper:`` lists name)."""
    import harper

    return frozenset(harper.get_default_lint_config())


def harper_check(paragraphs: Sequence[str], config: GrammarConfig) -> list[list[Finding]]:
    """Harper's lints of each paragraph (plain text, American English), from the run's checker
    process (`postedit.checker`: the linter's memory goes with it when cleaning is done)."""
    from .checker import CHECKER

    return CHECKER.check(paragraphs, config)


def harper_findings(paragraphs: Sequence[str], config: GrammarConfig) -> list[list[Finding]]:
    """Harper's lints of each paragraph, by a linter of this process (the checker process's)."""
    with _HARPER_LOCK:
        linter = _harper(config)
        return [_harper_findings(linter, text, config) for text in paragraphs]


def _harper_findings(linter: Any, text: str, config: GrammarConfig) -> list[Finding]:
    disabled = config.disabled.get("harper", frozenset())
    found = []
    for rule, lints in linter.organized_lints(text, language="plaintext").items():
        if rule in disabled:
            continue
        for lint in lints:
            replacements = []
            for s in lint.suggestions:
                kind = int(s.kind)
                if kind == 1:  # remove
                    replacements.append("")
                elif kind == 2:  # insert after
                    replacements.append(lint.problem_text + s.replacement_text)
                else:
                    replacements.append(s.replacement_text)
            found.append(
                Finding(
                    lint.span.start,
                    lint.span.end,
                    rule,
                    lint.lint_kind,
                    rule == "SpellCheck",
                    lint.message,
                    tuple(dict.fromkeys(replacements)),
                )
            )
    return found


# --- LanguageTool ---------------------------------------------------------------------------------


class LanguageTool:
    """LanguageTool through language-tool-python: a server at ``url`` (``remote_server``) or,
    without one, language-tool-python's own local LanguageTool."""

    def __init__(self, settings: GrammarSettings) -> None:
        self.settings = settings
        self._tools: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _tool(self, code: str) -> Any:
        with self._lock:
            if code not in self._tools:
                import language_tool_python

                if self.settings.url:
                    tool = language_tool_python.LanguageTool(code, remote_server=self.settings.url)
                else:
                    tool = language_tool_python.LanguageTool(code)
                tool._TIMEOUT = self.settings.timeout  # the library's own default is 300 s
                self._tools[code] = tool
            return self._tools[code]

    def check(
        self, paragraphs: Sequence[str], code: str, config: GrammarConfig
    ) -> list[list[Finding]]:
        """Paragraphs go in requests of up to `MAX_REQUEST` characters, joined by blank lines."""
        out: list[list[Finding]] = [[] for _ in paragraphs]
        for chunk in _chunks(paragraphs):
            text = SEPARATOR.join(paragraphs[i] for i in chunk)
            starts, pos = [], 0
            for i in chunk:
                starts.append(pos)
                pos += len(paragraphs[i]) + len(SEPARATOR)
            for match in self._request(text, code, config):
                offset, length = int(match.offset), int(match.error_length)
                k = max(j for j, s in enumerate(starts) if s <= offset)
                local = offset - starts[k]
                if local + length > len(paragraphs[chunk[k]]):
                    continue  # spans the separator between paragraphs: not a finding of either
                issue = str(getattr(match, "rule_issue_type", "") or "")
                out[chunk[k]].append(
                    Finding(
                        local,
                        local + length,
                        str(match.rule_id),
                        str(getattr(match, "category", "") or ""),
                        issue == "misspelling",
                        str(match.message),
                        tuple(dict.fromkeys(str(r) for r in match.replacements)),
                    )
                )
        return out

    def _request(self, text: str, code: str, config: GrammarConfig) -> list[Any]:
        error: Exception | None = None
        for attempt in range(self.settings.retries + 1):
            if attempt:
                time.sleep(min(4.0, 0.25 * 2**attempt))
            try:
                tool = self._tool(code)
                tool.disabled_rules = set(config.disabled.get("languagetool", ()))
                enabled = config.enabled.get("languagetool")
                tool.enabled_rules = set(enabled or ())
                tool.enabled_rules_only = enabled is not None
                return tool.check(text)
            except Exception as exc:  # language-tool-python raises its own errors and requests'
                error = exc
        raise CheckerError(f"LanguageTool ({code}): {type(error).__name__}: {error}") from error


def _chunks(paragraphs: Sequence[str]) -> list[list[int]]:
    chunks: list[list[int]] = []
    size = 0
    for i, text in enumerate(paragraphs):
        if not chunks or size + len(text) > MAX_REQUEST:
            chunks.append([])
            size = 0
        chunks[-1].append(i)
        size += len(text) + len(SEPARATOR)
    return chunks


# --- the run's checker ----------------------------------------------------------------------------


class Grammar:
    """The checker of one run (in one process): picks the backend per language and stops asking
    a backend that keeps failing."""

    def __init__(self, settings: GrammarSettings) -> None:
        self.settings = settings
        self._languagetool = LanguageTool(settings) if settings.languagetool else None
        self._failures = 0
        # findings by paragraph text: a paragraph checked once is not sent again
        self.memo = Memo()
        self._configs: dict[int, tuple[GrammarConfig, bytes]] = {}

    def check(
        self,
        paragraphs: Sequence[str],
        language: str | None,
        config: GrammarConfig,
        store: Store | None = None,
    ) -> tuple[str, list[list[Finding]]] | None:
        """(checker name, findings per paragraph), or None if no checker applies. ``store``:
        where the embedded checker's findings are kept between runs (its version is part of the
        store's scope); a LanguageTool server's are not (its version is not known here).

        Raises `CheckerError` when the checker fails (the caller warns and goes on).
        """
        name = self.settings.checker_name(language)
        if name is None:
            return None
        memo = Stored(self.memo, store) if store is not None and name == "harper" else self.memo
        keys = [content_key("grammar", name, language, self._key_of(config), p) for p in paragraphs]
        kept = [memo.get(k) for k in keys]
        todo = [i for i, found in enumerate(kept) if found is None]
        if not todo:
            return name, [list(found) for found in kept]  # type: ignore[arg-type]
        if self._failures >= MAX_FAILURES:
            raise CheckerError(f"{name} failed {self._failures} times in a row: not asked again")
        asked = [paragraphs[i] for i in todo]
        try:
            if name == "harper":
                found = harper_check(asked, config)
            else:
                assert self._languagetool is not None
                code = config.languagetool or (language or "en")
                found = self._languagetool.check(asked, code, config)
        except CheckerError:
            self._failures += 1
            raise
        except Exception as exc:
            self._failures += 1
            raise CheckerError(f"{name}: {type(exc).__name__}: {exc}") from exc
        self._failures = 0
        for i, findings in zip(todo, found, strict=True):
            kept[i] = tuple(findings)
            memo.put(keys[i], kept[i])
        return name, [list(found) for found in kept]  # type: ignore[arg-type]

    def _key_of(self, config: GrammarConfig) -> bytes:
        """A hash of what a pack lets the checker do (kept with the config it hashes)."""
        if id(config) not in self._configs:
            self._configs[id(config)] = (config, content_key(repr(config)))
        return self._configs[id(config)][1]


_GRAMMARS: dict[GrammarSettings, Grammar] = {}


def grammar_for(settings: GrammarSettings) -> Grammar:
    """One `Grammar` per settings and process, so its clients and failure count are shared by
    the batches a process cleans."""
    if settings not in _GRAMMARS:
        _GRAMMARS[settings] = Grammar(settings)
    return _GRAMMARS[settings]


def finding_change(finding: Finding, backend: str, config: GrammarConfig, text: str) -> Edit | None:
    """The `Edit` a finding in ``text`` (a paragraph) becomes, its offsets local to ``text``;
    None if the dictionary says it is not an error."""
    if _layout(text, finding):
        return None
    note = ""
    if finding.spelling:
        word = text[finding.start : finding.end]
        if config.knows(word) or _part_of_a_token(text, finding.start, finding.end):
            return None
        # LanguageTool's spellers know the language's words and read the context; Harper's
        # list is short and English-only, so its verdict is weighed against word frequencies
        worth, note = spelling_worth_flagging(
            word, config, finding.replacements, frequencies=backend == "harper"
        )
        if not worth:
            return None
    rule = f"grammar.{backend}.{rule_slug(finding.rule)}"
    unambiguous = len(finding.replacements) == 1
    fix = unambiguous and finding.rule in config.fix.get(backend, frozenset())
    if fix and _unsafe_space_removal(text, finding.start, finding.end, finding.replacements[0]):
        fix = False
    suggestions = ", ".join(f"“{r}”" for r in finding.replacements[:5]) or "none"
    kind = f" ({finding.category})" if finding.category else ""
    message = (
        f"{finding.message}{kind}{note} {backend} check {finding.rule}; suggestions: {suggestions}."
    )
    after = finding.replacements[0] if finding.replacements else ""
    action, confidence = ("fix", FIX_CONFIDENCE) if fix else ("flag", FLAG_CONFIDENCE)
    return local_edit(text, rule, finding.start, finding.end, after, message, confidence, action)


_TOKEN_DOT = re.compile(r"\.(?:\w|\s?\.)")  # ".22", ".post", ".m3u", ". . ." (spaced ellipsis)


def _layout(text: str, finding: Finding) -> bool:
    """Is this a white-space change in the columns of a table set with spaces (the layout)?"""
    from .repair import in_table

    if text[finding.start : finding.end].strip() or any(r.strip() for r in finding.replacements):
        return False
    return in_table(text, finding.start)


_CLOSES = set(",.;:!?)]}”’\"'")  # marks a space before which is a slip


def _unsafe_space_removal(text: str, start: int, end: int, after: str) -> bool:
    """Would this change take away the space before something that is not closing punctuation:
    a dot that begins a token (a domain, a calibre, a file extension), a spaced ellipsis, a
    separator ("News | Site")? Only a space before a closing mark is a slip to fix."""
    if text[start:end].strip() or after:
        return False  # not the removal of white space (two spaces made one are fine)
    if _TOKEN_DOT.match(text, end) or text[max(0, start - 1) : start] == ".":
        return True
    return end < len(text) and text[end] not in _CLOSES


_GLUE = set("./@\\_")


def _part_of_a_token(text: str, start: int, end: int) -> bool:
    """Is the word a piece of something that is not a word: a domain, address, file name or
    e-mail (glued to a dot, slash or @), or a unit or code with digits (m2, G7)?"""
    before = text[start - 1 : start]
    after = text[end : end + 2]
    glued_after = after[:1] in _GLUE and after[1:2].isalnum()
    return before in _GLUE or glued_after or any(c.isdigit() for c in text[start:end])


KNOWN_WORD = 1.0  # Zipf frequency (wordfreq) from which a word is a word of the language
TYPO_GAP = 2.0  # a known word is still a typo if a suggestion is this much more common (100×)
NEAR_NAME = 88.0  # rapidfuzz ratio from which an unknown capitalised word is a known name misspelt


def spelling_worth_flagging(
    word: str, config: GrammarConfig, suggestions: Sequence[str] = (), frequencies: bool = True
) -> tuple[bool, str]:
    """(flag it?, a note for the message) for a word the checker does not know. Not flagged: a
    capitalised word or an acronym (a name the checker has never seen: Urumqi, ISIL, KRG) unless
    it is a near miss of a name the packs know, and a word of the language in some spelling
    (programme, centre, counselled: British English is English), unless a suggestion is a far
    more common word (goverment → government: web text has typos too)."""
    bare = word.strip(".,;:!?\"'“”‘’()[]").replace("’", "'").removesuffix("'s")
    if not bare:
        return False, ""
    if any(c.isupper() for c in bare):
        near = near_known_name(bare, config.dictionary)
        return (True, f" (close to the known name “{near}”)") if near else (False, "")
    if not frequencies:
        return True, ""
    language = config.language or "en"
    own = zipf(bare.casefold(), language)
    if own < KNOWN_WORD:
        return True, ""
    best = max((zipf(s.casefold(), language) for s in suggestions[:3]), default=0.0)
    return best - own >= TYPO_GAP, ""


def near_known_name(word: str, dictionary: frozenset[str]) -> str | None:
    from rapidfuzz import fuzz, process

    if len(word) < 4 or not dictionary:
        return None
    found = process.extractOne(
        word.casefold(), dictionary, scorer=fuzz.ratio, score_cutoff=NEAR_NAME
    )
    return None if found is None or found[0] == word.casefold() else found[0]


@functools.lru_cache(maxsize=65536)
def zipf(word: str, language: str) -> float:
    """How common ``word`` is in ``language`` (wordfreq's Zipf scale: 0 unknown, 7 "the"),
    kept by word: `postedit.frequency`."""
    from .frequency import zipf as frequency

    return frequency(word, language)


def rule_slug(check: str) -> str:
    """A checker's check id as a postedit rule id part: SentenceCapitalization ->
    sentence-capitalization, MORFOLOGIK_RULE_EN_US -> morfologik_rule_en_us."""
    if any(c.islower() for c in check):
        check = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", check)
    return re.sub(r"[^a-z0-9_.-]", "-", check.lower()).strip("-") or "check"


def parse_config(value: Any, fail: Any) -> dict[str, Any]:
    """The ``grammar:`` entry of a pack, checked: ``languagetool`` (a code), ``enabled``,
    ``disabled`` and ``fix`` (backend -> list of check ids), ``dictionary`` (words)."""
    if not isinstance(value, dict):
        raise fail("'grammar' must be a mapping")
    known = ("languagetool", "enabled", "disabled", "fix", "dictionary")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise fail(f"unknown grammar field(s) {unknown}; known: {list(known)}")
    out: dict[str, Any] = {
        "languagetool": value.get("languagetool"),
        "enabled": {},
        "disabled": {},
        "fix": {},
    }
    if out["languagetool"] is not None and not isinstance(out["languagetool"], str):
        raise fail("grammar 'languagetool' must be a language code such as en-US")
    for key in ("enabled", "disabled", "fix"):
        entry = value.get(key) or {}
        if not isinstance(entry, dict):
            raise fail(f"grammar '{key}' must map a checker (harper, languagetool) to check ids")
        for backend, ids in entry.items():
            if backend not in ("harper", "languagetool"):
                raise fail(f"grammar '{key}': unknown checker {backend!r}")
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise fail(f"grammar '{key}.{backend}' must be a list of check ids")
            out[key][backend] = frozenset(ids)
    words = value.get("dictionary") or []
    words = words.split() if isinstance(words, str) else words
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise fail("grammar 'dictionary' must be a list of words")
    out["dictionary"] = frozenset(w.casefold() for w in words)
    return out
