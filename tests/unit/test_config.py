"""load_config: precedence, every environment variable, validation, and credential redaction."""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING

import msgspec
import pytest

from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.config import DEFAULT_BASE_URL, Secret, TinkexConfig, load_config
from tinkex.domain import service_spec
from tinkex.errors import ConfigError
from tinkex.manifest import load_manifest

if TYPE_CHECKING:
    from collections.abc import Callable

KEY = "tml-Q7wSecretPart0123456789"
OTHER_KEY = "tml-OtherSecret9876543210"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlU2VjcmV0"
CF_SECRET = "cf-very-secret-4242"


def env(**values: str) -> dict[str, str]:
    """An environment holding a valid key plus the given variables."""
    return {"TINKER_API_KEY": KEY, **values}


def _all_renderings(config: TinkexConfig) -> list[str]:
    return [
        repr(config),
        str(config),
        repr(config.redacted()),
        MsgspecJsonCodec().encode(config).decode(),
        repr(msgspec.structs.asdict(config)),
        repr(config.__rich_repr__()),
    ]


def test_defaults_apply_when_nothing_is_set() -> None:
    """With only a key, every other field takes its documented default."""
    config = load_config(env=env())
    assert config.base_url == DEFAULT_BASE_URL
    assert config.project_id is None
    assert config.tags == ()
    assert config.telemetry is True
    assert config.log_level is None
    assert config.default_headers == ()
    assert config.cf_access_client_id is None
    assert config.cf_access_client_secret is None
    assert config.api_key == Secret(KEY)
    assert not config.is_local


def test_defaults_and_variable_names_are_the_manifest_service_section() -> None:
    """The default URL, the variables read and the credential header are `service:`'s."""
    service = load_manifest().service
    assert DEFAULT_BASE_URL == service.base_url.default == service_spec.DEFAULT_BASE_URL
    variables = {service.auth.env: KEY, service.base_url.env: "https://from.env"}
    variables |= {
        spec.name: "x" if spec.header is None else f"{setting}-value"
        for setting, spec in service.env.items()
        if setting not in {"telemetry", "heartbeat", "first_contact_timeout_s"}
    }
    variables[service.env["heartbeat"].name] = "loop"
    variables[service.env["first_contact_timeout_s"].name] = "2.5"
    config = load_config(env=variables)
    assert config.base_url == "https://from.env"
    assert (config.project_id, config.tags) == ("x", ("x",))
    assert config.heartbeat == "loop"
    assert config.first_contact_timeout_s == 2.5
    assert config.auth_headers() == [
        (service.auth.header, KEY),
        *[
            (spec.header, f"{setting}-value")
            for setting, spec in service.env.items()
            if spec.header is not None
        ],
    ]


def test_arguments_win_over_environment() -> None:
    """Each explicit argument overrides its environment variable."""
    config = load_config(
        api_key=OTHER_KEY,
        base_url="http://arg.example:8000/",
        project_id="proj-arg",
        tags=["x", "y", "x"],
        telemetry=False,
        log_level="WARNING",
        env=env(
            TINKER_BASE_URL="http://env.example",
            TINKER_PROJECT_ID="proj-env",
            TINKER_TAGS="a,b",
            TINKER_TELEMETRY="1",
            TINKER_LOG="debug",
        ),
    )
    assert config.api_key is not None
    assert config.api_key.reveal() == OTHER_KEY
    assert config.base_url == "http://arg.example:8000"
    assert config.project_id == "proj-arg"
    assert config.tags == ("x", "y")
    assert config.telemetry is False
    assert config.log_level == "warning"


def test_environment_fills_every_field() -> None:
    """Every documented variable reaches its field."""
    config = load_config(
        env=env(
            TINKER_BASE_URL="https://tinker.example/prefix/",
            TINKER_PROJECT_ID="proj-1",
            TINKER_TAGS="b, a,,b ,c",
            TINKER_TELEMETRY="off",
            TINKER_LOG="INFO",
            CLOUDFLARE_ACCESS_CLIENT_ID="cf-id",
            CLOUDFLARE_ACCESS_CLIENT_SECRET=CF_SECRET,
        )
    )
    assert config.base_url == "https://tinker.example/prefix"
    assert config.project_id == "proj-1"
    assert config.tags == ("b", "a", "c")
    assert config.telemetry is False
    assert config.log_level == "info"
    assert config.cf_access_client_id == "cf-id"
    assert config.cf_access_client_secret == Secret(CF_SECRET)


