"""Valid and hostile arguments of the SamplingClient methods that take user input.

Valid values are ones the embedded backend serves (short prompts inside the tiny model's
vocabulary, a few samples of a few tokens); options the embedded backend does not implement
(``prompt_alt_tokens_k``, ``target_prompt_logprobs``) have only hostile values here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hostile import (
    Arg,
    Build,
    bad,
    bad_text,
    hostile,
    junk,
    junk_arrays,
    junk_scalars,
    out_of_int32,
    pair,
    surrogate_text,
    valid,
)
from hypothesis import strategies as st
from training_cases import bad_token_list

from tinkex.clients.sampling_handle import SamplerHandle
from tinkex.domain.limits import (
    MAX_NUM_SAMPLES,
    MAX_PROMPT_ALT_TOKENS_K,
    MAX_SAMPLE_MAX_TOKENS,
    MAX_TOKEN_ID,
    MAX_TOPK_LOGPROBS,
)
from tinkex.domain.types import (
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    SamplingParams,
    TensorData,
)

NAN = float("nan")
_not_an_int = junk.filter(lambda v: not isinstance(v, int) or isinstance(v, bool))
_not_a_number = junk.filter(lambda v: not isinstance(v, int | float) or isinstance(v, bool))


def count_arg(name: str, good: st.SearchStrategy[int], top: int, low: int = 0) -> Arg:
    """An int argument: `good`, or below `low`, above `top`, or not an int."""
    return pair(
        good.map(lambda v: valid(v, name)),
        st.one_of(
            st.integers(max_value=low - 1, min_value=low - 2**40),
            st.integers(min_value=top + 1, max_value=top + 2**40),
            st.just(10**400),
            _not_an_int,
        ).map(lambda v: bad(v, name, label=name)),
    )


# -- prompt ----------------------------------------------------------------------------------

prompt_ok = st.builds(
    lambda tokens, as_array: valid(
        ModelInput.from_ints(np.asarray(tokens, np.int32) if as_array else tokens), "prompt"
    ),
    st.lists(st.integers(0, 200), min_size=2, max_size=8),
    st.booleans(),
)


prompt_bad = st.one_of(
    hostile.filter(lambda v: not isinstance(v, ModelInput)),
    st.just(Build(ModelInput.empty)),
    st.builds(
        lambda t: Build(lambda: ModelInput(chunks=[EncodedTextChunk(tokens=t)])), bad_token_list()
    ),
    st.builds(
        lambda t: Build(lambda: ModelInput(chunks=[EncodedTextChunk(tokens=t)])),
        st.one_of(junk_arrays, hostile),
    ),
    st.builds(lambda c: Build(lambda: ModelInput(chunks=c)), hostile),
    st.builds(
        lambda data, fmt, n: Build(
            lambda: ModelInput(chunks=[ImageChunk(data=data, format=fmt, expected_tokens=n)])
        ),
        st.one_of(st.binary(max_size=4), junk),
        st.one_of(st.sampled_from(["png", "jpeg"]), junk),
        st.one_of(
            out_of_int32,
            junk_scalars.filter(lambda v: not isinstance(v, int) or isinstance(v, bool)),
        ),
    ),
    st.builds(
        lambda loc: Build(
            lambda: ModelInput(
                chunks=[ImageAssetPointerChunk(format="png", location=loc, expected_tokens=1)]
            )
        ),
        bad_text,
    ),
).map(lambda v: bad(v, "prompt", "tokens", "chunks", label="prompt"))
prompt_arg = pair(prompt_ok, prompt_bad, weight=3)

# -- sampling params -------------------------------------------------------------------------

params_ok = st.builds(
    lambda max_tokens, temperature, top_k, top_p, seed, stop: valid(
        SamplingParams(
            max_tokens=max_tokens,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            seed=seed,
            stop=stop,
        ),
        "params",
    ),
    st.integers(1, 4),
    # Not (0, 0.05): the embedded backend divides by the temperature and overflows near 0.
    st.one_of(st.just(0.0), st.floats(0.05, 2.0)),
    st.one_of(st.just(-1), st.integers(1, 50)),
    st.floats(0.05, 1.0),
    st.one_of(st.none(), st.integers(0, 2**32)),
    st.sampled_from([None, ["\n"], [5, 6], "ab", []]),
)
_bad_param = {
    "max_tokens": st.one_of(
        st.sampled_from([0, -1, MAX_SAMPLE_MAX_TOKENS + 1, 2**40, 10**400, 1.0]), _not_an_int
    ),
    "seed": st.one_of(
        st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**400]),
        _not_an_int.filter(lambda v: v is not None),
    ),
    "stop": st.one_of(
        st.sampled_from(["", [""], ["a", 3], [3, "a"], [-1], [MAX_TOKEN_ID + 1], [True], [1.5]]),
        surrogate_text,
        st.lists(surrogate_text, min_size=1, max_size=2),
        junk.filter(lambda v: v is not None and not isinstance(v, str | list | tuple)),
    ),
    "temperature": st.one_of(st.sampled_from([-1.0, NAN, float("inf"), 10**400]), _not_a_number),
    "top_k": st.one_of(st.sampled_from([0, -2, 2**40, 1.5]), _not_an_int),
    "top_p": st.one_of(st.sampled_from([0.0, 1.5, -0.5, NAN]), _not_a_number),
}


@st.composite
def params_bad(draw: st.DrawFn) -> Any:
    name = draw(st.sampled_from(sorted(_bad_param)))
    fields: dict[str, Any] = {"max_tokens": 2, name: draw(_bad_param[name])}
    return bad(SamplingParams(**fields), name, "stop", label=f"params.{name}")


params_arg = pair(
    params_ok,
    params_bad(),
    hostile.filter(lambda v: v is not None and not isinstance(v, SamplingParams)).map(
        lambda v: bad(v, "sampling_params", label="params")
    ),
    weight=3,
)

# -- the other options -----------------------------------------------------------------------

num_samples_arg = count_arg("num_samples", st.integers(1, 3), MAX_NUM_SAMPLES, low=1)
topk_prompt_arg = count_arg("topk_prompt_logprobs", st.integers(0, 3), MAX_TOPK_LOGPROBS)
topk_sample_arg = count_arg("topk_sample_logprobs", st.integers(0, 3), MAX_TOPK_LOGPROBS)
alt_tokens_arg = pair(
    st.just(valid(0, "alt")),
    count_arg("prompt_alt_tokens_k", st.just(0), MAX_PROMPT_ALT_TOKENS_K).evil,
)
include_arg = pair(
    st.sampled_from([valid(False, "include"), valid(True, "include")]),
    junk.filter(lambda v: not isinstance(v, bool)).map(
        lambda v: bad(v, "include_prompt_logprobs", label="include")
    ),
)
target_arg = pair(
    st.just(valid(None, "target")),
    st.one_of(
        junk.filter(lambda v: v is not None),
        st.builds(
            lambda data, dtype, shape: Build(
                lambda: TensorData(data=data, dtype=dtype, shape=shape)
            ),
            st.one_of(junk, junk_arrays),
            st.one_of(st.sampled_from(["int64", "float32"]), junk),
            st.one_of(st.none(), junk),
        ),
    ).map(lambda v: bad(v, "target_prompt_logprobs", "data", "dtype", label="target")),
)
last_n_arg = pair(
    st.just(valid(None, "last_n")),
    st.one_of(
        st.integers(-5, 0), st.integers(50, 2**40), _not_an_int.filter(lambda v: v is not None)
    ).map(lambda v: bad(v, "prompt_logprobs_last_n", label="last_n")),
)
last_n_with_logprobs_arg = pair(
    st.sampled_from([valid(None, "last_n"), valid(1, "last_n")]), last_n_arg.evil
)


def _handle() -> str:
    return SamplerHandle(
        session_id="sess-fuzz",
        sampling_session_id="sess-fuzz:sample:0",
        base_url="http://127.0.0.1:9",
        base_model="tinkex/tiny-byte-lm",
    ).encode()


handle_arg = pair(
    st.just(valid(_handle(), "handle")),
    st.one_of(bad_text, st.text(max_size=20), st.binary(max_size=8)).map(
        lambda v: bad(v, "handle", label="handle")
    ),
)
api_key_arg = pair(
    st.sampled_from([valid(None, "api_key"), valid("tml-fuzz", "api_key")]),
    junk.filter(lambda v: v is not None and not isinstance(v, str)).map(
        lambda v: bad(v, "api_key", label="api_key")
    ),
)
