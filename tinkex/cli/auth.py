"""``tinkex auth login | logout | status``: the stored credential (``~/.tinker/credentials.json``).

``login`` reads an API key without echoing it (a hidden prompt on a terminal, else one line of
standard input), checks it with the service (``GET /api/v1/auth/apikey/me``) and stores it as
the default credential, in the file and format the official ``tinker auth login`` writes.
``logout`` removes the default key (and deletes it on the server only when it was minted for
the CLI, as the official CLI does). ``status`` says where the credential comes from and
whether the service accepts it. No command ever prints a key.
"""

from __future__ import annotations

import contextlib
import getpass
import platform
from typing import TYPE_CHECKING, Any

from tinkex import api
from tinkex.auth.store import CredentialsFile, StoredKey, credentials_path
from tinkex.bootstrap.adapters import local_adapters
from tinkex.bootstrap.compose import compose
from tinkex.cli.output import Table
from tinkex.config import load_config
from tinkex.domain.paths import api_key_console_url, new_api_key_console_url
from tinkex.domain.service_spec import API_KEY_PREFIX
from tinkex.errors import ConfigError, UnsupportedByServerError, ValidationError

if TYPE_CHECKING:
    import argparse
    from collections.abc import AsyncIterator

    from tinkex.bootstrap.runtime import Runtime
    from tinkex.cli.connect import ConnectionOptions
    from tinkex.cli.context import CommandContext

__all__ = ["register"]


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``auth`` group."""
    group = groups.add_parser("auth", help="the stored credential")
    commands = group.add_subparsers(dest="command", required=True, metavar="COMMAND")
    login = commands.add_parser("login", help="check an API key and store it as the default")
    login.set_defaults(handler=auth_login)
    logout = commands.add_parser("logout", help="remove the stored default key")
    logout.set_defaults(handler=auth_logout)
    status = commands.add_parser("status", help="where the credential comes from; access")
    status.set_defaults(handler=auth_status)


def _store(options: ConnectionOptions) -> CredentialsFile:
    path = credentials_path(options.env)
    if path is None:
        raise ConfigError("no home directory (HOME) to keep ~/.tinker/credentials.json in")
    return CredentialsFile(path)


@contextlib.asynccontextmanager
async def _runtime(options: ConnectionOptions, api_key: str | None) -> AsyncIterator[Runtime]:
    """A started runtime without a session, on `api_key` (None: the configured credential)."""
    config = load_config(api_key=api_key, base_url=options.base_url, env=options.env)
    if config.is_local:
        from tinkex.local import LocalBackend

        adapters = local_adapters(LocalBackend(options.data_dir()), owns_backend=True)
    else:
        adapters = None
    runtime = compose(config, adapters=adapters)
    try:
        await runtime.start(create_session=False)
        yield runtime
    finally:
        await runtime.aclose()


def _read_key(ctx: CommandContext) -> str:
    """The key, never echoed: a hidden prompt on a terminal, else one line of stdin."""
    if ctx.stdin.isatty():
        key = getpass.getpass("API key (input hidden): ", stream=ctx.err)
    else:
        key = ctx.stdin.readline()
    key = key.strip()
    if not key:
        raise ValidationError("no API key was entered", field="API key")
    if not key.startswith(API_KEY_PREFIX) or any(ch.isspace() for ch in key):
        raise ValidationError(f"an API key starts with {API_KEY_PREFIX!r}", field="API key")
    return key


async def auth_login(ctx: CommandContext) -> int:
    """Check a key with the service and store it as the default credential."""
    store = _store(ctx.options)
    if store.default_key() is not None:
        raise ConfigError("already logged in; run 'tinkex auth logout' before logging in again")
    url = new_api_key_console_url(f"tinkex-cli-{platform.node() or 'host'}")
    ctx.err.write(f"Create an API key: {url}\n")
    key = _read_key(ctx)
    async with _runtime(ctx.options, key) as runtime:
        info = await api.auth.get_api_key(runtime.invoker)
    details = info.details if isinstance(info.details, dict) else None
    stored = StoredKey(
        key_id=str(info.key_id),
        key=key,
        name=info.name or f"key {info.key_id}",
        note=info.note,
        details=details,
    )
    store.store_default(stored)
    who = _who(details)
    ctx.out.write(
        f"Logged in{who}. Stored API key {stored.name!r} as the default credential "
        f"in {store.path}.\n"
    )
    return 0


def _who(details: dict[str, Any] | None) -> str:
    if details is None:
        return ""
    email = (details.get("user_details") or {}).get("email")
    org = (details.get("org_details") or {}).get("name")
    return f" as {email} ({org})" if email and org else ""


async def auth_logout(ctx: CommandContext) -> int:
    """Remove the default key; a CLI-minted (``generated``) key is deleted on the server too."""
    store = _store(ctx.options)
    record = store.default_key()
    if record is None:
        raise ConfigError("no default credential is stored; nothing to log out from")
    if record.type == "generated":
        async with _runtime(ctx.options, record.key) as runtime:
            await api.auth.delete_api_key(runtime.invoker)
    store.remove_default()
    if record.type == "generated":
        ctx.out.write(f"Removed credential {record.name!r} and deleted its API key.\n")
    else:
        ctx.out.write(
            f"Removed credential {record.name!r}. The API key is still active; delete it at "
            f"{api_key_console_url(record.key_id)}\n"
        )
    return 0


async def auth_status(ctx: CommandContext) -> int:
    """Where the credential comes from, the stored key, and whether the service accepts it."""
    options = ctx.options
    config = load_config(api_key=options.api_key, base_url=options.base_url, env=options.env)
    path = credentials_path(options.env)
    stored = CredentialsFile(path).default_key() if path is not None else None
    document: dict[str, Any] = {
        "credential": None if config.api_key is None else str(config.api_key),
        "source": config.credential_source,
        "stored": None if stored is None else {"key_id": stored.key_id, "name": stored.name},
        "credentials_file": None if path is None else str(path),
        "accessible": False,
        "whoami": None,
    }
    async with _runtime(options, options.api_key) as runtime:
        await api.service.get_server_capabilities(runtime.invoker)
        document["accessible"] = True
        with contextlib.suppress(UnsupportedByServerError):
            from tinkex.clients.rest import RestClient

            identity = await RestClient(_Identity(runtime)).whoami()
            document["whoami"] = {
                "user_urn": identity.user_urn,
                "org_urn": identity.org_urn,
                "email": identity.email,
            }

    def table() -> Table:
        rows = [
            ["Credential", document["credential"] or "none"],
            ["Source", document["source"] or "-"],
            ["Stored key", "-" if stored is None else f"{stored.name} (id {stored.key_id})"],
            ["Tinker accessible", "yes"],
        ]
        if document["whoami"] is not None:
            rows += [["User", document["whoami"]["user_urn"]]]
            rows += [["Organization", document["whoami"]["org_urn"]]]
        return Table(headers=["Property", "Value"], rows=rows)

    ctx.emit(document, table)
    return 0


class _Identity:
    """An invoker view of a runtime that also answers ``identity_jwt`` (for ``whoami``)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def identity_jwt(self) -> str | None:
        return await self._runtime.auth.identity_jwt()

    async def invoke(self, *args: Any, **kwargs: Any) -> Any:
        return await self._runtime.invoker.invoke(*args, **kwargs)
