"""Memory a run gives back, so that its peak does not ratchet up from one stage to the next.

- Large buffers (numpy arrays of de-duplication, the state's text) are taken from the system
  and returned to it when freed (`return_large_blocks`). By default glibc raises its threshold
  for that after the first large block is freed, and later blocks stay in the heap: the
  process keeps the memory of the largest stage for the rest of the run. Smaller blocks come
  from the heap, which keeps up to `KEPT_FREE` of free memory at its top for the next ones
  (memory given back is touched afresh, a page fault a page, when taken again); `trim`, between
  stages, gives all of it back.
- The clean stage's lookup tables (the language identifier's model, the word frequencies) are
  let go once every article is cleaned (`release_clean_caches`); the next run that needs them
  loads them again.

A run also collects cyclic garbage less often (`fewer_collections`): it makes millions of small
objects that refcounting frees (passages, edits, records), and each collection of the oldest
generation walks all that are alive.

Where the C library is not glibc, `return_large_blocks` and `trim` do nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import sys
from collections.abc import Iterator

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
LARGE = 4 << 20  # bytes from which a block is mapped on its own (and unmapped when freed)
KEPT_FREE = 64 << 20  # free bytes the heap keeps at its top (given back beyond that, or by `trim`)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 (glibc only)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


@functools.cache
def return_large_blocks() -> bool:
    """Blocks from `LARGE` bytes are mapped on their own, so freeing one gives it back to the
    system (a fixed threshold: glibc's moving one is turned off), and the heap keeps
    `KEPT_FREE` bytes for the smaller ones. True if set.

    Measured on 8,000 repost-heavy articles and 100 more: at 256 kB (and glibc's own trim
    threshold, 128 kB) the run of 100 more took about 220,000 page faults and 1.7 s of system
    time; with these values 110,000 and 1.4 s. A first run at 32,000 articles peaks at 416 MB
    instead of 400 MB (449 MB with glibc's moving threshold)."""
    libc = _libc()
    return bool(
        libc and libc.mallopt(M_MMAP_THRESHOLD, LARGE) and libc.mallopt(M_TRIM_THRESHOLD, KEPT_FREE)
    )


def trim() -> None:
    """Give the free memory at the top of the heap back to the system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def end_checker() -> None:
    """End this process's grammar checker process, if it started one (`postedit.checker`):
    Harper's linter's memory goes with it. The next check starts another."""
    checker = sys.modules.get(f"{__package__}.checker")
    if checker is not None:
        checker.release()


def release_clean_caches() -> None:
    """Let go of what only the clean stage reads: the language identifier's model and the word
    frequency tables (tens of MB each), the passages kept by sentence, the matchers and what
    they kept."""
    from . import correct, dedup, frequency, grammar, langid, pipeline, rules

    pipeline.release_prepared()
    langid.release()
    frequency.release()
    dedup.forget_sentences()
    correct.common_words.cache_clear()
    rules.cues_in.cache_clear()
    grammar.zipf.cache_clear()
    # wordfreq's own tables, if the run imported it (the frequency copy answers most words
    # without it: importing it here only to clear it cost more than it freed)
    wordfreq = sys.modules.get("wordfreq")
    if wordfreq is None:
        return
    for name in ("get_frequency_dict", "get_frequency_list"):
        cached = getattr(wordfreq, name, None)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()
    frequencies = getattr(wordfreq, "_wf_cache", None)
    if isinstance(frequencies, dict):
        frequencies.clear()


@contextlib.contextmanager
def fewer_collections(allocations: int = 500_000) -> Iterator[None]:
    """Within the block, a collection of the youngest generation every ``allocations`` net
    allocations (Python's default is 700), the older ones after 20 of the younger; restored
    after. A run of 100 new articles in a corpus of 8,000 spent 0.4 s collecting at 50,000
    and 0.1 s at 500,000, with the same peak memory (little of what a run makes is cyclic)."""
    old = gc.get_threshold()
    gc.set_threshold(max(allocations, old[0]), 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*old)
