"""The copy of wordfreq's table in the user's cache: the same answers as wordfreq, and never a
failure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import wordfreq

from postedit import frequency


def test_the_copy_answers_as_wordfreq_for_every_kind_of_word(empty_cache: Path) -> None:
    listed = wordfreq.get_frequency_dict("en", "best")
    plain = [w for w in listed if frequency.PLAIN.fullmatch(w)]
    others = ["don't", "café", "3rd", "New", "e-mail", "qzxqzxqzx", "naïve", "", "ＡＢＣ"]
    for word in [*plain[::7], *others]:  # a seventh of the table's words, and the rest
        assert frequency.zipf(word, "en") == wordfreq.zipf_frequency(word, "en"), word
    assert list(empty_cache.glob("wordfreq-en-*.txt"))  # answered from the copy
    for common in (2.5, 3.5, 5.0):
        least = 10 ** (common - 9)
        expected = frozenset(w for w, f in listed.items() if f >= least)
        assert frequency.common_words("en", common) == expected


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
