"""The Tinker protobuf wire format: schema, generated artifacts and numpy-level codecs.

Use `tinkex.proto.wire` for the encode/decode functions and their value types.

Files:

* `tinker_public.proto`: our schema of the service's protobuf payloads (the forward_backward
  request and output, the sample response). Field numbers are the service's; never renumber.
* `tinker_public_pb2.py` / `.pyi`: protoc output, checked in. The `.pyi` types the message
  classes; the `.py` is not imported at run time (see `messages.py`).
* `tinker_public_descriptor.py`: the serialized `FileDescriptorProto`, checked in.
* `messages.py`: builds the message classes from that descriptor in a private descriptor pool,
  so tinkex coexists with the official `tinker` SDK in one process and runs on any protobuf
  runtime from 4.25 up.

Regenerate after editing the schema, from the repository root. Use grpcio-tools 1.62 (protoc
25.1) so that the pb2 module carries no runtime-version check (newer grpcio-tools stamp it with
`ValidateProtobufRuntimeVersion` of their own protobuf release)::

    python -m venv /tmp/gt && /tmp/gt/bin/pip install 'grpcio-tools==1.62.3'
    /tmp/gt/bin/python tinkex/proto/generate.py

which is `python -m grpc_tools.protoc -I tinkex/proto --python_out=tinkex/proto
--pyi_out=tinkex/proto tinkex/proto/tinker_public.proto` plus the descriptor module.
`tests/unit/proto/test_proto_schema.py` fails when a checked-in artifact drifts from the schema.
"""

__all__: list[str] = []
