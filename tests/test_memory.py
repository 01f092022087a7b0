"""What a run gives back once cleaning is done."""

from __future__ import annotations

import platform

import pytest

from postedit import correct, langid, memory


def test_the_clean_stage_tables_are_let_go_and_loaded_again_when_needed() -> None:
    text = "The minister said the talks would resume next week in the capital."
    before = langid.detect(text)
    correct.common_words("en", 3.0)
    assert langid._identifier.cache_info().currsize == 1
    memory.release_clean_caches()
    assert langid._identifier.cache_info().currsize == 0
    assert correct.common_words.cache_info().currsize == 0
    assert langid.detect(text) == before  # loaded again, the same answer


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator only")
def test_large_blocks_are_returned_to_the_system_on_glibc() -> None:
    assert memory.return_large_blocks()
    memory.trim()  # does not fail


def test_fewer_collections_sets_the_threshold_in_the_block_and_restores_it() -> None:
    import gc

    before = gc.get_threshold()
    with memory.fewer_collections(123_456):
        assert gc.get_threshold()[0] == 123_456
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), memory.fewer_collections(654_321):
        raise RuntimeError("a failed run restores it too")
    assert gc.get_threshold() == before


def test_the_word_frequencies_are_one_table_for_common_words_and_zipf() -> None:
    from postedit import frequency, grammar

    memory.release_clean_caches()
    correct.common_words("en", 3.5)
    grammar.zipf("minister", "en")
    assert frequency._table.cache_info().currsize == 1  # read once, not once for each
    memory.release_clean_caches()
    assert frequency._table.cache_info().currsize == 0
