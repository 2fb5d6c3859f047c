"""History blocks (storage/blocks.py): bit-exact round trips, missing kept apart from NaN,
column reads, and clear errors for damaged bytes."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from storage.blocks import CONST, DECIMAL, HEADER, PLAIN, SAME, XOR, decode_block, encode_block

START = 1_796_426_091_000  # epoch ms
ODD_FLOATS = [
    np.nan,
    -np.nan,
    np.uint64(0x7FF8_0000_DEAD_BEEF).view(np.float64),  # a NaN with a payload
    np.uint64(0xFFF0_0000_0000_0001).view(np.float64),  # a negative signalling NaN
    -0.0,
    0.0,
    np.inf,
    -np.inf,
    5e-324,  # the smallest denormal
    -2.2250738585072e-308,  # a denormal
    np.finfo(np.float64).max,
    1e300,
]


def bits(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values).view(np.uint64)


def assert_round_trip(ts, values, missing=None) -> bytes:
    """Encodes, decodes, and checks every present value's bits, NaN where missing, the mask."""
    data = encode_block(ts, values, missing)
    block = decode_block(data)
    absent = np.zeros(values.shape, bool) if missing is None else missing
    expected = values.copy()
    expected[absent] = np.nan
    np.testing.assert_array_equal(block.ts, np.asarray(ts, dtype=np.int64))
    np.testing.assert_array_equal(bits(block.values), bits(expected))
    np.testing.assert_array_equal(block.missing, absent)
    return data


