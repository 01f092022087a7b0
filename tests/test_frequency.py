"""The copy of wordfreq's table in the user's cache: the same answers as wordfreq, and never a
failure."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import wordfreq

from postedit import frequency


def test_the_copy_answers_as_wordfreq_for_every_kind_of_word(empty_cache: Path) -> None:
    listed = wordfreq.get_frequency_dict("en", "best")
    plain = [w for w in listed if frequency.PLAIN.fullmatch(w)]
    others = ["don't", "café", "3rd", "New", "e-mail", "qzxqzxqzx", "naïve", "", "ＡＢＣ"]
    others += ["declaración", "zzqéa", "straße", "ωμέγα", "i'm", "cafe\u0301", "Café", "l'homme"]
    for word in [*plain[::7], *others]:  # a seventh of the table's words, and the rest
        assert frequency.zipf(word, "en") == wordfreq.zipf_frequency(word, "en"), word
    assert list(empty_cache.glob("wordfreq-en-*.txt"))  # answered from the copy
    for common in (2.5, 3.5, 5.0):
        least = 10 ** (common - 9)
        expected = frozenset(w for w, f in listed.items() if f >= least)
        assert frequency.common_words("en", common) == expected


def test_the_words_the_copy_reads_as_written_get_wordfreqs_values(empty_cache: Path) -> None:
    """Every word of the English copy it answers itself (with accents, apostrophes), words made
    of its words with hyphens and spaces (wordfreq combines their frequencies), and such words
    it does not hold (wordfreq's 0) give wordfreq's value."""
    frequency.zipf("minister", "en")  # the copy made
    table = frequency._table("en")
    assert table is not None and table.as_written
    held = [w.decode() for w in table.words]
    own = [w for w in held if not frequency.PLAIN.fullmatch(w) and frequency._as_written(w)]
    assert sum("'" in w for w in own) > 10_000 and sum("'" not in w for w in own) > 1000
    latin = "".join(chr(c) for c in range(0xE0, 0x250) if chr(c).isalpha())
    pairs = zip(held[::97], held[50::89], strict=False)
    made = [f"{a}{sep}{b}" for a, b in pairs for sep in "- "]
    made += [f"{w}'s" for w in held[::211]] + [w + "zq" for w in own[::20]]
    made += [f"{w}." for w in held[::307]] + ["u.s.-led", "vs.", "e.g.", ".net", "www.x"]
    made += [latin[k : k + 6] for k in range(0, 360, 3)] + ["cross-zzq", "qu'il", "l'homme"]
    made += [f"{w}'" for w in held[::101]] + [f"\u2019{w}\u2019" for w in own[::31]]
    made += ["'", "''", "l'", "'s", "'l'homme", "cross-border'", "'vs.", "u.s.'", "'x'y'"]
    for word in [*own, *made]:
        assert frequency.zipf(word, "en") == wordfreq.zipf_frequency(word, "en"), word


def test_a_run_that_asks_the_words_of_text_does_not_load_wordfreq(empty_cache: Path) -> None:
    """wordfreq's own table (about 50 MB and 0.3 s) is not loaded for the words a run asks: the
    search for fused words and the spelling check's suggestions (accents, possessives, hyphens)."""
    frequency.zipf("minister", "en")  # the copy made, in this process
    script = (
        "import sys\n"
        "from postedit import frequency\n"
        "for w in ('declaración', 'naïve', 'minister', 'qzxqzxqzx', \"brazil's\", \"i'm\",\n"
        "          'cross-border', 'write off', \"sign-up's\", \"companies'\", \"'minister\"):\n"
        "    frequency.zipf(w, 'en')\n"
        "frequency.common_words('en', 3.5)\n"
        "print('wordfreq' in sys.modules)\n"
    )
    env = {**os.environ, "POSTEDIT_CACHE": str(empty_cache)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_the_copy_is_held_as_one_block_of_text(empty_cache: Path) -> None:
    """Reading the English copy holds a few MB, not a string for each of its 321,000 words."""
    frequency.zipf("minister", "en")
    frequency.release()
    tracemalloc.start()
    try:
        assert frequency._table("en") is not None
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < 8 << 20, held


def test_the_copy_is_made_once_and_read_without_wordfreq(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = frequency.zipf("minister", "en")
    frequency.release()

    def unpacking(*args: object) -> None:
        raise AssertionError("wordfreq's table was read again")

    monkeypatch.setattr(wordfreq, "get_frequency_list", unpacking)
    monkeypatch.setattr(wordfreq, "zipf_frequency", unpacking)
    assert frequency.zipf("minister", "en") == first > 4
    assert frequency.zipf("ministerr", "en") == 0.0  # in no band: unknown


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "not a copy",
        lambda text: text[: len(text) // 2],  # cut in the words
        lambda text: text[:-10],  # cut in the bands
        lambda text: text.replace('"version": 1', '"version": 9', 1),
        lambda text: text[: text.rindex("\n", 0, -1)] + "\nffff\n",  # a band it does not have
    ],
)
def test_a_damaged_copy_is_made_again(empty_cache: Path, damage: Callable[[str], str]) -> None:
    expected = frequency.zipf("government", "en")
    copy = next(empty_cache.glob("wordfreq-en-*.txt"))
    whole = copy.read_text(encoding="utf-8")
    copy.write_text(damage(whole), encoding="utf-8")
    frequency.release()
    assert frequency.zipf("government", "en") == expected
    assert copy.read_text(encoding="utf-8") == whole  # made again, whole


def test_without_a_cache_folder_wordfreq_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("postedit.langid.cache_folder", lambda: None)
    frequency.release()
    assert frequency.zipf("minister", "en") == wordfreq.zipf_frequency("minister", "en")
    assert frequency._table("en") is None
    frequency.release()


def test_a_language_wordfreq_has_not_is_unknown_words(empty_cache: Path) -> None:
    assert frequency.zipf("word", "xx") == 0.0
    assert frequency.common_words("xx", 3.0) == frozenset()
