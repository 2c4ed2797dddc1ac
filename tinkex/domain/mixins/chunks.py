"""`length` of the model-input chunk types, and the token storage of text chunks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast

import msgspec
import numpy as np

from tinkex.errors import ValidationError

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["DmelLengthMixin", "EncodedTextMixin", "ExpectedTokensLengthMixin"]

_DMEL_MARKER = 254
_INT32: Final = np.dtype(np.int32)
_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1


class EncodedTextMixin:
    """Array-or-list token storage, `length`, `tokens_np` and value equality on a text chunk.

    ``tokens`` holds the ids either as a 1-D numpy array (from the caller, e.g.
    ``ModelInput.from_ints(array)``) or as a Python list (from JSON, or written by hand). An
    integer array is stored as C-contiguous int32 when every id fits, so the protobuf codec
    sends it without converting a million Python ints; JSON writes either form as the same
    list of numbers (see `tinkex.adapters.msgspec_codec`).
    """

    __slots__ = ()

    if TYPE_CHECKING:
        tokens: Any

        def __init__(self, *, tokens: Any) -> None: ...

    def __post_init__(self) -> None:
        # Runs on construction and on decode; only the container is normalised here (a list's
        # elements are checked by the codec that sends them, as before).
        tokens = self.tokens
        if isinstance(tokens, np.ndarray):
            _force(self, "tokens", _int_token_array(tokens))
        elif isinstance(tokens, tuple):
            _force(self, "tokens", list(tokens))
        elif not isinstance(tokens, list):
            raise ValidationError(
                f"must be a list or a numpy array, got {type(tokens).__name__}", field="tokens"
            )

    @property
    def length(self) -> int:
        """Number of tokens."""
        return len(self.tokens)

    @property
    def tokens_np(self) -> npt.NDArray[Any]:
        """The ids as a 1-D integer array: int32, or int64 when an id does not fit int32.

        Zero-copy for a stored array: the result is the stored array itself, so copy it before
        writing to it. A list is converted on every call.

        Raises:
            ValidationError: The list holds something that is not an integer.
        """
        tokens = self.tokens
        if isinstance(tokens, np.ndarray):
            return tokens
        if not tokens:
            return np.zeros(0, dtype=_INT32)
        # No dtype forced: numpy would truncate floats silently; the checks below refuse them.
        try:
            array = np.asarray(tokens)
        except (TypeError, ValueError) as exc:
            raise ValidationError("must be a flat sequence of ints", field="tokens") from exc
        return _int_token_array(array)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EncodedTextMixin):
            return NotImplemented
        left, right = self.tokens, other.tokens
        if isinstance(left, list) and isinstance(right, list):
            return bool(left == right)
        # An array on either side: compare the ids' values, whatever their storage.
        try:
            return bool(np.array_equal(self.tokens_np, other.tokens_np))
        except ValidationError:
            return False

    __hash__ = None  # type: ignore[assignment]  # holds a list or an array: unhashable


def _int_token_array(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A flat C-contiguous int32 copy or view of an integer array; int64 when ids overflow.

    The int64 form is kept (not rejected) so the protobuf codec's checked path names the
    out-of-range ids when the chunk is sent, as it does for a list.
    """
    if array.dtype.kind not in "iu":
        raise ValidationError(f"must hold integers, got dtype {array.dtype}", field="tokens")
    if array.ndim != 1:
        raise ValidationError(f"must be 1-D, got shape {array.shape}", field="tokens")
    if array.dtype == _INT32:
        return np.ascontiguousarray(array) if type(array) is np.ndarray else np.array(array)
    if array.size and (int(array.min()) < _INT32_MIN or int(array.max()) > _INT32_MAX):
        if array.dtype.kind == "u" and array.dtype.itemsize == 8:
            return np.ascontiguousarray(array)  # beyond int64 too: keep it for the check
        return np.ascontiguousarray(array, dtype=np.int64)
    return np.ascontiguousarray(array, dtype=_INT32)


def _force(obj: object, name: str, value: object) -> None:
    # Frozen Structs refuse __setattr__; normalising a field in __post_init__ needs this.
    msgspec.structs.force_setattr(cast("msgspec.Struct", obj), name, value)


class ExpectedTokensLengthMixin:
    """Length of an image chunk: the token count the caller declared."""

    __slots__ = ()

    if TYPE_CHECKING:
        expected_tokens: int | None

    @property
    def length(self) -> int:
        """The declared token count.

        Raises:
            ValidationError: `expected_tokens` was not given, or is not a non-negative int.
        """
        expected: object = self.expected_tokens
        if expected is None:
            raise ValidationError(
                "image chunks need expected_tokens to know their length", field="expected_tokens"
            )
        if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
            raise ValidationError(
                f"must be a non-negative int, got {type(expected).__name__}",
                field="expected_tokens",
            )
        return expected


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:  # a varint has at most ten bytes
            raise ValidationError("truncated dmel header", field="dmel")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos


class DmelLengthMixin:
    """Length of a dmel chunk: dimension 0 of its TensorContainer header."""

    __slots__ = ()

    if TYPE_CHECKING:
        dmel: bytes

    @property
    def length(self) -> int:
        """Dimension 0 read from the header (optional marker 254, dtype byte, ndim, dims).

        Raises:
            ValidationError: ``dmel`` is not bytes, or its header is truncated or has no
                dimensions.
        """
        if not isinstance(self.dmel, bytes | bytearray):
            raise ValidationError(f"must be bytes, got {type(self.dmel).__name__}", field="dmel")
        pos = 1 if self.dmel[:1] == bytes([_DMEL_MARKER]) else 0
        pos += 1  # dtype byte
        ndim, pos = _varint(self.dmel, pos)
        if ndim == 0:
            raise ValidationError("dmel tensor has no dimensions", field="dmel")
        first, _ = _varint(self.dmel, pos)
        return first
