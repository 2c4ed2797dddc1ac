"""Regenerate the protobuf artifacts from `tinker_public.proto` (a development tool).

Run from the repository root with a Python that has `grpcio-tools` (it needs nothing else from
tinkex, so a scratch virtualenv works)::

    python tinkex/proto/generate.py           # rewrite the three generated files
    python tinkex/proto/generate.py --check   # exit 1 when the descriptor module is stale

It writes `tinker_public_pb2.py` / `.pyi` (plain protoc output) and
`tinker_public_descriptor.py`, the serialized `FileDescriptorProto` that `messages.py` loads
into a private descriptor pool at import time. Only the descriptor module is used at run time.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["descriptor_module_source", "main", "serialized_descriptor"]

PROTO_DIR = Path(__file__).resolve().parent
PROTO_FILE = "tinker_public.proto"
DESCRIPTOR_MODULE = PROTO_DIR / "tinker_public_descriptor.py"
_LINE_WIDTH = 96
_PLAIN = frozenset(range(0x20, 0x7F)) - {ord('"'), ord("\\")}


def _protoc(*args: str) -> None:
    # protoc runs in a child process: grpc_tools may not be importable by the caller's mypy.
    command = [sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_DIR}", *args, PROTO_FILE]
    subprocess.run(command, check=True, cwd=PROTO_DIR)


def serialized_descriptor() -> bytes:
    """Compile the schema and return its `FileDescriptorProto`, without JSON names.

    Returns:
        The serialized descriptor (protoc's `json_name` entries dropped, as in gencode).
    """
    from google.protobuf import descriptor_pb2

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        _protoc(f"--descriptor_set_out={out}")
        file = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]

    def strip(message: descriptor_pb2.DescriptorProto) -> None:
        for field in message.field:
            field.ClearField("json_name")
        for nested in message.nested_type:
            strip(nested)

    for message in file.message_type:
        strip(message)
    return file.SerializeToString(deterministic=True)


def _literal_lines(data: bytes) -> list[str]:
    # Greedy: fill each `    b"..."` line up to the width; escapes never split across lines.
    lines: list[str] = []
    current = ""
    for byte in data:
        piece = chr(byte) if byte in _PLAIN else f"\\x{byte:02x}"
        if len(current) + len(piece) + 7 > _LINE_WIDTH:
            lines.append(f'    b"{current}"')
            current = ""
        current += piece
    if current:
        lines.append(f'    b"{current}"')
    return lines


def descriptor_module_source(serialized: bytes) -> str:
    """Render the `tinker_public_descriptor.py` module for a serialized descriptor.

    Args:
        serialized: The `FileDescriptorProto` bytes.

    Returns:
        The module source.
    """
    lines = [
        "# Generated from tinker_public.proto by tinkex/proto/generate.py; do not edit.",
        '"""The serialized `FileDescriptorProto` of tinker_public.proto."""',
        "",
        '__all__ = ["FILE_DESCRIPTOR"]',
        "",
        "FILE_DESCRIPTOR = (",
        *_literal_lines(serialized),
        ")",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Regenerate (or with `--check`, verify) the generated files.

    Args:
        argv: Command-line arguments after the program name.

    Returns:
        The exit status.
    """
    expected = descriptor_module_source(serialized_descriptor())
    if "--check" in argv:
        current = DESCRIPTOR_MODULE.read_text(encoding="utf-8")
        if current != expected:
            sys.stderr.write(f"{DESCRIPTOR_MODULE.name} is stale; run generate.py\n")
            return 1
        return 0
    _protoc(f"--python_out={PROTO_DIR}", f"--pyi_out={PROTO_DIR}")
    DESCRIPTOR_MODULE.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
