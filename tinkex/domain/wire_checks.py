"""Checks that a user value can go on the wire, shared by the clients' argument validation.

A client method runs these before it reserves a request id or builds a request, so a value
the encoder would choke on (a lone surrogate in a string, an id beyond int32, a float where
an int belongs, an int too large for JSON) fails at the call site as a `ValidationError` that
names the argument, instead of inside the submission, where an encoder error would leave a
reserved seq_id unsent and poison a training client.

Arrays are checked vectorised, in one reduction each: a signed integer array viewed as
unsigned puts every negative id above the largest valid one, so one ``max`` checks both bounds.
"""

from __future__ import annotations

import copy
import functools
import math
import struct
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import msgspec
import numpy as np

from tinkex.domain.limits import MAX_TOKEN_ID, MIN_TOKEN_ID
from tinkex.domain.text_checks import require_text, short_repr
from tinkex.domain.types import (
    DmelChunk,
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    PromptProvenanceSpan,
    SampledProvenanceSpan,
)
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from tinkex.domain.types import ModelInputChunk

__all__ = [
    "INT32_MAX",
    "check_model_input",
    "check_observer",
    "check_spans",
    "check_token_ids",
    "pack_model_input",
    "pack_token_ids",
    "require_bool",
    "require_int",
    "require_number",
    "with_fields",
]

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)

INT32_MAX: Final = (1 << 31) - 1
_INT32: Final = np.dtype(np.int32)
_UINT32: Final = np.dtype(np.uint32)
"""Largest value of an int32 wire field (positions, lengths, counts)."""

_IMAGE_FORMATS: Final = ("png", "jpeg")
_BYTES = bytes | bytearray


def require_bool(value: object, field: str) -> bool:
    """Return `value` if it is a bool.

    Raises:
        ValidationError: Otherwise.
    """
    if not isinstance(value, bool):
        raise ValidationError(f"must be a bool, got {type(value).__name__}", field=field)
    return value


def require_int(value: object, field: str, *, minimum: int, maximum: int) -> int:
    """Return `value` if it is an int (not a bool) in ``[minimum, maximum]``.

    Raises:
        ValidationError: Otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"must be an int, got {type(value).__name__}", field=field)
    if not minimum <= value <= maximum:
        raise ValidationError(f"must be in [{minimum}, {maximum}], got {value}", field=field)
    return value


def require_number(
    value: object,
    field: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """Return `value` as a finite float within the optional bounds.

    Raises:
        ValidationError: Not an int or float (bools refused), not finite (ints too large for
            a float included), or out of bounds.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"must be a number, got {type(value).__name__}", field=field)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValidationError(f"must be finite, got {short_repr(value)}", field=field)
    if minimum is not None and number < minimum:
        raise ValidationError(f"must be >= {minimum}, got {number}", field=field)
    if maximum is not None and number > maximum:
        raise ValidationError(f"must be <= {maximum}, got {number}", field=field)
    return number


def check_token_ids(tokens: object, field: str) -> int:
    """Check token ids (a 1-D integer array or a list of ints) and return how many there are.

    Every id must lie in ``[MIN_TOKEN_ID, MAX_TOKEN_ID]`` (non-negative int32). An array costs
    one vectorised reduction; a list is packed into int32 once (see `pack_token_ids`).

    Raises:
        ValidationError: Not a list or 1-D integer array, a non-integer element (bools
            included), or an id out of range.
    """
    return int(pack_token_ids(tokens, field).size)


def pack_token_ids(tokens: object, field: str) -> np.ndarray[Any, Any]:
    """Check token ids and return them as the array the binary wire sends.

    An array is returned as it is (checked with one reduction); a list is packed into a new
    int32 array in one C-level pass, which is also what checks its elements, so the encoder
    can send the result without reading the Python ints again.

    Raises:
        ValidationError: As `check_token_ids`.
    """
    if isinstance(tokens, np.ndarray):
        if tokens.ndim != 1 or tokens.dtype.kind not in "iu":
            raise ValidationError(
                f"must be a 1-D integer array, got {tokens.dtype} of shape {tokens.shape}",
                field=field,
            )
        if tokens.size:
            bad = _first_out_of_range(tokens)
            if bad is not None:
                raise _range_error(str(tokens[bad]), f"{field}[{bad}]")
        return tokens
    if not isinstance(tokens, list):
        raise ValidationError(
            f"must be a list of ints or a numpy array, got {type(tokens).__name__}", field=field
        )
    try:
        packed = np.frombuffer(_int32_packer(len(tokens)).pack(*tokens), dtype=np.int32)
    except (struct.error, TypeError, ValueError, OverflowError):  # an element's __index__ failed
        raise _list_error(tokens, field) from None
    if packed.size:
        # A short list (a sampling prompt) is scanned by Python's min(), cheaper than numpy's
        # reduction setup; struct accepted every element, so each one is an integer.
        low = _short_min(tokens) if len(tokens) <= _SHORT else int(packed.min())
        if low < MIN_TOKEN_ID:
            index = int(np.argmin(packed))
            raise _range_error(str(low), f"{field}[{index}]")
        # struct packs True and False as 1 and 0: only those cells can hold a bool. A short
        # list is scanned by type (cheaper than numpy's setup), a long one at its 0s and 1s.
        if low <= 1 and (bool in set(map(type, tokens)) if len(tokens) <= _SHORT else True):
            for index in np.flatnonzero(packed <= 1).tolist():
                if isinstance(tokens[index], bool):
                    raise ValidationError(
                        "token ids must be ints, got bool", field=f"{field}[{index}]"
                    )
    return packed


