"""Run every rule's own examples, with LanguageTool's checks.

For each example that the rule must change (``fix``/``flag``, error marked ``[[ ]]``): exactly one
edit of that rule, at the marked span, with the expected replacement; and once the replacement is
made, the rule no longer matches. For each example it must keep: no edit of that rule. The
examples run through the whole cleanup with every pack of the rule's language, so interactions
between rules are tested too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from .consistency import INCONSISTENT, flags_for, function_words, names_of, story_findings
from .gazetteer import TEMPLATE, Entity
from .model import Article, Span
from .pipeline import Engine, clean_article
from .read import split_paragraphs
from .render import clean_text
from .rules import ANY, MT, Example, Rule, Rules


@dataclass(frozen=True, slots=True)
class Failure:
    rule: str
    path: str
    example: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: rule {self.rule!r}: {self.reason}\n    example: {self.example!r}"


TITLED = ("repeated-title", "category-label")  # repairs whose examples are whole articles


def example_article(text: str, rule: Rule) -> Article:
    """An article whose body is the example (paragraphs split by blank lines), or whose title is
    the example for a rule that only reads titles; for a repair of what follows the title, an
    article whose first paragraph is its title."""
    if rule.repair in TITLED:
        first, *body = split_paragraphs(text)
        article = article_of(text, rule.language, rule.source_language)
        return replace(
            article, title=text[first.start : first.end], title_span=first, paragraphs=tuple(body)
        )
    return article_of(text, rule.language, rule.source_language, rule.where == "title")


def article_of(
    text: str, language: str, source_language: str | None, as_title: bool = False
) -> Article:
    """An article of ``text``: its body, or its title alone. The examples of a pack for
    machine-translated text (``mt/``) are machine-translated text, so declared."""
    meta: dict[str, object] = {}
    if source_language == MT:
        source_language, meta = None, {"machine_translated": True}
    return Article(
        id="example",
        source="example",
        raw=text,
        raw_sha256=hashlib.sha256(text.encode()).hexdigest(),
        title=text if as_title else "",
        title_span=Span(0, len(text)) if as_title else None,
        paragraphs=() if as_title else split_paragraphs(text),
        language=language,
        source_language=source_language,
        meta=meta,
    )


def edits_of(rule: Rule, text: str, engine: Engine) -> list[tuple[int, int, str, str]]:
    if rule.repair == INCONSISTENT:
        return story_edits(rule, text, engine)
    article = clean_article(example_article(text, rule), engine)
    return [(e.start, e.end, e.after, e.action) for e in article.edits if rule.covers(e.rule)]


def story_edits(rule: Rule, text: str, engine: Engine) -> list[tuple[int, int, str, str]]:
    """The story check's flags on an example whose paragraphs are the reports of one story
    (offsets into the example)."""
    spans = split_paragraphs(text)
    reports = {
        str(k): clean_article(article_of(text[s.start : s.end], rule.language, None), engine)
        for k, s in enumerate(spans)
    }
    stopwords = function_words(engine.rules, "en" if rule.language == ANY else rule.language)
    names = {k: names_of(clean_text(a), stopwords) for k, a in reports.items()}
    known = {form for e in engine.rules.entities for form in e.forms}
    found = story_findings(list(reports), names, known)
    out = []
    for k, findings in found.items():
        at = spans[int(k)].start
        for e in flags_for(reports[k], findings, rule):
            out.append((at + e.start, at + e.end, e.after, e.action))
    return sorted(out)


def check_example(rule: Rule, example: Example, engine: Engine) -> str | None:
    """The reason the example fails, or None."""
    found = edits_of(rule, example.text, engine)
    if example.kind == "keep":
        return f"changes text it must keep: {found}" if found else None
    assert example.span is not None
    start, end = example.span
    marked = example.text[start:end]
    if len(found) != 1:
        return f"expected one {example.kind} at {marked!r}, found {len(found)}: {found}"
    f_start, f_end, after, action = found[0]
    if action != example.kind:
        return f"expected a {example.kind}, found a {action}"
    if (f_start, f_end) != (start, end):
        return f"expected the span {marked!r}, found {example.text[f_start:f_end]!r}"
    if example.to is not None and after != example.to:
        return f"expected {example.to!r} for {marked!r}, found {after!r}"
    if example.to is not None:
        corrected = example.text[:start] + example.to + example.text[end:]
        again = edits_of(rule, corrected, engine)
        if again:
            return f"still matches once corrected ({corrected!r}): {again}"
    return None


def check_entity(entity: Entity, form: str, engine: Engine) -> tuple[str, str | None]:
    """(example, the reason it fails or None): ``form`` in a neutral sentence, in the clean
    text, is recorded as one mention of ``entity``, spanning the name (a possessive after it
    not included), whatever the apostrophe style."""
    text = TEMPLATE.format(form.replace("'", "\u2019") + "\u2019s")
    cleaned = clean_article(article_of(text, entity.language, entity.source_language), engine)
    body = clean_text(cleaned)
    found = [(body[m.start : m.end], m.entity) for m in cleaned.entities]
    want = [(form.replace("'", "\u2019"), entity.id)]
    if entity.name in body and form not in body:
        want = [(entity.name, entity.id)]  # an error form, fixed to the name
    return text, None if found == want else f"expected the mention {want}, found {found}"


def check_rules(rules: Rules) -> list[Failure]:
    engine = Engine(rules)
    failures = []
    for rule in rules.rules:
        for example in rule.examples:
            reason = check_example(rule, example, engine)
            if reason:
                failures.append(Failure(rule.id, rule.path, example.text, reason))
    for entity in rules.entities:
        for form in entity.forms:
            text, reason = check_entity(entity, form, engine)
            if reason:
                failures.append(Failure(entity.id, entity.path, text, reason))
    return failures
