"""The backend's JWT mode: exchanges, refusals with ``invalid_token``, expiry, revocation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from local_wire import KEY, LocalWire

from tinkex.local import BackendConfig, LocalBackend
from tinkex.local.jwt_auth import principal_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.adapters.clock import FakeClock

CHALLENGE = 'Bearer error="invalid_token"'


async def _backend(tmp_path: Path, clock: FakeClock, **config: Any) -> LocalBackend:
    settings = BackendConfig(session_ttl_s=None, poll_timeout_s=1.0, jwt_auth=True, **config)
    return LocalBackend(tmp_path, clock=clock, config=settings)


@pytest.fixture
async def jwt(tmp_path: Path, clock: FakeClock) -> AsyncIterator[LocalWire]:
    backend = await _backend(tmp_path, clock, jwt_ttl_s=600.0)
    yield LocalWire(backend)
    await backend.aclose()


async def _token(wire: LocalWire, credential: str = KEY) -> str:
    headers = {"X-API-Key": credential}
    status, reply = await wire.json("POST", "/api/v1/auth/token", {}, headers=headers)
    assert status == 200, reply
    token: str = reply["jwt"]
    return token


async def test_client_config_announces_jwt_mode(jwt: LocalWire) -> None:
    status, config = await jwt.json("POST", "/api/v1/client/config", {"sdk_version": "0.38.0"})
    assert status == 200
    assert config["pjwt_auth_enabled"] is True
    assert config["credential_default_source"] == "api_key"


async def test_every_other_request_needs_a_jwt_it_issued(jwt: LocalWire) -> None:
    path = "/api/v1/get_server_capabilities"
    for sent in (KEY, "eyJforged.eyJ9.c2ln", ""):
        status, headers, _ = await jwt.call("GET", path, headers={"X-API-Key": sent})
        assert (status, headers.get("www-authenticate")) == (401, CHALLENGE)
    token = await _token(jwt)
    assert (await jwt.call("GET", path, headers={"X-API-Key": token}))[0] == 200


async def test_tokens_expire_and_revocation_invalidates_them(
    jwt: LocalWire, clock: FakeClock
) -> None:
    path = "/api/v1/get_server_capabilities"
    token = await _token(jwt)
    clock.advance(601)
    assert (await jwt.call("GET", path, headers={"X-API-Key": token}))[0] == 401
    token = await _token(jwt)
    tokens = jwt.backend.tokens
    assert tokens is not None
    tokens.revoke_tokens()
    status, headers, _ = await jwt.call("GET", path, headers={"X-API-Key": token})
    assert (status, headers.get("www-authenticate")) == (401, CHALLENGE)
    assert tokens.issued == 2
    assert tokens.exchanged_for == [principal_of(KEY)] * 2


async def test_the_exchange_refuses_what_is_no_key_unless_a_command_supplies_it(
    tmp_path: Path, clock: FakeClock, jwt: LocalWire
) -> None:
    status, _ = await jwt.json("POST", "/api/v1/auth/token", {}, headers={"X-API-Key": "opaque-42"})
    assert status == 401
    backend = await _backend(tmp_path / "cmd", clock, credential_default_source="credential_cmd")
    wire = LocalWire(backend)
    status, config = await wire.json(
        "POST", "/api/v1/client/config", {}, headers={"X-API-Key": "opaque-42"}
    )
    assert (status, config["credential_default_source"]) == (200, "credential_cmd")
    assert await _token(wire, "opaque-42")
    await backend.aclose()


async def test_legacy_mode_has_no_token_exchange(tmp_path: Path, clock: FakeClock) -> None:
    config = BackendConfig(session_ttl_s=None, jwt_auth=True)
    backend = LocalBackend(tmp_path, clock=clock, legacy=True, config=config)
    wire = LocalWire(backend)
    assert backend.tokens is None
    assert (await wire.json("POST", "/api/v1/auth/token", {}))[0] == 404
    assert (await wire.json("GET", "/api/v1/get_server_capabilities"))[0] == 200
    await backend.aclose()
