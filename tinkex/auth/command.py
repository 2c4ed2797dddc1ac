"""``TINKER_CREDENTIAL_CMD``: a command that prints a credential, run without a shell.

The command line is split like a POSIX shell would (`shlex.split`) and executed directly, so
nothing in it is interpreted by a shell (no pipes, expansions or command substitution): a
value that reaches the variable cannot run anything but the program it names. Its standard
output, stripped, is the credential; it is remembered as a secret at once.

The output is taken as it is (an API key, a JWT, or whatever credential the server's token
exchange accepts). Failures (no such program, a non-zero exit, no output, a timeout, output
that is not one token) raise `ConfigError` naming the variable and what went wrong, never the output
itself and never the command line (either may hold a secret).
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import subprocess

from tinkex.domain.service_spec import CREDENTIAL_CMD_ENV
from tinkex.errors import ConfigError
from tinkex.redaction import remember_secret

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "parse_command",
    "run_credential_command",
    "run_credential_command_sync",
]

DEFAULT_TIMEOUT_S = 30.0
"""How long the command may run before it is killed and the credential refused."""
_MAX_OUTPUT_BYTES = 64 * 1024


def parse_command(command: str) -> list[str]:
    """Split the command line into the program and its arguments.

    Raises:
        ConfigError: Empty, or not splittable (an unbalanced quote).
    """
    try:
        argv = shlex.split(command)
    except ValueError:
        raise ConfigError(
            f"{CREDENTIAL_CMD_ENV} is not a valid command line (unbalanced quotes?)"
        ) from None
    if not argv:
        raise ConfigError(f"{CREDENTIAL_CMD_ENV} is set but empty")
    return argv


async def run_credential_command(command: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """Run the command on the event loop (a subprocess, no shell) and return its credential.

    Raises:
        ConfigError: See the module docstring.
    """
    argv = parse_command(command)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError as exc:
        raise ConfigError(f"{CREDENTIAL_CMD_ENV} could not be started: {exc.strerror}") from None
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise _timed_out(timeout_s) from None
    return _credential(stdout, process.returncode)


def run_credential_command_sync(command: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """`run_credential_command` for code without an event loop (the CLI)."""
    argv = parse_command(command)
    try:
        done = subprocess.run(  # no shell: argv runs as given, on purpose
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _timed_out(timeout_s) from None
    except OSError as exc:
        raise ConfigError(f"{CREDENTIAL_CMD_ENV} could not be started: {exc.strerror}") from None
    return _credential(done.stdout, done.returncode)


def _timed_out(timeout_s: float) -> ConfigError:
    return ConfigError(f"{CREDENTIAL_CMD_ENV} did not finish within {timeout_s:g} s")


def _credential(stdout: bytes, returncode: int | None) -> str:
    if returncode != 0:
        raise ConfigError(f"{CREDENTIAL_CMD_ENV} failed (exit status {returncode})")
    if len(stdout) > _MAX_OUTPUT_BYTES:
        raise ConfigError(f"{CREDENTIAL_CMD_ENV} printed more than {_MAX_OUTPUT_BYTES} bytes")
    try:
        credential = stdout.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"{CREDENTIAL_CMD_ENV} printed something that is not UTF-8") from None
    if not credential:
        raise ConfigError(f"{CREDENTIAL_CMD_ENV} printed an empty credential")
    remember_secret(credential)
    if not credential.isprintable() or any(ch.isspace() for ch in credential):
        raise ConfigError(
            f"{CREDENTIAL_CMD_ENV} must print one credential; its output has whitespace or "
            "control characters inside"
        )
    return credential
