"""Which language an article is in: py3langid, whose model ships in the package (nothing is
downloaded at run time). Metadata wins over detection; an unsure guess is not used."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import mmap
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
# at least MIN_LETTERS letters (not digits or "_"), anything between: one match, where finding
# every letter made a string of each
_ENOUGH_LETTERS = re.compile(rf"(?:[\W\d_]*[^\W\d_]){{{MIN_LETTERS}}}", re.UNICODE)


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
    time is kept in `cache_folder` (68 MB, `_keep`) and read from there (0.05 s: the table of
    feature weights is mapped, and only the rows a text has are read). Without a cache that
    can be written or read, the model is unpacked as shipped."""
    from py3langid.modelio import load_model

    folder = cache_folder()
    if folder is None:
        return tuple(load_model(packed))
    data = packed.read_bytes()
    copy = folder / f"langid-{hashlib.blake2b(data, digest_size=8).hexdigest()}.bin"
    try:
        return _unpacked(copy)
    except Exception:  # not there yet, or damaged (cut short, a bad header)
        pass  # unpacked as shipped, and kept if it can be
    ptc, pc, classes, nextmove, row, output = load_model(packed)
    with contextlib.suppress(OSError):
        _keep(copy, ptc, pc, classes, nextmove, row, output)
        copy.with_suffix(".npz").unlink(missing_ok=True)  # the copy's earlier form
    return ptc, pc, classes, nextmove, row, output


COPY_VERSION = 1
_MAPPED: list[mmap.mmap] = []  # the copy's pages the model reads in place (`shed`)


def _keep(
    copy: Path, ptc: Any, pc: Any, classes: Any, nextmove: array, row: array, output: Any
) -> None:
    """Write the parts to ``copy``: a line of JSON saying where each part's bytes are, then
    the bytes, each part at a multiple of 64. Written whole or not at all, whoever else
    writes it."""
    from .write import atomic_file  # only when a copy is made: write brings the review site

    arrays = {
        "ptc": np.ascontiguousarray(ptc),
        "pc": np.ascontiguousarray(pc),
        "nextmove": np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"),
        "row": np.frombuffer(row, dtype=f"u{row.itemsize}"),
        "output": np.asarray(output, dtype=np.int64),
    }
    parts, offset = {}, 0
    for name, values in arrays.items():
        parts[name] = {"dtype": values.dtype.str, "shape": values.shape, "offset": offset}
        offset += -(-values.nbytes // 64) * 64
    header = {
        "version": COPY_VERSION,
        "classes": list(classes),
        "types": {"nextmove": nextmove.typecode, "row": row.typecode},
        "parts": parts,
    }
    head = json.dumps(header).encode()
    head += b" " * (-(len(head) + 1) % 64) + b"\n"  # the bytes begin at a multiple of 64
    with atomic_file(copy, binary=True, durable=False) as handle:
        handle.write(head)
        for values in arrays.values():
            handle.write(values.tobytes())
            handle.write(b"\0" * (-values.nbytes % 64))


def _unpacked(copy: Path) -> tuple[Any, ...]:
    """The parts kept by `_keep`: the feature weights and the automaton's moves mapped (read
    where a text needs them: the moves are 39 MB, of which a text reads a few pages), its
    rows read whole into an array. Raises if the copy is missing or damaged."""
    with open(copy, "rb") as handle:
        header = json.loads(handle.readline())
        base = handle.tell()
        if header["version"] != COPY_VERSION:
            raise ValueError(f"{copy}: a copy of another version")

        def at(name: str) -> tuple[np.dtype, int]:
            """A part's type and number of values, the file read from where it begins."""
            spec = header["parts"][name]
            handle.seek(base + spec["offset"])
            return np.dtype(spec["dtype"]), int(np.prod(spec["shape"], dtype=np.int64))

        def part(name: str) -> np.ndarray:
            dtype, count = at(name)
            values = np.fromfile(handle, dtype=dtype, count=count)
            if len(values) != count:
                raise ValueError(f"{copy}: cut short")
            return values.reshape(header["parts"][name]["shape"])

        def table(name: str) -> array:  # read straight into the array: one copy, not three
            made = array(header["types"][name])
            dtype, count = at(name)
            if made.itemsize != dtype.itemsize:
                raise ValueError(f"{copy}: {name} is not of its type")
            made.fromfile(handle, count)  # EOFError if cut short
            return made

        def mapped(name: str) -> memoryview:
            """The part as a view of the file's pages (indexed as its array would be)."""
            typecode = header["types"][name]
            dtype, count = at(name)
            if array(typecode).itemsize != dtype.itemsize:
                raise ValueError(f"{copy}: {name} is not of its type")
            start = base + header["parts"][name]["offset"]
            pages = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            if len(pages) < start + count * dtype.itemsize:
                raise ValueError(f"{copy}: cut short")
            return memoryview(pages)[start : start + count * dtype.itemsize].cast(typecode)

        spec = header["parts"]["ptc"]
        ptc = np.memmap(
            copy, np.dtype(spec["dtype"]), "r", base + spec["offset"], tuple(spec["shape"])
        )
        nextmove, row = mapped("nextmove"), table("row")
        parts = ptc, part("pc"), header["classes"], nextmove, row, part("output").tolist()
        _MAPPED[:] = [ptc._mmap, nextmove.obj]  # type: ignore[attr-defined]
        return parts


def release() -> None:
    """Let go of the model (about 80 MB in memory); the next `detect` loads it again."""
    _identifier.cache_clear()
    _classify.cache_clear()
    _MAPPED.clear()


def shed() -> None:
    """Unmap the pages of the model's copy that texts have read so far (up to its 68 MB, over a
    large corpus): the system keeps them in its file cache, and a text that needs one again
    maps it from there (a minor page fault, no disk read). The run calls this after each chunk
    of files it reads, so that what the model costs it stays what a chunk reads."""
    for pages in _MAPPED:
        with contextlib.suppress(OSError, ValueError, AttributeError):  # closed, or no madvise
            pages.madvise(mmap.MADV_DONTNEED)


@functools.lru_cache(maxsize=4096)
def _classify(sample: str) -> tuple[str, float]:
    """The model's guess for ``sample``, kept by its text: reposts often begin alike (the same
    site's header, the same first lines), and a text already told is not told again."""
    code, confidence = _identifier().classify(sample)
    return str(code), float(confidence)


def detect(text: str) -> tuple[str | None, float]:
    """(language code, confidence 0-1) of ``text``; (None, 0.0) when there is too little text."""
    sample = text[:SAMPLE]
    if not _ENOUGH_LETTERS.match(sample):
        return None, 0.0
    # The cost grows with the sample: most news prose is told apart in its first lines, so
    # a longer read is paid only when the first guess is not sure.
    code, confidence = _classify(sample[:FIRST_LOOK])
    if confidence < SURE and len(sample) > FIRST_LOOK:
        code, confidence = _classify(sample)
    return code, round(confidence, 4)
