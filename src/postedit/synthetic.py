"""Synthetic data for benchmarks and scale tests: gazetteers of made-up names."""

from __future__ import annotations

import random
from pathlib import Path

SYLLABLES = ["ka", "ra", "mi", "sa", "du", "li", "ha", "zo", "ne", "bu", "ta", "qa", "ri", "fo"]


def made_up_name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    return f"{word()} {word()} al-{word()}"


def gazetteer_yaml(count: int, seed: int = 7) -> str:
    """A gazetteer pack of ``count`` made-up people, two error forms each, one line per entity."""
    rng = random.Random(seed)
    lines = ["description: synthetic names for scale tests", "entities:"]
    seen: set[str] = set()
    while len(seen) < count:
        name = made_up_name(rng)
        if name in seen:
            continue
        seen.add(name)
        first, middle, last = name.split(" ")
        variants = [f"{first}e {middle} {last}", f"{first} {middle}h {last}"]
        lines.append(f"  - {{name: {name}, type: person, errors: [{', '.join(variants)}]}}")
    return "\n".join(lines) + "\n"


# --- reposts and hard negatives, for de-duplication -----------------------------------------------

# What another MT engine or a copy editor changes in a repost: word for word, both ways.
MT_SWAPS = [
    ("said", "stated"),
    ("confirmed", "affirmed"),
    ("American", "US"),
    ("forces", "troops"),
    ("government", "administration"),
    ("announced", "declared"),
    ("meeting", "session"),
    ("attacks", "strikes"),
    ("stressed", "emphasized"),
    ("presence", "deployment"),
]
BOILERPLATE = [
    "Leave a comment",
    "No comments:\n\nPost a Comment",
    "Share this:",
    "Related posts",
    "Labels: Iraq, Politics",
]


def noisy(sentence: str, rng: random.Random, rate: float = 0.3) -> str:
    """``sentence`` as another MT of the same source might give it."""
    words = sentence.split(" ")
    for i, word in enumerate(words):
        for a, b in MT_SWAPS:
            if word == a and rng.random() < rate:
                words[i] = b
            elif word == b and rng.random() < rate:
                words[i] = a
    if len(words) > 8 and rng.random() < rate:  # a dropped word
        del words[rng.randrange(1, len(words) - 1)]
    return " ".join(words)


def split_sentences(paragraph: str) -> list[str]:
    import re

    return [s for s in re.split(r"(?<=[.!?”])\s+(?=[A-Z“])", paragraph) if s]


def repost(title: str, paragraphs: list[str], rng: random.Random) -> str:
    """A repost of an article: other MT noise, some paragraphs moved or cut, other boilerplate."""
    body = [" ".join(noisy(s, rng) for s in split_sentences(p)) for p in paragraphs]
    if len(body) > 3 and rng.random() < 0.5:  # two paragraphs swapped
        i = rng.randrange(len(body) - 1)
        body[i], body[i + 1] = body[i + 1], body[i]
    if len(body) > 6 and rng.random() < 0.5:  # the last paragraph cut
        body = body[:-1]
    return "\n\n".join([noisy(title, rng), *body, rng.choice(BOILERPLATE)]) + "\n"


NEGATIVE_EVENTS = [
    "{a} met {b} in Baghdad to discuss electricity imports before the summer.",
    "Farmers in Diyala complained that the drought had ruined the wheat harvest for a third year.",
    "{a} inaugurated a hospital in Mosul built with funds from the reconstruction programme.",
    "The electoral commission published the final list of candidates for the provincial vote.",
    "{b} announced a plan to connect Kirkuk to the national gas grid by the end of the decade.",
    "Teachers in Nasiriyah went on strike over unpaid salaries and crowded classrooms.",
    "{a} praised the national football team after its win in the regional championship.",
    "{a} said the federal budget would be sent to parliament next week after talks with {b}.",
    "Protesters outside the provincial council demanded jobs, and {a} promised a response.",
    "{a} opened a new bridge over the Tigris, the first of twenty planned projects.",
    "The ministry of water resources warned that the Euphrates had fallen to its lowest level.",
    "{b} welcomed the decision to reopen the border crossing for trade and pilgrims.",
    "Officials said the new oil contract would raise exports from the southern fields.",
    "{a} and {b} signed agreements on health, education and the return of displaced families.",
    "The central bank said the dollar rate had stabilised after new measures on transfers.",
    "A delegation led by {b} visited Basra to inspect the port expansion works.",
]
ACTORS = [
    "Prime Minister Mohammed Shia al-Sudani",
    "the Higher Military Commission",
    "Kataib Hezbollah",
    "the Spanish Prime Minister",
    "the US ambassador",
    "the coalition",
    "Foreign Minister Fuad Hussein",
    "the Popular Mobilization Forces",
]


def hard_negative(rng: random.Random, index: int) -> tuple[str, list[str]]:
    """An article with the seeds' actors about another event, told in sentences no other
    hard negative uses (``index`` picks them): nothing it says is reported elsewhere."""
    a, b = rng.sample(ACTORS, 2)
    body = [s.format(a=a, b=b) for s in NEGATIVE_EVENTS[2 * index : 2 * index + 2]]
    title = f"{a[0].upper()}{a[1:]} and {b}: talks on {rng.choice(['water', 'budget', 'trade'])}"
    return title, ["\n\n".join(body[i : i + 2]) for i in range(0, len(body), 2)]


