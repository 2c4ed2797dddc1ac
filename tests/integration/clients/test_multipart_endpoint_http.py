"""An endpoint that declares ``body: multipart`` in the manifest sends multipart/form-data.

No Tinker endpoint needs one, so the test edits a copy of the manifest: it adds a
``files.upload`` endpoint whose request is a struct with text, list and bytes fields,
generates the code into a scratch package, and calls the generated function through a
client stack composed from that manifest, against a real aiohttp server on 127.0.0.1 that
parses the body with aiohttp's own multipart reader.
"""

from __future__ import annotations

import importlib
import sys
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import BodyPartReader, web
from aiohttp.test_utils import TestServer

from tinkex.bootstrap.compose import compose
from tinkex.config import load_config
from tinkex.errors import ManifestError, ValidationError
from tinkex.manifest.generator import generate, write
from tinkex.manifest.loader import default_manifest_path, load_manifest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path
    from types import ModuleType

    from tinkex.bootstrap.runtime import Runtime

SHIPPED = default_manifest_path().read_text(encoding="utf-8")

ENDPOINT = """\
endpoints:
  files.upload:
    doc: Upload one file with its metadata (declared by this test only).
    method: POST
    path: /api/v1/files
    body: multipart
    request: FileUploadRequest
    response: FileUploadResponse
    pool: session
    features: [retry_standard]
"""

TYPES = """\
types:
  FileUploadRequest:
    group: common
    doc: A file and what describes it.
    fields:
      name: string
      content: bytes
      tags: "list[string]"
      meta: "map[string,int]"
      note: {type: "string?", default: null}
  FileUploadResponse:
    group: common
    doc: What the server read.
    fields: {parts: int}
"""


def _with_multipart_endpoint(text: str) -> str:
    assert text.count("\nendpoints:\n") == 1
    assert text.count("\ntypes:\n") == 1
    text = text.replace("\nendpoints:\n", "\n" + ENDPOINT, 1)
    return text.replace("\ntypes:\n", "\n" + TYPES, 1)


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[tuple[ModuleType, ModuleType, str]]:
    """The edited manifest's ``files`` api and types, generated into a scratch package."""
    text = _with_multipart_endpoint(SHIPPED)
    package = f"tinkex_mp_{uuid.uuid4().hex[:8]}"
    write(generate(load_manifest(text), package=package), tmp_path)
    for folder in (tmp_path / package, tmp_path / package / "domain"):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        api = importlib.import_module(f"{package}.api.files")
        types = importlib.import_module(f"{package}.domain.types.common")
        yield api, types, text
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m.split(".", 1)[0] == package]:
            del sys.modules[module]


class UploadServer:
    """Config endpoints, and an upload endpoint that parses multipart with aiohttp."""

    def __init__(self) -> None:
        self.content_types: list[str] = []
        self.parts: list[list[dict[str, Any]]] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/v1/client/config", self._empty)
        app.router.add_post("/api/v1/client/dynamic_config", self._empty)
        app.router.add_post("/api/v1/files", self._upload)
        return app

    async def _empty(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def _upload(self, request: web.Request) -> web.Response:
        self.content_types.append(request.headers["Content-Type"])
        reader = await request.multipart()
        parts: list[dict[str, Any]] = []
        while (part := await reader.next()) is not None:
            assert isinstance(part, BodyPartReader)
            parts.append(
                {
                    "name": part.name,
                    "filename": part.filename,
                    "content_type": part.headers.get("Content-Type"),
                    "data": await part.read(),
                }
            )
        self.parts.append(parts)
        return web.json_response({"parts": len(parts)})


@pytest.fixture
async def stack(
    generated: tuple[ModuleType, ModuleType, str],
) -> AsyncIterator[tuple[Runtime, UploadServer]]:
    """A started client stack (no session) composed from the edited manifest."""
    upload = UploadServer()
    server = TestServer(upload.app(), host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    config = load_config(base_url=url, api_key="tml-multipart-test", env={}, telemetry=False)
    runtime = compose(config, manifest=load_manifest(generated[2]))
    try:
        await runtime.start(create_session=False)
        yield runtime, upload
    finally:
        await runtime.aclose()
        await server.close()


async def test_a_multipart_endpoint_sends_each_field_as_a_part(
    generated: tuple[ModuleType, ModuleType, str], stack: tuple[Runtime, UploadServer]
) -> None:
    """Text, list and map fields become form fields, bytes a file part, under one boundary."""
    api, types, _ = generated
    runtime, upload = stack
    assert api.UPLOAD.request_codec == "multipart"
    content = b"\x00\x01binary\r\n--not-a-boundary\r\n"
    request = types.FileUploadRequest(
        name="weights.bin", content=content, tags=["a", "b"], meta={"step": 3}
    )
    response = await api.upload(runtime.invoker, request)
    assert response.parts == 6
    [content_type] = upload.content_types
    media_type, _, boundary = content_type.partition("; boundary=")
    assert media_type == "multipart/form-data"
    assert boundary.startswith("tinkex-")
    assert upload.parts == [
        [
            {"name": "name", "filename": None, "content_type": None, "data": b"weights.bin"},
            {"name": "tags[]", "filename": None, "content_type": None, "data": b"a"},
            {"name": "tags[]", "filename": None, "content_type": None, "data": b"b"},
            {"name": "meta[step]", "filename": None, "content_type": None, "data": b"3"},
            {"name": "note", "filename": None, "content_type": None, "data": b""},
            {
                "name": "content",
                "filename": "content",
                "content_type": "application/octet-stream",
                "data": content,
            },
        ]
    ]


async def test_every_body_gets_its_own_boundary_and_caller_headers_still_win(
    generated: tuple[ModuleType, ModuleType, str], stack: tuple[Runtime, UploadServer]
) -> None:
    """Two calls carry two boundaries (the header cache holds none); extra headers merge."""
    api, types, _ = generated
    runtime, upload = stack
    request = types.FileUploadRequest(name="n", content=b"x", tags=[], meta={})
    await api.upload(runtime.invoker, request)
    await api.upload(runtime.invoker, request, headers={"X-Trace": "t-1"})
    first, second = upload.content_types
    assert first != second
    assert all(ct.startswith("multipart/form-data; boundary=tinkex-") for ct in (first, second))
    assert [[p["name"] for p in parts] for parts in upload.parts] == [
        ["name", "note", "content"],
        ["name", "note", "content"],
    ]


async def test_a_body_that_cannot_be_a_form_is_refused_before_sending(
    generated: tuple[ModuleType, ModuleType, str], stack: tuple[Runtime, UploadServer]
) -> None:
    """A form field name that cannot be written safely is a ValidationError; nothing is sent."""
    api, _, _ = generated
    runtime, upload = stack
    with pytest.raises(ValidationError) as caught:
        await runtime.invoker.invoke(api.UPLOAD, {'bad"name': "x"}, response_type=dict)
    assert caught.value.field == "parts[0].name"
    assert upload.content_types == []


def test_a_multipart_body_needs_a_struct_request() -> None:
    """The manifest refuses ``body: multipart`` over a request type that is not a struct."""
    text = _with_multipart_endpoint(SHIPPED).replace(
        "    request: FileUploadRequest\n", "    request: ClientSessionFinishReason\n", 1
    )
    with pytest.raises(ManifestError, match="multipart body is built from a struct"):
        load_manifest(text)
