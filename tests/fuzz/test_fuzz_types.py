"""Hypothesis over every public constructor of `tinkex.types` with hostile field values.

Every wire type is built with hostile values for its fields (each one drawn hostile or left at
its default): the constructor accepts (a plain Struct does not check its fields; the requests
that carry them do, see the client fuzz tests) or raises a `ValidationError` naming a field.
The builders users call (`ModelInput.from_ints`, `TensorData.from_numpy`...) and the readers of
the request types (`length`, `to_ints`, `to_numpy`...) are held to the same rule.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from fuzz_fixtures import examples, report
from hostile import hostile, junk
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tinkex import types
from tinkex.domain.types import (
    DmelChunk,
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    SampleResponse,
    TensorData,
    TopkLogprobs,
)
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

STRUCTS: list[type[msgspec.Struct]] = sorted(
    (
        value
        for value in (getattr(types, name) for name in types.__all__)
        if isinstance(value, type) and issubclass(value, msgspec.Struct)
    ),
    key=lambda cls: cls.__name__,
)

READERS: dict[type, tuple[str, ...]] = {
    ModelInput: ("length", "to_ints"),
    EncodedTextChunk: ("length", "tokens_np"),
    ImageChunk: ("length",),
    ImageAssetPointerChunk: ("length",),
    DmelChunk: ("length",),
    TensorData: ("values", "size", "nbytes", "to_numpy", "tolist"),
}
"""What users read back from the request types they build."""


def _outcome(tally: Counter[str], label: str, names: set[str], build: Callable[[], Any]) -> Any:
    """Run `build`: its result, or None after a ValidationError naming one of `names`."""
    refused: ValidationError | None = None
    value: Any = None
    try:
        value = build()
    except ValidationError as exc:
        refused = exc
    if refused is not None:
        text = f"{refused.field or ''} {refused}"
        assert any(name in text for name in names), f"{label}: {refused!r} names none of {names}"
        tally["typed"] += 1
        event(f"{label}: typed")
        return None
    tally["accepted"] += 1
    event(f"{label}: accepted")
    return value


def _read(tally: Counter[str], value: Any, names: set[str]) -> None:
    for reader in READERS.get(type(value), ()):
        attribute = getattr(type(value), reader)
        label = f"{type(value).__name__}.{reader}"
        if isinstance(attribute, property):
            _outcome(tally, label, names, functools.partial(getattr, value, reader))
        else:
            _outcome(tally, label, names, getattr(value, reader))


def test_every_public_wire_type_is_covered() -> None:
    """The fuzzed constructors are all the Structs `tinkex.types` exports (and there are many)."""
    assert len(STRUCTS) > 100
    assert {ModelInput, TensorData, types.Datum, types.SamplingParams} <= set(STRUCTS)
    assert {types.AdamParams, types.LoraConfig, EncodedTextChunk} <= set(STRUCTS)


@pytest.mark.parametrize("chunk", range(4))
def test_fuzz_struct_constructors(
    chunk: int,
) -> None:
    """Each wire type with hostile fields: accepted, or a ValidationError naming a field."""
    classes = STRUCTS[chunk::4]
    tally: Counter[str] = Counter()

    @settings(FUZZ, max_examples=examples(300))
    @given(st.data())
    def run(data: st.DataObject) -> None:
        cls = data.draw(st.sampled_from(classes), label="type")
        kwargs: dict[str, Any] = {}
        for field in msgspec.structs.fields(cls):
            optional = field.default is not msgspec.NODEFAULT or (
                field.default_factory is not msgspec.NODEFAULT
            )
            if optional and data.draw(st.booleans(), label=f"{field.name} left out"):
                continue
            kwargs[field.name] = data.draw(hostile, label=field.name)
        names = set(kwargs) | {"data", "tokens", "chunks"}
        value = _outcome(tally, cls.__name__, names, lambda: cls(**kwargs))
        if value is not None:
            _read(tally, value, names | {"shape", "pad_value", "expected_tokens", "dmel"})

    run()
    assert tally["accepted"], tally
    assert tally["typed"], tally
    report(f"types[constructors {chunk}]", tally["typed"], tally["accepted"])


BUILDERS: list[tuple[str, Callable[[Any, Any], Any], set[str]]] = [
    ("ModelInput.from_ints", lambda x, _: ModelInput.from_ints(x), {"tokens"}),
    ("ModelInput.append", lambda x, _: ModelInput.from_ints([1]).append(x), {"chunks"}),
    ("ModelInput.append_int", lambda x, _: ModelInput.from_ints([1]).append_int(x), {"token"}),
    ("TensorData.from_numpy", lambda x, _: TensorData.from_numpy(x), {"array"}),
    (
        "TensorData.from_numpy_sparse",
        lambda x, pad: TensorData.from_numpy_sparse(x, pad),
        {"array", "pad_value"},
    ),
    ("TensorData.from_torch", lambda x, _: TensorData.from_torch(x), {"tensor"}),
    (
        "TensorData.to_numpy",
        lambda x, pad: TensorData(data=[1, 2, 3, 4], dtype="int64", shape=x).to_numpy(pad),
        {"shape", "pad_value"},
    ),
    ("TopkLogprobs.from_rows", lambda x, _: TopkLogprobs.from_rows(x), {"rows", "token_ids"}),
    ("SampleResponse.from_json", lambda x, _: SampleResponse.from_json(x), {"wire"}),
]


def test_fuzz_builders() -> None:
    """The builders users call, with hostile input: a result, or a ValidationError naming it."""
    tally: Counter[str] = Counter()

    @settings(FUZZ, max_examples=examples(500))
    @given(st.sampled_from(BUILDERS), hostile, st.one_of(st.integers(-3, 3), junk))
    def run(builder: tuple[str, Callable[[Any, Any], Any], set[str]], value: Any, pad: Any) -> None:
        name, build, names = builder
        built = _outcome(tally, name, names, lambda: build(value, pad))
        if built is not None:
            _read(tally, built, names | {"data", "shape", "pad_value", "tokens"})

    run()
    assert tally["accepted"], tally
    assert tally["typed"], tally
    report("types[builders]", tally["typed"], tally["accepted"])
