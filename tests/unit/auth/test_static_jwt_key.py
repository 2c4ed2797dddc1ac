"""A JWT passed as the key: checked for expiry before each request; a passport JWT names the
caller for ``whoami`` without JWT mode (the embedded backend, in-process)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from jwt_helpers import make_jwt

from tinkex.clients.service import ServiceClient
from tinkex.errors import ConfigError, UnsupportedByServerError

if TYPE_CHECKING:
    from pathlib import Path


def _client(tmp_path: Path, key: str) -> ServiceClient:
    return ServiceClient(
        base_url="local", local_data_dir=tmp_path, api_key=key, telemetry=False, env={}
    )


async def test_an_expired_jwt_key_fails_before_the_request(tmp_path: Path) -> None:
    now = time.time()
    service = _client(tmp_path, make_jwt(now - 600, now - 10, sub="u", org_id="o"))
    with pytest.raises(ConfigError, match="api_key JWT has expired"):
        await service.get_server_capabilities()
    await service.close()


async def test_a_passport_jwt_key_names_the_caller(tmp_path: Path) -> None:
    now = time.time()
    key = make_jwt(now, now + 600, iss="passport-x", sub="tml:user:p", org_id="o1", email="")
    async with _client(tmp_path, key) as service:
        identity = await service.create_rest_client().whoami()
    assert (identity.user_urn, identity.org_urn, identity.email) == (
        "tml:user:p",
        "tml:organization:o1",
        None,
    )


async def test_another_jwt_key_names_nobody(tmp_path: Path) -> None:
    now = time.time()
    key = make_jwt(now, now + 600, iss="someone-else", sub="u", org_id="o")
    async with _client(tmp_path, key) as service:
        with pytest.raises(UnsupportedByServerError, match="pjwt_auth_enabled"):
            await service.create_rest_client().whoami()
