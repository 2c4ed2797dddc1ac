"""Message classes of `tinker_public.proto`, built in a private descriptor pool.

Why not import the generated `tinker_public_pb2` at run time: generated modules register
`tinker_public.proto` in protobuf's process-wide default pool, and so does the official
`tinker` SDK with a different version of the same file; whichever loads second dies with
"duplicate file name". Building the classes here, from the serialized descriptor in
`tinker_public_descriptor.py`, keeps the two apart and also skips the generated code's
runtime-version check, so any protobuf runtime from 4.25 up works (tested on 4.25, 5.29,
6.31 and 7.36, upb and pure-Python). For type checkers the names come from the generated
`.pyi` stubs, which describe exactly these classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.internal import enum_type_wrapper

from tinkex.proto.tinker_public_descriptor import FILE_DESCRIPTOR

__all__ = [
    "DTYPE_BFLOAT16",
    "DTYPE_FLOAT32",
    "DTYPE_INT32",
    "DTYPE_INT64",
    "DTYPE_UNSPECIFIED",
    "FILE",
    "STOP_REASON_LENGTH",
    "STOP_REASON_STOP",
    "ArrayRecord",
    "BatchedTensor",
    "Chunk",
    "DType",
    "Datum",
    "DmelChunk",
    "EncodedTextChunk",
    "ForwardBackwardOutput",
    "ForwardBackwardRequest",
    "ImageChunk",
    "ImageDimensions",
    "LossConfigValue",
    "PromptAltTokens",
    "PromptProvenanceSpan",
    "ProvenanceSpan",
    "SampleResponse",
    "SampledProvenanceSpan",
    "SampledSequence",
    "SparseCsr",
    "StopReason",
    "Tensor",
    "TopkLogprobs",
]

_POOL = descriptor_pool.DescriptorPool()
FILE = _POOL.AddSerializedFile(FILE_DESCRIPTOR)
"""The `FileDescriptor` of tinker_public.proto in tinkex's private pool."""

if TYPE_CHECKING:
    from tinkex.proto.tinker_public_pb2 import (
        DTYPE_BFLOAT16,
        DTYPE_FLOAT32,
        DTYPE_INT32,
        DTYPE_INT64,
        DTYPE_UNSPECIFIED,
        STOP_REASON_LENGTH,
        STOP_REASON_STOP,
        ArrayRecord,
        BatchedTensor,
        Chunk,
        Datum,
        DmelChunk,
        DType,
        EncodedTextChunk,
        ForwardBackwardOutput,
        ForwardBackwardRequest,
        ImageChunk,
        ImageDimensions,
        LossConfigValue,
        PromptAltTokens,
        PromptProvenanceSpan,
        ProvenanceSpan,
        SampledProvenanceSpan,
        SampledSequence,
        SampleResponse,
        SparseCsr,
        StopReason,
        Tensor,
        TopkLogprobs,
    )
else:

    def _message(name: str) -> type:
        return message_factory.GetMessageClass(FILE.message_types_by_name[name])

    SparseCsr = _message("SparseCsr")
    Tensor = _message("Tensor")
    ForwardBackwardRequest = _message("ForwardBackwardRequest")
    LossConfigValue = _message("LossConfigValue")
    Datum = _message("Datum")
    Chunk = _message("Chunk")
    EncodedTextChunk = _message("EncodedTextChunk")
    ImageChunk = _message("ImageChunk")
    ImageDimensions = _message("ImageDimensions")
    DmelChunk = _message("DmelChunk")
    ProvenanceSpan = _message("ProvenanceSpan")
    PromptProvenanceSpan = _message("PromptProvenanceSpan")
    SampledProvenanceSpan = _message("SampledProvenanceSpan")
    ForwardBackwardOutput = _message("ForwardBackwardOutput")
    ArrayRecord = _message("ArrayRecord")
    BatchedTensor = _message("BatchedTensor")
    SampleResponse = _message("SampleResponse")
    SampledSequence = _message("SampledSequence")
    TopkLogprobs = _message("TopkLogprobs")
    PromptAltTokens = _message("PromptAltTokens")

    DType = enum_type_wrapper.EnumTypeWrapper(FILE.enum_types_by_name["DType"])
    StopReason = enum_type_wrapper.EnumTypeWrapper(FILE.enum_types_by_name["StopReason"])
    DTYPE_UNSPECIFIED = DType.Value("DTYPE_UNSPECIFIED")
    DTYPE_FLOAT32 = DType.Value("DTYPE_FLOAT32")
    DTYPE_INT64 = DType.Value("DTYPE_INT64")
    DTYPE_INT32 = DType.Value("DTYPE_INT32")
    DTYPE_BFLOAT16 = DType.Value("DTYPE_BFLOAT16")
    STOP_REASON_STOP = StopReason.Value("STOP_REASON_STOP")
    STOP_REASON_LENGTH = StopReason.Value("STOP_REASON_LENGTH")
