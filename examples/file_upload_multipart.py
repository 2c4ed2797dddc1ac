"""Multipart encoding walk-through: files, bracket-key form fields, the encoded body.

Tinkex ``file_upload_multipart.exs``. No Tinker endpoint accepts uploads, so nothing is sent:
the example shows what `tinkex.multipart.encode_multipart` produces. Env: TINKER_UPLOAD_FILE
(default examples/uploads/sample_upload.bin), TINKER_UPLOAD_NOTE.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from _common import parser

from tinkex.multipart import (
    FileSpec,
    FileValue,
    encode_multipart,
    file_parts,
    serialize_form_fields,
)

DEFAULT_FILE = Path(__file__).resolve().parent / "uploads" / "sample_upload.bin"


async def main(argv: list[str] | None = None) -> int:
    parser(__doc__).parse_args(argv)
    upload = Path(os.environ.get("TINKER_UPLOAD_FILE", DEFAULT_FILE))
    fields = {
        "note": os.environ.get("TINKER_UPLOAD_NOTE", "Multipart demo from tinkex"),
        "metadata": {"source": "examples/file_upload_multipart.py", "version": 1},
        "tags": ["demo", "multipart"],
    }
    files: dict[str, FileValue] = {
        "file": upload,
        "inline": FileSpec(filename="notes.txt", content=b"hi", content_type="text/plain"),
    }

    print("form fields (bracket keys):")
    for key, value in serialize_form_fields(fields):
        print(f"  {key} = {value!r}")
    print("file parts:")
    for part in file_parts(files):
        print(
            f"  {part.name}: filename={part.filename} type={part.content_type} "
            f"{len(part.data)} bytes"
        )

    body = encode_multipart(fields, files)
    print(f"Content-Type: {body.content_type}")
    print(f"body: {len(body.body)} bytes; first lines:")
    for line in body.body.decode("utf-8", "replace").splitlines()[:8]:
        print(f"  | {line}")
    boundary = body.content_type.split("boundary=", 1)[1]
    return 0 if body.body.endswith(f"--{boundary}--\r\n".encode()) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
