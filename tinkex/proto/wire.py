"""Public face of the Tinker protobuf payloads: numpy values and pure encode/decode functions.

Used by both the client codec and the embedded server (`tinkex.local`); nothing here does I/O
or touches asyncio. Payloads: the forward_backward request, its output, the sample response
(`tests/unit/proto` checks them against the official SDK's messages).

```python
body = encode_forward_backward_request(request, compress=True)  # Content-Encoding: zstd
request = decode_forward_backward_request(body, content_encoding="zstd")
```
"""

from __future__ import annotations

from tinkex.proto.arrays import (
    DmelChunk,
    ForwardBackwardOutputArrays,
    ForwardBackwardRequestArrays,
    ImageChunk,
    LossInput,
    ModelInputChunk,
    ProtoDatum,
    ProtoDecodeError,
    SampleResponseArrays,
    SequenceArrays,
    Span,
    SparseCsrArray,
    TextChunk,
    TopkArrays,
)
from tinkex.proto.fwdbwd_output import (
    decode_forward_backward_output,
    encode_forward_backward_output,
)
from tinkex.proto.fwdbwd_request_decode import decode_forward_backward_request
from tinkex.proto.fwdbwd_request_encode import encode_forward_backward_request
from tinkex.proto.sample import decode_sample_response, encode_sample_response

__all__ = [
    "PROTOBUF_MEDIA_TYPE",
    "DmelChunk",
    "ForwardBackwardOutputArrays",
    "ForwardBackwardRequestArrays",
    "ImageChunk",
    "LossInput",
    "ModelInputChunk",
    "ProtoDatum",
    "ProtoDecodeError",
    "SampleResponseArrays",
    "SequenceArrays",
    "Span",
    "SparseCsrArray",
    "TextChunk",
    "TopkArrays",
    "decode_forward_backward_output",
    "decode_forward_backward_request",
    "decode_sample_response",
    "encode_forward_backward_output",
    "encode_forward_backward_request",
    "encode_sample_response",
]

PROTOBUF_MEDIA_TYPE = "application/x-protobuf"
"""The Content-Type / Accept value of every protobuf body."""
