from __future__ import annotations

import pickle

import msgspec
import numpy as np
import pytest

from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.adapters.protobuf_codec import ProtobufCodec
from tinkex.clients.sampling_checks import check_sample_result
from tinkex.domain.types import (
    SampledSequence,
    SampleResponse,
    SampleResponseJson,
    TopkLogprobs,
)
from tinkex.errors import DecodeError, UnsupportedByServerError
from tinkex.proto import messages as pb
from tinkex.proto.wire import (
    SampleResponseArrays,
    SequenceArrays,
    SparseCsrArray,
    TopkArrays,
    encode_sample_response,
)

JSON_BODY = (
    b'{"type":"sample","sequences":[{"stop_reason":"length","tokens":[5,6],'
    b'"logprobs":[-0.1,-0.25]},{"stop_reason":"stop","tokens":[7,2],"logprobs":null}],'
    b'"prompt_logprobs":[null,-1.5,-2.0],'
    b'"topk_prompt_logprobs":[null,[[7,-0.5],[8,-0.75]],[[9,-0.125]]],"extra":1}'
)


def _proto_body() -> bytes:
    topk = TopkArrays(
        token_ids=np.array([[0, 0], [7, 8], [9, 0]], dtype=np.int32),
        logprobs=np.array([[-99999.0, -99999.0], [-0.5, -0.75], [-0.125, -99999.0]], np.float32),
    )
    return encode_sample_response(
        SampleResponseArrays(
            sequences=[
                SequenceArrays(
                    tokens=np.array([5, 6], np.int32),
                    logprobs=np.array([-0.1, -0.25], np.float32),
                    stop_reason="length",
                ),
                SequenceArrays(
                    tokens=np.array([7, 2], np.int32), logprobs=None, stop_reason="stop"
                ),
            ],
            prompt_logprobs=np.array([np.nan, -1.5, -2.0], np.float32),
            topk_prompt_logprobs=topk,
            prompt_cache_hit_tokens=2,
        )
    )


def test_json_result_converts_to_numpy_fields() -> None:
    """A JSON-era result becomes int32/float32 arrays with the JSON lists as list views."""
    wire = MsgspecJsonCodec().decode(JSON_BODY, SampleResponseJson)
    response = SampleResponse.from_json(wire)
    first, second = response.sequences
    assert first.tokens_np.dtype == np.int32
    assert first.tokens == [5, 6]
    assert first.logprobs == [-0.1, -0.25]  # the JSON values, not float32-rounded ones
    assert second.logprobs is None
    assert second.logprobs_np is None
    assert response.prompt_logprobs == [None, -1.5, -2.0]
    plp = response.prompt_logprobs_np
    assert plp is not None
    assert np.isnan(plp[0])
    assert response.topk_prompt_logprobs == [None, [(7, -0.5), (8, -0.75)], [(9, -0.125)]]
    table = response.topk_prompt_logprobs_np
    assert table is not None
    assert table.token_ids.tolist() == [[0, 0], [7, 8], [9, 0]]


def test_protobuf_and_json_decode_to_equal_responses() -> None:
    """The same result through either codec gives equal arrays and equal list views."""
    from_proto = ProtobufCodec().decode(_proto_body(), SampleResponse)
    from_json = SampleResponse.from_json(MsgspecJsonCodec().decode(JSON_BODY, SampleResponseJson))
    assert from_proto.sequences == from_json.sequences
    assert from_proto.prompt_logprobs == from_json.prompt_logprobs
    assert from_proto.topk_prompt_logprobs == from_json.topk_prompt_logprobs
    assert from_proto.prompt_cache_hit_tokens == 2
    assert from_proto.sequences[0].tokens == [5, 6]
    assert from_proto.sequences[0].tokens is from_proto.sequences[0].tokens  # built once


def test_list_views_are_built_lazily_from_the_arrays() -> None:
    """Protobuf decode stores arrays; the list view appears on first read and is cached."""
    response = ProtobufCodec().decode(_proto_body(), SampleResponse)
    seq = response.sequences[0]
    with pytest.raises(AttributeError):
        type(seq)._tokens_list.__get__(seq)  # type: ignore[attr-defined]  # not built yet
    tokens = seq.tokens
    assert type(seq)._tokens_list.__get__(seq) is tokens  # type: ignore[attr-defined]


def test_hand_built_sequences_normalise_lists() -> None:
    """Lists passed to the numpy fields are converted, and the originals kept as views."""
    seq = SampledSequence(stop_reason="stop", tokens_np=[1, 2, 3], logprobs_np=[0.5, -1.0, -2.0])
    assert seq.tokens_np.dtype == np.int32
    assert seq.logprobs_np is not None
    assert seq.logprobs_np.dtype == np.float32
    assert seq.tokens == [1, 2, 3]
    other = SampledSequence(stop_reason="stop", tokens_np=np.array([1, 2, 3], np.int64))
    assert other.tokens_np.dtype == np.int32
    assert other != seq  # logprobs differ
    assert msgspec.structs.replace(other, logprobs_np=seq.logprobs_np) == seq


