"""numpy-first sampling results: arrays are the fields, Python lists are lazy views.

The protobuf codec fills the ``*_np`` fields straight from the wire bytes, so a 64 x 4096-token
response never becomes Python lists unless someone reads ``tokens``/``logprobs``; the list is
then built once and cached in a slot. A JSON-era response (`SampleResponseJson`) is converted
by `SampleResponseMixin.from_json`, which keeps the decoded lists as the cached list views.

Conventions: tokens int32, logprobs float32, missing prompt logprobs NaN (``None`` in the list
view), empty top-k cells token 0 with logprob -99999 (trimmed from the list view; a row with no
real cell is ``None``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, cast

import msgspec
import numpy as np

from tinkex.errors import ValidationError

if TYPE_CHECKING:
    import numpy.typing as npt

    from tinkex.domain.types import (
        PromptAltTokens,
        SampledSequence,
        SampleResponseJson,
        TensorData,
        TopkLogprobs,
    )

__all__ = [
    "EMPTY_TOPK_LOGPROB",
    "SampleResponseMixin",
    "SampledSequenceMixin",
    "TopkLogprobsMixin",
    "TopkRows",
]

EMPTY_TOPK_LOGPROB = -99999.0
"""Logprob of an empty top-k cell (its token id is 0)."""

TopkRows = list[list[tuple[int, float]] | None]
"""Top-k as lists: per position, ``(token_id, logprob)`` pairs, or None for no entry."""

_MISSING = object()
_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1


def _cached(owner: type, slot: str, obj: object) -> Any:
    # Slots of a mixin are plain member descriptors; reading an unset one raises AttributeError.
    try:
        return getattr(owner, slot).__get__(obj, type(obj))
    except AttributeError:
        return _MISSING


def _store(owner: type, slot: str, obj: object, value: object) -> None:
    # Frozen Structs refuse __setattr__; the cache slot is not a field, so write it directly.
    getattr(owner, slot).__set__(obj, value)


def _as_int32(values: object, field: str) -> npt.NDArray[np.int32]:
    """Token ids as a native int32 array (no copy when they already are one).

    Raises:
        ValidationError: The values are not integers in the int32 range (``field`` names them).
    """
    if isinstance(values, np.ndarray) and values.dtype == np.int32:
        return values
    try:
        array = np.asarray(values)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError("must be int32 token ids", field=field) from None
    if not array.size:
        return array.astype(np.int32)
    kind = array.dtype.kind
    # Whole floats are accepted as ids (hand-built tables often are float arrays).
    whole = kind in "iu" or (
        kind == "f" and bool(np.isfinite(array).all()) and bool((array == np.floor(array)).all())
    )
    if not whole or array.min() < _INT32_MIN or array.max() > _INT32_MAX:
        raise ValidationError("must be int32 token ids", field=field)
    return array.astype(np.int32)


def _as_float32(values: object, field: str) -> npt.NDArray[np.float32]:
    """Logprobs as a native float32 array; None entries become NaN, overflow -inf/inf.

    Raises:
        ValidationError: The values are not numbers (``field`` names them).
    """
    try:
        if isinstance(values, list) and any(v is None for v in values):
            values = [np.nan if v is None else v for v in values]
        with np.errstate(over="ignore"):  # a logprob below float32's range is -inf
            array = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError("must be float32 logprobs", field=field) from None
    return array


def _arrays_equal(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


class TopkLogprobsMixin:
    """List conversion of `TopkLogprobs` (``token_ids``/``logprobs`` are ``(n, k)`` arrays)."""

    __slots__ = ()

    if TYPE_CHECKING:
        token_ids: Any
        logprobs: Any

        def __init__(self, *, token_ids: Any, logprobs: Any) -> None: ...

    def __post_init__(self) -> None:
        # Always (n, k) arrays of the wire dtypes, whatever the caller passed.
        ids, lps = _as_int32(self.token_ids, "token_ids"), _as_float32(self.logprobs, "logprobs")
        if ids.ndim != 2 or ids.shape != lps.shape:
            raise ValidationError(
                "token_ids and logprobs must share one (n, k) shape", field="token_ids"
            )
        _force(self, "token_ids", ids)
        _force(self, "logprobs", lps)

    @classmethod
    def from_rows(cls, rows: TopkRows) -> Self:
        """Build the table from list rows (a None row or short row is padded with empties).

        Raises:
            ValidationError: `rows` is not a list of rows of ``(token_id, logprob)`` pairs
                (``field`` is ``rows``).
        """
        try:
            k = max((len(row) for row in rows if row), default=0)
            ids = np.zeros((len(rows), k), dtype=np.int32)
            lps = np.full((len(rows), k), EMPTY_TOPK_LOGPROB, dtype=np.float32)
            for index, row in enumerate(rows):
                for cell, (token, logprob) in enumerate(row or ()):
                    ids[index, cell] = token
                    lps[index, cell] = logprob
        except (TypeError, ValueError, OverflowError, IndexError):
            raise ValidationError(
                "must be a list of rows of (token_id, logprob) pairs, or None", field="rows"
            ) from None
        return cls(token_ids=ids, logprobs=lps)

    def rows(self) -> TopkRows:
        """The table as lists, empty cells trimmed; a row with no real cell is None."""
        out: TopkRows = []
        for ids, lps in zip(self.token_ids.tolist(), self.logprobs.tolist(), strict=True):
            cells = list(zip(ids, lps, strict=True))
            while cells and cells[-1][1] <= EMPTY_TOPK_LOGPROB:
                cells.pop()
            out.append(cells or None)
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TopkLogprobsMixin):
            return NotImplemented
        return _arrays_equal(self.token_ids, other.token_ids) and _arrays_equal(
            self.logprobs, other.logprobs
        )

    __hash__ = None  # type: ignore[assignment]  # holds arrays: unhashable, like a list


def _force(obj: object, name: str, value: object) -> None:
    msgspec.structs.force_setattr(cast("msgspec.Struct", obj), name, value)


class SampledSequenceMixin:
    """numpy fields plus cached list views on `SampledSequence`."""

    __slots__ = ("_logprobs_list", "_tokens_list", "_topk_list")

    if TYPE_CHECKING:
        stop_reason: str
        tokens_np: Any
        logprobs_np: Any
        topk_logprobs_np: TopkLogprobs | None
        sequence_id: str | None

    def __post_init__(self) -> None:
        # Hand-built sequences may pass lists; the fields are always arrays afterwards.
        if not isinstance(self.tokens_np, np.ndarray) or self.tokens_np.dtype != np.int32:
            if isinstance(self.tokens_np, list):
                _store(SampledSequenceMixin, "_tokens_list", self, self.tokens_np)
            _force(self, "tokens_np", _as_int32(self.tokens_np, "tokens_np"))
        logprobs = self.logprobs_np
        if logprobs is not None and (
            not isinstance(logprobs, np.ndarray) or logprobs.dtype != np.float32
        ):
            if isinstance(logprobs, list):
                _store(SampledSequenceMixin, "_logprobs_list", self, logprobs)
            _force(self, "logprobs_np", _as_float32(logprobs, "logprobs_np"))

    @property
    def tokens(self) -> list[int]:
        """The sampled token ids as a list (built from `tokens_np` once, then cached)."""
        value = _cached(SampledSequenceMixin, "_tokens_list", self)
        if value is _MISSING:
            value = self.tokens_np.tolist()
            _store(SampledSequenceMixin, "_tokens_list", self, value)
        result: list[int] = value
        return result

    @property
    def logprobs(self) -> list[float] | None:
        """The logprob of each sampled token as a list, or None when not returned."""
        if self.logprobs_np is None:
            return None
        value = _cached(SampledSequenceMixin, "_logprobs_list", self)
        if value is _MISSING:
            value = self.logprobs_np.tolist()
            _store(SampledSequenceMixin, "_logprobs_list", self, value)
        result: list[float] = value
        return result

    @property
    def topk_logprobs(self) -> TopkRows | None:
        """Top-k alternatives at each sampled position as lists, or None."""
        if self.topk_logprobs_np is None:
            return None
        value = _cached(SampledSequenceMixin, "_topk_list", self)
        if value is _MISSING:
            value = self.topk_logprobs_np.rows()
            _store(SampledSequenceMixin, "_topk_list", self, value)
        result: TopkRows = value
        return result

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SampledSequenceMixin):
            return NotImplemented
        return (
            self.stop_reason == other.stop_reason
            and self.sequence_id == other.sequence_id
            and _arrays_equal(self.tokens_np, other.tokens_np)
            and _arrays_equal(self.logprobs_np, other.logprobs_np)
            and self.topk_logprobs_np == other.topk_logprobs_np
        )

    __hash__ = None  # type: ignore[assignment]  # holds arrays: unhashable, like a list


class SampleResponseMixin:
    """numpy fields plus cached list views on `SampleResponse`."""

    __slots__ = ("_prompt_list", "_topk_prompt_list")

    if TYPE_CHECKING:
        sequences: list[SampledSequence]
        prompt_logprobs_np: Any
        topk_prompt_logprobs_np: TopkLogprobs | None
        prompt_cache_hit_tokens: int
        target_prompt_logprobs: TensorData | None
        prompt_alt_tokens: PromptAltTokens | None

        def __init__(
            self,
            *,
            sequences: list[SampledSequence],
            prompt_logprobs_np: Any = None,
            topk_prompt_logprobs_np: TopkLogprobs | None = None,
            prompt_cache_hit_tokens: int = 0,
            target_prompt_logprobs: TensorData | None = None,
            prompt_alt_tokens: PromptAltTokens | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        values = self.prompt_logprobs_np
        if values is not None and (
            not isinstance(values, np.ndarray) or values.dtype != np.float32
        ):
            if isinstance(values, list):
                _store(SampleResponseMixin, "_prompt_list", self, values)
            _force(self, "prompt_logprobs_np", _as_float32(values, "prompt_logprobs_np"))

    @classmethod
    def from_json(cls, wire: SampleResponseJson) -> Self:
        """Convert a JSON-era result, keeping its lists as the cached list views.

        Raises:
            ValidationError: `wire` is not a `SampleResponseJson` (``field`` is ``wire``).
        """
        from tinkex.domain.types import SampledSequence, SampleResponseJson, TopkLogprobs

        given: object = wire  # callers may be untyped
        if not isinstance(given, SampleResponseJson):
            raise ValidationError(
                f"expected a SampleResponseJson, got {type(given).__name__}", field="wire"
            )

        sequences = [
            SampledSequence(
                stop_reason=seq.stop_reason, tokens_np=seq.tokens, logprobs_np=seq.logprobs
            )
            for seq in wire.sequences
        ]
        topk = None
        if wire.topk_prompt_logprobs is not None:
            topk = TopkLogprobs.from_rows(
                [None if row is None else list(row) for row in wire.topk_prompt_logprobs]
            )
        response = cls(
            sequences=sequences,
            prompt_logprobs_np=wire.prompt_logprobs,
            topk_prompt_logprobs_np=topk,
            prompt_cache_hit_tokens=wire.prompt_cache_hit_tokens or 0,
        )
        if wire.topk_prompt_logprobs is not None:
            rows: TopkRows = [
                [(int(i), float(v)) for i, v in row] if row else None
                for row in wire.topk_prompt_logprobs
            ]
            _store(SampleResponseMixin, "_topk_prompt_list", response, rows)
        return response

    @property
    def prompt_logprobs(self) -> list[float | None] | None:
        """Each prompt token's logprob as a list (None where not computed), or None."""
        if self.prompt_logprobs_np is None:
            return None
        value = _cached(SampleResponseMixin, "_prompt_list", self)
        if value is _MISSING:
            array = self.prompt_logprobs_np
            missing = np.isnan(array).tolist()
            value = [None if gap else v for v, gap in zip(array.tolist(), missing, strict=True)]
            _store(SampleResponseMixin, "_prompt_list", self, value)
        result: list[float | None] = value
        return result

    @property
    def topk_prompt_logprobs(self) -> TopkRows | None:
        """Top-k alternatives at each prompt position as lists, or None."""
        if self.topk_prompt_logprobs_np is None:
            return None
        value = _cached(SampleResponseMixin, "_topk_prompt_list", self)
        if value is _MISSING:
            value = self.topk_prompt_logprobs_np.rows()
            _store(SampleResponseMixin, "_topk_prompt_list", self, value)
        result: TopkRows = value
        return result

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SampleResponseMixin):
            return NotImplemented
        return (
            self.sequences == other.sequences
            and _arrays_equal(self.prompt_logprobs_np, other.prompt_logprobs_np)
            and self.topk_prompt_logprobs_np == other.topk_prompt_logprobs_np
            and self.prompt_cache_hit_tokens == other.prompt_cache_hit_tokens
            and self.target_prompt_logprobs == other.target_prompt_logprobs
            and _alt_equal(self.prompt_alt_tokens, other.prompt_alt_tokens)
        )

    __hash__ = None  # type: ignore[assignment]  # holds arrays: unhashable, like a list


def _alt_equal(a: PromptAltTokens | None, b: PromptAltTokens | None) -> bool:
    if a is None or b is None:
        return a is b
    return _arrays_equal(a.tokens, b.tokens) and _arrays_equal(a.logprobs, b.logprobs)
