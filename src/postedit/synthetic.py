"""Synthetic data for benchmarks and scale tests: gazetteers of made-up names."""

from __future__ import annotations

import random

SYLLABLES = ["ka", "ra", "mi", "sa", "du", "li", "ha", "zo", "ne", "bu", "ta", "qa", "ri", "fo"]


def made_up_name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    return f"{word()} {word()} al-{word()}"


def gazetteer_yaml(count: int, seed: int = 7) -> str:
    """A gazetteer pack of ``count`` made-up people, two variants each, one line per entity."""
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
        lines.append(f"  - {{name: {name}, type: person, variants: [{', '.join(variants)}]}}")
    return "\n".join(lines) + "\n"