TELEMETRY_WORDS = [("1", True), ("true", True), ("YES", True), (" On ", True), ("0", False)]
TELEMETRY_WORDS += [("no", False), ("false", False), ("", False), ("2", False)]


@pytest.mark.parametrize(("value", "enabled"), TELEMETRY_WORDS)
def test_telemetry_is_on_only_for_truthy_words(value: str, enabled: bool) -> None:
    """TINKER_TELEMETRY enables telemetry only for 1/true/yes/on, any case."""
    assert load_config(env=env(TINKER_TELEMETRY=value)).telemetry is enabled


@pytest.mark.parametrize(
    ("value", "level"), [("debug", "debug"), ("Info", "info"), ("trace", None)]
)
def test_tinker_log_accepts_debug_and_info_only(value: str, level: str | None) -> None:
    """TINKER_LOG sets the level for debug/info and is ignored otherwise."""
    assert load_config(env=env(TINKER_LOG=value)).log_level == level


def test_unknown_log_level_argument_is_rejected() -> None:
    """An explicit log level must be a standard level name."""
    with pytest.raises(ConfigError, match="log_level"):
        load_config(log_level="loud", env=env())


def test_empty_variables_count_as_unset() -> None:
    """Empty TINKER_BASE_URL / TINKER_PROJECT_ID / TINKER_TAGS fall back to defaults."""
    config = load_config(env=env(TINKER_BASE_URL="", TINKER_PROJECT_ID="", TINKER_TAGS=""))
    assert config.base_url == DEFAULT_BASE_URL
    assert config.project_id is None
    assert config.tags == ()


def test_jwt_is_accepted_as_key() -> None:
    """A JWT (eyJ...) is a valid credential."""
    config = load_config(env={"TINKER_API_KEY": JWT})
    assert config.api_key == Secret(JWT)
    assert str(config.api_key) == "***"


@pytest.mark.parametrize(
    "bad", ["sk-abc123secretsecret", "tml_underscore_secret", "Bearer xyzsecret"]
)
def test_malformed_key_is_rejected_without_echoing_it(bad: str) -> None:
    """A key without the tml- prefix is a ConfigError that does not quote the key."""
    attempts: list[Callable[[], TinkexConfig]] = [
        lambda: load_config(api_key=bad, env={}),
        lambda: load_config(env={"TINKER_API_KEY": bad}),
    ]
    for attempt in attempts:
        with pytest.raises(ConfigError, match="tml-") as caught:
            attempt()
        assert bad not in str(caught.value)
        assert bad.split()[-1] not in str(caught.value)


def test_key_with_control_characters_is_rejected_without_echoing_it() -> None:
    """A key that would break the header line is refused, without quoting it."""
    bad = "tml-abc\x00defsecret"
    with pytest.raises(ConfigError, match="control") as caught:
        load_config(api_key=bad, env={})
    assert "defsecret" not in str(caught.value)


def test_missing_key_is_an_error_naming_the_ways_to_set_it() -> None:
    """Without a key (and not local) the error explains how to provide one."""
    with pytest.raises(ConfigError, match="TINKER_API_KEY") as caught:
        load_config(env={})
    assert "api_key" in str(caught.value)


@pytest.mark.parametrize("local", [{"base_url": "local"}, {"env": {"TINKER_BASE_URL": "local"}}])
def test_local_backend_needs_no_key(local: dict[str, object]) -> None:
    """base_url 'local' selects the embedded backend, which accepts a missing key."""
    kwargs: dict[str, object] = {"env": {}, **local}
    config = load_config(**kwargs)  # type: ignore[arg-type]
    assert config.is_local
    assert config.api_key is None
    assert config.auth_headers() == []


@pytest.mark.parametrize(
    "url",
    ["ftp://host", "not a url", "https://", "http://host/path?q=1", "http://host/#frag"],
)
def test_malformed_base_url_is_rejected(url: str) -> None:
    """base_url must be an http(s) URL without query or fragment, or 'local'."""
    with pytest.raises(ConfigError, match="base_url"):
        load_config(base_url=url, env=env())


