"""A whole session at debug level, telemetry and tracing on: no captured byte holds a secret.

The client holds three planted secrets where it really would: the API key, the Cloudflare
Access secret (from the environment) and a JWT sent as ``Authorization: Bearer``. The run
trains, saves, samples, lists, downloads through signed URLs, makes a call whose error body
echoes every credential back, follows the audit log's redirect to another origin, reports an
exception to telemetry, and runs the CLI (JSON and table output). Everything that leaves the
client's hands is captured and searched:

- log output: stdlib logging (root handler at DEBUG) and structlog (the tinkex console
  logger, on the captured standard error);
- request bodies the service received (telemetry batches included) and the headers and
  bodies the other origin received;
- OpenTelemetry spans (attributes, events, status) from an in-memory exporter;
- exceptions: str, repr, vars, pickle and the formatted traceback;
- repr and vars of every client object;
- the CLI's standard output and error.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import pickle
import traceback
from typing import TYPE_CHECKING

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from secrets_servers import ECHO_RUN, Servers, scenario_servers

from tinkex.adapters.http_download import AiohttpFileFetcher
from tinkex.cli import main as cli_main
from tinkex.clients.checkpoint_download import download_checkpoint
from tinkex.clients.service import ServiceClient
from tinkex.domain.types import AdamParams, Datum, ModelInput, SamplingParams
from tinkex.errors import BadRequestError
from tinkex.telemetry import telemetry_reporter

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

API_KEY = "tml-SecretsScenarioKey7f3a9c2e51d0"
CF_ID = "cf-scenario-client.access"
CF_SECRET = "cf-scenario-secret-7f3a9c2e51d0"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiJzZWNyZXRzLXNjZW5hcmlvIiwiaWF0IjoxNzAwMDAwMDAwfQ"
    ".c2NlbmFyaW8tc2lnbmF0dXJlLTdmM2E5YzJlNTFkMA"
)
SECRETS = {"API key": API_KEY, "Cloudflare secret": CF_SECRET, "JWT": JWT}
CREDENTIAL_HEADERS = {"x-api-key", "cf-access-client-id", "cf-access-client-secret"}
TINY_MODEL = "tinkex/tiny-byte-lm"


class Captured:
    """Every piece of text the scenario produced, labelled by where it came from."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def add(self, source: str, text: str) -> None:
        self.texts.append((source, text))

    def add_error(self, source: str, error: BaseException) -> None:
        self.add(f"{source} str", str(error))
        self.add(f"{source} repr", repr(error))
        self.add(f"{source} vars", repr(vars(error)))
        self.add(f"{source} pickle", pickle.dumps(error).decode("latin-1"))
        self.add(f"{source} traceback", "".join(traceback.format_exception(error)))

    def add_object(self, source: str, obj: object) -> None:
        self.add(f"{source} repr", repr(obj))
        if hasattr(obj, "__dict__"):
            self.add(f"{source} vars", repr(vars(obj)))

    def leaks(self) -> list[str]:
        return [
            f"{name} in {source}: ...{text[max(0, text.find(secret) - 80) :][:200]}..."
            for source, text in self.texts
            for name, secret in SECRETS.items()
            if secret in text
        ]


