"""The language model's unpacked copy in the user's cache: the same guesses, and never a failure."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postedit import langid

TEXTS = [
    "The Iraqi government announced a truce between the armed factions on Thursday.",
    "Le gouvernement irakien a annoncé jeudi une trêve entre les factions armées.",
    "Die irakische Regierung hat am Donnerstag eine Waffenruhe verkündet.",
    "أعلنت الحكومة العراقية يوم الخميس هدنة بين الفصائل المسلحة",
    "イラク政府は木曜日、武装勢力間の休戦を発表した。",
    "El gobierno iraquí anunció el jueves una tregua entre las facciones armadas.",
]


def shipped() -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_the_copy_is_made_once_and_guesses_as_the_shipped_model(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = shipped()
    first = [langid._identifier().classify(t) for t in TEXTS]
    copies = list(empty_cache.glob("langid-*.bin"))
    assert len(copies) == 1 and not list(empty_cache.glob(".tmp-*"))
    langid.release()

    def unpacking(path: object) -> None:
        raise AssertionError("the shipped model was unpacked again")

    monkeypatch.setattr("py3langid.modelio.load_model", unpacking)
    again = [langid._identifier().classify(t) for t in TEXTS]  # from the copy
    assert first == again == [reference.classify(t) for t in TEXTS]  # type: ignore[attr-defined]
    assert [c for c, _ in again] == ["en", "fr", "de", "ar", "ja", "es"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"PK\x03\x04 not a copy",  # no header
        lambda data: data[: data.index(b"\n") + 1],  # the header only
        lambda data: data[: len(data) // 2],  # cut in the automaton's table
        lambda data: data[:-100],  # cut in the last part
        lambda data: data.replace(b'"version": 1', b'"version": 9', 1),  # of another version
    ],
)
def test_a_damaged_copy_is_made_again(empty_cache: Path, damage: Callable[[bytes], bytes]) -> None:
    expected = [langid.detect(t) for t in TEXTS]
    copy = next(empty_cache.glob("langid-*.bin"))
    whole = copy.read_bytes()
    copy.write_bytes(damage(whole))
    langid.release()
    assert [langid.detect(t) for t in TEXTS] == expected
    assert copy.read_bytes() == whole  # written whole again


def test_a_cache_that_cannot_be_written_costs_only_time(empty_cache: Path) -> None:
    empty_cache.parent.mkdir(parents=True, exist_ok=True)
    empty_cache.write_text("a file where the folder would be")
    assert langid.detect(TEXTS[0])[0] == "en"
    assert empty_cache.read_text() == "a file where the folder would be"


def test_an_account_without_a_home_keeps_nothing_and_still_guesses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    for name in ("POSTEDIT_CACHE", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    langid.release()
    try:
        assert langid.cache_folder() is None
        assert langid.detect(TEXTS[2])[0] == "de"
    finally:
        langid.release()


def test_a_text_already_told_is_not_told_again(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = langid._identifier()
    told: list[str] = []

    class Counting:
        def classify(self, text: str) -> object:
            told.append(text)
            return model.classify(text)

    monkeypatch.setattr(langid, "_identifier", functools.lru_cache(maxsize=1)(Counting))
    langid._classify.cache_clear()
    first = [langid.detect(t) for t in TEXTS]
    assert len(told) == len(TEXTS)
    assert [langid.detect(t) for t in TEXTS] == first  # the same guesses, from what was kept
    assert len(told) == len(TEXTS)
    assert [c for c, _ in first] == ["en", "fr", "de", "ar", "ja", "es"]


@given(st.text(alphabet=st.sampled_from("ab é1_ -\n.名٣ẞ\u0301x\u200d"), max_size=80))
def test_too_little_text_is_fewer_than_min_letters_letters(text: str) -> None:
    """A text is told only from `langid.MIN_LETTERS` letters (not digits, not "_") on."""
    letters = sum(1 for c in text if re.fullmatch(r"[^\W\d_]", c))
    if letters < langid.MIN_LETTERS:
        assert langid.detect(text) == (None, 0.0)
    else:
        assert langid._ENOUGH_LETTERS.match(text)


def _resident_kb_of(name: str) -> int:
    """kB of this process's memory mapped from files whose path holds ``name`` (smaps)."""
    total, inside = 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                inside = name in line
            elif inside and line.startswith("Rss:"):
                total += int(line.split()[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads /proc")
def test_shed_gives_back_the_pages_read_and_the_guesses_stay(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("POSTEDIT_CACHE", str(tmp_path))
    langid.release()
    try:
        langid.detect(TEXTS[0])  # the copy made (this first model is the shipped one, unpacked)
        langid.release()
        guesses = [langid.detect(text * 20) for text in TEXTS]
        read = _resident_kb_of("langid-")
        assert read > 1000  # a few MB of the model's pages read in place
        langid.shed()
        assert _resident_kb_of("langid-") < read / 4
        langid._classify.cache_clear()
        assert [langid.detect(text * 20) for text in TEXTS] == guesses
    finally:
        langid.release()
