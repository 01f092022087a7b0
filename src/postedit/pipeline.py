"""The cleanup, stage by stage: Article → repaired → corrected → (deduplicated) → written.

Each stage reads the text as the earlier stages left it, paragraph by paragraph, and records what
it changes as Edits with offsets into the raw text (`run_stage`). A fix that would rewrite text an
earlier stage already changed is not applied: it becomes a flag for the editor.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import regex
from rapidfuzz import fuzz

from .correct import Hit, Matcher, MatchStore, Paragraph, resolve
from .decisions import Decisions
from .gazetteer import EntityIndex, NearNames
from .grammar import FAILED, MAX_PARAGRAPH, CheckerError, Grammar, finding_change
from .memo import PARAGRAPHS, Memo, Store, content_key
from .model import Article, Edit, Mention, OffsetMap, apply_edits, local_edit
from .prefilter import cannot_match
from .render import clean_paragraphs
from .repair import (
    arabic_changes,
    ftfy_changes,
    invisible_changes,
    is_label,
    repeats_title,
    title_key,
    whitespace_changes,
)
from .rules import REGEX_TIMEOUT, Rule, Rules
from .translation import THRESHOLD, declared, estimate, guess_source

Finder = Callable[[Paragraph], list[Edit]]  # an Edit per change, offsets local to the paragraph

CONTEXT_PARAGRAPHS = 2  # paragraphs before this one that context ``within: before`` reads
REPEATED_TITLE_SEARCH = 3  # body paragraphs in which a repeated title is looked for
OVERLAP_NOTE = " Not applied: it overlaps a change an earlier stage made; check by hand."


def run_stage(
    article: Article,
    stage: str,
    find: Finder,
    title: bool = True,
    decisions: Decisions | None = None,
    absorb: bool = True,
) -> Article:
    """Run ``find`` on each paragraph as the earlier stages left it and record its changes.

    A fix whose span takes in the whole of what an earlier fix wrote absorbs that fix (one edit
    from the raw text to the final text, its message naming both rules); a fix that cuts through
    text an earlier fix wrote is not applied but recorded as a flag. With ``absorb`` false, every
    fix that touches text an earlier fix wrote becomes a flag.
    """
    fixes = article.fixes
    found: list[Edit] = []
    absorbed: set[Edit] = set()
    segments = list(enumerate(article.paragraphs))
    if title and article.title_span is not None:
        segments.insert(0, (-1, article.title_span))
    previous: list[str] = []  # the body paragraphs read so far, as the earlier stages left them
    for index, span in segments:
        inside = [e for e in fixes if span.start <= e.start and e.end <= span.end]
        text = apply_edits(article.raw, inside, span.start, span.end)
        offsets = OffsetMap.build(article.raw, inside, span.start)
        before = "\n".join(previous[-CONTEXT_PARAGRAPHS:])
        after = (
            "\n".join(
                article.raw[s.start : s.end]
                for s in article.paragraphs[index + 1 : index + 1 + CONTEXT_PARAGRAPHS]
            )
            if index >= 0
            else ""
        )
        if index >= 0 and text.strip():
            previous.append(text)
        for change in find(Paragraph(text, index, len(article.paragraphs), before, after)):
            if change.action == "fix" and change.after == change.before:
                continue
            start, end = offsets.to_original(change.start, change.end)
            action, message, held = change.action, change.message, change.held
            decision = None
            if decisions is not None:
                if decisions.rule_off(article.id, article.source, change.rule):
                    continue
                decision = decisions.decision(article.id, change.rule, article.raw, start, end)
                typed = (
                    decisions.replacement(article.id, change.rule, article.raw, start, end)
                    if decision == "accept"
                    else None
                )
                if decision == "reject":
                    action, message = "flag", message + " Rejected by an editor: not applied."
                elif typed is not None and action == "flag":
                    change = replace(change, after=typed)
                    action, message, held = "fix", message + " Written by an editor.", False
                elif decision == "accept" and action == "flag" and (change.after or held):
                    action, message, held = "fix", message + " Accepted by an editor.", False
                decision = {"reject": "rejected", "accept": "accepted"}.get(decision or "")
            if action == "fix" and offsets.touches_fix(change.start, change.end):
                earlier = offsets.covered(change.start, change.end) if absorb else None
                if earlier:
                    absorbed.update(earlier)
                    names = ", ".join(sorted({e.rule for e in earlier}))
                    message += f" (Includes an earlier change by {names}.)"
                else:
                    action, message = "flag", message + OVERLAP_NOTE
            found.append(
                replace(
                    change,
                    action=action,
                    start=start,
                    end=end,
                    before=article.raw[start:end],
                    message=message,
                    stage=stage,
                    decision=decision,
                    held=held,
                )
            )
    if absorbed:
        article = replace(article, edits=tuple(e for e in article.edits if e not in absorbed))
    return article.with_edits(_accepted_without_overlap(found))


def _accepted_without_overlap(found: list[Edit]) -> list[Edit]:
    """A flag an editor accepted becomes a fix, unless it overlaps another fix of its stage."""
    fixes = sorted((e for e in found if e.action == "fix"), key=lambda e: (e.start, e.end))
    clash = set()
    for a, b in itertools.pairwise(fixes):
        if b.start < a.end:
            clash.add(a if a.decision == "accepted" else b)
    return [
        replace(e, action="flag", message=e.message + OVERLAP_NOTE) if e in clash else e
        for e in found
    ]


def rule_change(hit_rule: Rule, start: int, end: int, after: str, text: str) -> Edit:
    message = hit_rule.message.replace("{match}", text[start:end]).replace("{replacement}", after)
    held = hit_rule.demoted and hit_rule.replace is not None
    return local_edit(
        text, hit_rule.id, start, end, after, message, hit_rule.confidence, hit_rule.action, held
    )


def structure_finder(article: Article, matcher: Matcher) -> Finder:
    """Boilerplate (from the packs), a title repeated in the body and the labels before it, and
    a paragraph that repeats an earlier one (each a built-in repair a pack turns on)."""
    repairs = matcher.repairs
    title = article.title
    repeat_at: int | None = None
    if "repeated-title" in repairs:
        for index, span in enumerate(article.paragraphs[:REPEATED_TITLE_SEARCH]):
            if repeats_title(article.raw[span.start : span.end], title) is not None:
                repeat_at = index
                break
    labels = "category-label" in repairs
    texts = [article.raw[s.start : s.end] for s in article.paragraphs]
    repeats = (
        repeated_paragraphs(texts)
        if {"repeated-paragraph", "near-repeated-paragraph"} & set(repairs)
        else {}
    )
    # boilerplate is found by its place from the end among the paragraphs that stay (a repeat
    # removed here must not leave a footer out of reach, or a second run would remove it)
    stays = [
        i
        for i, text in enumerate(texts)
        if i not in repeats
        and i != repeat_at
        and not (labels and repeat_at is not None and i < repeat_at and is_label(text))
    ]
    place = {i: k for k, i in enumerate(stays)}

    def whole(text: str, name: str, message: str, action: str = "fix") -> list[Edit]:
        """The paragraph removed (or flagged) by the repair ``name``, as its pack rule says."""
        edit = local_edit(text, name, 0, len(text), "", message, 1, action, action == "flag")
        return ruled([edit], repairs)

    def find(para: Paragraph) -> list[Edit]:
        if para.index < 0:
            return []
        if para.index in repeats:
            first, score = repeats[para.index]
            if score >= 100:  # the same words: a paste, removed
                message = f"This paragraph repeats paragraph {first + 1} word for word."
                return whole(para.text, "repeated-paragraph", message)
            message = (  # a writer may say a thing twice in other words: the editor decides
                f"This paragraph nearly repeats paragraph {first + 1} (similarity {score:.0f}%): "
                "remove it if it is a paste, keep it if the repetition is meant."
            )
            return whole(para.text, "near-repeated-paragraph", message, "flag")
        if repeat_at is not None and para.index == repeat_at:
            score = repeats_title(para.text, title) or 0.0
            message = f"The title repeated at the start of the body (similarity {score:.0f}%)."
            return whole(para.text, "repeated-title", message)
        if labels and repeat_at is not None and para.index < repeat_at and is_label(para.text):
            message = "A short label between the title and its repetition: a category tag."
            return whole(para.text, "category-label", message)
        staying = replace(para, index=place.get(para.index, para.index), count=len(stays))
        hits = resolve(matcher.boilerplate_hits(staying))
        return [rule_change(h.rule, h.start, h.end, h.after, para.text) for h in hits]

    return find


def ruled(edits: Iterable[Edit], repairs: Mapping[str, Rule]) -> list[Edit]:
    """A built-in repair's edits as its pack rule says: the rule's id (for ftfy, with the step:
    ``repair.ftfy.mojibake``) and confidence; a rule that flags (or that editors' decisions
    demoted) holds its fixes back as flags. An edit of a repair no pack turns on is dropped."""
    out = []
    for edit in edits:
        name, _, step = edit.rule.partition(".")
        rule = repairs.get(name)
        if rule is None:
            continue
        held_back = edit.action == "fix" and rule.action == "flag"
        out.append(
            replace(
                edit,
                rule=rule.id + (f".{step}" if step else ""),
                confidence=rule.confidence,
                action="flag" if held_back else edit.action,
                held=edit.held or held_back,
            )
        )
    return out


REPEAT_SIMILARITY = 95.0  # rapidfuzz ratio from which a paragraph repeats an earlier one
REPEAT_MIN_CHARS = 40  # shorter paragraphs (labels, "Read more") may legitimately recur


def repeated_paragraphs(paragraphs: list[str]) -> dict[int, tuple[int, float]]:
    """Paragraphs that repeat an earlier one of the same article: index -> (earlier, score)."""
    keys = [title_key(p) for p in paragraphs]
    found: dict[int, tuple[int, float]] = {}
    for i, key in enumerate(keys):
        if len(key) < REPEAT_MIN_CHARS:
            continue
        for j in range(i):
            if j in found or len(keys[j]) < REPEAT_MIN_CHARS:
                continue
            score = fuzz.ratio(key, keys[j], score_cutoff=REPEAT_SIMILARITY)
            if score:
                found[i] = (j, score)
                break
    return found


def rules_finder(
    matcher: Matcher, warnings: list[str] | None = None, memo: Memo | None = None
) -> Finder:
    """The packs' substitution, pattern and balance rules, guarded. With a ``memo``, a
    paragraph whose text and context (`Matcher.context_of`) were seen before is not read again."""

    def compute(para: Paragraph) -> tuple[tuple[Edit, ...], tuple[str, ...]]:
        hits = resolve(matcher.hits(para))
        timed_out = tuple(sorted(set(matcher.timed_out)))
        matcher.timed_out.clear()
        return tuple(guarded(hits, para, matcher)), timed_out

    def find(para: Paragraph) -> list[Edit]:
        if memo is None:
            changes, timed_out = compute(para)
        else:
            key = content_key("rules", *matcher.context_of(para))
            changes, timed_out = memo.get_or_make(key, lambda: compute(para))
        if timed_out and warnings is not None:
            where = "the title" if para.index < 0 else f"paragraph {para.index + 1}"
            for rule in timed_out:
                warnings.append(
                    f"rule {rule} gave up on {where} after {REGEX_TIMEOUT} s: "
                    "no change from it there"
                )
        return list(changes)

    return find


NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")  # numbers and numeric dates (1,000 · 3.5 · 12/05/2024)
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
QUOTED = re.compile(r"[\"“„«]([^\"“”„«»\n]{1,1000})[\"”»]")  # direct speech, one paragraph
NOT_APPLIED = " Not applied: {reason}; check by hand."


class Spans:
    """Sorted, non-overlapping spans of a text (its URLs, its quotations), found once per
    paragraph and asked in log time whether a change touches one."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self.spans = list(spans)
        self.starts = [lo for lo, _ in self.spans]

    def touch(self, start: int, end: int) -> bool:
        """Does [start, end) overlap a span, or an insertion at ``start`` fall inside one?
        (Only the last span starting before the change can: the spans do not overlap.)"""
        k = bisect.bisect_left(self.starts, end if end > start else start + 1) - 1
        return k >= 0 and self.spans[k][1] > start


