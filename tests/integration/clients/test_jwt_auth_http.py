"""Credentials and JWT mode end to end: tinkex against the embedded backend over 127.0.0.1.

The backend in JWT mode refuses every request without a JWT it issued, so each test passing
shows the client exchanged its credential and sent the token; the backend's issuer counts
exchanges and records whose credential each was for (`principal_of`).
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp.test_utils import TestServer

from tinkex.clients.service import ServiceClient
from tinkex.errors import AuthenticationError, ConfigError, UnsupportedByServerError
from tinkex.local import BackendConfig, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS
from tinkex.local.jwt_auth import principal_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.local.jwt_auth import TokenIssuer

KEY = "tml-jwt-user"


@contextlib.asynccontextmanager
async def served(data_dir: Path, **config: Any) -> AsyncIterator[tuple[str, LocalBackend]]:
    backend = LocalBackend(data_dir, config=BackendConfig(poll_timeout_s=2.0, **config))
    server = TestServer(make_app(backend), host="127.0.0.1")
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    try:
        yield str(server.make_url("")).rstrip("/"), backend
    finally:
        await server.close()


def _issuer(backend: LocalBackend) -> TokenIssuer:
    assert backend.tokens is not None
    return backend.tokens


def _printing(credential: str, log: Path) -> str:
    """A credential command that notes each run in `log` and prints `credential`."""
    code = f"open({str(log)!r}, 'a').write('run\\n'); print({credential!r})"
    return shlex.join([sys.executable, "-c", code])


async def test_the_key_is_exchanged_once_and_the_jwt_carries_every_call(tmp_path: Path) -> None:
    async with (
        served(tmp_path, jwt_auth=True) as (url, backend),
        ServiceClient(base_url=url, api_key=KEY, telemetry=False, env={}) as service,
    ):
        rest = service.create_rest_client()
        await asyncio.gather(*(rest.get_server_capabilities() for _ in range(5)))
        await rest.list_training_runs()
        identity = await rest.whoami()
        issuer = _issuer(backend)
        assert issuer.issued == 1
        assert issuer.exchanged_for == [principal_of(KEY)]
        assert identity.user_urn == principal_of(KEY)
        assert identity.org_urn == "tml:organization:local"


async def test_a_revoked_token_is_replaced_and_the_request_replayed_once(tmp_path: Path) -> None:
    async with (
        served(tmp_path, jwt_auth=True) as (url, backend),
        ServiceClient(base_url=url, api_key=KEY, telemetry=False, env={}) as service,
    ):
        rest = service.create_rest_client()
        training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        _issuer(backend).revoke_tokens()
        # Five concurrent requests meet the rejection; one exchange serves them all.
        await asyncio.gather(*(rest.get_training_run(training.model_id) for _ in range(5)))
        assert _issuer(backend).issued == 2
        _issuer(backend).revoke_tokens()
        await rest.list_training_runs()
        assert _issuer(backend).issued == 3


async def test_a_token_is_refreshed_before_it_expires(tmp_path: Path) -> None:
    async with (
        served(tmp_path, jwt_auth=True, jwt_ttl_s=61.5) as (url, backend),
        ServiceClient(base_url=url, api_key=KEY, telemetry=False, env={}) as service,
    ):
        rest = service.create_rest_client()
        await rest.get_server_capabilities()
        await rest.get_server_capabilities()
        assert _issuer(backend).issued == 1
        await asyncio.sleep(1.6)  # now less than a minute is left: refreshed before use
        await rest.get_server_capabilities()
        assert _issuer(backend).issued == 2


async def test_credential_cmd_source_exchanges_a_fresh_command_credential(
    tmp_path: Path,
) -> None:
    log = tmp_path / "runs.log"
    env = {"TINKER_CREDENTIAL_CMD": _printing("tml-from-the-command", log)}
    async with (
        served(tmp_path / "data", jwt_auth=True, credential_default_source="credential_cmd") as (
            url,
            backend,
        ),
        ServiceClient(base_url=url, api_key=KEY, telemetry=False, env=env) as service,
    ):
        rest = service.create_rest_client()
        await rest.get_server_capabilities()
        _issuer(backend).revoke_tokens()
        await rest.list_training_runs()  # rejected, replayed with a new exchange
        identity = await rest.whoami()
        issuer = _issuer(backend)
        # The server asked for the command: the key is not what was exchanged.
        assert issuer.exchanged_for == [principal_of("tml-from-the-command")] * 2
        assert identity.user_urn == principal_of("tml-from-the-command")
        assert log.read_text().count("run") == 2  # run afresh for every exchange


async def test_the_command_alone_supplies_the_key_of_an_api_key_server(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    env = {"TINKER_CREDENTIAL_CMD": _printing("tml-printed-key", log)}
    async with (
        served(tmp_path / "data") as (url, _),
        ServiceClient(base_url=url, telemetry=False, env=env) as service,
    ):
        rest = service.create_rest_client()
        await rest.get_server_capabilities()
        await rest.list_training_runs()
        assert log.read_text().count("run") == 1
        with pytest.raises(UnsupportedByServerError, match="pjwt_auth_enabled"):
            await rest.whoami()


async def test_a_failing_command_stops_the_start_with_a_clear_error(tmp_path: Path) -> None:
    code = "print('tml-partial-secret'); raise SystemExit(4)"
    env = {"TINKER_CREDENTIAL_CMD": shlex.join([sys.executable, "-c", code])}
    async with served(tmp_path) as (url, _):
        service = ServiceClient(base_url=url, telemetry=False, env=env)
        with pytest.raises(ConfigError, match="exit status 4") as failed:
            await service.get_server_capabilities()
        assert "partial-secret" not in str(failed.value)
        await service.close()


async def test_a_refused_credential_surfaces_as_an_authentication_error(tmp_path: Path) -> None:
    async with served(tmp_path, jwt_auth=True) as (url, backend):
        _issuer(backend).revoke_credential(KEY)
        service = ServiceClient(base_url=url, api_key=KEY, telemetry=False, env={})
        with pytest.raises(AuthenticationError):
            await service.get_server_capabilities()
        await service.close()


async def test_the_server_asking_for_a_command_that_is_not_set_is_a_config_error(
    tmp_path: Path,
) -> None:
    async with served(tmp_path, jwt_auth=True, credential_default_source="credential_cmd") as (
        url,
        _,
    ):
        service = ServiceClient(base_url=url, api_key=KEY, telemetry=False, env={})
        with pytest.raises(ConfigError, match="TINKER_CREDENTIAL_CMD"):
            await service.get_server_capabilities()
        await service.close()
