"""Reading a JWT: expiry, lifetime and the identity `whoami` reports, as the official SDK does."""

from __future__ import annotations

import pytest
from jwt_helpers import make_jwt

from tinkex.auth.jwt import is_jwt, jwt_expiry, jwt_lifetime, whoami_from_jwt
from tinkex.errors import ConfigError


def test_whoami_reads_sub_org_and_email() -> None:
    token = make_jwt(0, 10, sub="tml:user:u1", org_id="o-9", email="u@x.test")
    identity = whoami_from_jwt(token)
    assert identity.user_urn == "tml:user:u1"
    assert identity.org_urn == "tml:organization:o-9"
    assert identity.email == "u@x.test"


def test_an_empty_email_is_reported_as_none() -> None:
    assert whoami_from_jwt(make_jwt(0, 10, sub="s", org_id=1, email="")).email is None


def test_expiry_and_lifetime_come_from_the_claims() -> None:
    token = make_jwt(100, 400)
    assert is_jwt(token)
    assert jwt_expiry(token) == 400
    assert jwt_lifetime(token) == 300


@pytest.mark.parametrize("token", ["tml-not-a-jwt", "eyJa.%%%.x", make_jwt(5, 5), "eyJa.e30.x"])
def test_a_token_without_a_readable_lifetime_is_a_config_error(token: str) -> None:
    with pytest.raises(ConfigError) as bad:
        jwt_lifetime(token)
    assert token not in str(bad.value)


NAMELESS = ["eyJa.W10.x", make_jwt(0, 10, sub="s"), make_jwt(0, 1, org_id=9)]


@pytest.mark.parametrize("token", NAMELESS)
def test_a_token_naming_nobody_is_a_config_error(token: str) -> None:
    with pytest.raises(ConfigError) as bad:
        whoami_from_jwt(token)
    assert token not in str(bad.value)