@dataclass
class Protected:
    """What the invariant guards protect in one paragraph, found on first use."""

    text: str
    _urls: Spans | None = None
    _quotes: Spans | None = None

    @property
    def urls(self) -> Spans:
        if self._urls is None:
            self._urls = Spans(m.span() for m in URL.finditer(self.text))
        return self._urls

    @property
    def quotes(self) -> Spans:
        if self._quotes is None:
            self._quotes = Spans(m.span(1) for m in QUOTED.finditer(self.text))
        return self._quotes


def guard(hit: Hit, text: str, protected: Protected | None = None) -> str | None:
    """Why a fix must not be applied (None if it may): it changes a number or a date, a URL or
    words inside a direct quotation, and its rule does not say it ``touches`` them.
    ``protected`` holds the paragraph's URLs and quotations, found once for all its hits."""
    touches = hit.rule.touches
    if "numbers" not in touches and NUMBER.findall(text[hit.start : hit.end]) != NUMBER.findall(
        hit.after
    ):
        return "it would change a number or a date"
    protected = protected or Protected(text)
    if "urls" not in touches and protected.urls.touch(hit.start, hit.end):
        return "it would change a URL"
    if "quotes" not in touches and protected.quotes.touch(hit.start, hit.end):
        return "it is inside a direct quotation"
    return None


