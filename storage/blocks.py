"""History blocks: many samples of one host and layout in one compressed, bit-exact blob.

Not used by the store yet (issue 15). A block is the timestamps of N samples (int64 epoch ms,
strictly increasing, any spacing), their values as a (samples × series) float64 matrix and a
``missing`` mask: True where a sample lacked the series, which is not the same as a NaN value
it carried. Decoding gives back every present value bit for bit (NaN payloads, -0.0, inf and
denormals included), NaN where missing, and the mask.

Layout (little-endian): a 16-byte header (``MB``, version, flags, samples, series, CRC-32 of
the rest), the timestamps, a directory (one kind byte and one uint32 length a series) and then
each series' payload on its own, so a read of a few series decompresses only theirs. A
series is stored as whichever is smallest, each then raw-deflated (zlib) unless that is
longer:

- ``CONST``: one float64 (every sample's bits the same);
- ``DECIMAL``: values that are integers over 10**d (psutil's rounded percentages, byte
  counts): the integers' zigzag deltas in the fewest bytes that hold them, byte planes apart,
  with the samples that do not fit (NaN, -0.0, ...) as exceptions (position, bits);
- ``XOR``: each value's bits XOR the previous one's, byte planes apart (Gorilla's idea);
- ``PLAIN``: the float64s as they are (a rate that is mostly 0 with a few spikes);
- ``SAME``: the number of an earlier series with the very same bits and mask.

Measured on real samples in docs/benchmarks.md, "History blocks: the encoding (issue 15)".
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

MAGIC = b"MB"
VERSION = 1
HEADER = struct.Struct("<2sBBIII")  # magic, version, flags, samples, series, crc32 of the rest
CONST, XOR, DECIMAL, PLAIN, SAME = 0, 1, 2, 3, 4
DEFLATED, HAS_MISSING = 0x40, 0x80
MAX_DIGITS = 9  # 10**9 · 2**53 is past no value we keep exactly: decimal past it is not worth it
EXACT = 2.0**53
LEVEL = 6


class Block(NamedTuple):
    """A decoded block: ``ts`` (int64 ms), ``values`` (float64, NaN where missing) and
    ``missing`` (bool), the latter two (samples × series asked for)."""

    ts: np.ndarray
    values: np.ndarray
    missing: np.ndarray


def encode_block(
    ts: Sequence[int] | np.ndarray,
    values: np.ndarray,
    missing: np.ndarray | None = None,
    level: int = LEVEL,
) -> bytes:
    """The block of ``ts`` (strictly increasing ms), ``values`` (samples × series float64) and
    ``missing`` (same shape, default none missing) as bytes; ValueError for a bad shape or
    timestamps that do not increase. Missing cells' values are not kept."""
    stamps = np.asarray(ts, dtype=np.int64)
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim != 2 or stamps.shape != (matrix.shape[0],) or not stamps.size:
        raise ValueError(f"block shape: {stamps.shape} timestamps for values {matrix.shape}")
    absent = np.zeros(matrix.shape, bool) if missing is None else np.asarray(missing, bool)
    if absent.shape != matrix.shape:
        raise ValueError(f"block shape: missing {absent.shape} for values {matrix.shape}")
    if stamps.size > 1 and not (np.diff(stamps) > 0).all():
        raise ValueError("block timestamps must strictly increase")
    kinds, payloads = _encode_columns(matrix, absent, level)
    times = _deflate(_encode_ints(stamps), level)
    lengths = np.array([len(p) for p in payloads], "<u4").tobytes()
    parts = [struct.pack("<I", len(times)), times, bytes(kinds), lengths, *payloads]
    body = b"".join(parts)
    return HEADER.pack(MAGIC, VERSION, 0, *matrix.shape, zlib.crc32(body)) + body