# Lists up to this long are checked element-wise in Python rather than with numpy.
_SHORT = 512


def _short_min(tokens: list[Any]) -> int:
    try:
        return int(min(tokens))
    except TypeError:  # an object with __index__ but no ordering: read the packed values
        return int(np.frombuffer(_int32_packer(len(tokens)).pack(*tokens), dtype=np.int32).min())


@functools.lru_cache(maxsize=512)
def _int32_packer(count: int) -> struct.Struct:
    return struct.Struct(f"={count}i")


def _list_error(tokens: list[Any], field: str) -> ValidationError:
    # Only on failure: find the first element struct refused, and say why.
    for index, item in enumerate(tokens):
        where = f"{field}[{index}]"
        if isinstance(item, bool | np.bool_) or not isinstance(item, int | np.integer):
            return ValidationError(
                f"token ids must be ints, got {type(item).__name__} {short_repr(item)}", field=where
            )
        if not MIN_TOKEN_ID <= item <= MAX_TOKEN_ID:
            return _range_error(short_repr(item), where)
    return ValidationError("token ids must be ints in the int32 range", field=field)


def _first_out_of_range(array: np.ndarray[Any, Any]) -> int | None:
    # Viewed as unsigned (same width and byte order), every negative id lands above
    # MAX_TOKEN_ID (< 2**31), so one max() checks both bounds; the index only on failure.
    unsigned = array.view(array.dtype.str.replace("i", "u")) if array.dtype.kind == "i" else array
    if unsigned.max() <= MAX_TOKEN_ID:
        return None
    return int(np.argmax(unsigned > MAX_TOKEN_ID))


def _range_error(got: str, field: str) -> ValidationError:
    return ValidationError(
        f"token ids must be in [{MIN_TOKEN_ID}, {MAX_TOKEN_ID}] (non-negative int32), got {got}",
        field=field,
    )


def check_model_input(value: object, field: str, *, allow_image_pointers: bool = True) -> int:
    """Check a `ModelInput` chunk by chunk and return its length in tokens.

    Args:
        value: The model input.
        field: Its name in errors (chunks are named ``<field>.chunks[i]``).
        allow_image_pointers: Whether `ImageAssetPointerChunk` may appear (sampling only:
            the training wire carries image bytes).

    Raises:
        ValidationError: Not a `ModelInput`, or a chunk that cannot be sent; ``field`` names
            the chunk and its attribute.
    """
    length, _ = _check_chunks(value, field, allow_image_pointers=allow_image_pointers, pack=False)
    return length


def pack_model_input(value: object, field: str) -> tuple[ModelInput, int]:
    """Check a training `ModelInput` and return it with list-held tokens packed, and its length.

    Text chunks holding lists come back holding the int32 arrays their check produced, so
    the protobuf encoder sends them without converting the Python ints a second time; the
    caller's `ModelInput` is returned unchanged when it held no lists, and is never modified.
    Image pointers are refused (the training wire carries image bytes).

    Raises:
        ValidationError: As `check_model_input`.
    """
    length, chunks = _check_chunks(value, field, allow_image_pointers=False, pack=True)
    model_input = cast("ModelInput", value)
    return (model_input if chunks is None else with_fields(model_input, chunks=chunks)), length