def guarded(hits: list[Hit], para: Paragraph, matcher: Matcher) -> list[Edit]:
    """The hits as changes, each fix checked by the invariant guards (`guard`) and by applying
    the rules a second time: a fix whose result the rules would change again is not applied.
    A fix that fails a check becomes a flag saying why."""
    text = para.text
    protected = Protected(text)
    changes = []
    for h in hits:
        change = rule_change(h.rule, h.start, h.end, h.after, text)
        noop = change.after == text[change.start : change.end]  # dropped by the stage
        reason = guard(h, text, protected) if change.action == "fix" and not noop else None
        if reason:
            change = _unapplied(change, reason)
        changes.append(change)
    fixes = sorted(
        (c for c in changes if c.action == "fix" and c.after != text[c.start : c.end]),
        key=lambda c: (c.start, c.end),
    )
    if not fixes:
        return changes
    parts, spans, at, shift = [], {}, 0, 0
    for c in fixes:
        if c.start < at:
            continue  # overlapping fixes: resolved later by the stage; not checked twice here
        parts += [text[at : c.start], c.after]
        spans[c] = (c.start + shift, c.start + shift + len(c.after))
        shift += len(c.after) - (c.end - c.start)
        at = c.end
    again_text = "".join(parts) + text[at:]
    again = resolve(matcher.hits(replace(para, text=again_text)))
    matcher.timed_out.clear()
    undone: dict[Edit, str] = {}
    placed = list(spans.items())  # in text order, not overlapping: looked up, not scanned
    starts = [lo for _, (lo, _) in placed]
    for h in again:
        if h.rule.action != "fix" or h.after == again_text[h.start : h.end]:
            continue
        empty = h.start == h.end
        k = (
            bisect.bisect_right(starts, h.start) if empty else bisect.bisect_left(starts, h.end)
        ) - 1
        while k >= 0 and (placed[k][1][1] >= h.start if empty else placed[k][1][1] > h.start):
            undone.setdefault(
                placed[k][0],
                f"applying the rules again would change its result again ({h.rule.id}: "
                f"{again_text[h.start : h.end]!r} → {h.after!r})",
            )
            k -= 1
    return [_unapplied(c, undone[c]) if c in undone else c for c in changes]


