"""Expiring HMAC-signed download URLs served by the backend itself (``/local/signed/...``).

A signed path is ``/local/signed/<expires>/<signature>/<kind>/<token>/<name>`` where kind is
``file`` (a file relative to the data directory) or ``archive`` (a tar of one checkpoint,
target = its tinker path), token is the target in unpadded URL-safe base64 (so no proxy or
client re-encoding can alter it) and name is a readable file name that is not checked. The
signature covers expiry, kind and target. Answers honour ``Range`` (resumed downloads) and
carry an ETag; an expired signature is ``410``, a forged one ``403``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import tarfile
from typing import TYPE_CHECKING
from urllib.parse import quote

from tinkex.local.reply import HttpError, Reply

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.local.records import CheckpointRecord
    from tinkex.local.store import CheckpointStore

__all__ = ["SIGNED_PREFIX", "UrlSigner", "build_archive", "entity_tag", "ranged_reply"]

SIGNED_PREFIX = "/local/signed/"


class UrlSigner:
    """Creates and checks signed paths.

    Args:
        secret: HMAC key.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _signature(self, expires: int, kind: str, target: str) -> str:
        message = f"{expires}/{kind}/{target}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def sign(self, kind: str, target: str, expires: int) -> str:
        """The signed path (no scheme or host) for `target`, valid until epoch `expires`."""
        token = base64.urlsafe_b64encode(target.encode()).decode().rstrip("=")
        name = target.rstrip("/").rsplit("/", 1)[-1] or kind
        signature = self._signature(expires, kind, target)
        return f"{SIGNED_PREFIX}{expires}/{signature}/{kind}/{token}/{quote(name)}"

    def verify(self, path: str, now: float) -> tuple[str, str]:
        """Check a signed path and return ``(kind, target)``.

        Raises:
            HttpError: 403 for a bad signature, 410 once expired, 404 when malformed.
        """
        parts = path[len(SIGNED_PREFIX) :].split("/")
        if len(parts) < 4 or not parts[0].isdigit():
            raise HttpError(404, "not a signed URL")
        expires, signature, kind, token = int(parts[0]), parts[1], parts[2], parts[3]
        try:
            target = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(403, "bad signature") from exc
        if not hmac.compare_digest(signature, self._signature(expires, kind, target)):
            raise HttpError(403, "bad signature")
        if now > expires:
            raise HttpError(410, "signed URL expired")
        return kind, target


def build_archive(store: CheckpointStore, record: CheckpointRecord) -> bytes:
    """A tar of one checkpoint's files (uncompressed), members named by file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for file in record.files:
            data = store.read(record, file)
            info = tarfile.TarInfo(name=file)
            info.size = len(data)
            info.mtime = int(record.created_at)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def entity_tag(data: bytes) -> str:
    """A strong ETag for `data` (a content hash, so a changed file gets a new tag)."""
    return '"' + hashlib.sha256(data).hexdigest()[:24] + '"'


def ranged_reply(data: bytes, content_type: str, request_headers: Mapping[str, str]) -> Reply:
    """Answer a GET of `data`, honouring a single ``Range: bytes=…`` (RFC 9110 §14).

    ``bytes=a-``, ``bytes=a-b`` and ``bytes=-n`` give ``206`` with ``Content-Range``; a range
    starting at or past the end gives ``416`` with ``Content-Range: bytes */<size>``. An
    ``If-Range`` that does not match the current ETag, a multi-range or malformed header
    gives the whole body (``200``), as the RFC allows.
    """
    size = len(data)
    tag = entity_tag(data)
    headers = {"content-type": content_type, "accept-ranges": "bytes", "etag": tag}
    wanted = request_headers.get("range")
    if_range = request_headers.get("if-range")
    if wanted is None or (if_range is not None and if_range != tag):
        return Reply(200, headers, data)
    bounds = _parse_range(wanted, size)
    if bounds is None:
        return Reply(200, headers, data)
    first, last = bounds
    if first >= size or first > last:
        return Reply(416, {**headers, "content-range": f"bytes */{size}"}, b"")
    last = min(last, size - 1)
    headers["content-range"] = f"bytes {first}-{last}/{size}"
    return Reply(206, headers, data[first : last + 1])


def _parse_range(text: str, size: int) -> tuple[int, int] | None:
    # Only one byte range; anything else is ignored (served whole).
    unit, _, spec = text.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    start, dash, end = spec.strip().partition("-")
    if not dash or not (start.isdigit() or end.isdigit()):
        return None
    if not start:
        length = int(end)
        return (max(0, size - length), size - 1) if length else (size, size)
    if end and not end.isdigit():
        return None
    return int(start), int(end) if end else size - 1