def _check_chunks(
    value: object, field: str, *, allow_image_pointers: bool, pack: bool
) -> tuple[int, list[ModelInputChunk] | None]:
    if not isinstance(value, ModelInput):
        raise ValidationError(f"expected a ModelInput, got {type(value).__name__}", field=field)
    fast = _single_array_chunk(value)
    if fast is not None:
        return fast, None
    chunks: object = value.chunks
    if not isinstance(chunks, list):
        raise ValidationError(
            f"must be a list of chunks, got {type(chunks).__name__}", field=f"{field}.chunks"
        )
    length = 0
    packed: list[ModelInputChunk] | None = None
    for index, chunk in enumerate(chunks):
        where = f"{field}.chunks[{index}]"
        if isinstance(chunk, EncodedTextChunk):
            tokens = pack_token_ids(chunk.tokens, f"{where}.tokens")
            length += tokens.size
            if pack and tokens is not chunk.tokens:
                if packed is None:
                    packed = list(chunks[:index])
                packed.append(with_fields(chunk, tokens=tokens))
                continue
        elif isinstance(chunk, ImageChunk):
            _require_bytes(chunk.data, f"{where}.data")
            length += _image_length(chunk.format, chunk.expected_tokens, where)
        elif isinstance(chunk, ImageAssetPointerChunk):
            if not allow_image_pointers:
                raise ValidationError(
                    "image asset pointers cannot be used for training; send the image bytes "
                    "(ImageChunk)",
                    field=where,
                )
            require_text(chunk.location, f"{where}.location")
            length += _image_length(chunk.format, chunk.expected_tokens, where)
        elif isinstance(chunk, DmelChunk):
            _require_bytes(chunk.dmel, f"{where}.dmel")
            length += _dmel_length(chunk, where)
        else:
            raise ValidationError(
                f"expected a model input chunk, got {type(chunk).__name__}", field=where
            )
        if packed is not None:
            packed.append(chunk)
    return length, packed


def _single_array_chunk(model_input: ModelInput) -> int | None:
    """Length of the usual model input (one chunk of int32 ids in range), else None.

    One reduction and no per-chunk bookkeeping; None sends anything else, and anything wrong,
    through the general checks, which name the problem.
    """
    chunks = model_input.chunks
    if type(chunks) is not list or len(chunks) != 1 or type(chunks[0]) is not EncodedTextChunk:
        return None
    tokens = chunks[0].tokens
    if type(tokens) is not np.ndarray or tokens.dtype != _INT32 or tokens.ndim != 1:
        return None
    if tokens.size and tokens.view(_UINT32).max() > MAX_TOKEN_ID:
        return None
    return int(tokens.size)


def _require_bytes(value: object, field: str) -> None:
    if not isinstance(value, _BYTES):
        raise ValidationError(f"must be bytes, got {type(value).__name__}", field=field)


def _image_length(image_format: object, expected_tokens: object, where: str) -> int:
    if not isinstance(image_format, str) or image_format not in _IMAGE_FORMATS:
        raise ValidationError(
            f"must be 'png' or 'jpeg', got {short_repr(image_format)}", field=f"{where}.format"
        )
    if expected_tokens is None:
        raise ValidationError(
            "image chunks need expected_tokens to know their length",
            field=f"{where}.expected_tokens",
        )
    return require_int(expected_tokens, f"{where}.expected_tokens", minimum=0, maximum=INT32_MAX)


def _dmel_length(chunk: DmelChunk, where: str) -> int:
    try:
        length = chunk.length
    except ValidationError as exc:
        raise ValidationError(exc.message, field=f"{where}.dmel") from None
    if length > INT32_MAX:
        raise ValidationError(f"declares {length} tokens", field=f"{where}.dmel")
    return length


def check_spans(spans: object, field: str) -> None:
    """Check optional provenance spans: None or a list of prompt/sampled spans.

    Raises:
        ValidationError: Not a list of spans, or a span with a bad id, offset or length.
    """
    if spans is None:
        return
    if not isinstance(spans, list):
        raise ValidationError(f"must be a list of spans, got {type(spans).__name__}", field=field)
    for index, span in enumerate(spans):
        where = f"{field}[{index}]"
        if not isinstance(span, PromptProvenanceSpan | SampledProvenanceSpan):
            raise ValidationError(
                f"expected a provenance span, got {type(span).__name__}", field=where
            )
        require_text(span.sequence_id, f"{where}.sequence_id", allow_empty=True)
        require_int(span.offset, f"{where}.offset", minimum=0, maximum=INT32_MAX)
        require_int(span.length, f"{where}.length", minimum=0, maximum=INT32_MAX)


def with_fields(struct: S, **values: object) -> S:
    """A shallow copy of a checked `struct` with some fields replaced.

    Skips ``__post_init__`` (which `msgspec.structs.replace` and the constructor run): the
    values were just checked, and this runs once per datum of a batch.
    """
    copied = copy.copy(struct)
    for name, value in values.items():
        msgspec.structs.force_setattr(copied, name, value)
    return copied


def check_observer(observer: T) -> T:
    """Return `observer` if it has a callable ``on_queue_state_change``.

    Raises:
        ValidationError: Otherwise (an observer's errors are swallowed when it is called, so a
            wrong object would otherwise be ignored silently).
    """
    if not callable(getattr(observer, "on_queue_state_change", None)):
        raise ValidationError(
            f"must have an on_queue_state_change method, got {type(observer).__name__}",
            field="observer",
        )
    return observer