def test_base_url_with_credentials_is_rejected_without_echoing_them() -> None:
    """User-info in the base URL is refused and never repeated in the message."""
    for url in ("https://user:hunter2pass@host", "ftp://user:hunter2pass@host"):
        with pytest.raises(ConfigError) as caught:
            load_config(env=env(TINKER_BASE_URL=url))
        assert "hunter2pass" not in str(caught.value)
        assert "TINKER_BASE_URL" in str(caught.value)


def test_auth_headers_carry_key_and_cloudflare_credentials() -> None:
    """auth_headers reveals the credentials exactly where they are sent."""
    config = load_config(
        env=env(CLOUDFLARE_ACCESS_CLIENT_ID="cf-id", CLOUDFLARE_ACCESS_CLIENT_SECRET=CF_SECRET),
        default_headers={"Authorization": "Bearer tok-secret-1", "X-Team": "research"},
    )
    assert config.auth_headers() == [
        ("X-API-Key", KEY),
        ("CF-Access-Client-Id", "cf-id"),
        ("CF-Access-Client-Secret", CF_SECRET),
        ("Authorization", "Bearer tok-secret-1"),
    ]
    assert config.default_headers == (("X-Team", "research"),)


@pytest.mark.parametrize(
    ("name", "value"), [("Bad Name", "v"), ("X-Ok", "line\r\nbreak"), ("", "v")]
)
def test_unsafe_default_headers_are_rejected(name: str, value: str) -> None:
    """Header names must be tokens and values single-line."""
    with pytest.raises(ConfigError, match="default_headers"):
        load_config(default_headers=[(name, value)], env=env())


def test_secret_header_with_line_break_is_rejected_without_echoing_it() -> None:
    """A broken credential header value is refused without being quoted."""
    with pytest.raises(ConfigError) as caught:
        load_config(default_headers={"Authorization": "Bearer sec\nret-xyz"}, env=env())
    assert "ret-xyz" not in str(caught.value)


def test_credentials_never_appear_in_any_rendering() -> None:
    """repr, str, redacted(), codec output, asdict and rich repr all hide every credential."""
    config = load_config(
        env=env(CLOUDFLARE_ACCESS_CLIENT_SECRET=CF_SECRET),
        default_headers={"Authorization": "Bearer tok-secret-1"},
    )
    secret_parts = [KEY, KEY.removeprefix("tml-"), CF_SECRET, "tok-secret-1"]
    for text in _all_renderings(config):
        for part in secret_parts:
            assert part not in text, text
    assert "tml-***" in repr(config)
    assert config.redacted()["api_key"] == "tml-***"
    assert config.redacted()["cf_access_client_secret"] == "***"


def test_plain_msgspec_refuses_to_encode_a_secret() -> None:
    """Outside the tinkex codec a Secret cannot be serialized at all (rather than leaking)."""
    config = load_config(env=env())
    with pytest.raises(TypeError):
        msgspec.json.encode(config)
    with pytest.raises(TypeError):
        msgspec.to_builtins(config)


def test_secret_text_forms_are_redacted() -> None:
    """Secret's str/repr/format show at most the tml- prefix."""
    secret = Secret(KEY)
    assert str(secret) == "tml-***"
    assert repr(secret) == "Secret('tml-***')"
    assert f"{secret}" == "tml-***"
    assert str(Secret("plain-secret")) == "***"
    assert secret.reveal() == KEY


def test_secret_compares_by_value_and_pickles() -> None:
    """Equal values compare equal, different ones do not, and pickling keeps the value."""
    assert Secret(KEY) == Secret(KEY)
    assert Secret(KEY) != Secret(OTHER_KEY)
    assert hash(Secret(KEY)) == hash(Secret(KEY))
    assert pickle.loads(pickle.dumps(Secret(KEY))).reveal() == KEY
    with pytest.raises(TypeError):
        Secret(123)  # type: ignore[arg-type]


def test_config_is_frozen_and_rejects_unknown_fields() -> None:
    """The config Struct is immutable and strict about field names."""
    config = load_config(env=env())
    with pytest.raises(AttributeError):
        config.base_url = "http://other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        TinkexConfig(unknown=1)  # type: ignore[call-arg]
