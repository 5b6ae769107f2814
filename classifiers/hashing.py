"""Feature hashing over a whole batch at once, column for column what sklearn's `HashingVectorizer` makes.

sklearn builds every n-gram as a Python string and hashes it in a Python loop, which was the largest part of
featurising a Weibo post (~270 character 1-4-grams for 70 characters). Here the batch is one UTF-8 buffer, an
n-gram is a span of it (start byte and length), and MurmurHash3 (x86, 32 bits, seed 0: sklearn's
`murmurhash3_32`) runs on every span at once with numpy's wrapping uint32 arithmetic. Nothing is cached, so
memory does not grow over a long run.

The output is the same as `HashingVectorizer(alternate_sign=False, binary=True, dtype=np.float32)` with
`norm="l2"` or `norm=None`, bit for bit: the column of a feature is `abs(hash) % n_features` of its signed
hash, each row's columns are sorted and unique, and an l2 row holds `1 / sqrt(count)` rounded to float32, as
sklearn's row normaliser computes it (in double precision). `tests/classifiers/test_hashing.py` and
`benchmarks/enrichment.py` compare the two.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

# sklearn's char analyzer: lower-case, then runs of two or more whitespace characters become one space.
_WHITE_SPACES = re.compile(r"\s\s+")

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_FMIX1 = np.uint32(0x85EBCA6B)
_FMIX2 = np.uint32(0xC2B2AE35)
_ROUND_ADD = np.uint32(0xE6546B64)
_FIVE = np.uint32(5)
_TAIL_MASKS = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF], dtype=np.uint32)  # by tail length (length % 4)

Norm = Literal["l2"] | None


class Utf8Batch:
    """Strings joined into one UTF-8 buffer, with the byte offset of every character, so that a span of
    characters (an n-gram, or a whole string) becomes a span of bytes without leaving numpy.

    Raises `UnicodeEncodeError` for text that has no UTF-8 form (a lone surrogate), as sklearn does.
    """

    def __init__(self, strings: Sequence[str]) -> None:
        self.char_counts = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        encoded = "".join(strings).encode("utf-8")
        # Three zero bytes of padding let a 4-byte word be read at every byte offset.
        self.buffer = np.frombuffer(encoded + b"\0\0\0", dtype=np.uint8)
        # A character starts at every byte that is not a UTF-8 continuation byte (10xxxxxx).
        starts = np.flatnonzero((self.buffer[: len(encoded)] & 0xC0) != 0x80).astype(np.int32)
        self.char_bytes = np.append(starts, np.int32(len(encoded)))  # one past the end: the last one's end
        self.string_starts = np.concatenate(([0], np.cumsum(self.char_counts)))  # in characters

    def words(self) -> NDArray[np.uint32]:
        """The little-endian 32-bit word that starts at each byte offset (how MurmurHash3 reads blocks)."""
        buffer = self.buffer.astype(np.uint32)
        words: NDArray[np.uint32] = buffer[:-3]
        for offset in (1, 2, 3):
            words = words | (buffer[offset : len(buffer) - 3 + offset] << np.uint32(8 * offset))
        return words


def murmurhash3_32(
    words: NDArray[np.uint32], starts: NDArray[np.int32], lengths: NDArray[np.int32]
) -> NDArray[np.int32]:
    """Signed MurmurHash3_x86_32 (seed 0) of each byte span `[start, start + length)` of a batch, given the
    batch's `Utf8Batch.words`."""
    blocks = lengths >> 2
    hashes = np.zeros(len(starts), dtype=np.uint32)
    # Every span goes through every round; a span that has no block left keeps its hash (cheaper than
    # gathering the spans still mixing).
    for block in range(int(blocks.max(initial=0))):
        mixed = hashes ^ _mix_block(words.take(starts + 4 * block, mode="clip"))
        mixed = _rotl(mixed, 13) * _FIVE + _ROUND_ADD
        hashes = np.where(blocks > block, mixed, hashes)
    # The tail's bytes, little-endian, are the low bytes of the word after the last block; a span without a
    # tail gets an empty mask, and a zero word mixes to zero, which leaves its hash as it is.
    tails = words.take(starts + 4 * blocks, mode="clip") & _TAIL_MASKS[lengths & 3]
    hashes ^= _mix_block(tails)
    hashes ^= lengths.astype(np.uint32)
    hashes ^= hashes >> 16
    hashes *= _FMIX1
    hashes ^= hashes >> 13
    hashes *= _FMIX2
    hashes ^= hashes >> 16
    return hashes.view(np.int32)


def _mix_block(block: NDArray[np.uint32]) -> NDArray[np.uint32]:
    return _rotl(block * _C1, 15) * _C2