def real_shaped(rows: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps about a second apart and series like a sampler's: rounded percentages,
    byte counts, full-precision rates, constants, NaN now and then."""
    rng = np.random.default_rng(seed)
    ts = START + np.cumsum(rng.integers(990, 1011, rows))
    columns = [
        np.round(rng.random(rows) * 100, 1),  # cpu.total
        np.full(rows, 25_276_071_936.0),  # memory.total
        2.4e10 + np.cumsum(rng.integers(-4096, 4096, rows)).astype(float),  # memory.available
        rng.exponential(1500.0, rows),  # cpu.ctx_switches_per_s
        np.round(rng.random(rows) * 5, 3),  # health.collect_ms[cpu]
        np.zeros(rows),  # memory.swap_used
    ]
    values = np.column_stack(columns)
    values[rng.random(rows) < 0.05, 4] = np.nan
    return ts, values


def test_random_bits_round_trip() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 2**64, (200, 9), dtype=np.uint64).view(np.float64)
    assert_round_trip(START + np.arange(200) * 1000, values)


def test_real_shaped_round_trips_in_a_fraction_of_float64() -> None:
    ts, values = real_shaped(900)
    data = assert_round_trip(ts, values)
    assert len(data) < values.nbytes / 3  # the rate's noise stays, the rest shrinks


def test_odd_floats_round_trip_in_every_kind_of_series() -> None:
    rows = 64
    odd = np.resize(np.array(ODD_FLOATS), rows)
    decimal = np.round(np.linspace(0, 100, rows), 1)
    decimal[::9] = odd[::9]  # a few odd values among decimals: exceptions
    constant_odd = np.full(rows, ODD_FLOATS[2])
    signed = np.round(np.linspace(-5, 5, rows), 1)
    signed[[3, 30, 31]] = -0.0  # not 0.0: an integer over 10**d would turn it into that
    values = np.column_stack([odd, decimal, constant_odd, -decimal, signed])
    assert_round_trip(START + np.arange(rows) * 1000, values)


@pytest.mark.parametrize("fill", [np.nan, 0.0, -0.0, 42.5, np.inf])
def test_constant_and_all_nan_columns(fill: float) -> None:
    values = np.full((300, 3), fill)
    values[:, 1] = np.arange(300) / 10
    data = assert_round_trip(START + np.arange(300) * 1000, values)
    assert len(data) < 200


def test_a_single_sample_block() -> None:
    values = np.array([[*ODD_FLOATS, 3.5]])
    assert_round_trip([START], values)


def test_irregular_timestamps_round_trip() -> None:
    gaps = np.array([1, 999, 1001, 86_400_000, 3, 2**40, 1000, 1])
    ts = START + np.cumsum(gaps)
    assert_round_trip(ts, np.arange(len(ts) * 2, dtype=float).reshape(-1, 2))
    assert_round_trip([-(2**62), 0, 2**62], np.zeros((3, 1)))  # deltas past int64


@pytest.mark.parametrize("gap", [127, 128, 255, 256, 32_767, 32_768, 2**31 - 1, 2**31])
def test_deltas_at_the_edge_of_each_width(gap: int) -> None:
    ts = START + np.cumsum([1, 1, gap, 1])  # zigzag 2 · gap: the widest delta decides
    assert_round_trip(ts, np.column_stack([ts / 10.0, -ts.astype(float)]))


def test_missing_is_kept_apart_from_nan() -> None:
    ts, values = real_shaped(120)
    missing = np.zeros(values.shape, bool)
    missing[:30, 0] = True  # a series that appeared later
    missing[60:, 3] = True  # one that went away
    missing[::7, 4] = True  # one that comes and goes, beside NaN values
    missing[:, 5] = True  # one absent throughout
    values[missing] = 123.0  # what missing cells hold is not kept
    block = decode_block(assert_round_trip(ts, values, missing))
    nan_present = np.isnan(values) & ~missing
    assert nan_present[:, 4].any()
    assert not block.missing[nan_present].any()
    assert np.isnan(block.values[missing]).all()


def test_a_subset_of_columns_in_the_order_asked() -> None:
    ts, values = real_shaped(300)
    missing = np.zeros(values.shape, bool)
    missing[:10, 2] = True
    data = encode_block(ts, values, missing)
    block = decode_block(data, [4, 2, 4])
    expected = values[:, [4, 2, 4]].copy()
    expected[:10, 1] = np.nan
    np.testing.assert_array_equal(bits(block.values), bits(expected))
    np.testing.assert_array_equal(block.missing, missing[:, [4, 2, 4]])
    np.testing.assert_array_equal(block.ts, ts)
    assert decode_block(data, []).values.shape == (300, 0)
    with pytest.raises(ValueError, match="series 6 asked of a block of 6"):
        decode_block(data, [6])


def kinds_of(data: bytes) -> list[int]:
    """Each series' kind (without the deflated and missing flags), from the directory."""
    width = HEADER.unpack_from(data)[4]
    body = data[HEADER.size :]
    directory = 4 + struct.unpack_from("<I", body)[0]
    return [kind & 0x3F for kind in body[directory : directory + width]]


def test_each_kind_is_chosen_where_it_is_smallest_and_round_trips() -> None:
    rows = 300
    rng = np.random.default_rng(3)
    spikes = np.zeros(rows)
    spikes[::5] = rng.random(60) * 1e6  # a rate often 0: too many exceptions, plain
    walk = np.cumsum(rng.normal(size=rows))  # full precision, smooth: XOR
    values = np.column_stack([np.full(rows, 7.25), np.round(walk, 2), spikes, walk, spikes])
    missing = np.zeros(values.shape, bool)
    missing[:5, 1] = True
    data = assert_round_trip(START + np.arange(rows) * 1000, values, missing)
    assert kinds_of(data) == [CONST, DECIMAL, PLAIN, XOR, SAME]
    block = decode_block(data, [4])  # only the copy: read through the series it names
    np.testing.assert_array_equal(bits(block.values[:, 0]), bits(spikes))


def test_a_copy_of_a_series_is_a_copy_only_with_the_same_mask() -> None:
    values = np.tile(np.arange(50.0)[:, None] / 3, (1, 3))
    missing = np.zeros(values.shape, bool)
    missing[7, 2] = True  # same values, not the same mask
    data = assert_round_trip(START + np.arange(50) * 1000, values, missing)
    assert kinds_of(data)[1:] == [SAME, XOR]


def test_the_format_is_versioned_and_small_for_constants() -> None:
    data = encode_block(START + np.arange(3600) * 1000, np.ones((3600, 80)))
    magic, version, _flags, rows, width, _crc = HEADER.unpack_from(data)
    assert (magic, version, rows, width) == (b"MB", 1, 3600, 80)
    assert len(data) / (3600 * 80) < 0.01


@pytest.mark.parametrize(
    ("ts", "values", "missing", "message"),
    [
        ([START, START], np.zeros((2, 1)), None, "strictly increase"),
        ([START + 1, START], np.zeros((2, 1)), None, "strictly increase"),
        ([START], np.zeros((2, 1)), None, "block shape"),
        ([], np.zeros((0, 1)), None, "block shape"),
        ([START], np.zeros(1), None, "block shape"),
        ([START], np.zeros((1, 2)), np.zeros((1, 3), bool), "missing"),
    ],
)
def test_bad_input_is_refused(ts, values, missing, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode_block(ts, values, missing)


def resealed(data: bytes, body: bytes, **header: int) -> bytes:
    """``body`` under ``data``'s header, fields replaced, with a CRC that matches."""
    names = ("magic", "version", "flags", "rows", "width", "crc")
    fields = dict(zip(names, HEADER.unpack_from(data), strict=True))
    fields.update(header, crc=zlib.crc32(body))
    return HEADER.pack(*fields.values()) + body


def payload_start(body: bytes, column: int, width: int) -> int:
    """Where series ``column``'s payload starts in a block's ``body`` (after the header)."""
    (times,) = struct.unpack_from("<I", body)
    directory = 4 + times
    lengths = np.frombuffer(body, "<u4", width, directory + width)
    return directory + 5 * width + int(lengths[:column].sum())


def test_damaged_bytes_raise_a_value_error_naming_the_problem() -> None:
    ts, values = real_shaped(300)
    data = encode_block(ts, values)
    body = data[HEADER.size :]
    cases = {
        "the header alone is 16": data[:10],
        "not a history block": b"XX" + data[2:],
        "version 9": data[:2] + bytes([9]) + data[3:],
        "CRC-32 does not match": data[:-1],
        "CRC-32 does not match ": data[:40] + bytes([data[40] ^ 1]) + data[41:],
        "directory disagrees": resealed(data, body + b"\0"),
        "truncated": resealed(data, body[:3]),
        "timestamps": resealed(data, body, rows=299),
    }
    at = payload_start(body, 3, 6)  # the rate: XOR, deflated
    cases["series 3: not valid deflate data"] = resealed(
        data, body[:at] + b"\xff" * 4 + body[at + 4 :]
    )
    raw = bytearray(body)
    raw[4 + struct.unpack_from("<I", body)[0] + 1] = 0x3F  # series 1's kind: unknown, raw
    cases["series 1: kind 0x3f"] = resealed(data, bytes(raw))
    raw[4 + struct.unpack_from("<I", body)[0] + 1] = SAME  # 4 bytes of a CONST: a bad copy
    cases["series 1: the same as series"] = resealed(data, bytes(raw))
    for message, damaged in cases.items():
        with pytest.raises(ValueError, match=message.strip()):
            decode_block(damaged)
    with pytest.raises(ValueError):
        decode_block(resealed(data, body, width=7))
    with pytest.raises(ValueError, match="timestamps do not increase"):
        times = struct.pack("<Bq", 1, START) + b"\0" * 299  # every delta 0
        packed = zlib.compress(times, 6, wbits=-15)
        decode_block(resealed(data, struct.pack("<I", len(packed)) + packed + b"", width=0))