def test_responses_compare_by_value_and_pickle() -> None:
    """Array fields compare elementwise (NaN equal to NaN) and survive pickling."""
    a = ProtobufCodec().decode(_proto_body(), SampleResponse)
    b = ProtobufCodec().decode(_proto_body(), SampleResponse)
    assert a == b
    restored = pickle.loads(pickle.dumps(a))
    assert restored == a
    assert restored.sequences[1].tokens == [7, 2]
    changed = msgspec.structs.replace(a, prompt_cache_hit_tokens=3)
    assert changed != a


def test_topk_rows_round_trip_and_shape_checks() -> None:
    """from_rows pads with empty cells; rows() trims them; mismatched shapes are refused."""
    rows: list[list[tuple[int, float]] | None] = [None, [(3, -0.5)], [(4, -1.0), (5, -2.0)]]
    table = TopkLogprobs.from_rows(rows)
    assert table.token_ids.shape == (3, 2)
    assert table.rows() == rows
    with pytest.raises(ValueError, match="shape"):
        TopkLogprobs(token_ids=np.zeros((2, 2)), logprobs=np.zeros((2, 3)))


def test_protobuf_extras_decode_to_typed_fields() -> None:
    """Target prompt logprobs (dense and CSR) and alt tokens decode with their dtypes."""
    for target in (
        np.array([[0.5, 0.0], [-1.0, -2.0]], np.float32),
        SparseCsrArray(
            values=np.array([-1.0], np.float32),
            crow_indices=np.array([0, 1, 1]),
            col_indices=np.array([1]),
            shape=(2, 2),
        ),
    ):
        body = encode_sample_response(
            SampleResponseArrays(
                sequences=[],
                prompt_logprobs=None,
                topk_prompt_logprobs=None,
                target_prompt_logprobs=target,
                prompt_alt_tokens=(
                    np.array([[1, 2], [3, 4]], np.int64),
                    np.array([[-0.5, -1.0], [-0.25, -3.0]], np.float32),
                ),
            )
        )
        response = ProtobufCodec().decode(body, SampleResponse)
        assert response.target_prompt_logprobs is not None
        assert response.target_prompt_logprobs.dtype == "float32"
        assert response.target_prompt_logprobs.to_numpy().shape == (2, 2)
        alt = response.prompt_alt_tokens
        assert alt is not None
        assert alt.tokens.tolist() == [[1, 2], [3, 4]]
        assert alt.logprobs.dtype == np.float32
        assert response.prompt_logprobs is None
        assert response.topk_prompt_logprobs is None


def test_unknown_stop_reason_is_a_decode_error() -> None:
    """A stop reason this client does not know fails the decode with the field named."""
    msg = pb.SampleResponse()
    seq = msg.sequences.add()
    seq.stop_reason = 7  # type: ignore[assignment]  # an enum value from a newer server
    with pytest.raises(DecodeError, match="stop_reason"):
        ProtobufCodec().decode(msg.SerializeToString(), SampleResponse)


def _response(prompt_logprobs: list[float | None]) -> SampleResponse:
    return SampleResponse(
        sequences=[SampledSequence(stop_reason="stop", tokens_np=[1])],
        prompt_logprobs_np=prompt_logprobs,
    )


def test_result_checks_catch_servers_that_ignore_options() -> None:
    """Ignored last_n / alt tokens and a sequence-count mismatch are reported; ids stamped."""
    whole = _response([None, -1.0, -2.0, -3.0])
    with pytest.raises(UnsupportedByServerError, match="last_n"):
        check_sample_result(
            whole, None, prompt_length=4, prompt_alt_tokens_k=0, prompt_logprobs_last_n=1
        )
    tail = _response([None, None, None, -3.0])
    assert (
        check_sample_result(
            tail, None, prompt_length=4, prompt_alt_tokens_k=0, prompt_logprobs_last_n=1
        )
        is tail
    )
    with pytest.raises(UnsupportedByServerError, match="alternative"):
        check_sample_result(
            tail, None, prompt_length=4, prompt_alt_tokens_k=2, prompt_logprobs_last_n=None
        )
    with pytest.raises(DecodeError, match="2 sequences"):
        check_sample_result(
            tail, ["a", "b"], prompt_length=4, prompt_alt_tokens_k=0, prompt_logprobs_last_n=None
        )
    stamped = check_sample_result(
        tail, ["s:0"], prompt_length=4, prompt_alt_tokens_k=0, prompt_logprobs_last_n=None
    )
    assert stamped.sequences[0].sequence_id == "s:0"
    assert stamped.prompt_logprobs == [None, None, None, -3.0]