def _unapplied(change: Edit, reason: str) -> Edit:
    note = NOT_APPLIED.format(reason=reason)
    return replace(change, action="flag", message=change.message + note, held=True)


def text_finder(
    name: str, changes: Callable[[str], list[Edit]], memo: Memo | None, repairs: Mapping[str, Rule]
) -> Finder:
    """A built-in repair that reads the paragraph's text and nothing else, its results kept by
    text, made what its pack rules say (`ruled`)."""

    def find(para: Paragraph) -> list[Edit]:
        if memo is None:
            return ruled(changes(para.text), repairs)
        found = memo.get_or_make(content_key(name, para.text), lambda: changes(para.text))
        return ruled(found, repairs)

    return find


def names_finder(near: NearNames, memo: Memo | None, repairs: Mapping[str, Rule]) -> Finder:
    """Near misses of the gazetteers' names (`postedit.gazetteer.NearNames`), flagged with the
    name, where a pack turns the check on (``repair: near-name``)."""

    def compute(text: str) -> tuple[Edit, ...]:
        out = []
        for start, end, entity in near.find(text):
            message = (
                f"“{text[start:end]}” is close to the known name “{entity.name}” "
                f"({entity.type}): check the spelling."
            )
            out.append(local_edit(text, "near-name", start, end, entity.name, message, 1, "flag"))
        return tuple(out)

    def find(para: Paragraph) -> list[Edit]:
        if not near:
            return []
        if memo is None:
            return ruled(compute(para.text), repairs)
        found = memo.get_or_make(
            content_key("names", near.key, para.text), lambda: compute(para.text)
        )
        return ruled(found, repairs)

    return find


