"""Client configuration: `TinkexConfig`, built by `load_config` from arguments and environment.

Precedence: explicit arguments, then environment variables, then defaults.

| Variable | Field | Rule |
|---|---|---|
| ``TINKER_API_KEY`` | ``api_key`` | must start ``tml-`` or be a JWT (``eyJ...``) |
| ``TINKER_CREDENTIAL_CMD`` | ``credential_cmd`` | run without a shell when a credential is needed |
| ``TINKER_BASE_URL`` | ``base_url`` | empty = unset; trailing ``/`` dropped; http(s) or ``local`` |
| ``TINKER_PROJECT_ID`` | ``project_id`` | empty = unset |
| ``TINKER_TAGS`` | ``tags`` | split on ``,``, stripped, empties dropped, de-duplicated in order |
| ``TINKER_TELEMETRY`` | ``telemetry`` | on only for ``1``/``true``/``yes``/``on`` (default ``1``) |
| ``TINKER_LOG`` | ``log_level`` | a level name, ``debug`` to ``critical``; else unset |
| ``TINKEX_HEARTBEAT`` | ``heartbeat`` | ``thread`` or ``loop``; empty = unset |
| ``TINKER_FIRST_CONTACT_TIMEOUT`` | ``first_contact_timeout_s`` | seconds > 0; default 10 |
| ``CLOUDFLARE_ACCESS_CLIENT_ID`` / ``..._SECRET`` | ``cf_access_client_*`` | sent as headers |

The credential comes from the first source that has one, in the official SDK's order: the
``api_key`` argument, ``TINKER_API_KEY``, ``TINKER_CREDENTIAL_CMD`` (a command printing one; run
when the client starts, and for every token exchange in JWT mode), then the default key stored
in ``~/.tinker/credentials.json`` by ``tinkex auth login`` (or the official CLI). A key that
fails the prefix check falls back to the command when one is set.

``base_url == "local"`` selects the embedded in-process backend (`tinkex.local`); it accepts any
key, so the API key may then be missing (and the command and stored key are not consulted).
Credentials are held in `Secret`, whose text, repr and JSON form (through the tinkex codec) are
redacted; ``TinkexConfig`` reprs redact them too.
"""

from __future__ import annotations

import hmac
import math
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec

from tinkex.domain.service_spec import (
    API_KEY_ENV,
    API_KEY_HEADER,
    API_KEY_PREFIX,
    BASE_URL_ENV,
    CF_ACCESS_CLIENT_ID_ENV,
    CF_ACCESS_CLIENT_ID_HEADER,
    CF_ACCESS_CLIENT_SECRET_ENV,
    CF_ACCESS_CLIENT_SECRET_HEADER,
    CREDENTIAL_CMD_ENV,
    DEFAULT_BASE_URL,
    FIRST_CONTACT_TIMEOUT_S_ENV,
    HEARTBEAT_ENV,
    JWT_PREFIX,
    LOG_LEVEL_ENV,
    PROJECT_ID_ENV,
    TAGS_ENV,
    TELEMETRY_ENV,
    TELEMETRY_ENV_DEFAULT,
)
from tinkex.errors import ConfigError
from tinkex.redaction import remember_secret

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_FIRST_CONTACT_TIMEOUT_S",
    "LOCAL_BASE_URL",
    "HeartbeatMode",
    "Secret",
    "TinkexConfig",
    "load_config",
]

# The service's URL, environment variable names and credential header come from the
# manifest's `service:` section (generated into tinkex/domain/service_spec.py).
LOCAL_BASE_URL = "local"
DEFAULT_FIRST_CONTACT_TIMEOUT_S = 10.0
"""How long a base URL that never answered may keep refusing before the client gives up."""

HeartbeatMode = Literal["thread", "loop"]
"""How session heartbeats are sent: from their own thread, or on the caller's event loop."""
_HEARTBEAT_MODES: tuple[HeartbeatMode, ...] = ("thread", "loop")

_TRUTHY = frozenset({"1", "true", "yes", "on"})
_LOG_LEVELS = frozenset({"debug", "info", "warning", "error", "critical"})
# Headers whose values are credentials; given as default headers they are kept as Secrets.
_SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "cf-access-client-secret",
        "cookie",
        "proxy-authorization",
        "x-api-key",
        "x-tinker-weights-access-token",
    }
)
_TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
_MISSING_KEY = (
    "The api_key client option must be set by passing api_key to the client, by setting "
    f"the {API_KEY_ENV} environment variable, or by storing a key with `tinkex auth login` "
    "(or use base_url='local' for the embedded backend)"
)


