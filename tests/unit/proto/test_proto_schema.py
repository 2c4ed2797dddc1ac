"""The checked-in generated module matches our schema, and our schema matches the spec."""

from __future__ import annotations

import ast
import base64
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from proto_reference import f64, ld, packed, s, vi

from tinkex.proto import generate
from tinkex.proto import messages as pb
from tinkex.proto.tinker_public_descriptor import FILE_DESCRIPTOR

PROTO_DIR = Path(__file__).resolve().parents[3] / "tinkex" / "proto"


def _embedded_pb2_descriptor() -> bytes:
    # Read the literal out of the generated source: importing it would register
    # tinker_public.proto in protobuf's default pool, which tinkex deliberately avoids.
    tree = ast.parse((PROTO_DIR / "tinker_public_pb2.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "AddSerializedFile":
            literal = node.args[0]
            assert isinstance(literal, ast.Constant)
            assert isinstance(literal.value, bytes)
            return literal.value
    raise AssertionError("no AddSerializedFile call in tinker_public_pb2.py")


def test_descriptor_module_matches_the_schema() -> None:
    """Compiling tinker_public.proto afresh renders the checked-in descriptor module."""
    pytest.importorskip("grpc_tools.protoc")
    fresh = generate.descriptor_module_source(generate.serialized_descriptor())
    assert fresh == generate.DESCRIPTOR_MODULE.read_text(encoding="utf-8")


def test_generated_pb2_embeds_the_same_schema() -> None:
    """The checked-in pb2 module (whose .pyi types our classes) describes the same schema."""
    embedded = descriptor_pb2.FileDescriptorProto.FromString(_embedded_pb2_descriptor())
    assert embedded == descriptor_pb2.FileDescriptorProto.FromString(FILE_DESCRIPTOR)


def test_generated_module_has_no_runtime_version_pin() -> None:
    """The pb2 module imports on any protobuf runtime >= 4.25 (no gencode version check)."""
    source = (PROTO_DIR / "tinker_public_pb2.py").read_text(encoding="utf-8")
    assert "ValidateProtobufRuntimeVersion" not in source
    assert "Protobuf Python Version: 4.25" in source


def test_messages_stay_out_of_the_default_descriptor_pool() -> None:
    """The official SDK can register its own tinker_public.proto in the same process."""
    default = descriptor_pool.Default()
    assert pb.FILE.pool is not default
    assert pb.ForwardBackwardRequest.DESCRIPTOR.file is pb.FILE
    assert pb.SampleResponse.DESCRIPTOR.file is pb.FILE


def test_forward_backward_request_field_numbers_follow_the_spec() -> None:
    """Hand-numbered request bytes parse into the expected fields."""
    tensor = ld(1, b"\x05" + b"\x00" * 7) + vi(3, 2) + packed(4, [1])
    csr = ld(2, ld(1, b"\x00\x00\x80?") + ld(2, bytes(16)) + ld(3, bytes(8))) + vi(3, 1)
    datum = (
        ld(1, ld(1, ld(1, b"\x01\x00\x00\x00")))
        + ld(1, ld(2, ld(1, b"img") + s(2, "png") + vi(3, 7) + ld(4, vi(1, 3) + vi(2, 4))))
        + ld(1, ld(3, ld(1, b"dm")))
        + ld(2, s(1, "target_tokens") + ld(2, tensor))
        + ld(2, s(1, "mask") + ld(2, csr + packed(4, [1, 1])))
        + ld(3, ld(1, s(1, "p") + vi(2, 1) + vi(3, 2)))
        + ld(4, ld(2, s(1, "q") + vi(2, 3) + vi(3, 4)))
    )
    body = (
        s(1, "m")
        + vi(2, 9)
        + ld(3, datum)
        + s(4, "ppo")
        + ld(5, s(1, "a") + f64(2, 0.5))
        + vi(6, 1)
        + ld(7, s(1, "a") + ld(2, f64(1, 0.5)))
        + ld(7, s(1, "b") + ld(2, s(2, "t")))
    )
    msg = pb.ForwardBackwardRequest.FromString(body)
    assert (msg.model_id, msg.seq_id, msg.loss_fn, msg.forward_only) == ("m", 9, "ppo", True)
    assert dict(msg.loss_fn_config) == {"a": 0.5}
    assert msg.loss_fn_config_v2["a"].number == 0.5
    assert msg.loss_fn_config_v2["b"].text == "t"
    d = msg.data[0]
    assert d.model_input[0].encoded_text.tokens == b"\x01\x00\x00\x00"
    image = d.model_input[1].image
    assert (image.data, image.format, image.expected_tokens) == (b"img", "png", 7)
    assert (image.override_dimensions.width, image.override_dimensions.height) == (3, 4)
    assert d.model_input[2].dmel.dmel == b"dm"
    target = d.loss_fn_inputs["target_tokens"]
    assert (target.dtype, list(target.shape)) == (pb.DTYPE_INT64, [1])
    assert target.dense == b"\x05" + b"\x00" * 7
    mask = d.loss_fn_inputs["mask"]
    assert mask.sparse_csr.values == b"\x00\x00\x80?"
    assert (len(mask.sparse_csr.crow_indices), len(mask.sparse_csr.col_indices)) == (16, 8)
    prompt = d.model_input_spans[0].prompt_tokens
    assert (prompt.sequence_id, prompt.offset, prompt.length) == ("p", 1, 2)
    sampled = d.loss_fn_input_spans[0].sampled_tokens
    assert (sampled.sequence_id, sampled.offset, sampled.length) == ("q", 3, 4)


def test_output_and_sample_field_numbers_follow_the_spec() -> None:
    """Hand-numbered ForwardBackwardOutput and SampleResponse bytes parse as the spec says."""
    batched = ld(1, b"abcd") + ld(2, bytes(16)) + vi(3, 4) + packed(4, [2])
    output = pb.ForwardBackwardOutput.FromString(
        s(1, "x:ArrayRecord")
        + ld(2, s(1, "tag") + ld(2, s(1, "logprobs") + ld(2, batched)) + vi(3, 1))
        + ld(3, s(1, "loss:sum") + f64(2, 1.5))
    )
    record = output.loss_fn_outputs[0]
    field = record.fields["logprobs"]
    assert (output.loss_fn_output_type, record.type_tag, record.num_datums) == (
        "x:ArrayRecord",
        "tag",
        1,
    )
    assert (field.data, field.dtype, list(field.trailing_shape)) == (
        b"abcd",
        pb.DTYPE_BFLOAT16,
        [2],
    )
    assert dict(output.metrics) == {"loss:sum": 1.5}
    topk = ld(1, bytes(4)) + ld(2, bytes(4)) + vi(3, 1) + vi(4, 1)
    alt = ld(1, ld(1, bytes(4)) + vi(3, 3)) + ld(2, ld(1, bytes(4)) + vi(3, 1))
    sample = pb.SampleResponse.FromString(
        ld(1, vi(1, 1) + ld(2, b"\x07\x00\x00\x00") + ld(3, bytes(4)) + ld(4, topk))
        + ld(2, bytes(4))
        + ld(3, topk)
        + vi(4, 5)
        + ld(5, ld(1, bytes(4)) + vi(3, 1))
        + ld(6, alt)
    )
    seq = sample.sequences[0]
    assert (seq.stop_reason, seq.tokens, seq.topk_sampled_logprobs.k) == (
        pb.STOP_REASON_LENGTH,
        b"\x07\x00\x00\x00",
        1,
    )
    assert sample.prompt_cache_hit_tokens == 5
    assert sample.HasField("prompt_logprobs")
    assert sample.topk_prompt_logprobs.length == 1
    assert sample.target_prompt_logprobs.dtype == pb.DTYPE_FLOAT32
    assert sample.prompt_alt_tokens.tokens.dtype == pb.DTYPE_INT32


def test_enum_values_follow_the_spec() -> None:
    """DType and StopReason numbers are the spec's."""
    assert [
        pb.DTYPE_UNSPECIFIED,
        pb.DTYPE_FLOAT32,
        pb.DTYPE_INT64,
        pb.DTYPE_INT32,
        pb.DTYPE_BFLOAT16,
    ] == [0, 1, 2, 3, 4]
    assert [pb.STOP_REASON_STOP, pb.STOP_REASON_LENGTH] == [0, 1]


def test_spec_example_tokens_are_little_endian_int32() -> None:
    """The spec's example token bytes decode to [1, 2, 3]."""
    raw = base64.b64decode("AQAAAAIAAAADAAAA")
    assert pb.EncodedTextChunk.FromString(ld(1, raw)).tokens == b"\x01\0\0\0\x02\0\0\0\x03\0\0\0"
