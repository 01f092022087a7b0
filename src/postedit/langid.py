"""Which language an article is in: py3langid, whose model ships in the package (nothing is
downloaded at run time). Metadata wins over detection; an unsure guess is not used."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
from array import array
from pathlib import Path
from typing import Any

import numpy as np

MIN_CONFIDENCE = 0.80  # below this a guess is not used (the run's default language is)
MIN_LETTERS = 20  # fewer letters than this: too little text to tell
SAMPLE = 1200  # characters of text the guess reads (enough for news prose; the cost grows with it)
FIRST_LOOK = 400  # a first guess reads this much; it stands when it is this sure:
SURE = 0.995
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    ptc, pc, classes, nextmove, row, output = _model(Path(MODEL_DIR) / MODEL_FILE)
    return LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)


def cache_folder() -> Path | None:
    """Where postedit keeps what it can make again: ``$POSTEDIT_CACHE`` if set, else
    ``$XDG_CACHE_HOME/postedit``, by default ``~/.cache/postedit``; None for an account with
    no home (a service user): then nothing is kept."""
    if os.environ.get("POSTEDIT_CACHE"):
        return Path(os.environ["POSTEDIT_CACHE"])
    try:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "postedit"
    except RuntimeError:  # Path.home(): "Could not determine home directory"
        return None


def _model(packed: Path) -> tuple[Any, ...]:
    """The model's parts (py3langid's ``load_model``). The package ships them xz-compressed, and
    unpacking them takes most of a run's first guess (0.6 s of CPU): a copy unpacked the first
    time is kept in `cache_folder` (68 MB) and read from there (0.1 s). Without a cache that
    can be written or read, the model is unpacked as shipped."""
    from py3langid.modelio import load_model

    folder = cache_folder()
    if folder is None:
        return tuple(load_model(packed))
    data = packed.read_bytes()
    copy = folder / f"langid-{hashlib.blake2b(data, digest_size=8).hexdigest()}.npz"
    try:
        with np.load(copy, allow_pickle=False) as parts:
            return (
                parts["ptc"],
                parts["pc"],
                parts["classes"].tolist(),
                array(str(parts["nextmove_type"]), parts["nextmove"].tobytes()),
                array(str(parts["row_type"]), parts["row"].tobytes()),
                parts["output"].tolist(),
            )
    except Exception:  # not there yet, or damaged (a cut zip, a missing part)
        pass  # unpacked as shipped, and kept if it can be
    ptc, pc, classes, nextmove, row, output = load_model(packed)
    from .write import atomic_file  # only when a copy is made: write brings the review site

    with contextlib.suppress(OSError), atomic_file(copy, binary=True, durable=False) as handle:
        np.savez(
            handle,
            ptc=ptc,
            pc=pc,
            classes=np.array(classes),
            nextmove=np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"),
            nextmove_type=np.array(nextmove.typecode),
            row=np.frombuffer(row, dtype=f"u{row.itemsize}"),
            row_type=np.array(row.typecode),
            output=np.array(output, dtype=np.int64),
        )  # written whole or not at all, whoever else writes it
    return ptc, pc, classes, nextmove, row, output


def release() -> None:
    """Let go of the model (about 80 MB in memory); the next `detect` loads it again."""
    _identifier.cache_clear()
    _classify.cache_clear()


@functools.lru_cache(maxsize=4096)
def _classify(sample: str) -> tuple[str, float]:
    """The model's guess for ``sample``, kept by its text: reposts often begin alike (the same
    site's header, the same first lines), and a text already told is not told again."""
    code, confidence = _identifier().classify(sample)
    return str(code), float(confidence)


def detect(text: str) -> tuple[str | None, float]:
    """(language code, confidence 0-1) of ``text``; (None, 0.0) when there is too little text."""
    sample = text[:SAMPLE]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None, 0.0
    # The cost grows with the sample: most news prose is told apart in its first lines, so
    # a longer read is paid only when the first guess is not sure.
    code, confidence = _classify(sample[:FIRST_LOOK])
    if confidence < SURE and len(sample) > FIRST_LOOK:
        code, confidence = _classify(sample)
    return code, round(confidence, 4)