class Secret:
    """A credential whose text form never shows the value.

    ``str()`` gives ``tml-***`` (only the public prefix of an API key survives) or ``***``;
    ``repr()`` gives ``Secret('tml-***')``. Use `reveal` where the value must be sent. The
    value is remembered by `tinkex.redaction`, so errors and logs mask it wherever it shows up.
    Equality is constant-time. Pickling keeps the value (needed to rebuild clients in worker
    processes); never log a pickle.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret wraps a str")
        self._value = value
        remember_secret(value)

    def reveal(self) -> str:
        """Return the raw value, for the one place that sends it."""
        return self._value

    def __str__(self) -> str:
        return "tml-***" if self._value.startswith("tml-") else "***"

    def __repr__(self) -> str:
        return f"Secret({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self._value,))


class TinkexConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Resolved client configuration; build it with `load_config`.

    Attributes:
        api_key: The API key or JWT, or None (allowed only with ``base_url == "local"``).
        base_url: Service root without a trailing slash, or ``"local"`` for the embedded
            backend.
        project_id: Default project for new sessions.
        tags: Session tags, de-duplicated, in order.
        telemetry: Whether SDK telemetry is sent.
        log_level: ``debug``/``info``/``warning``/``error``/``critical``, or None (quiet).
        heartbeat: ``"thread"`` or ``"loop"``, or None for the default of the connection
            (a thread for an HTTP service, the loop otherwise).
        default_headers: Extra non-secret headers sent on every request.
        secret_headers: Extra credential headers (e.g. ``Authorization``) sent on every request.
        cf_access_client_id: Cloudflare Access client id header value.
        cf_access_client_secret: Cloudflare Access client secret header value.
        first_contact_timeout_s: How long the first requests to `base_url` may go without
            any response (refused, unresolvable, silent) before the start fails with
            `APIConnectionError`; once the server has answered, its restarts are waited out.
        credential_cmd: ``TINKER_CREDENTIAL_CMD``: run for a credential when `api_key` is
            None, and for every JWT exchange when the server asks for it.
        credential_source: Where `api_key` came from (``api_key``, ``TINKER_API_KEY``, the
            credentials file's path), or ``TINKER_CREDENTIAL_CMD``; None without a credential.
    """

    api_key: Secret | None = None
    base_url: str = DEFAULT_BASE_URL
    project_id: str | None = None
    tags: tuple[str, ...] = ()
    telemetry: bool = True
    log_level: str | None = None
    heartbeat: HeartbeatMode | None = None
    default_headers: tuple[tuple[str, str], ...] = ()
    secret_headers: tuple[tuple[str, Secret], ...] = ()
    cf_access_client_id: str | None = None
    cf_access_client_secret: Secret | None = None
    first_contact_timeout_s: float = DEFAULT_FIRST_CONTACT_TIMEOUT_S
    credential_cmd: Secret | None = None
    credential_source: str | None = None

    @property
    def is_local(self) -> bool:
        """True when the embedded in-process backend is selected."""
        return self.base_url == LOCAL_BASE_URL

    def auth_headers(self) -> list[tuple[str, str]]:
        """The credential headers for every request: X-API-Key, Cloudflare Access, secrets."""
        headers: list[tuple[str, str]] = []
        if self.api_key is not None:
            headers.append((API_KEY_HEADER, self.api_key.reveal()))
        if self.cf_access_client_id is not None:
            headers.append((CF_ACCESS_CLIENT_ID_HEADER, self.cf_access_client_id))
        if self.cf_access_client_secret is not None:
            headers.append((CF_ACCESS_CLIENT_SECRET_HEADER, self.cf_access_client_secret.reveal()))
        headers.extend((name, value.reveal()) for name, value in self.secret_headers)
        return headers

    def redacted(self) -> dict[str, Any]:
        """A plain dict of the configuration with every credential redacted, for logs."""
        return {
            "api_key": None if self.api_key is None else str(self.api_key),
            "base_url": self.base_url,
            "project_id": self.project_id,
            "tags": list(self.tags),
            "telemetry": self.telemetry,
            "log_level": self.log_level,
            "heartbeat": self.heartbeat,
            "default_headers": [[name, value] for name, value in self.default_headers],
            "secret_headers": [[name, str(value)] for name, value in self.secret_headers],
            "cf_access_client_id": self.cf_access_client_id,
            "cf_access_client_secret": (
                None if self.cf_access_client_secret is None else str(self.cf_access_client_secret)
            ),
            "first_contact_timeout_s": self.first_contact_timeout_s,
            "credential_cmd": None if self.credential_cmd is None else str(self.credential_cmd),
            "credential_source": self.credential_source,
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.redacted().items())
        return f"TinkexConfig({fields})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        # msgspec's default rich repr would list raw field values; keep rich output redacted.
        return list(self.redacted().items())


