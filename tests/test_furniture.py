"""Page furniture left in reposted articles (rules/en/boilerplate.yaml): share buttons, skip
links, comment forms, related-story headings, ad labels, photo credits, bare links and a site's
name appended to the title are removed; the article's own sentences, and titles whose dash is
part of the headline, are kept."""

from __future__ import annotations

import pytest
from conftest import RULES

from postedit.pipeline import Engine, clean_article
from postedit.read import Found, ReadDefaults, make_article
from postedit.render import clean_paragraphs, clean_title
from postedit.rules import load_rules

STORY = [
    "The provincial council in Basra approved a plan on Sunday to dredge the old port channel.",
    "Work is due to start in the spring and will take about two years, the council said.",
    "Share prices of the two dredging firms rose after the vote.",
    "Follow the money, one council member told reporters: most of it comes from customs fees.",
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_rules(RULES), grammar=None)


def clean(engine: Engine, title: str, paragraphs: list[str]):
    raw = title + "\n\n" + "\n\n".join(paragraphs) + "\n"
    found = Found("furniture.txt", "furniture", "utf-8", (), ReadDefaults("en", None))
    return clean_article(make_article(raw, found, {}), engine)


def fixed_by(article, prefix: str = "en.") -> dict[str, str]:
    """Text removed or changed by a fix -> the rule that did it."""
    fixes = [e for e in article.edits if e.action == "fix" and e.rule.startswith(prefix)]
    return {e.before: e.rule for e in fixes}


def test_header_and_footer_furniture_is_removed(engine: Engine) -> None:
    header = ["Skip to content", "Share on Facebook", "Facebook | X | WhatsApp | Email"]
    footer = [
        "Advertisement",
        "Related articles",
        "Read more: Dredgers return to the old port after twenty years",
        "Photo: Example Agency",
        "https://www.example.org/basra/port-channel?id=77",
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Posted by Admin at 10:15 AM",
        "Back to top",
        "Telegram",
    ]
    article = clean(engine, "Basra council backs port dredging plan", header + STORY + footer)
    assert clean_paragraphs(article) == STORY
    removed = fixed_by(article)
    assert removed["Skip to content"] == "en.skip-link"
    assert removed["Facebook | X | WhatsApp | Email"] == "en.share-bar"
    assert removed["Photo: Example Agency"] == "en.image-credit-line"
    assert removed["https://www.example.org/basra/port-channel?id=77"] == "en.bare-url"
    assert removed["Telegram"] == "en.share-button-footer"


def test_furniture_words_inside_sentences_are_kept(engine: Engine) -> None:
    body = [
        "Share this with your neighbours, the governor urged residents in a televised address.",
        "Email and text messages were used to warn families before the water was released.",
        "Print media were not allowed into the session; photographers waited outside.",
        "Related articles of the draft law were sent back to the legal committee.",
        "Read more carefully, the contract gives the ministry the right to cancel it.",
        "Facebook and Telegram were used to organise the protest.",
        "Photo: the new channel seen from the air, released by the port authority.",
        "Source: Basra provincial council",
        "The full plan is published at https://www.example.org/plan, the council said.",
    ]
    article = clean(engine, "Basra council backs port dredging plan", body)
    assert clean_paragraphs(article) == body
    assert not fixed_by(article)
    flags = [e for e in article.edits if e.action == "flag" and e.rule == "en.image-caption"]
    assert [e.before for e in flags] == [body[6]]  # a descriptive caption: the editor decides


def test_platform_name_as_subheading_early_in_the_article_is_kept(engine: Engine) -> None:
    more = [
        "Most residents said they read the council's decisions on their phones.",
        "Older residents still rely on the local radio station for the news.",
        "The station broadcasts the council's sessions live every Sunday.",
        "A survey last year found that few residents buy a printed paper.",
        "The council plans to publish its decisions on a website of its own.",
    ]
    body = ["WhatsApp", *STORY, *more]  # a lone name far from the end may be a subheading
    article = clean(engine, "How Basra residents get their news", body)
    assert clean_paragraphs(article) == body


@pytest.mark.parametrize(
    "suffix",
    [
        " - www.example-news.com",
        " – Example Daily – example.com.cn",
        "-Xinhuanet",
        " -- Xinhua Net",
    ],
)
def test_site_name_is_removed_from_the_title(engine: Engine, suffix: str) -> None:
    title = "Basra council backs port dredging plan" + suffix
    article = clean(engine, title, STORY)
    assert clean_title(article) == "Basra council backs port dredging plan"
    assert {e.rule for e in article.edits if e.action == "fix"} >= {"en.title-site-suffix"}


@pytest.mark.parametrize(
    "title",
    [
        "Iraq - the long road",
        "Baghdad – Basra Railway Opens",
        "Iraq revalues its currency - cabinet statement",
        "GRAIN EXPORTS SEEN LOWER - CHINA DAILY",
        "Steel output to grow this year - Xinhua",
        "Anti-Graft Drive Widens in the South",
    ],
)
def test_titles_with_a_dash_of_their_own_are_kept(engine: Engine, title: str) -> None:
    article = clean(engine, title, STORY)
    assert clean_title(article) == title
    assert not [e for e in article.edits if e.rule.startswith("en.title-site")]


def test_a_site_name_without_a_domain_is_only_flagged(engine: Engine) -> None:
    titles = ("Basra council backs port dredging plan | Example Times", "Talks in Paris | Analysis")
    for title in titles:
        article = clean(engine, title, STORY)
        assert clean_title(article) == title
        flags = [e for e in article.edits if e.rule == "en.title-site-name"]
        assert len(flags) == 1 and flags[0].action == "flag"
