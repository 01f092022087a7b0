"""Which language an article is in: py3langid, whose model ships in the package (nothing is
downloaded at run time). Metadata wins over detection; an unsure guess is not used."""

from __future__ import annotations

import functools
import re
from typing import Any

MIN_CONFIDENCE = 0.80  # below this a guess is not used (the run's default language is)
MIN_LETTERS = 20  # fewer letters than this: too little text to tell
SAMPLE = 1200  # characters of text the guess reads (enough for news prose; the cost grows with it)
FIRST_LOOK = 400  # a first guess reads this much; it stands when it is this sure:
SURE = 0.995
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def release() -> None:
    """Let go of the model (about 80 MB in memory); the next `detect` loads it again."""
    _identifier.cache_clear()


def detect(text: str) -> tuple[str | None, float]:
    """(language code, confidence 0-1) of ``text``; (None, 0.0) when there is too little text."""
    sample = text[:SAMPLE]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None, 0.0
    # The cost grows with the sample: most news prose is told apart in its first lines, so
    # a longer read is paid only when the first guess is not sure.
    code, confidence = _identifier().classify(sample[:FIRST_LOOK])
    if confidence < SURE and len(sample) > FIRST_LOOK:
        code, confidence = _identifier().classify(sample)
    return str(code), round(float(confidence), 4)
