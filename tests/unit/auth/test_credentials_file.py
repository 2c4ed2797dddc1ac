"""~/.tinker/credentials.json: the official format, owner-only, written atomically."""

from __future__ import annotations

import json
import os
import stat
from typing import TYPE_CHECKING

import pytest

from tinkex.auth.store import CredentialsFile, StoredKey, credentials_path
from tinkex.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

DETAILS = {"org_details": {"name": "Acme"}, "user_details": {"email": "a@acme.test"}}


def test_the_path_follows_the_home_directory_of_the_environment(tmp_path: Path) -> None:
    assert credentials_path({"HOME": str(tmp_path)}) == tmp_path / ".tinker" / "credentials.json"
    assert credentials_path({"USERPROFILE": str(tmp_path)}) == (
        tmp_path / ".tinker" / "credentials.json"
    )
    assert credentials_path({}) is None


def test_storing_writes_the_official_format_owner_only(tmp_path: Path) -> None:
    store = CredentialsFile(tmp_path / "nested" / ".tinker" / "credentials.json")
    store.store_default(StoredKey(key_id="17", key="tml-abc", name="laptop", details=DETAILS))
    assert json.loads(store.path.read_text()) == {
        "version": 1,
        "default": "17",
        "keys": {"17": {"type": "manual", "key": "tml-abc", "name": "laptop", "details": DETAILS}},
    }
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert os.listdir(store.path.parent) == ["credentials.json"]  # no temporary left behind


def test_a_file_the_official_cli_wrote_is_read_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    other = {"type": "generated", "key": "tml-old", "name": "cli-old", "details": DETAILS}
    written = {
        "version": 1,
        "default": "9",
        "keys": {"9": {"type": "manual", "key": "tml-nine", "name": "n", "note": "hi"}, "3": other},
    }
    path.write_text(json.dumps(written, indent=2))
    store = CredentialsFile(path)
    assert store.default_key() == StoredKey(key_id="9", key="tml-nine", name="n", note="hi")
    store.store_default(StoredKey(key_id="10", key="tml-ten", name="t"))
    kept = json.loads(path.read_text())
    assert kept["keys"]["3"] == other
    assert kept["keys"]["9"]["note"] == "hi"
    assert kept["default"] == "10"


def test_removing_the_default_deletes_its_record_only(tmp_path: Path) -> None:
    store = CredentialsFile(tmp_path / "credentials.json")
    store.store_default(StoredKey(key_id="1", key="tml-one", name="one"))
    store.store_default(StoredKey(key_id="2", key="tml-two", name="two", type="generated"))
    removed = store.remove_default()
    assert removed is not None
    assert (removed.key_id, removed.type) == ("2", "generated")
    assert json.loads(store.path.read_text())["keys"].keys() == {"1"}
    assert store.default_key() is None
    assert store.remove_default() is None


def test_a_failed_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CredentialsFile(tmp_path / "credentials.json")
    store.store_default(StoredKey(key_id="1", key="tml-one", name="one"))
    before = store.path.read_bytes()

    def broken(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="No space"):
        store.store_default(StoredKey(key_id="2", key="tml-two", name="two"))
    assert store.path.read_bytes() == before
    assert os.listdir(tmp_path) == ["credentials.json"]


@pytest.mark.parametrize(
    "content", ["not json tml-secret-1", '{"version": 2, "keys": {}}', '["tml-secret-2"]']
)
def test_anything_else_is_refused_naming_the_file_not_its_content(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "credentials.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as bad:
        CredentialsFile(path).default_key()
    assert str(path) in str(bad.value)
    assert "tml-secret" not in str(bad.value)
