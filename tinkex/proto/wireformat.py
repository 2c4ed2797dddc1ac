"""Protobuf wire-format primitives for writing large messages without the protobuf runtime.

Why: the upb runtime serializes big `bytes` fields at about 1 GB/s (it grows its buffer and
copies twice), which made a 256 x 4096-token forward_backward body take ~35 ms. Here a message
is a list of pieces plus its length; nesting only prepends a key and a length, array payloads
enter as zero-copy memoryviews, and the body is assembled by one `b"".join`, so each payload
byte is copied exactly once.

Callers follow the canonical proto3 rules: scalars equal to their default are omitted unless
the field tracks presence (oneof members, `optional`).
"""

from __future__ import annotations

import struct
from typing import Final, TypeAlias

__all__ = [
    "FIXED64",
    "LENGTH_DELIMITED",
    "VARINT",
    "Pieces",
    "add_bytes",
    "add_double",
    "add_message",
    "add_packed_varints",
    "add_string",
    "add_varint",
    "key",
    "varint",
]

# The serialized pieces of one message, to be joined (or nested) later. memoryviews must be
# C-contiguous views of the exact bytes to send (bytes.join reads them through the buffer API).
Pieces: TypeAlias = list[bytes | memoryview]

VARINT: Final = 0
FIXED64: Final = 1
LENGTH_DELIMITED: Final = 2

_UINT64_MASK: Final = (1 << 64) - 1
_SMALL: Final = tuple(bytes((n,)) for n in range(128))
_DOUBLE: Final = struct.Struct("<d")


def varint(value: int) -> bytes:
    """Encode an integer as a base-128 varint; negatives as 10-byte two's complement.

    Args:
        value: Any int64/uint64 value.

    Returns:
        The varint bytes.
    """
    if 0 <= value < 128:
        return _SMALL[value]
    if 0 < value < 16384:
        return bytes(((value & 0x7F) | 0x80, value >> 7))
    if 0 < value < 2097152:  # three bytes: the length of a tensor of up to 2 MiB
        return bytes(((value & 0x7F) | 0x80, ((value >> 7) & 0x7F) | 0x80, value >> 14))
    value &= _UINT64_MASK
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def key(field_number: int, wire_type: int) -> bytes:
    """Encode a field key (field number and wire type); callers precompute these."""
    return varint((field_number << 3) | wire_type)


def add_bytes(out: Pieces, field_key: bytes, data: bytes | memoryview) -> int:
    """Append a length-delimited field holding `data`; return the number of bytes added."""
    size = data.nbytes if isinstance(data, memoryview) else len(data)
    length = varint(size)
    out += (field_key, length, data)
    return len(field_key) + len(length) + size


def add_string(out: Pieces, field_key: bytes, text: str) -> int:
    """Append a UTF-8 `string` field; return the number of bytes added."""
    return add_bytes(out, field_key, text.encode("utf-8"))


def add_message(out: Pieces, field_key: bytes, inner: Pieces, inner_size: int) -> int:
    """Append a nested message given as pieces; return the number of bytes added."""
    length = varint(inner_size)
    out += (field_key, length)
    out += inner
    return len(field_key) + len(length) + inner_size


def add_varint(out: Pieces, field_key: bytes, value: int) -> int:
    """Append a varint field (int32/int64/uint32/bool/enum); return the bytes added."""
    encoded = varint(value)
    out += (field_key, encoded)
    return len(field_key) + len(encoded)


def add_double(out: Pieces, field_key: bytes, value: float) -> int:
    """Append a `double` field; return the number of bytes added."""
    out += (field_key, _DOUBLE.pack(value))
    return len(field_key) + 8


def add_packed_varints(out: Pieces, field_key: bytes, values: tuple[int, ...]) -> int:
    """Append a packed `repeated int64` field (omitted when empty); return the bytes added."""
    if not values:
        return 0
    if len(values) == 1:
        return add_bytes(out, field_key, varint(values[0]))
    return add_bytes(out, field_key, b"".join([varint(v) for v in values]))
