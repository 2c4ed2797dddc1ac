"""TINKER_CREDENTIAL_CMD runs without a shell; every failure is a clear error that hides output."""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING

import pytest

from tinkex.auth.command import run_credential_command, run_credential_command_sync
from tinkex.errors import ConfigError
from tinkex.redaction import redact_text

if TYPE_CHECKING:
    from pathlib import Path


def _python(code: str, *args: str) -> str:
    return shlex.join([sys.executable, "-c", code, *args])


async def test_the_output_stripped_is_the_credential_and_becomes_a_secret() -> None:
    credential = await run_credential_command(_python("print('  tml-from-command-1  ')"))
    assert credential == "tml-from-command-1"
    assert redact_text("got tml-from-command-1") == "got ***"


async def test_no_shell_interprets_the_command(tmp_path: Path) -> None:
    first, second = tmp_path / "by-substitution", tmp_path / "by-separator"
    command = _python("import sys; print('|'.join(sys.argv[1:]))") + (
        f" $(touch {first}) ; touch {second} `touch {second}` && touch {second}"
    )
    printed = await run_credential_command(command)
    # Every shell metacharacter reached the program as a plain argument.
    assert printed == f"$(touch|{first})|;|touch|{second}|`touch|{second}`|&&|touch|{second}"
    assert not first.exists()
    assert not second.exists()


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("print('tml-secret-output-1'); raise SystemExit(3)", "failed (exit status 3)"),
        ("print('   ')", "empty credential"),
        ("print('tml-a tml-secret-output-2')", "whitespace or control characters"),
        ("import sys; sys.stdout.buffer.write(b'\\xff\\xfe')", "not UTF-8"),
    ],
)
async def test_failures_name_the_variable_never_the_output(code: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as failed:
        await run_credential_command(_python(code))
    message = str(failed.value)
    assert message.startswith("TINKER_CREDENTIAL_CMD")
    assert fragment in message
    assert "secret-output" not in message


async def test_a_command_that_hangs_is_killed_at_the_timeout() -> None:
    with pytest.raises(ConfigError, match=r"did not finish within 0\.3 s"):
        await run_credential_command(_python("import time; time.sleep(30)"), timeout_s=0.3)


async def test_a_missing_program_is_reported_without_the_command_line() -> None:
    with pytest.raises(ConfigError, match="could not be started") as failed:
        await run_credential_command("/nonexistent/tinker-token --key tml-arg-secret-7")
    assert "tml-arg-secret-7" not in str(failed.value)


def test_the_synchronous_variant_follows_the_same_rules() -> None:
    assert run_credential_command_sync(_python("print('tml-sync-1')")) == "tml-sync-1"
    with pytest.raises(ConfigError, match="exit status 2"):
        run_credential_command_sync(_python("raise SystemExit(2)"))
    with pytest.raises(ConfigError, match="did not finish"):
        run_credential_command_sync(_python("import time; time.sleep(30)"), timeout_s=0.3)
    with pytest.raises(ConfigError, match="set but empty"):
        run_credential_command_sync("   ")