def _rotl(values: NDArray[np.uint32], bits: int) -> NDArray[np.uint32]:
    return (values << np.uint32(bits)) | (values >> np.uint32(32 - bits))


def hashed_columns(hashes: NDArray[np.int32], n_features: int) -> NDArray[np.int64]:
    """sklearn's column of each signed hash: `abs(h) % n_features` (in 64 bits, abs(-2**31) is defined and
    gives the column sklearn special-cases it to)."""
    return _divmod(np.abs(hashes.astype(np.int64)), n_features)[1]


def _divmod(values: NDArray[np.int64], divisor: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    # 64-bit integer division is slow in numpy; hashing spaces are powers of two, where a shift and a mask do.
    if divisor & (divisor - 1) == 0:
        return values >> (divisor.bit_length() - 1), values & (divisor - 1)
    quotients, remainders = np.divmod(values, divisor)
    return quotients, remainders


def char_ngram_rows(
    texts: Sequence[str], ngram_range: tuple[int, int], n_features: int, norm: Norm = "l2"
) -> sparse.csr_matrix:
    """`HashingVectorizer(analyzer="char", ngram_range=ngram_range, n_features=n_features, norm=norm,
    alternate_sign=False, binary=True, dtype=np.float32).transform(texts)`."""
    documents = [_WHITE_SPACES.sub(" ", text.lower()) for text in texts]
    batch = Utf8Batch(documents)
    words = batch.words()
    positions = np.arange(len(batch.char_bytes) - 1, dtype=np.int32)  # every character of the batch
    rows_of_positions = np.repeat(np.arange(len(documents), dtype=np.int32), batch.char_counts)
    ends_of_positions = np.repeat(batch.string_starts[1:].astype(np.int32), batch.char_counts)
    rows, hashes = [], []
    # One length at a time: n-grams of one length take about as many MurmurHash3 rounds as each other.
    for n in range(ngram_range[0], ngram_range[1] + 1):
        fits = np.flatnonzero(positions + n <= ends_of_positions)
        first = batch.char_bytes[fits]
        rows.append(rows_of_positions[fits])
        hashes.append(murmurhash3_32(words, first, batch.char_bytes[fits + n] - first))
    columns = hashed_columns(np.concatenate(hashes), n_features)
    return binary_rows(np.concatenate(rows), columns, len(documents), n_features, norm)


def string_rows(features: Sequence[Sequence[str]], n_features: int, norm: Norm = "l2") -> sparse.csr_matrix:
    """One row per list of feature strings (tokens, word n-grams, emoticon tags): what `HashingVectorizer`
    makes of the same lists from its analyzer, with `alternate_sign=False, binary=True, dtype=np.float32`."""
    flat = [feature for row in features for feature in row]
    batch = Utf8Batch(flat)
    starts = batch.char_bytes[batch.string_starts[:-1]]
    lengths = batch.char_bytes[batch.string_starts[1:]] - starts
    columns = hashed_columns(murmurhash3_32(batch.words(), starts, lengths), n_features)
    sizes = np.fromiter(map(len, features), dtype=np.int64, count=len(features))
    return binary_rows(np.repeat(np.arange(len(features)), sizes), columns, len(features), n_features, norm)


def binary_rows(
    rows: NDArray[np.integer[Any]], columns: NDArray[np.int64], n_rows: int, n_features: int, norm: Norm
) -> sparse.csr_matrix:
    """CSR float32 matrix with a 1 (or, with `norm="l2"`, `1 / sqrt(count)`) at each distinct (row, column)."""
    cells = _sorted_unique(
        rows.astype(np.int64) * n_features + columns
    )  # by row, then by column, as sklearn leaves them
    cell_rows, cell_columns = _divmod(cells, n_features)
    counts = np.bincount(cell_rows, minlength=n_rows)
    if norm == "l2":
        # sklearn divides float32 ones by sqrt(count) in double precision and stores the quotient as float32.
        row_values = (1.0 / np.sqrt(np.maximum(counts, 1).astype(np.float64))).astype(np.float32)
        data = row_values[cell_rows]
    elif norm is None:
        data = np.ones(len(cells), dtype=np.float32)
    else:
        raise ValueError(f"unsupported norm {norm!r}")
    indptr = np.concatenate(([0], np.cumsum(counts)))
    index_type = np.int32 if max(len(cells), n_features) < np.iinfo(np.int32).max else np.int64
    return sparse.csr_matrix(
        (data, cell_columns.astype(index_type), indptr.astype(index_type)), shape=(n_rows, n_features)
    )


def _sorted_unique(values: NDArray[np.int64]) -> NDArray[np.int64]:
    # np.unique is ~20 times slower than a sort on these arrays (numpy 2.4).
    ordered = np.sort(values)
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]
