"""Valid and hostile arguments of every TrainingClient method that takes user input.

Valid values are ones the embedded backend carries out (token ids inside the tiny model's
vocabulary, moderate optimizer settings, fresh checkpoint names); hostile values are ones the
client must refuse. A value that is valid for the client but that the server refuses for a
reason the client cannot know (a token id beyond the vocabulary, an unknown loss name) is left
out on purpose: the server's own checks are tested elsewhere.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np
from hostile import (
    Arg,
    Build,
    Lazy,
    bad,
    bad_floats,
    bad_text,
    hostile,
    junk,
    junk_arrays,
    junk_scalars,
    out_of_int32,
    pair,
    resolve,
    surrogate_text,
    valid,
)
from hypothesis import strategies as st

from tinkex.domain.limits import MAX_LEARNING_RATE
from tinkex.domain.types import (
    AdamParams,
    Datum,
    EncodedTextChunk,
    ModelInput,
    SampledProvenanceSpan,
    TensorData,
)

if TYPE_CHECKING:
    from collections.abc import Callable

VOCAB_TOP = 200  # below the tiny model's vocabulary of 258
_names = itertools.count()

# -- data ------------------------------------------------------------------------------------

tokens_ok = st.lists(st.integers(0, VOCAB_TOP), min_size=2, max_size=6)


def good_datum(tokens: list[int], as_array: bool) -> Datum:
    """A next-token cross-entropy datum, its tokens as a list or an int32 array."""
    inputs = tokens[:-1]
    return Datum(
        model_input=ModelInput.from_ints(np.asarray(inputs, np.int32) if as_array else inputs),
        loss_fn_inputs={
            "target_tokens": np.asarray(tokens[1:], dtype=np.int64),
            "weights": np.ones(len(inputs), dtype=np.float32),
        },
    )


good_datums = st.lists(st.builds(good_datum, tokens_ok, st.booleans()), min_size=1, max_size=3)
data_ok = good_datums.map(lambda rows: valid(rows, "data"))

# A token list with one cell replaced by something no token id can be.
bad_token = st.one_of(
    out_of_int32, junk_scalars.filter(lambda v: not isinstance(v, int) or isinstance(v, bool))
)


@st.composite
def bad_token_list(draw: st.DrawFn) -> Any:
    tokens: list[Any] = draw(tokens_ok)
    tokens[draw(st.integers(0, len(tokens) - 1))] = draw(bad_token)
    return tokens


def _with_tokens(tokens: Any) -> Datum:
    try:
        count = max(len(tokens), 1)
    except TypeError:
        count = 1
    return Datum(
        model_input=ModelInput(chunks=[EncodedTextChunk(tokens=tokens)]),
        loss_fn_inputs={
            "target_tokens": np.arange(count, dtype=np.int64),
            "weights": np.ones(count, dtype=np.float32),
        },
    )


def _with_inputs(inputs: Any) -> Datum:
    return Datum(model_input=ModelInput.from_ints([10, 11, 12]), loss_fn_inputs=inputs)


def _with_spans(model_spans: Any, input_spans: Any) -> Datum:
    base = good_datum([10, 11, 12], False)
    return Datum(
        model_input=base.model_input,
        loss_fn_inputs=base.loss_fn_inputs,
        model_input_spans=model_spans,
        loss_fn_input_spans=input_spans,
    )


_WEIGHTS = np.ones(3, dtype=np.float32)


bad_key = st.one_of(
    surrogate_text, st.none(), st.booleans(), out_of_int32, st.binary(max_size=4), bad_floats
)
"""Hashable values that cannot be a key on the wire."""

bad_tensor = st.one_of(
    junk,
    st.builds(
        lambda data, dtype, shape: Build(lambda: TensorData(data=data, dtype=dtype, shape=shape)),
        st.one_of(junk, junk_arrays),
        st.one_of(st.sampled_from(["int64", "float32"]), junk),
        st.one_of(st.none(), junk),
    ),
)


@st.composite
def bad_row(draw: st.DrawFn, good: st.SearchStrategy[Any], evil: st.SearchStrategy[Any]) -> Any:
    """Three values (the model input's length) with one hostile cell, as a list or an array."""
    row: list[Any] = draw(st.lists(good, min_size=3, max_size=3))
    row[draw(st.integers(0, 2))] = draw(evil)
    if draw(st.booleans()):
        return row
    try:
        return np.asarray(row)
    except (ValueError, OverflowError):
        return row


bad_targets = bad_row(st.integers(0, VOCAB_TOP), st.one_of(out_of_int32, bad_floats, st.booleans()))
bad_weights = bad_row(
    st.floats(0, 1),
    st.one_of(
        bad_floats.filter(lambda v: v != v or abs(v) == float("inf")),
        st.none(),
        st.text(max_size=2),
    ),
)


def _empty(value: Any, kinds: Any) -> bool:
    # An empty container of these kinds is a valid value here, so it is not hostile.
    return isinstance(value, kinds) and len(value) == 0


def _bad_datum(kind: str, value: Any) -> Lazy:
    """A batch holding one good datum and one hostile one, built when the case runs."""
    builders = {
        "model_input": lambda: Datum(model_input=value),
        "chunks": lambda: Datum(model_input=ModelInput(chunks=value)),
        "tokens": lambda: _with_tokens(value),
        "loss_fn_inputs": lambda: _with_inputs(value),
        "target_tokens": lambda: _with_inputs(
            {"target_tokens": resolve(value), "weights": _WEIGHTS}
        ),
        "weights": lambda: _with_inputs({"target_tokens": np.arange(3), "weights": resolve(value)}),
        "key": lambda: _with_inputs(
            {value: _WEIGHTS, "target_tokens": np.arange(3), "weights": _WEIGHTS}
        ),
        "spans": lambda: _with_spans(value, value),
    }
    build: Callable[[], Datum] = builders[kind]
    names = {"data", kind, "loss_fn_inputs", "model_input"}
    # Constructors name their own fields: a tensor's, a chunk's, a span's.
    names |= {"dtype", "shape", "array", "tokens", "chunks", "target_tokens", "weights"}
    return Lazy(
        lambda: [good_datum([10, 11, 12, 13], False), build()], frozenset(names), f"data.{kind}"
    )


# One hostile cell in an otherwise valid datum: what a missing check lets through.
data_cell = st.one_of(
    st.builds(lambda v: _bad_datum("tokens", v), bad_token_list()),
    st.builds(lambda v: _bad_datum("target_tokens", v), bad_targets),
    st.builds(lambda v: _bad_datum("weights", v), bad_weights),
    st.builds(lambda v: _bad_datum("key", v), bad_key),
)
# Wrong shapes and types anywhere in the batch.
data_junk = st.one_of(
    hostile.filter(lambda v: not isinstance(v, Datum)).map(lambda v: bad(v, "data", label="data")),
    st.just(bad([], "data", label="data.empty")),
    st.builds(
        lambda d: bad(d, "data", label="data.single"),
        st.builds(good_datum, tokens_ok, st.booleans()),
    ),
    st.builds(lambda v: _bad_datum("model_input", v), hostile),
    st.builds(
        lambda v: _bad_datum("chunks", v), hostile.filter(lambda v: not _empty(v, list | tuple))
    ),
    st.builds(lambda v: _bad_datum("tokens", v), st.one_of(junk_arrays, hostile)),
    st.builds(
        lambda v: _bad_datum("loss_fn_inputs", v), hostile.filter(lambda v: not _empty(v, dict))
    ),
    st.builds(lambda v: _bad_datum("target_tokens", v), bad_tensor),
    st.builds(lambda v: _bad_datum("weights", v), bad_tensor),
    st.builds(
        lambda v: _bad_datum("spans", v),
        st.one_of(
            hostile.filter(lambda v: v is not None and not _empty(v, list)),
            st.lists(
                st.builds(
                    lambda sid, off, n: SampledProvenanceSpan(
                        sequence_id=sid, offset=off, length=n
                    ),
                    st.one_of(st.just("seq"), bad_text),
                    st.one_of(st.just(0), out_of_int32, junk_scalars),
                    st.one_of(out_of_int32, junk_scalars),
                ),
                min_size=1,
                max_size=2,
            ),
        ),
    ),
)
data_bad = st.one_of(data_cell, data_junk)
data_arg = pair(data_ok, data_bad, weight=3)

# -- loss ------------------------------------------------------------------------------------

loss_fn_arg = pair(
    st.just(valid("cross_entropy", "loss_fn")),
    st.one_of(bad_text, st.just("")).map(lambda v: bad(v, "loss_fn", label="loss_fn")),
)
bad_config_value = st.one_of(
    bad_floats.filter(lambda v: v != v or v in (float("inf"), float("-inf"))),
    st.just(10**400),
    st.none(),
    st.booleans(),
    surrogate_text,
    junk.filter(lambda v: not isinstance(v, int | float | str) or isinstance(v, bool)),
)
loss_fn_config_arg = pair(
    st.sampled_from([valid(None, "config"), valid({}, "config")]),
    hostile.filter(lambda v: v is not None and not isinstance(v, dict)).map(
        lambda v: bad(v, "loss_fn_config", label="config")
    ),
    st.builds(lambda k: bad({k: 1.0}, "loss_fn_config", label="config.key"), bad_key),
    st.builds(lambda v: bad({"k": v}, "loss_fn_config", label="config.value"), bad_config_value),
)


def _loss(data: list[Datum], logprobs: list[Any]) -> tuple[float, list[Any], dict[str, float]]:
    return (
        float(-sum(float(lp.sum()) for lp in logprobs)),
        [-np.ones_like(lp) for lp in logprobs],
        {},
    )


custom_loss_arg = pair(
    st.just(valid(_loss, "custom_loss")),
    hostile.filter(lambda v: not callable(v)).map(lambda v: bad(v, "loss_fn", label="custom_loss")),
)

# -- optimizer -------------------------------------------------------------------------------

_ADAM_FIELDS = ("learning_rate", "beta1", "beta2", "eps", "weight_decay", "grad_clip_norm")
_not_a_number = junk.filter(lambda v: not isinstance(v, int | float) or isinstance(v, bool))
_bad_value = {
    "learning_rate": st.one_of(
        st.sampled_from([float("nan"), float("inf"), -1e-3, MAX_LEARNING_RATE * 2, 1e308, 10**400]),
        _not_a_number,
    ),
    "beta1": st.one_of(st.sampled_from([1.0, 1.5, -0.1, float("nan"), 10**400]), _not_a_number),
    "beta2": st.one_of(st.sampled_from([1.0, 2.0, -0.5, float("inf")]), _not_a_number),
    "eps": st.one_of(st.sampled_from([0.0, -1e-8, float("nan"), float("inf")]), _not_a_number),
    "weight_decay": st.one_of(st.sampled_from([-0.1, float("inf"), float("nan")]), _not_a_number),
    "grad_clip_norm": st.one_of(
        st.sampled_from([-1.0, float("-inf"), float("nan")]), _not_a_number
    ),
}
adam_ok = st.builds(
    lambda lr, wd: valid(AdamParams(learning_rate=lr, weight_decay=wd), "adam"),
    st.floats(0.0, 1e-2),
    st.floats(0.0, 0.1),
)


@st.composite
def adam_bad(draw: st.DrawFn) -> Lazy:
    name = draw(st.sampled_from(_ADAM_FIELDS))
    value = draw(_bad_value[name])
    return Lazy(
        lambda: AdamParams(**{name: value}),
        frozenset({name, "optim_params", "adam_params"}),
        f"adam.{name}",
    )


adam_arg = pair(
    adam_ok,
    adam_bad(),
    hostile.filter(lambda v: v is not None).map(
        lambda v: bad(v, "optim_params", "adam_params", label="adam")
    ),
)

# -- weights ---------------------------------------------------------------------------------


def fresh_name() -> Lazy:
    """A checkpoint name never used before in this process."""
    return Lazy(lambda: f"ck-{next(_names)}", frozenset(), "name")


name_arg = pair(
    st.builds(fresh_name),
    st.one_of(bad_text, st.sampled_from(["", "a/b", ".", "..", "nul\x00"])).map(
        lambda v: bad(v, "name", label="name")
    ),
)
ttl_arg = pair(
    st.sampled_from([valid(None, "ttl"), valid(3600, "ttl"), valid(86_400 * 30, "ttl")]),
    st.one_of(out_of_int32, st.integers(0, 3599), junk.filter(lambda v: v is not None)).map(
        lambda v: bad(v, "ttl_seconds", label="ttl")
    ),
)
bool_arg = st.sampled_from([valid(False, "bool"), valid(True, "bool")])


def bool_or_bad(name: str) -> Arg:
    """A bool, or anything that is not one."""
    return pair(
        bool_arg,
        junk.filter(lambda v: not isinstance(v, bool)).map(lambda v: bad(v, name, label=name)),
    )


metadata_arg = pair(
    st.sampled_from([valid(None, "metadata"), valid({"step": "3", "ü": "✓"}, "metadata")]),
    hostile.filter(lambda v: v is not None and not isinstance(v, dict)).map(
        lambda v: bad(v, "user_metadata", label="metadata")
    ),
    st.builds(lambda k: bad({k: "v"}, "user_metadata", label="metadata.key"), bad_key),
    st.builds(lambda v: bad({"k": v}, "user_metadata", label="metadata.value"), bad_text),
)


def _well_formed_recipients(value: Any) -> bool:
    # A list of real strings is a valid request (the embedded backend refuses it by design).
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


recipients_arg = pair(
    st.sampled_from([valid(None, "recipients"), valid([], "recipients")]),
    hostile.filter(lambda v: v is not None and not _well_formed_recipients(v)).map(
        lambda v: bad(v, "age_encryption_recipients", label="recipients")
    ),
    st.lists(bad_text, min_size=1, max_size=2).map(
        lambda v: bad(v, "age_encryption_recipients", label="recipients.item")
    ),
)


def path_arg(good: str, wrong_kind: str, name: str = "path") -> Arg:
    """A checkpoint path: `good`, or one of the wrong kind, malformed, or not text."""
    return pair(
        st.just(valid(good, name)),
        st.one_of(
            bad_text,
            st.text(max_size=12),
            st.sampled_from(
                [wrong_kind, "tinker://../weights/x", "tinker://r/weights/..", "s3://b/k"]
            ),
        ).map(lambda v: bad(v, name, label=name)),
    )


token_arg = pair(
    st.just(valid(None, "token")),
    bad_text.filter(lambda v: v is not None).map(
        lambda v: bad(v, "weights_access_token", label="token")
    ),
)
kind_arg = pair(
    st.sampled_from([valid("snapshot", "kind"), valid("inflight", "kind")]),
    st.one_of(junk, st.text(max_size=8))
    .filter(lambda v: not (isinstance(v, str) and v in ("snapshot", "inflight")))
    .map(lambda v: bad(v, "kind", label="kind")),
)


class _Observer:
    def on_queue_state_change(self, queue_state: Any, reason: str | None, /) -> None:
        return None


observer_arg = pair(
    st.just(valid(_Observer(), "observer")),
    hostile.map(lambda v: bad(v, "observer", label="observer")),
)