def load_config(
    *,
    api_key: str | Secret | None = None,
    base_url: str | None = None,
    project_id: str | None = None,
    tags: Iterable[str] | None = None,
    telemetry: bool | None = None,
    log_level: str | None = None,
    default_headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    env: Mapping[str, str] | None = None,
    heartbeat: str | None = None,
    first_contact_timeout_s: float | None = None,
) -> TinkexConfig:
    """Resolve the configuration: arguments win over environment variables over defaults.

    Args:
        api_key: API key (``tml-...``) or JWT; default ``TINKER_API_KEY``.
        base_url: Service URL or ``"local"``; default ``TINKER_BASE_URL``, then production.
        project_id: Default project; default ``TINKER_PROJECT_ID``.
        tags: Session tags; default ``TINKER_TAGS``.
        telemetry: Send telemetry; default ``TINKER_TELEMETRY`` (on).
        log_level: Log level name; default ``TINKER_LOG``.
        default_headers: Extra headers for every request; credential-bearing names
            (``Authorization``...) are stored as secrets.
        env: The environment to read (default ``os.environ``).
        heartbeat: ``"thread"`` or ``"loop"``; default ``TINKEX_HEARTBEAT``, then None (the
            connection's default).
        first_contact_timeout_s: Seconds the first requests may go unanswered before the
            start fails; default ``TINKER_FIRST_CONTACT_TIMEOUT``, then 10.

    Returns:
        The frozen configuration.

    Raises:
        ConfigError: A value is malformed or the key is missing; messages never include
            a credential.
    """
    env = os.environ if env is None else env
    url = _resolve_base_url(base_url, env)
    key, command, source = _resolve_credential(api_key, env, local=url == LOCAL_BASE_URL)
    plain, secret = _split_headers(default_headers or ())
    cf_secret = _env(env, CF_ACCESS_CLIENT_SECRET_ENV)
    return TinkexConfig(
        api_key=key,
        base_url=url,
        project_id=project_id if project_id is not None else _env(env, PROJECT_ID_ENV),
        tags=_dedupe(tags) if tags is not None else _env_tags(env),
        telemetry=telemetry if telemetry is not None else _env_telemetry(env),
        log_level=_resolve_log_level(log_level, env),
        heartbeat=_resolve_heartbeat(heartbeat, env),
        default_headers=plain,
        secret_headers=secret,
        cf_access_client_id=_env(env, CF_ACCESS_CLIENT_ID_ENV),
        cf_access_client_secret=None if cf_secret is None else Secret(cf_secret),
        first_contact_timeout_s=_resolve_first_contact(first_contact_timeout_s, env),
        credential_cmd=command,
        credential_source=source,
    )


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value if value else None


def _resolve_base_url(base_url: str | None, env: Mapping[str, str]) -> str:
    source = "base_url"
    if base_url is None:
        base_url, source = _env(env, BASE_URL_ENV), BASE_URL_ENV
    if base_url is None:
        return DEFAULT_BASE_URL
    url = base_url.strip().rstrip("/")
    if url == LOCAL_BASE_URL:
        return url
    # A URL with user-info carries a credential: never echo it.
    shown = "" if "@" in url else f", got {url!r}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{source} must be an http(s) URL or 'local'{shown}")
    if "@" in parts.netloc:
        raise ConfigError(f"{source} must not embed credentials (user:password@)")
    if parts.query or parts.fragment:
        raise ConfigError(f"{source} must not have a query or fragment{shown}")
    return url


def _resolve_api_key(
    api_key: str | Secret | None, env: Mapping[str, str], *, local: bool, source: str = "api_key"
) -> Secret | None:
    raw = api_key.reveal() if isinstance(api_key, Secret) else api_key
    if raw is None:
        raw, source = _env(env, API_KEY_ENV), API_KEY_ENV
    if raw is None:
        if local:
            return None
        raise ConfigError(_MISSING_KEY)
    raw = raw.strip()
    if not raw.startswith((API_KEY_PREFIX, JWT_PREFIX)):
        raise ConfigError(
            f"The {source} must start with the {API_KEY_PREFIX!r} prefix "
            f"(or be a JWT starting with {JWT_PREFIX!r})"
        )
    if not raw.isprintable() or any(ch.isspace() for ch in raw):
        raise ConfigError(f"The {source} contains whitespace or control characters")
    return Secret(raw)


