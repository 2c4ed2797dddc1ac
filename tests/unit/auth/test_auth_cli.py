"""``tinkex auth login | logout | status`` against the embedded backend on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import stat
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tinkex.cli import main
from tinkex.local import BackendConfig, LocalBackend
from tinkex.local.app import serve
from tinkex.local.jwt_auth import principal_of

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

KEY = "tml-cli-login-key-1"


@dataclass
class Served:
    """A backend serving HTTP, and its URL."""

    backend: LocalBackend
    url: str


@contextlib.contextmanager
def served(data_dir: Path, config: BackendConfig | None = None) -> Iterator[Served]:
    """The backend over HTTP on its own thread (the CLI runs its own event loop)."""
    backend = LocalBackend(data_dir, config=config)
    ready = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        async def go() -> None:
            holder["loop"] = asyncio.get_running_loop()
            holder["task"] = asyncio.current_task()

            def on_ready(url: str) -> None:
                holder["url"] = url
                ready.set()

            with contextlib.suppress(asyncio.CancelledError):
                await serve(backend, "127.0.0.1", 0, on_ready=on_ready)

        asyncio.run(go())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield Served(backend, holder["url"])
    finally:
        holder["loop"].call_soon_threadsafe(holder["task"].cancel)
        thread.join(10)


def cli(home: Path, url: str, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = {"HOME": str(home), "TINKER_TELEMETRY": "0"}
    stdin_stream = io.StringIO(stdin)
    code = main(["--base-url", url, *argv], env=env, stdout=out, stderr=err, stdin=stdin_stream)
    return code, out.getvalue(), err.getvalue()


def test_login_stores_the_checked_key_and_status_uses_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with served(tmp_path / "data") as server:
        url = server.url
        code, out, err = cli(home, url, "auth", "login", stdin=KEY + "\n")
        assert code == 0, err
        assert "keys?new_key=true" in err
        path = home / ".tinker" / "credentials.json"
        stored = json.loads(path.read_text())
        assert stored == {
            "version": 1,
            "default": "0",
            "keys": {"0": {"type": "manual", "key": KEY, "name": "local"}},
        }
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        code, out, err = cli(home, url, "-f", "json", "auth", "status")
        assert code == 0, err
        status = json.loads(out)
        assert status["credential"] == "tml-***"
        assert status["source"] == str(path)
        assert status["accessible"] is True
        code, _, err = cli(home, url, "auth", "login", stdin=KEY + "\n")
        assert (code, "already logged in" in err) == (1, True)
    for run in (out, err):
        assert KEY not in run


def test_logout_forgets_the_key_and_then_nothing_authenticates(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with served(tmp_path / "data") as server:
        url = server.url
        assert cli(home, url, "auth", "login", stdin=KEY)[0] == 0
        code, out, _ = cli(home, url, "auth", "logout")
        assert code == 0
        assert "still active" in out
        code, _, err = cli(home, url, "auth", "status")
        assert code == 1
        assert "tinkex auth login" in err
        assert cli(home, url, "auth", "logout")[0] == 1


def test_a_refused_key_is_not_stored(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with served(tmp_path / "data", BackendConfig(jwt_auth=True)) as server:
        assert server.backend.tokens is not None
        server.backend.tokens.revoke_credential(KEY)
        code, out, err = cli(home, server.url, "auth", "login", stdin=KEY)
    assert code == 1
    assert "Authentication failed" in err
    assert not (home / ".tinker" / "credentials.json").exists()
    assert KEY not in out + err


def test_status_in_jwt_mode_names_the_caller(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with served(tmp_path / "data", BackendConfig(jwt_auth=True)) as server:
        url = server.url
        assert cli(home, url, "auth", "login", stdin=KEY)[0] == 0
        code, out, err = cli(home, url, "-f", "json", "auth", "status")
    assert code == 0, err
    assert json.loads(out)["whoami"]["user_urn"] == principal_of(KEY)


def test_on_a_terminal_the_key_is_read_without_echo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def hidden(prompt: str, stream: object = None) -> str:
        prompts.append(prompt)
        return KEY

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("getpass.getpass", hidden)
    home = tmp_path / "home"
    with served(tmp_path / "data") as server:
        out, err = io.StringIO(), io.StringIO()
        code = main(
            ["--base-url", server.url, "auth", "login"],
            env={"HOME": str(home), "TINKER_TELEMETRY": "0"},
            stdout=out,
            stderr=err,
            stdin=Terminal(""),
        )
    assert code == 0, err.getvalue()
    assert prompts == ["API key (input hidden): "]
    assert KEY not in out.getvalue() + err.getvalue()


@pytest.mark.parametrize("typed", ["", "sk-other-vendor", "tml-a b"])
def test_a_malformed_key_is_refused_before_anything_is_sent(tmp_path: Path, typed: str) -> None:
    code, _, err = cli(tmp_path, "http://127.0.0.1:9", "auth", "login", stdin=typed)
    assert code == 1
    assert "API key" in err
