"""What a run gives back once cleaning is done."""

from __future__ import annotations

import json
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


GLIBC = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator only")

# in a process of its own: the size of the process's mappings after a large block is freed,
# and the page faults of taking a smaller block again after freeing it
_ALLOCATOR = """
import resource
from postedit import memory
assert memory.return_large_blocks()
def mapped():
    return int(open("/proc/self/statm").read().split()[0])
before = mapped()
block = bytearray(memory.LARGE + (1 << 20))
grown = mapped() - before
del block
given_back = mapped() - before
small = bytearray(2 << 20)  # the size of a run's middling arrays
del small
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
small = bytearray(2 << 20)
again = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
print(grown, given_back, again)
"""


@GLIBC
def test_large_blocks_are_returned_and_smaller_ones_reused_on_glibc() -> None:
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _ALLOCATOR], capture_output=True, text=True, check=True
    ).stdout
    grown, given_back, again = (int(x) for x in out.split())
    page = os.sysconf("SC_PAGE_SIZE")  # the unit of /proc/self/statm
    assert grown * page >= memory.LARGE  # mapped on its own...
    assert given_back * page < memory.LARGE // 4  # ... and unmapped when freed
    # a block of 2 MB, freed, is taken again from the heap without touching new pages (mapped
    # on its own, it would fault in each of its 512 pages again)
    assert again < 64
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


def test_summaries_are_held_packed_while_cleaning_and_the_outputs_do_not_change(
    tmp_path, monkeypatch
) -> None:
    """The run holds the summaries of what it cleaned packed, batch by batch, until it writes;
    what it writes is what it wrote holding them as objects (the same articles, report, order)."""
    from conftest import RULES, SEEDS

    from postedit import runner

    def outputs(out):
        corpus = (out / "corpus.jsonl").read_text(encoding="utf-8")
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        for timed in ("timings", "run"):  # times and the run id
            report.pop(timed)
        return corpus, report

    seen = []
    real_finish = runner.Run.finish

    def finish(self, *args, **kwargs):
        seen.append((len(self.packed), [s is runner.PACKED for s in self.summaries.values()]))
        return real_finish(self, *args, **kwargs)

    monkeypatch.setattr(runner.Run, "finish", finish)
    settings = runner.Settings(SEEDS, RULES, tmp_path / "packed", "en", "ar", decisions=None)
    runner.cleanup(settings, batch_size=2)
    [(blobs, packed)] = seen
    assert blobs == 3 and len(packed) == 5 and all(packed)  # 5 articles in batches of 2
    monkeypatch.setattr(runner.Run, "_pack", lambda self, ids: None)
    plain = runner.Settings(SEEDS, RULES, tmp_path / "plain", "en", "ar", decisions=None)
    runner.cleanup(plain, batch_size=2)
    assert outputs(tmp_path / "packed") == outputs(tmp_path / "plain")