def decode_block(data: bytes, columns: Sequence[int] | None = None) -> Block:
    """The block in ``data``, every series or only ``columns`` (positions in the layout, in
    the order asked); ValueError naming what is wrong with bytes that are not a whole block."""
    view = memoryview(data)
    if len(view) < HEADER.size:
        raise ValueError(f"block truncated: {len(view)} bytes, the header alone is 16")
    magic, version, _flags, rows, width, crc = HEADER.unpack_from(view)
    if magic != MAGIC:
        raise ValueError(f"not a history block: starts {bytes(magic)!r}, not {MAGIC!r}")
    if version != VERSION:
        raise ValueError(f"history block version {version}: this code reads {VERSION}")
    body = view[HEADER.size :]
    if zlib.crc32(body) != crc:
        raise ValueError("history block damaged or truncated: its CRC-32 does not match")
    times, at = _section(body, 0, "timestamps")
    stamps = _decode_ints(_inflate(times, "timestamps"), rows, "timestamps")
    if rows > 1 and not (np.diff(stamps) > 0).all():
        raise ValueError("block timestamps do not increase")
    directory = _take(body, at, 5 * width, "directory")
    kinds = list(directory[:width])
    lengths = np.frombuffer(directory[width:], "<u4")
    starts = np.cumsum(np.concatenate(([at + 5 * width], lengths)), dtype=np.int64).tolist()
    if starts[-1] != len(body):
        raise ValueError(f"history block: {len(body)} bytes after its header, directory disagrees")
    wanted = range(width) if columns is None else list(columns)
    values = np.empty((rows, len(wanted)), order="F")  # filled a series at a time
    absent = np.zeros((rows, len(wanted)), bool, order="F")
    for out, column in enumerate(wanted):
        if not 0 <= column < width:
            raise ValueError(f"series {column} asked of a block of {width}")
        source = column
        if kinds[column] == SAME:  # read the earlier series it names
            payload = body[starts[column] : starts[column + 1]]
            (source,) = struct.unpack("<I", payload) if len(payload) == 4 else (width,)
            if source >= column or kinds[source] == SAME:
                raise ValueError(f"series {column}: the same as series {source}?")
        payload = body[starts[source] : starts[source + 1]]
        values[:, out], absent[:, out] = _decode_series(kinds[source], payload, rows, source)
    values[absent] = np.nan
    return Block(stamps, values, absent)


def _encode_columns(
    matrix: np.ndarray, absent: np.ndarray, level: int
) -> tuple[list[int], list[bytes]]:
    """Each series' kind and payload: a copy of an earlier one (``SAME``) or its smallest."""
    digits = _decimal_digits(matrix, absent)
    kinds, payloads, seen = [], [], {}
    for column in range(matrix.shape[1]):
        values, skip = matrix[:, column], absent[:, column]
        key = (np.where(skip, 0, values.view(np.uint64)).tobytes(), skip.tobytes())
        if key in seen:  # (disks.total is disks.io[vda] on a host of one disk)
            kinds.append(SAME)
            payloads.append(struct.pack("<I", seen[key]))
            continue
        seen[key] = column
        kind, payload = _encode_series(values, skip, digits[column], level)
        kinds.append(kind)
        payloads.append(payload)
    return kinds, payloads


def _decimal_digits(matrix: np.ndarray, absent: np.ndarray) -> np.ndarray:
    """Per series, the fewest decimal digits d for which most present values are exactly
    integers over 10**d (-1: none); the values that are not become exceptions."""
    found = np.full(matrix.shape[1], -1)
    open_ = np.ones(matrix.shape[1], bool)
    allowed = matrix.shape[0] // 8  # at most one sample in 8 an exception
    with np.errstate(invalid="ignore", over="ignore"):
        for d in range(MAX_DIGITS + 1):
            fits = _as_decimal(matrix, d)[1]
            bad = (~(fits | absent)).sum(axis=0)
            chosen = open_ & (bad <= allowed)
            found[chosen] = d
            open_ &= ~chosen
            if not open_.any():
                break
    return found


