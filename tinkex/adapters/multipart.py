"""MultipartFormEncoder: RFC 7578 ``multipart/form-data`` bodies."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from tinkex.errors import ValidationError
from tinkex.ports.multipart import MultipartBody

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.ports.multipart import Part

__all__ = ["MultipartFormEncoder"]

_FORBIDDEN = ('"', "\r", "\n", "\0")
_DEFAULT_FILE_TYPE = "application/octet-stream"


def _random_boundary() -> str:
    return f"tinkex-{secrets.token_hex(16)}"


def _quoted(value: str, field: str) -> str:
    # RFC 7578 allows escaping these, but receivers disagree on how; refusing them is the only
    # encoding every server parses the same way.
    if any(ch in value for ch in _FORBIDDEN):
        raise ValidationError("must not contain quotes, CR, LF or NUL", field=field)
    return f'"{value}"'


def _check_content_type(value: str, field: str) -> str:
    if any(ch in value for ch in ("\r", "\n", "\0")) or not value.strip():
        raise ValidationError("must be a media type on one line", field=field)
    return value


class MultipartFormEncoder:
    """Encode form fields and files as ``multipart/form-data`` (RFC 7578).

    Each body gets a fresh random boundary (checked not to occur in any part). File parts
    carry a ``filename`` and a ``Content-Type`` (``application/octet-stream`` by default);
    names and filenames are UTF-8 inside double quotes.

    Args:
        boundary_factory: Returns a boundary candidate; injectable so tests are
            deterministic.
    """

    def __init__(self, boundary_factory: Callable[[], str] | None = None) -> None:
        self._new_boundary = boundary_factory or _random_boundary

    def encode(self, parts: list[Part], /) -> MultipartBody:
        """Encode the parts in order.

        Raises:
            ValidationError: A name, filename or content type cannot be written safely, or
                no boundary absent from the data could be found; ``field`` names the part
                (``parts[2].filename``).
        """
        headers = [self._part_header(index, part) for index, part in enumerate(parts)]
        boundary = self._pick_boundary(parts)
        delimiter = f"--{boundary}\r\n".encode("ascii")
        chunks: list[bytes] = []
        for header, part in zip(headers, parts, strict=True):
            chunks += (delimiter, header, part.data, b"\r\n")
        chunks.append(f"--{boundary}--\r\n".encode("ascii"))
        return MultipartBody(
            content_type=f"multipart/form-data; boundary={boundary}", body=b"".join(chunks)
        )

    def _pick_boundary(self, parts: list[Part]) -> str:
        for _ in range(8):
            boundary = self._new_boundary()
            marker = boundary.encode("ascii")
            if not any(marker in part.data for part in parts):
                return boundary
        raise ValidationError("could not find a boundary absent from the data", field="parts")

    @staticmethod
    def _part_header(index: int, part: Part) -> bytes:
        where = f"parts[{index}]"
        if not part.name:
            raise ValidationError("must not be empty", field=f"{where}.name")
        disposition = f"form-data; name={_quoted(part.name, f'{where}.name')}"
        content_type = part.content_type
        if part.filename is not None:
            disposition += f"; filename={_quoted(part.filename, f'{where}.filename')}"
            content_type = content_type or _DEFAULT_FILE_TYPE
        lines = [f"Content-Disposition: {disposition}"]
        if content_type is not None:
            lines.append(
                f"Content-Type: {_check_content_type(content_type, f'{where}.content_type')}"
            )
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