def tells_finder(article: Article, rules: list[Rule]) -> Finder:
    """Rules that judge the whole article from the different tells it shows (a synonym
    spinner's phrases): one flag, at the first tell, naming them all, where there are at least
    the rule's ``at_least``. Never a change: the article is what the editor judges."""
    texts = paragraph_texts(article)
    flags: dict[int, list[Edit]] = {}
    for rule in rules:
        seen: dict[str, tuple[int, int, int]] = {}  # tell (folded) -> first (paragraph, span)
        for index, text in enumerate(texts):
            for pattern in rule.tells:
                for tell, start, end in _tells_in(pattern, text):
                    seen.setdefault(tell, (index, start, end))
        if len(seen) < rule.at_least:
            continue
        index, start, end = min(seen.values())
        ordered = sorted(seen, key=seen.__getitem__)  # in text order
        named = ", ".join(f"“{t}”" for t in ordered[:8]) + (" …" if len(seen) > 8 else "")
        message = rule.message.replace("{count}", str(len(seen))).replace("{tells}", named)
        edit = local_edit(texts[index], rule.id, start, end, "", message, rule.confidence, "flag")
        flags.setdefault(index, []).append(edit)

    def find(para: Paragraph) -> list[Edit]:
        return flags.get(para.index, []) if para.text == texts[para.index] else []

    return find


@functools.lru_cache(maxsize=8192)
def _tells_in(pattern: regex.Pattern[str], text: str) -> tuple[tuple[str, int, int], ...]:
    """The tells ``pattern`` finds in ``text`` (folded, with their spans), kept for the
    paragraph's reposts; those found before it ran over `REGEX_TIMEOUT`, if it did."""
    if cannot_match(pattern, text):
        return ()
    found = []
    try:
        for m in pattern.finditer(text, timeout=REGEX_TIMEOUT):
            found.append((" ".join(m.group().casefold().split()), *m.span()))
    except TimeoutError:
        pass  # a pattern that runs away on this text finds no more here
    return tuple(found)


def paragraph_texts(article: Article) -> list[str]:
    """The body paragraphs as the stages so far left them (as `run_stage` reads them)."""
    fixes = article.fixes
    return [
        apply_edits(
            article.raw, [e for e in fixes if s.start <= e.start and e.end <= s.end], s.start, s.end
        )
        for s in article.paragraphs
    ]


def grammar_finder(article: Article, engine: Engine) -> Finder | None:
    """The grammar checker's findings, checked for the whole body at once (LanguageTool gets
    its paragraphs in a few requests) and handed out paragraph by paragraph. None if no
    checker applies; a checker that fails leaves a warning on the article."""
    if engine.grammar is None:
        return None
    config = engine.rules.grammar_for(article.language)
    texts = paragraph_texts(article)
    filled = [i for i, t in enumerate(texts) if t.strip()]  # paragraphs a stage emptied: none
    long = [i for i in filled if len(texts[i]) > MAX_PARAGRAPH]
    if long:
        filled = [i for i in filled if i not in set(long)]
        engine.warnings.append(
            f"grammar: {len(long)} paragraph(s) over {MAX_PARAGRAPH:,} characters not checked "
            f"(paragraph {', '.join(str(i + 1) for i in long[:5])})"
        )
    try:
        checked = engine.grammar.check(
            [texts[i] for i in filled], article.language, config, engine.store
        )
    except CheckerError as exc:
        engine.warnings.append(f"{FAILED}: {exc}")
        return None
    if checked is None:
        return None
    backend, found = checked
    findings: dict[int, list] = dict(zip(filled, found, strict=True))
    # one flag per check and word in an article: the first, saying how often it recurs
    first: dict[tuple[str, str], tuple[int, int]] = {}
    times: Counter[tuple[str, str]] = Counter()
    for i in filled:
        for f in findings[i]:
            key = (f.rule, texts[i][f.start : f.end].casefold())
            times[key] += 1
            first.setdefault(key, (i, f.start))

    def find(para: Paragraph) -> list[Edit]:
        if para.index < 0 or para.text != texts[para.index]:
            return []
        changes = []
        for finding in findings.get(para.index, []):
            made = finding_change(finding, backend, config, para.text)
            if made is None:
                continue
            key = (finding.rule, made.before.casefold())
            if made.action == "flag" and times[key] > 1:
                if first[key] != (para.index, finding.start):
                    continue
                again = f" The same in {times[key] - 1} more place(s) of this article."
                made = replace(made, message=made.message + again)
            changes.append(made)
        return changes

    return find


