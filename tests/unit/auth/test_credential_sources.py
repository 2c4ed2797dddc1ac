"""Where the credential comes from: the official order, the stored file, secrets kept secret."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import pytest

from tinkex.auth.store import CredentialsFile, StoredKey
from tinkex.config import load_config
from tinkex.errors import ConfigError
from tinkex.redaction import redact_text

if TYPE_CHECKING:
    from pathlib import Path

URL = "http://tinker.test"


def _home_with_key(tmp_path: Path, key: str = "tml-stored-key-1") -> dict[str, str]:
    CredentialsFile(tmp_path / ".tinker" / "credentials.json").store_default(
        StoredKey(key_id="k1", key=key, name="laptop")
    )
    return {"HOME": str(tmp_path), "TINKER_BASE_URL": URL}


def test_the_argument_wins_over_every_other_source(tmp_path: Path) -> None:
    env = _home_with_key(tmp_path) | {
        "TINKER_API_KEY": "tml-env-key-1",
        "TINKER_CREDENTIAL_CMD": "never-run",
    }
    config = load_config(api_key="tml-arg-key-1", env=env)
    assert config.api_key is not None
    assert config.api_key.reveal() == "tml-arg-key-1"
    assert config.credential_source == "api_key"


def test_the_environment_key_comes_before_the_command_and_the_file(tmp_path: Path) -> None:
    env = _home_with_key(tmp_path) | {
        "TINKER_API_KEY": "tml-env-key-1",
        "TINKER_CREDENTIAL_CMD": "never-run",
    }
    config = load_config(env=env)
    assert config.api_key is not None
    assert config.api_key.reveal() == "tml-env-key-1"
    assert config.credential_source == "TINKER_API_KEY"
    # The command is kept: JWT mode may ask for it (credential_default_source).
    assert config.credential_cmd is not None
    assert config.credential_cmd.reveal() == "never-run"


def test_the_command_comes_before_the_stored_key_and_is_not_run_yet(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    command = f"{sys.executable} -c \"open({str(marker)!r}, 'w')\""
    config = load_config(env=_home_with_key(tmp_path) | {"TINKER_CREDENTIAL_CMD": command})
    assert config.api_key is None
    assert config.credential_source == "TINKER_CREDENTIAL_CMD"
    assert not marker.exists()  # run when the client starts, on its event loop


def test_the_stored_default_key_is_the_last_source(tmp_path: Path) -> None:
    config = load_config(env=_home_with_key(tmp_path))
    assert config.api_key is not None
    assert config.api_key.reveal() == "tml-stored-key-1"
    assert config.credential_source == str(tmp_path / ".tinker" / "credentials.json")


def test_a_bad_key_falls_back_to_the_command_as_the_official_sdk_does() -> None:
    config = load_config(
        api_key="not-a-key", env={"TINKER_CREDENTIAL_CMD": "print-one", "TINKER_BASE_URL": URL}
    )
    assert (config.api_key, config.credential_source) == (None, "TINKER_CREDENTIAL_CMD")
    with pytest.raises(ConfigError, match="must start with the 'tml-' prefix"):
        load_config(api_key="not-a-key", env={"TINKER_BASE_URL": URL})


def test_nothing_anywhere_names_every_source_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        load_config(env={"HOME": str(tmp_path), "TINKER_BASE_URL": URL})
    message = str(missing.value)
    assert "TINKER_API_KEY" in message
    assert "tinkex auth login" in message


def test_the_embedded_backend_consults_neither_command_nor_file(tmp_path: Path) -> None:
    env = _home_with_key(tmp_path) | {"TINKER_CREDENTIAL_CMD": "x", "TINKER_BASE_URL": "local"}
    config = load_config(env=env)
    assert (config.api_key, config.credential_cmd, config.credential_source) == (None, None, None)


def test_a_corrupt_credentials_file_is_named_never_quoted(tmp_path: Path) -> None:
    path = tmp_path / ".tinker" / "credentials.json"
    path.parent.mkdir()
    path.write_text('{"version": 1, "keys": "tml-leaked-secret-999"')
    with pytest.raises(ConfigError) as bad:
        load_config(env={"HOME": str(tmp_path), "TINKER_BASE_URL": URL})
    assert str(path) in str(bad.value)
    assert "tml-leaked" not in str(bad.value)


def test_a_malformed_stored_key_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / ".tinker" / "credentials.json"
    path.parent.mkdir()
    record = {"type": "manual", "key": "sk-wrong-vendor-key", "name": "x"}
    path.write_text(json.dumps({"version": 1, "default": "a", "keys": {"a": record}}))
    with pytest.raises(ConfigError) as bad:
        load_config(env={"HOME": str(tmp_path), "TINKER_BASE_URL": URL})
    assert f"key stored in {path}" in str(bad.value)
    assert "sk-wrong-vendor-key" not in str(bad.value)


def test_every_value_read_is_a_secret_masked_in_text_and_reprs(tmp_path: Path) -> None:
    stored = "tml-stored-secret-abc"
    command = "vault read -field=key secret/tinker-token-42"
    config = load_config(env=_home_with_key(tmp_path, stored) | {"TINKER_CREDENTIAL_CMD": command})
    assert command not in repr(config)
    assert redact_text(f"running {command}") == "running ***"
    config = load_config(env=_home_with_key(tmp_path, stored))
    assert stored not in repr(config)
    assert redact_text(f"key={stored}") == "key=***"


def test_an_unsplittable_command_is_refused_without_quoting_it() -> None:
    with pytest.raises(ConfigError, match="not a valid command line") as bad:
        load_config(env={"TINKER_CREDENTIAL_CMD": "get-token 'tml-half", "TINKER_BASE_URL": URL})
    assert "tml-half" not in str(bad.value)