# --- a large corpus for the de-duplication benchmark ---------------------------------------------


def dedup_corpus(
    count: int, seed: int = 11, vocabulary: int = 30000
) -> tuple[list, dict[str, str]]:
    """``count`` synthetic articles as de-duplication items, with known duplicate groups.

    Words follow a Zipf-like law over ``vocabulary`` stems, as news does; a third of the stories
    are reposted one to three times with word swaps and a dropped passage. Returns the items and
    each article's true group id.
    """
    import numpy as np

    from .dedup import Item, Passage

    rng = np.random.default_rng(seed)
    ranks = np.arange(
        101, vocabulary + 101
    )  # content words: the top of the Zipf curve is stop words
    weights = 1.0 / ranks
    cdf = np.cumsum(weights / weights.sum())
    words = np.array([f"w{i:05d}" for i in range(vocabulary)])

    def draw(size: int) -> np.ndarray:
        return words[np.minimum(np.searchsorted(cdf, rng.random(size)), vocabulary - 1)]

    def passage() -> list[str]:
        return list(draw(int(rng.integers(8, 20))))

    items, truth = [], {}
    while len(items) < count:
        story = f"s{len(items):07d}"
        base = [passage() for _ in range(int(rng.integers(6, 12)))]
        copies = int(rng.integers(1, 4)) if rng.random() < 1 / 3 else 0
        for copy in range(min(1 + copies, count - len(items))):
            text = [list(p) for p in base]
            if copy:
                for p in text:
                    swaps = rng.random(len(p)) < 0.1
                    for k, new in zip(np.flatnonzero(swaps), draw(int(swaps.sum())), strict=True):
                        p[k] = new
                if len(text) > 6:
                    del text[int(rng.integers(len(text)))]
            article_id = f"{story}-{copy}"
            passages = tuple(Passage(i, 0, 1, " ".join(p)) for i, p in enumerate(text))
            items.append(Item(article_id, sum(len(" ".join(p)) for p in text), 0, None, passages))
            truth[article_id] = story
    return items, truth


# --- a seed-like corpus for the run benchmarks ---------------------------------------------------

MT_ERRORS = [
    "The two sides agreed on a truth that began on Al-Khanis.",
    "The facts of the coalition stressed the the need for calm..",
    "He emphasized that.",
    "Officials said the Sudanese government would respond.Serious.",
    "No comments:",
]


def news_corpus(paragraphs: list[str], count: int, seed: int = 5) -> list[tuple[str, str]]:
    """``count`` seed-like articles as (file name, text): sentences of ``paragraphs`` with 85% of
    their words redrawn from a large made-up vocabulary (Zipf-distributed, as news words are),
    typical MT errors injected, and a quarter of the stories reposted (`repost`). Deterministic
    for a given ``seed``."""
    import itertools

    rng = random.Random(seed)
    sentences = [s for p in paragraphs for s in split_sentences(p) if len(s.split()) > 4]
    vocabulary = sorted(
        {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(30000)}
    )
    rng.shuffle(vocabulary)
    weights = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(vocabulary))))

    def words(n: int) -> list[str]:
        return rng.choices(vocabulary, cum_weights=weights, k=n)

    articles: list[tuple[str, str]] = []
    while len(articles) < count:
        body = []
        for _ in range(rng.randint(5, 10)):
            para = []
            for _ in range(rng.randint(1, 3)):
                template = rng.choice(sentences).split()
                fresh = iter(words(len(template)))
                para.append(" ".join(next(fresh) if rng.random() < 0.85 else w for w in template))
            if rng.random() < 0.3:
                para.append(rng.choice(MT_ERRORS))
            body.append(" ".join(para))
        title = " ".join(words(rng.randint(4, 9))).capitalize()
        name = f"story-{len(articles):06d}"
        articles.append((f"{name}.txt", "\n\n".join([title, *body]) + "\n"))
        if rng.random() < 0.25 and len(articles) < count:
            articles.append((f"{name}-repost.txt", repost(title, body, rng)))
    return articles


def write_news_corpus(
    folder: Path, count: int, seeds: Path, seed: int = 5
) -> list[tuple[str, str]]:
    """`news_corpus` built from the cleaned paragraphs of the articles in ``seeds``, written to
    ``folder`` (created) as one ``.md`` file each whose front matter declares the language (the
    text is mostly made-up words, which language identification rightly cannot place, and a
    feed says what language it carries); returns the (file name, file text) pairs."""
    from .read import ReadDefaults, read_folder
    from .render import clean_paragraphs

    paragraphs = [
        p for a in read_folder(seeds, ReadDefaults("en", "ar")) for p in clean_paragraphs(a)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in news_corpus(paragraphs, count, seed):
        name, text = name[: -len(".txt")] + ".md", FRONT_MATTER + text
        (folder / name).write_text(text, encoding="utf-8")
        written.append((name, text))
    return written


FRONT_MATTER = "---\nlanguage: en\nsource_language: ar\n---\n"