@pytest.fixture
def stdlib_log() -> Iterator[io.StringIO]:
    """Every stdlib log record of any logger, at DEBUG, tracebacks included."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def _batch() -> list[Datum]:
    tokens = [12, 40, 77, 103, 5, 61, 90]
    return [
        Datum(
            model_input=ModelInput.from_ints(tokens[:-1]),
            loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
        )
    ]


async def _client_session(servers: Servers, tmp_path: Path, captured: Captured) -> str:
    """The library scenario; returns an external_weights path for the CLI to download."""
    provider = TracerProvider()
    spans = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    service = ServiceClient(
        base_url=servers.service_url,
        api_key=API_KEY,
        telemetry=True,
        log_level="debug",
        default_headers={"Authorization": f"Bearer {JWT}"},
        env={"CLOUDFLARE_ACCESS_CLIENT_ID": CF_ID, "CLOUDFLARE_ACCESS_CLIENT_SECRET": CF_SECRET},
        tracer=provider.get_tracer("secrets-scenario"),
    )
    fetcher = AiohttpFileFetcher(timeout_s=10.0)
    async with service:
        training = await service.create_lora_training_client(TINY_MODEL, rank=4, seed=0)
        forward = training.forward_backward(_batch(), "cross_entropy")
        await forward
        await training.optim_step(AdamParams(learning_rate=1e-2))
        await training.save_state("secrets")
        external = (await training.save_weights_external("secrets")).path
        assert external is not None
        sampler = await training.save_weights_and_get_sampling_client()
        prompt = ModelInput.from_ints([84, 104, 101, 32])
        sample = await sampler.sample(prompt, 1, SamplingParams(max_tokens=4, seed=1))
        assert len(sample.sequences[0].tokens) == 4

        rest = service.create_rest_client()
        runs = await rest.list_training_runs()
        assert training.model_id in [run.training_run_id for run in runs.training_runs]
        await rest.list_checkpoints(training.model_id)
        with pytest.raises(BadRequestError) as rejected:
            await rest.get_training_run(ECHO_RUN)
        captured.add_error("echoed 400", rejected.value)
        assert "invalid credentials" in str(rejected.value)  # the echo did reach the error
        audit = await rest.get_audit_log()
        assert [entry.event for entry in audit.entries] == ["checkpoint.published"]
        downloaded = await download_checkpoint(rest, external, tmp_path / "dl", fetcher=fetcher)
        assert downloaded.files

        reporter = await telemetry_reporter(service)
        assert reporter is not None
        wrapped = RuntimeError(f"training script gave up after: {rejected.value.body!r}")
        wrapped.__cause__ = rejected.value
        reporter.log_exception(wrapped)  # a user error: reported as a warning
        try:  # the user's own exception quoting a secret: telemetry masks it in transit
            raise RuntimeError(f"could not reach the service with key {API_KEY}")
        except RuntimeError as own:
            reporter.log_exception(own)
        reporter.log("scenario.done", {"note": f"with {CF_SECRET}"})
        captured.add_error("wrapped error", wrapped)

        for name, obj in {
            "service": service,
            "training": training,
            "sampler": sampler,
            "rest": rest,
            "future": forward,
            "fetcher": fetcher,
        }.items():
            captured.add_object(name, obj)
    await fetcher.aclose()
    finished = spans.get_finished_spans()
    assert len(finished) > 10
    captured.add("spans", "\n".join(span.to_json() for span in finished))
    return external


def _run_cli(servers: Servers, tmp_path: Path, external: str, captured: Captured) -> None:
    env = {
        "TINKER_API_KEY": API_KEY,
        "TINKER_BASE_URL": servers.service_url,
        "CLOUDFLARE_ACCESS_CLIENT_ID": CF_ID,
        "CLOUDFLARE_ACCESS_CLIENT_SECRET": CF_SECRET,
        "TINKER_LOG": "debug",
        "TINKER_TELEMETRY": "1",
    }
    commands = [
        (["-f", "json", "run", "list"], 0),
        (["run", "list"], 0),
        (["-f", "json", "checkpoint", "list"], 0),
        (["checkpoint", "download", external, "-o", str(tmp_path / "cli-dl")], 0),
        (["-f", "json", "run", "info", ECHO_RUN], 1),
        (["run", "info", ECHO_RUN], 1),
    ]
    for argv, expected in commands:
        out, err = io.StringIO(), io.StringIO()
        status = cli_main(argv, env=env, stdout=out, stderr=err)
        assert status == expected, (argv, err.getvalue())
        captured.add(f"cli {' '.join(argv)} stdout", out.getvalue())
        captured.add(f"cli {' '.join(argv)} stderr", err.getvalue())
        if argv[:2] == ["-f", "json"] and expected == 0:
            json.loads(out.getvalue())


async def test_no_secret_reaches_any_captured_byte(
    tmp_path: Path, stdlib_log: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    """Logs, telemetry, spans, errors, reprs, CLI output and the other origin stay clean."""
    captured = Captured()
    async with scenario_servers(tmp_path / "data") as servers:
        external = await _client_session(servers, tmp_path, captured)
        await asyncio.to_thread(_run_cli, servers, tmp_path, external, captured)

    console = capsys.readouterr()
    captured.add("stdout", console.out)
    captured.add("structlog and stderr", console.err)
    captured.add("stdlib logging", stdlib_log.getvalue())
    for received in servers.service:
        if received.path.startswith("/api/v1/telemetry") or received.body:
            captured.add(f"service got {received.path} body", received.body.decode("latin-1"))
    captured.add("other origin got", "\n".join(r.text() for r in servers.other))

    # The capture is real: debug logs, telemetry and the redirect all happened, and the
    # service itself (the configured origin) did receive every planted credential.
    assert "http.attempt" in console.err
    telemetry = [r for r in servers.service if r.path.startswith("/api/v1/telemetry")]
    assert telemetry
    events = b"".join(r.body for r in telemetry)
    for event in (b"UNHANDLED_EXCEPTION", b"user_error", b"scenario.done", b"Traceback"):
        assert event in events
    assert [r.path for r in servers.other] == ["/signed/audit?signature=abc123"]
    audit = next(r for r in servers.service if r.path.startswith("/api/v1/audit"))
    assert audit.headers["x-api-key"] == API_KEY
    assert audit.headers["cf-access-client-secret"] == CF_SECRET
    assert audit.headers["authorization"] == f"Bearer {JWT}"
    assert CREDENTIAL_HEADERS.isdisjoint(servers.other[0].headers)
    assert "authorization" not in servers.other[0].headers
    signed = [r for r in servers.service if "/signed/" in r.path]
    assert len(signed) >= 2  # library and CLI downloads
    for request in signed:
        assert CREDENTIAL_HEADERS.isdisjoint(request.headers), request.path

    assert captured.leaks() == []
