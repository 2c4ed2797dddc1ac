"""A tiny, independent protobuf wire encoder for building reference bytes in tests.

It knows nothing about `tinker_public.proto` or `tinkex.proto.wireformat`: field numbers are
written by the tests straight from the spec (tinker-wire.md §8.4, §8.5, §9.1), so a wrong
number in our schema or encoder shows up as a mismatch.
"""

from __future__ import annotations

import struct


def varint(value: int) -> bytes:
    """Base-128 varint; negative values as 64-bit two's complement."""
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def ld(field: int, payload: bytes) -> bytes:
    """A length-delimited field (bytes, string, message, packed repeated)."""
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def vi(field: int, value: int) -> bytes:
    """A varint field (int32, int64, uint32, bool, enum)."""
    return varint(field << 3) + varint(value)


def f64(field: int, value: float) -> bytes:
    """A double field."""
    return varint(field << 3 | 1) + struct.pack("<d", value)


def s(field: int, text: str) -> bytes:
    """A string field."""
    return ld(field, text.encode())


def packed(field: int, values: list[int]) -> bytes:
    """A packed repeated varint field."""
    return ld(field, b"".join(varint(v) for v in values))
