"""Expiring HMAC-signed download URLs served by the backend itself (``/local/signed/...``).

A signed path is ``/local/signed/<expires>/<signature>/<kind>/<token>/<name>`` where kind is
``file`` (a file relative to the data directory) or ``archive`` (a tar of one checkpoint,
target = its tinker path), token is the target in unpadded URL-safe base64 (so no proxy or
client re-encoding can alter it) and name is a readable file name that is not checked. The
signature covers expiry, kind and target.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import tarfile
from typing import TYPE_CHECKING
from urllib.parse import quote

from tinkex.local.reply import HttpError

if TYPE_CHECKING:
    from tinkex.local.records import CheckpointRecord
    from tinkex.local.store import CheckpointStore

__all__ = ["SIGNED_PREFIX", "UrlSigner", "build_archive"]

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