class Prepared:
    """What engines make of one set of packs, kept by a thread across the batches it cleans:
    a `Matcher` per (language, source language, translated), with what its patterns found in
    the last paragraphs they read (shared by the matchers, as a rule's matches do not depend
    on the others), and the gazetteers' indexes. Reposts cleaned in another batch then find
    their paragraphs' matches made. And what the last `ARTICLES_KEPT` articles cleaned with
    these packs gave, by their content (`clean_article`): a repost word for word is not
    cleaned again."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.matchers: dict[tuple[str | None, str | None, bool], Matcher] = {}
        self.matches = MatchStore(rules.rules)
        self.entities: dict[tuple[str | None, str | None], EntityIndex] = {}
        self.near: dict[tuple[str | None, str | None], NearNames] = {}
        self.articles = Memo(ARTICLES_KEPT)


_THREAD = threading.local()  # this thread's `Prepared`, for the last rules it cleaned with


def prepared(rules: Rules) -> Prepared:
    """This thread's `Prepared` for ``rules``, new if it last cleaned with other rules (a
    thread of its own each: a matcher's kept results are not shared between threads)."""
    held: Prepared | None = getattr(_THREAD, "prepared", None)
    if held is None or held.rules is not rules:
        held = _THREAD.prepared = Prepared(rules)
    return held


def release_prepared() -> None:
    """Let go of this thread's `Prepared` (its matchers and what they kept)."""
    _THREAD.__dict__.pop("prepared", None)


@dataclass
class Engine:
    """The rule packs, with one ready `Matcher` per (language, source language) (kept by the
    thread for the next batch: `prepared`), the editors' decisions and the grammar checker."""

    rules: Rules
    decisions: Decisions | None = None
    grammar: Grammar | None = None
    warnings: list[str] = field(default_factory=list)  # of the article being cleaned
    memo: Memo | None = PARAGRAPHS  # paragraph results by content (None: find everything anew)
    store: Store | None = None  # results kept between runs (`postedit.memo.Store`), if any

    def matcher(
        self, language: str | None, source_language: str | None, mt: bool = False
    ) -> Matcher:
        """The rules for ``language`` and ``source_language``, with those for
        machine-translated text (``rules/<language>/mt/``) if ``mt``."""
        key = (language, source_language, mt or bool(source_language))
        made = prepared(self.rules)
        if key not in made.matchers:
            made.matchers[key] = Matcher(self.rules.for_language(*key), made.matches)
        return made.matchers[key]

    def near_names(self, language: str | None, source_language: str | None) -> NearNames:
        key = (language, source_language)
        made = prepared(self.rules)
        if key not in made.near:
            made.near[key] = NearNames(self.rules.entities_for(language, source_language))
        return made.near[key]

    def entity_index(self, language: str | None, source_language: str | None) -> EntityIndex:
        key = (language, source_language)
        made = prepared(self.rules)
        if key not in made.entities:
            made.entities[key] = EntityIndex(self.rules.entities_for(language, source_language))
        return made.entities[key]


def _steps(
    article: Article, engine: Engine, stage: str, matcher: Matcher | None = None
) -> list[tuple[str, Finder, bool]]:
    """The steps of a stage: (timing name, finder, whether it reads the title too)."""
    matcher = matcher or engine.matcher(article.language, article.source_language)
    memo = engine.memo
    finders: dict[str, tuple[Finder, bool]] = {}
    if stage == "repair":
        finders["structure"] = (structure_finder(article, matcher), False)
        for name, (changes, builtins) in REPAIRS.items():
            if any(b in matcher.repairs for b in builtins):
                finders[name] = (text_finder(name, changes, memo, matcher.repairs), True)
    elif stage == "correct":
        finders["rules"] = (rules_finder(matcher, engine.warnings, memo), True)
        tells = [r for r in matcher.rules if r.kind == "tells"]
        if tells:
            finders["tells"] = (tells_finder(article, tells), False)
        if "near-name" in matcher.repairs:
            near = engine.near_names(article.language, article.source_language)
            finders["names"] = (names_finder(near, memo, matcher.repairs), False)
    # grammar: built when the stage starts, as it checks the text the earlier stages left
    return [(name, *finders[name]) for name in STEPS[stage] if name in finders]