def _as_decimal(values: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """``values`` · 10**digits rounded to integers (as float64), and where dividing them back
    gives the very bits (not for -0.0, NaN, inf or magnitudes past 2**53)."""
    scale = 10.0**digits
    n = np.rint(values * scale) + 0.0  # + 0.0: -0.0 becomes 0.0, as its int64 would
    return n, ((n / scale).view(np.uint64) == values.view(np.uint64)) & (abs(n) < EXACT)


def _encode_series(
    values: np.ndarray, absent: np.ndarray, digits: int, level: int
) -> tuple[int, bytes]:
    """The smallest (kind, payload) of one series."""
    bits = _filled(values.view(np.uint64), absent)
    flags, mask = (HAS_MISSING, np.packbits(absent).tobytes()) if absent.any() else (0, b"")
    if (bits == bits[0]).all():
        return _smallest(CONST | flags, mask + bits[:1].tobytes(), level)
    changes = bits.copy()
    changes[1:] ^= bits[:-1]
    candidates = [
        _smallest(XOR | flags, mask + _planes(changes, 8), level),
        _smallest(PLAIN | flags, mask + bits.tobytes(), level),
    ]
    if digits >= 0:
        with np.errstate(invalid="ignore", over="ignore"):
            n, fits = _as_decimal(values, digits)
        ints = _filled(np.where(fits, n, 0).astype(np.int64), ~fits)
        where = np.flatnonzero(~fits & ~absent)
        extra = struct.pack("<BI", digits, where.size) + where.astype("<u4").tobytes()
        extra += bits[where].astype("<u8").tobytes()
        candidates.append(_smallest(DECIMAL | flags, mask + extra + _encode_ints(ints), level))
    return min(candidates, key=lambda kind_payload: len(kind_payload[1]))


def _decode_series(kind: int, payload: bytes, rows: int, column: int) -> tuple[np.ndarray, ...]:
    """One series' values (float64, missing cells undefined) and missing mask."""
    name = f"series {column}"
    raw = _inflate(payload, name) if kind & DEFLATED else bytes(payload)
    absent = np.zeros(rows, bool)
    at = 0
    if kind & HAS_MISSING:
        at = (rows + 7) // 8
        absent = np.unpackbits(np.frombuffer(_take(raw, 0, at, name), np.uint8))[:rows] > 0
    body, base = raw[at:], kind & 0x3F
    if base == CONST and len(body) == 8:
        return np.full(rows, np.frombuffer(body, "<f8")[0]), absent
    if base == PLAIN and len(body) == 8 * rows:
        return np.frombuffer(body, "<f8").copy(), absent
    if base == XOR and len(body) == 8 * rows:
        changes = _unplanes(body, rows, 8, name)
        return np.bitwise_xor.accumulate(changes).view(np.float64), absent
    if base == DECIMAL and len(body) >= 5:
        digits, count = struct.unpack_from("<BI", body)
        where = np.frombuffer(_take(body, 5, 4 * count, name), "<u4").astype(np.int64)
        bits = np.frombuffer(_take(body, 5 + 4 * count, 8 * count, name), "<u8")
        if digits > MAX_DIGITS or (where >= rows).any():
            raise ValueError(f"{name}: bad decimal digits or exception positions")
        ints = _decode_ints(body[5 + 12 * count :], rows, name)
        values = ints.astype(np.float64) / 10.0**digits
        values.view(np.uint64)[where] = bits
        return values, absent
    raise ValueError(f"{name}: kind {kind:#x} with {len(body)} bytes for {rows} samples")


def _encode_ints(ints: np.ndarray) -> bytes:
    """int64s as: width byte, the first (int64), then zigzag deltas in ``width`` byte planes."""
    deltas = np.diff(ints)  # wraps around on overflow, as the decoder's cumsum does
    zigzag = (deltas << 1) ^ (deltas >> 63)
    top = int(zigzag.view(np.uint64).max()) if zigzag.size else 0
    width = next(w for w in (1, 2, 4, 8) if top < 1 << (8 * w))
    words = zigzag.view(np.uint64).astype(f"<u{width}")
    return struct.pack("<Bq", width, int(ints[0])) + _planes(words, width)


def _decode_ints(data: bytes | memoryview, rows: int, name: str) -> np.ndarray:
    if len(data) < 9 or data[0] not in (1, 2, 4, 8):
        raise ValueError(f"{name}: bad integer header")
    width, first = struct.unpack_from("<Bq", data)
    ints = np.empty(rows, np.uint64)  # the first, then the zigzag deltas, then their sums
    ints[0] = first & (2**64 - 1)
    ints[1:] = _unplanes(data[9:], rows - 1, width, name)
    zigzag = ints[1:]
    zigzag[:] = (zigzag >> np.uint64(1)) ^ (np.uint64(0) - (zigzag & np.uint64(1)))
    return np.cumsum(ints.view(np.int64), out=ints.view(np.int64))  # wraps as the encoder's


def _planes(words: np.ndarray, width: int) -> bytes:
    """The bytes of ``words`` regrouped by position: all first bytes, then all second ..."""
    return words.astype(f"<u{width}").view(np.uint8).reshape(-1, width).T.tobytes()


def _unplanes(data: bytes | memoryview, count: int, width: int, name: str) -> np.ndarray:
    if len(data) != count * width:
        raise ValueError(f"{name}: {len(data)} bytes for {count} values of {width}")
    planes = np.frombuffer(data, np.uint8).reshape(width, count)
    return np.ascontiguousarray(planes.T).view(f"<u{width}").reshape(count)


def _filled(words: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """``words`` with each skipped cell holding the previous kept one's (0 before the first)."""
    if not skip.any():
        return words
    kept = words.copy()
    kept[skip] = 0
    return kept[np.maximum.accumulate(np.where(skip, 0, np.arange(words.size)))]


def _smallest(kind: int, raw: bytes, level: int) -> tuple[int, bytes]:
    packed = _deflate(raw, level)
    return (kind | DEFLATED, packed) if len(packed) < len(raw) else (kind, raw)


def _deflate(raw: bytes, level: int) -> bytes:
    return zlib.compress(raw, level, wbits=-15)


def _inflate(data: bytes | memoryview, name: str) -> bytes:
    try:
        return zlib.decompress(data, wbits=-15)
    except zlib.error as error:
        raise ValueError(f"{name}: not valid deflate data ({error})") from None


def _section(body: memoryview, at: int, name: str) -> tuple[memoryview, int]:
    """A uint32-length-prefixed section at ``at`` and the offset after it."""
    (length,) = struct.unpack_from("<I", _take(body, at, 4, name))
    return _take(body, at + 4, length, name), at + 4 + length


def _take(data: bytes | memoryview, at: int, length: int, name: str) -> memoryview:
    if at + length > len(data):
        raise ValueError(f"{name} truncated: {length} bytes wanted at {at} of {len(data)}")
    return memoryview(data)[at : at + length]