def _resolve_credential(
    api_key: str | Secret | None, env: Mapping[str, str], *, local: bool
) -> tuple[Secret | None, Secret | None, str | None]:
    """(key, credential command, where the credential comes from), in the official order."""
    from tinkex.auth.command import parse_command  # the auth package loads only when needed

    command = None if local else _env(env, CREDENTIAL_CMD_ENV)
    cmd = None
    if command is not None:
        cmd = Secret(command)  # a command line may embed a token: never shown
        parse_command(command)
    if api_key is not None or _env(env, API_KEY_ENV) is not None:
        try:
            key = _resolve_api_key(api_key, env, local=local)
        except ConfigError:
            if cmd is None:
                raise
            return None, cmd, CREDENTIAL_CMD_ENV  # the official fallback for a bad key
        return key, cmd, "api_key" if api_key is not None else API_KEY_ENV
    if cmd is not None:
        return None, cmd, CREDENTIAL_CMD_ENV
    if local:
        return None, None, None
    stored = _stored_key(env)
    if stored is not None:
        return stored
    raise ConfigError(_MISSING_KEY)


def _stored_key(env: Mapping[str, str]) -> tuple[Secret, None, str] | None:
    """The default key of ``~/.tinker/credentials.json`` (`tinkex auth login`), if any."""
    from tinkex.auth.store import CredentialsFile, credentials_path

    path = credentials_path(env)
    if path is None:
        return None
    stored = CredentialsFile(path).default_key()
    if stored is None:
        return None
    source = str(path)
    key = _resolve_api_key(stored.key, {}, local=False, source=f"key stored in {source}")
    assert key is not None  # a given key is checked, never dropped
    return key, None, source


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _env_tags(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get(TAGS_ENV, "")
    return _dedupe(tag for tag in (part.strip() for part in raw.split(",")) if tag)


def _env_telemetry(env: Mapping[str, str]) -> bool:
    return env.get(TELEMETRY_ENV, TELEMETRY_ENV_DEFAULT).strip().lower() in _TRUTHY


def _resolve_log_level(log_level: str | None, env: Mapping[str, str]) -> str | None:
    if log_level is not None:
        level = log_level.strip().lower()
        if level not in _LOG_LEVELS:
            raise ConfigError(f"log_level must be one of {sorted(_LOG_LEVELS)}, got {log_level!r}")
        return level
    level = env.get(LOG_LEVEL_ENV, "").strip().lower()
    return level if level in _LOG_LEVELS else None


def _resolve_heartbeat(heartbeat: str | None, env: Mapping[str, str]) -> HeartbeatMode | None:
    source = "heartbeat"
    if heartbeat is None:
        heartbeat, source = _env(env, HEARTBEAT_ENV), HEARTBEAT_ENV
    if heartbeat is None:
        return None
    for mode in _HEARTBEAT_MODES:
        if heartbeat.strip().lower() == mode:
            return mode
    raise ConfigError(f"{source} must be 'thread' or 'loop', got {heartbeat!r}")


def _resolve_first_contact(seconds: float | None, env: Mapping[str, str]) -> float:
    source = "first_contact_timeout_s"
    value: object = seconds
    if seconds is None:
        raw = _env(env, FIRST_CONTACT_TIMEOUT_S_ENV)
        if raw is None:
            return DEFAULT_FIRST_CONTACT_TIMEOUT_S
        source = FIRST_CONTACT_TIMEOUT_S_ENV
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{source} must be a number of seconds, got {raw!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{source} must be a number of seconds, got {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{source} must be positive and finite, got {value!r}")
    return float(value)


def _split_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, Secret], ...]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    plain: list[tuple[str, str]] = []
    secret: list[tuple[str, Secret]] = []
    for name, value in pairs:
        if not _TOKEN_RE.match(name):
            raise ConfigError(f"default_headers: invalid header name {name!r}")
        sensitive = name.lower() in _SENSITIVE_HEADERS
        if any(ch in value for ch in "\r\n\0"):
            shown = "" if sensitive else f" {value!r}"
            raise ConfigError(
                f"default_headers: header {name} has a line break in its value{shown}"
            )
        if sensitive:
            secret.append((name, Secret(value)))
        else:
            plain.append((name, value))
    return tuple(plain), tuple(secret)