# the repair steps that read a paragraph's text only, and the built-in repairs each makes
REPAIRS: dict[str, tuple[Callable[[str], list[Edit]], tuple[str, ...]]] = {
    "ftfy": (ftfy_changes, ("ftfy",)),
    "arabic": (arabic_changes, ("arabic-tatweel", "arabic-presentation-forms")),
    "invisible": (invisible_changes, ("invisible",)),
    "whitespace": (whitespace_changes, ("whitespace",)),
}


def run_stages(
    article: Article, engine: Engine, stages: Iterable[str], timings: Counter[str] | None = None
) -> Article:
    engine.warnings = []
    for stage in stages:
        if stage == "grammar":
            started = time.perf_counter()
            find = grammar_finder(article, engine)
            if find is not None:  # headlines are not sentences: the title is not checked
                article = _without_repeats(
                    run_stage(
                        article, stage, find, title=False, decisions=engine.decisions, absorb=False
                    ),
                    {(e.start, e.end) for e in article.edits},
                )
                article = _grammar_guard(article)
            if timings is not None:
                timings["grammar"] += time.perf_counter() - started
            continue
        if stage == "correct":
            article = correct(article, engine, timings)
            continue
        article = _run_steps(article, engine, stage, None, timings)
    if engine.warnings:
        article = replace(article, warnings=article.warnings + tuple(engine.warnings))
    return record_entities(article, engine)


def _run_steps(
    article: Article,
    engine: Engine,
    stage: str,
    matcher: Matcher | None,
    timings: Counter[str] | None,
) -> Article:
    for name, find, title in _steps(article, engine, stage, matcher):
        started = time.perf_counter()
        article = run_stage(article, stage, find, title=title, decisions=engine.decisions)
        if timings is not None:
            timings[name] += time.perf_counter() - started
    return article


def correct(article: Article, engine: Engine, timings: Counter[str] | None = None) -> Article:
    """The packs' corrections, with those for machine-translated text where the article is
    (`postedit.translation`): declared so, or judged so from the symptoms the packs find.

    Unless its metadata says it is not, the article is corrected with every pack that could
    apply (``mt/``, and the ``from-<source>/`` pack its cues suggest), so that their symptoms
    count as evidence too; where the estimate then falls under the threshold, and a rule of
    those packs changed or flagged something, it is corrected again without them."""
    said = declared(article)
    language, source = article.language, article.source_language
    weights = engine.rules.evidence
    if said is False or not engine.rules.gated(language):
        matcher = engine.matcher(language, source, bool(said))
        done = _run_steps(article, engine, "correct", matcher, timings)
        return replace(done, translation=estimate(done, weights))
    guessed = source or guess_source(article.raw, engine.rules.cues_for(language))
    done = _run_steps(article, engine, "correct", engine.matcher(language, guessed, True), timings)
    translation = estimate(done, weights, guessed)
    if translation.likelihood < THRESHOLD:
        base = {r.id for r in engine.matcher(language, source, False).rules}
        if any(e.stage == "correct" and e.rule not in base for e in done.edits):
            done = _run_steps(
                article, engine, "correct", engine.matcher(language, source, False), timings
            )
    return replace(done, translation=translation)


def record_entities(article: Article, engine: Engine) -> Article:
    """The article with the gazetteers' entities its clean body text names (`Article.entities`):
    the spellings the text keeps are recorded, not rewritten."""
    index = engine.entity_index(article.language, article.source_language)
    found: list[Mention] = []
    at = 0  # offset of the paragraph in the clean text (paragraphs joined by a blank line)
    for text in clean_paragraphs(article) if index else ():
        if engine.memo is None:
            mentions = index.find(text)
        else:
            key = content_key("entities", index.key, text)
            mentions = engine.memo.get_or_make(key, lambda text=text: tuple(index.find(text)))
        found += [replace(m, start=m.start + at, end=m.end + at) for m in mentions]
        at += len(text) + 2
    mentions = tuple(found)
    return article if mentions == article.entities else replace(article, entities=mentions)


