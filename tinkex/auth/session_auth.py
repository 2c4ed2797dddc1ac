"""`SessionAuth`: which credential each request of one client carries, in either auth mode.

API-key mode (the default, and every JSON-era server): every request sends ``X-API-Key`` with
the configured key; a key that is itself a JWT is checked for expiry before each request.
When ``TINKER_CREDENTIAL_CMD`` is the only source, `prepare` runs it once, before the first
request, and its output is the key.

JWT mode (the server's config says ``pjwt_auth_enabled``): `enable_jwt` sets up the token
exchange, which authenticates with the API key, or with a fresh run of the credential command
when the server says ``credential_default_source: credential_cmd`` (or when the command is the
only source); every other request sends the exchanged JWT (`JwtTokens`) and is replayed once
when the server rejects the token (`JwtReplayPool`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex import api
from tinkex.auth.command import run_credential_command
from tinkex.auth.jwt import PASSPORT_ISSUER_PREFIX, is_jwt, jwt_claims, jwt_expiry
from tinkex.auth.replay import JwtReplayPool
from tinkex.auth.tokens import JwtTokens
from tinkex.config import Secret
from tinkex.domain.headers import current_sdk_method
from tinkex.domain.service_spec import API_KEY_HEADER, CREDENTIAL_CMD_ENV
from tinkex.domain.types import AuthTokenRequest
from tinkex.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from structlog.typing import FilteringBoundLogger

    from tinkex.config import TinkexConfig
    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.pool import ConnectionPool

    AuthProvider = Callable[[], Awaitable[Sequence[tuple[str, str]]]]

__all__ = ["CREDENTIAL_CMD_SOURCE", "LOCAL_PLACEHOLDER_KEY", "SessionAuth", "token_exchange"]

LOCAL_PLACEHOLDER_KEY = "tml-local-embedded-backend"
"""Sent to the embedded backend when no API key is configured (it accepts any tml- key)."""
CREDENTIAL_CMD_SOURCE = "credential_cmd"
"""``credential_default_source`` value that makes the exchange use the credential command."""
_KEY_HEADER = API_KEY_HEADER.lower()


class SessionAuth:
    """The credential headers of one client stack.

    Args:
        config: The resolved configuration (key, credential command, other credentials).
        clock: Wall time for JWT expiry.
        logger: Receives JWT refresh warnings.
    """

    def __init__(self, config: TinkexConfig, *, clock: Clock, logger: FilteringBoundLogger) -> None:
        self._config = config
        self._clock = clock
        self._logger = logger
        self._key = config.api_key
        self._key_from_command = config.api_key is None and config.credential_cmd is not None
        self._tokens: JwtTokens | None = None
        self._exchange_from_command = False

    def __repr__(self) -> str:
        return f"SessionAuth(jwt={self._tokens is not None})"

    @property
    def tokens(self) -> JwtTokens | None:
        """The JWTs in JWT mode, else None."""
        return self._tokens

    async def prepare(self) -> None:
        """Run the credential command when it is the only source (once, before any request).

        Raises:
            ConfigError: The command failed (see `tinkex.auth.command`).
        """
        if self._key_from_command and self._key is None:
            self._key = Secret(await self._run_command())

    def headers(self) -> list[tuple[str, str]]:
        """Credential headers to send now: the JWT in JWT mode (the last one), else the key."""
        headers = self._config.auth_headers()
        key = self._key.reveal() if self._key is not None else None
        if self._tokens is not None:
            key = self._tokens.current()
        elif key is None and self._config.is_local:
            key = LOCAL_PLACEHOLDER_KEY
        headers = [(k, v) for k, v in headers if k.lower() != _KEY_HEADER]
        return headers if key is None else [(API_KEY_HEADER, key), *headers]

    def provider(self) -> AuthProvider | None:
        """Called by the pipeline before every attempt: a fresh JWT, or an expiry check."""
        if self._tokens is not None:
            tokens = self._tokens

            async def jwt_header() -> Sequence[tuple[str, str]]:
                return ((API_KEY_HEADER, await tokens.token()),)

            return jwt_header
        key = self._key
        if key is not None and is_jwt(key.reveal()):
            return self._check_static_jwt
        return None

    def thread_provider(self) -> AuthProvider | None:
        """For the heartbeat thread: the JWT the main loop keeps fresh (never exchanges)."""
        tokens = self._tokens
        if tokens is None:
            return None

        async def current() -> Sequence[tuple[str, str]]:
            token = tokens.current()
            return () if token is None else ((API_KEY_HEADER, token),)

        return current

    def wrap_pool(self, pool: ConnectionPool) -> ConnectionPool:
        """In JWT mode, a pool that replays ``invalid_token`` rejections once."""
        return pool if self._tokens is None else JwtReplayPool(pool, self._tokens)

    def enable_jwt(
        self, credential_default_source: str, exchange_invoker: Callable[[], Invoker]
    ) -> None:
        """Switch to JWT mode.

        Args:
            credential_default_source: The server's ``credential_default_source``.
            exchange_invoker: Builds the exchange's own pipeline (with `exchange_headers` and
                `exchange_provider`, on the raw pool).

        Raises:
            ConfigError: The server wants the credential command and none is set.
        """
        key = self._key.reveal() if self._key is not None else None
        wants_command = credential_default_source == CREDENTIAL_CMD_SOURCE
        # A JWT given as the key is already a dynamic credential: exchanged as it is.
        self._exchange_from_command = self._key_from_command or (
            wants_command and not (key is not None and is_jwt(key))
        )
        if self._exchange_from_command and self._config.credential_cmd is None:
            raise ConfigError(
                "The server requires dynamic credentials: set "
                f"{CREDENTIAL_CMD_ENV} to a command that prints one"
            )
        exchange = token_exchange(exchange_invoker())
        self._tokens = JwtTokens(exchange, clock=self._clock, logger=self._logger)

    def exchange_provider(self) -> AuthProvider | None:
        """For the exchange: a fresh run of the credential command per attempt, if it is used."""
        return self._command_credential if self._exchange_from_command else None

    def exchange_headers(self) -> list[tuple[str, str]]:
        """The static headers of the token exchange (the key, unless the command supplies it)."""
        headers = [(k, v) for k, v in self._config.auth_headers() if k.lower() != _KEY_HEADER]
        if self._exchange_from_command:
            return headers  # the provider adds a fresh credential to every attempt
        key = self._key.reveal() if self._key is not None else None
        if key is None and self._config.is_local:
            key = LOCAL_PLACEHOLDER_KEY
        return headers if key is None else [(API_KEY_HEADER, key), *headers]

    async def identity_jwt(self) -> str | None:
        """A JWT naming the caller: the session's in JWT mode, or a passport-issued key."""
        if self._tokens is not None:
            return await self._tokens.token()
        key = self._key.reveal() if self._key is not None else None
        if key is not None and is_jwt(key):
            try:
                issuer = str(jwt_claims(key).get("iss", ""))
            except ConfigError:
                return None
            if issuer.startswith(PASSPORT_ISSUER_PREFIX):
                return key
        return None

    async def aclose(self) -> None:
        """Stop refreshing the JWT."""
        if self._tokens is not None:
            await self._tokens.aclose()

    async def _run_command(self) -> str:
        command = self._config.credential_cmd
        if command is None:  # guarded by the callers; kept for the type checker
            raise ConfigError(f"{CREDENTIAL_CMD_ENV} is not set")
        credential = await run_credential_command(command.reveal())
        if is_jwt(credential) and jwt_expiry(credential) <= self._clock.time():
            raise ConfigError(f"{CREDENTIAL_CMD_ENV} printed an expired JWT")
        return credential

    async def _command_credential(self) -> Sequence[tuple[str, str]]:
        return ((API_KEY_HEADER, await self._run_command()),)

    async def _check_static_jwt(self) -> Sequence[tuple[str, str]]:
        key = self._key
        if key is not None and jwt_expiry(key.reveal()) <= self._clock.time():
            raise ConfigError(
                "The api_key JWT has expired. Pass a fresh one, or remove it and set "
                f"{CREDENTIAL_CMD_ENV} to a command that prints one."
            )
        return ()


def token_exchange(invoker: Invoker) -> Callable[[], Awaitable[str]]:
    """One ``POST /api/v1/auth/token`` through `invoker` (the exchange's own pipeline)."""

    async def exchange() -> str:
        # Background traffic, whichever call happened to need a token first.
        token = current_sdk_method.set(None)
        try:
            return (await api.auth.token(invoker, AuthTokenRequest())).jwt
        finally:
            current_sdk_method.reset(token)

    return exchange
