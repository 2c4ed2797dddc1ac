"""tinkex logs through stdlib logging: the app's configuration decides what is shown, and how.

Events become records of the ``tinkex.<area>`` loggers with their fields as record attributes;
an application using structlog's stdlib integration renders them as JSON with its own
processors. ``TINKER_LOG`` / ``log_level=`` add one stderr handler at any level; without them
and without the app's handlers, nothing is printed (checked in a fresh interpreter, since
pytest itself installs root handlers).
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest
import structlog
from observe_fixtures import API_KEY, embedded_service

from tinkex.errors import InternalServerError, NotFoundError
from tinkex.flows.logging import (
    LEVELS,
    MASK,
    StderrHandler,
    enable_stderr_logging,
    get_logger,
    resolve_level,
)
from tinkex.local import FaultPlan

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# Every call to get_server_capabilities is refused: retried, then failed.
REFUSE_CAPABILITIES = FaultPlan(error_5xx=1.0, endpoints=("get_server_capabilities",))


@pytest.fixture
def app_json_logs() -> Iterator[io.StringIO]:
    """The application's logging: structlog's ProcessorFormatter rendering JSON, at INFO."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(),
                structlog.processors.TimeStamper(fmt="iso"),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_an_app_with_structlog_json_gets_tinkex_events_with_their_fields(
    tmp_path: Path, app_json_logs: io.StringIO
) -> None:
    """Retries and the final error arrive as JSON lines, fields intact, secrets masked."""
    async with embedded_service(tmp_path, fault_plan=REFUSE_CAPABILITIES) as service:
        with pytest.raises(InternalServerError):
            await service.get_server_capabilities()
    output = app_json_logs.getvalue()
    assert API_KEY not in output
    events = [json.loads(line) for line in output.splitlines()]
    retries = [e for e in events if e["event"] == "http.retry"]
    assert retries
    assert retries[0]["logger"] == "tinkex.http"
    assert retries[0]["level"] == "info"
    assert retries[0]["endpoint"] == "service.get_server_capabilities"
    assert retries[0]["attempt"] == 0
    assert retries[0]["reason"] == "status 503"
    assert isinstance(retries[0]["delay_s"], float)
    (error,) = [e for e in events if e["event"] == "http.error"]
    assert error["level"] == "warning"
    assert error["status"] == 503
    assert error["endpoint"] == "service.get_server_capabilities"
    assert error["error_type"] == "InternalServerError"


async def test_debug_records_carry_redacted_headers_and_point_at_the_caller(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, each attempt is a record whose header field masks the key; none holds it."""
    caplog.set_level(logging.DEBUG, logger="tinkex")
    async with embedded_service(tmp_path) as service:
        await service.get_server_capabilities()
    attempts = [r for r in caplog.records if getattr(r, "event", None) == "http.attempt"]
    assert attempts
    record = attempts[0]
    assert record.name == "tinkex.http"
    assert record.levelno == logging.DEBUG
    assert record.filename == "retrying.py"  # where the event was logged, not the adapter
    assert ("X-API-Key", MASK) in record.__dict__["headers"]
    assert record.getMessage().startswith("http.attempt endpoint=")
    assert all(API_KEY not in repr(r.__dict__) for r in caplog.records)


def test_a_field_named_like_a_record_attribute_is_renamed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``message`` (taken by LogRecord) becomes ``tinkex_message``; the record still exists."""
    caplog.set_level(logging.INFO, logger="tinkex")
    get_logger().info("session.message", message="maintenance at noon", name="x")
    (record,) = caplog.records
    assert record.name == "tinkex.session"
    assert record.__dict__["tinkex_message"] == "maintenance at noon"
    assert record.__dict__["tinkex_name"] == "x"


def test_an_exception_reaches_handlers_rendered_and_redacted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The traceback is text with secrets masked; the exception object is not passed on."""
    caplog.set_level(logging.ERROR, logger="tinkex")
    try:
        raise KeyError(f"lookup with {API_KEY} failed")
    except KeyError:
        get_logger().exception("futures.observer_failed", request_id="r-1")
    (record,) = caplog.records
    assert record.exc_info is None
    assert record.exc_text is not None
    assert "KeyError" in record.exc_text
    assert API_KEY not in record.exc_text
    assert MASK in record.__dict__["exception"]


@pytest.mark.parametrize("level", list(LEVELS))
def test_tinker_log_shows_exactly_the_levels_from_the_one_asked_for(
    level: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every level name works: the stderr handler shows that level and above, nothing below."""
    enable_stderr_logging(level)
    log = get_logger()
    for name in LEVELS:
        getattr(log, name)(f"http.{name}_event", status=1)
    shown = [line.split(" ")[1] for line in capsys.readouterr().err.splitlines()]
    expected = [name.upper() for name in LEVELS if LEVELS[name] >= LEVELS[level]]
    assert shown == expected


async def test_log_level_error_hides_the_warning_of_a_failed_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With log_level="error" a 404's ``http.error`` warning is not shown; with "warning" it is."""
    for level, shown in (("error", False), ("warning", True)):
        async with embedded_service(tmp_path / level, log_level=level) as service:
            with pytest.raises(NotFoundError):
                await service.create_rest_client().get_training_run("nope:train:0")
        err = capsys.readouterr().err
        assert ("http.error" in err) is shown, err
        assert API_KEY not in err


def test_the_stderr_handler_is_one_per_process_and_follows_the_current_stderr() -> None:
    """Asking twice keeps one handler (the new level wins); a bad level name is refused."""
    first = enable_stderr_logging("debug")
    second = enable_stderr_logging("warning")
    handlers = [h for h in logging.getLogger("tinkex").handlers if isinstance(h, StderrHandler)]
    assert handlers == [first]
    assert second is first
    assert first.level == logging.WARNING
    assert first.stream is sys.stderr
    assert resolve_level(" ERROR ") == logging.ERROR
    assert resolve_level("verbose") is None
    with pytest.raises(ValueError, match="not a log level"):
        enable_stderr_logging("verbose")


def _run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TINKER")}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**clean, "TINKER_TELEMETRY": "0", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


_FAILED_CALL = """
    import asyncio, pathlib, sys, tinkex
    async def main():
        data_dir = pathlib.Path(sys.argv[1])
        async with tinkex.ServiceClient(base_url="local", local_data_dir=data_dir) as s:
            try:
                await s.create_rest_client().get_training_run("nope:train:0")
            except tinkex.errors.NotFoundError:
                print("not found")
    sys.argv[1:] = [{data_dir!r}]
    asyncio.run(main())
"""


def test_a_library_user_without_logging_setup_sees_nothing_on_stderr(tmp_path: Path) -> None:
    """The NullHandler keeps the failed call's warning off stderr (no "last resort" output)."""
    result = _run_python(_FAILED_CALL.format(data_dir=str(tmp_path)), {})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "not found\n"
    assert result.stderr == ""


def test_the_cli_prints_only_its_own_error(tmp_path: Path) -> None:
    """A CLI call that hits a 404 prints the CLI's error lines and no library log line."""
    code = """
        import sys
        from tinkex.cli import main
        sys.exit(main(["--base-url", "local", "--local-data-dir", sys.argv[1],
                       "checkpoint", "publish", "tinker://nope:train:0/weights/x"]))
    """
    result = _run_python(
        f"import sys\nsys.argv[1:] = [{str(tmp_path)!r}]\n" + textwrap.dedent(code),
        {},
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: Resource not found",
        "  training run nope:train:0 not found",
    ]