# the one stage table: each stage and its steps, in order (the names of `run_stages` timings)
STEPS = {
    "repair": ("structure", "ftfy", "arabic", "invisible", "whitespace"),
    "correct": ("rules", "names", "tells"),
    "grammar": ("grammar",),
}
STAGES = tuple(STEPS)


def _grammar_guard(article: Article) -> Article:
    """A pack fix in whose result the grammar checker finds a problem is not applied: it
    becomes a flag with the checker's message, and that finding (about text no longer there)
    is dropped."""
    fixes = [e for e in article.edits if e.stage == "correct" and e.action == "fix"]
    if not fixes:
        return article
    blamed: dict[Edit, Edit] = {}
    for g in (e for e in article.edits if e.stage == "grammar"):
        for f in fixes:
            if (
                (g.start < f.end and f.start < g.end)
                if g.end > g.start
                else f.start < g.start < f.end
            ):
                blamed.setdefault(f, g)
    if not blamed:
        return article
    dropped = set(blamed.values())
    edits = []
    for e in article.edits:
        if e in dropped:
            continue
        if e in blamed:
            reason = (
                f"the grammar checker finds a problem in the text it writes: {blamed[e].message}"
            )
            e = replace(e, action="flag", message=e.message + NOT_APPLIED.format(reason=reason))
        edits.append(e)
    return replace(article, edits=tuple(edits))


def _without_repeats(article: Article, spans: set[tuple[int, int]]) -> Article:
    """Drop the grammar findings at the very span of an edit the packs made: it is explained
    there already (a pack's lower-case-start flag and the checker's, say)."""
    kept = tuple(e for e in article.edits if e.stage != "grammar" or (e.start, e.end) not in spans)
    return article if len(kept) == len(article.edits) else replace(article, edits=kept)


def clean_article(article: Article, engine: Engine, timings: Counter[str] | None = None) -> Article:
    """Run every cleanup stage on one article. An article whose content an earlier one had
    (a repost word for word: the same text, title, paragraphs, languages and declared status,
    cleaned with the same packs and checker) gets what that one was given, where no editor's
    decision concerns it and its cleaning warned of nothing."""
    key = _article_key(article, engine)
    if key is None:
        return run_stages(article, engine, STAGES, timings)
    kept = prepared(engine.rules).articles
    found = kept.get(key)
    if found is not None:
        edits, translation, entities = found  # type: ignore[misc]
        return replace(article, edits=edits, translation=translation, entities=entities)
    done = run_stages(article, engine, STAGES, timings)
    if done.warnings == article.warnings:  # a warning (a checker down, a timeout) may not recur
        kept.put(key, (done.edits, done.translation, done.entities))
    return done


ARTICLES_KEPT = 4096  # cleaned articles kept by content, per thread (`Prepared.articles`)


def _article_key(article: Article, engine: Engine) -> bytes | None:
    """What an article's cleaning depends on besides the packs (`Prepared` is theirs): None if
    it is not kept (no memo, edits already made, an editor's decision about it, a checker
    without settings that say what it finds)."""
    checker = None if engine.grammar is None else getattr(engine.grammar, "settings", None)
    if engine.memo is None or article.edits or (engine.grammar is not None and checker is None):
        return None
    if engine.decisions is not None and engine.decisions.about(article.id, article.source):
        return None
    title = article.title_span
    return content_key(
        "article",
        article.raw,
        article.title,
        None if title is None else f"{title.start}:{title.end}",
        " ".join(f"{s.start}:{s.end}" for s in article.paragraphs),
        article.language,
        article.source_language,
        declared(article),
        None if checker is None else repr(checker),
    )


def clean_articles(
    articles: Iterable[Article],
    engine: Engine,
    timings: Counter[str] | None = None,
    stages: Iterable[str] = STAGES,
) -> Iterator[Article]:
    stages = tuple(stages)
    for article in articles:
        yield run_stages(article, engine, stages, timings)


def count_edits(articles: Iterable[Article]) -> dict[str, dict[str, int]]:
    """Edits per rule and per action: ``{rule: {"fix": n, "flag": m}}``, sorted by rule."""
    counts: dict[str, Counter[str]] = {}
    for article in articles:
        for edit in article.edits:
            counts.setdefault(edit.rule, Counter())[edit.action] += 1
    return {rule: dict(sorted(c.items())) for rule, c in sorted(counts.items())}
