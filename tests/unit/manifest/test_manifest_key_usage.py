"""Every key of `tinker.yaml` is read by the generator or by a running client.

The shipped manifest is loaded, then read under `KeyReads` while the generator renders every
module and while a ServiceClient is built from it, started against an in-memory server, used
for a call and closed. The opt-in feature blocks (off, or attached to no endpoint, as shipped) are
exercised the same way through a copy with every block enabled and attached to one endpoint.
A key written in the yaml that none of this reads fails the test, and so does a schema field
that is never read anywhere (one that is only ever left at its default).
"""

from __future__ import annotations

import asyncio
import fnmatch
from typing import TYPE_CHECKING

import msgspec
import pytest
from manifest_key_reads import KeyPath, KeyReads, written_keys

import tinkex
from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport, json_response
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.errors import ManifestError
from tinkex.manifest.generator import generate
from tinkex.manifest.loader import default_manifest_path, load_manifest
from tinkex.manifest.yaml_source import read_yaml

if TYPE_CHECKING:
    from tinkex.manifest.schema import Manifest

# Keys written in tinker.yaml that nothing reads *yet*, as patterns over dotted key paths.
# The test fails when an entry matches no unread key: once a key is read, delete its entry.
NOT_YET_CONSUMED_KEYS: frozenset[str] = frozenset(
    {
        # A Backoff's fields are read only when a retry actually waits, which a clean run
        # never does: tests/unit/pipeline/test_manifest_retry_fields.py edits each block's
        # backoff in a manifest copy and sees the waits change.
        "features.*.backoff.*",
        "features.sampling_backpressure.backoff_*.*",
    }
)

# Schema fields that no manifest object ever has read, though tinker.yaml leaves them at their
# default: `Class.field` patterns. Same rule: delete an entry once the field is read.
NOT_YET_CONSUMED_FIELDS: frozenset[str] = frozenset()

# Read by the loader itself, not by generated or run-time code: a manifest of another schema
# version is rejected (see `test_the_loader_rejects_another_schema_version`).
CHECKED_BY_THE_LOADER: frozenset[str] = frozenset({"schema_version"})


def _shipped_keys() -> set[KeyPath]:
    text = default_manifest_path().read_text(encoding="utf-8")
    data, _ = read_yaml(text, source="tinker.yaml")
    return written_keys(data)


def _server() -> InMemoryTransport:
    transport = InMemoryTransport()
    transport.route("POST", r"/api/v1/client/config", lambda r: json_response(b"{}"))
    transport.route("POST", r"/api/v1/client/dynamic_config", lambda r: json_response(b"{}"))
    transport.route(
        "POST",
        r"/api/v1/create_session",
        lambda r: json_response(b'{"type":"create_session","session_id":"s-1"}'),
    )
    transport.route("POST", r"/api/v1/sessions/s-1/finish", lambda r: json_response(b"{}"))
    transport.route(
        "GET",
        r"/api/v1/get_server_capabilities",
        lambda r: json_response(b'{"supported_models":[]}'),
    )
    transport.route("POST", r"/api/v1/telemetry", lambda r: json_response(b'{"status":"ok"}'))
    return transport


async def _run_a_client(manifest: Manifest) -> None:
    """Build a ServiceClient from `manifest` (telemetry on), make one call and close it."""
    adapters = Adapters(
        pool=SharedTransportPool(_server()),
        clock=FakeClock(),
        base_url="http://tinker.test",
        threaded_heartbeat=False,
    )
    client = tinkex.ServiceClient(
        api_key="tml-test-key",
        base_url="http://tinker.test",
        telemetry=True,
        manifest=manifest,
        adapters=adapters,
        env={},
    )
    capabilities = await client.get_server_capabilities()
    assert capabilities.supported_models == []
    await client.close()


def _every_block_enabled_and_attached(manifest: Manifest) -> Manifest:
    """A copy whose feature blocks are all on and all listed by `service.healthz`."""
    features = {
        name: msgspec.structs.replace(block, enabled=True)
        for name, block in manifest.features.items()
    }
    endpoints = dict(manifest.endpoints)
    endpoints["service.healthz"] = msgspec.structs.replace(
        endpoints["service.healthz"], features=list(features)
    )
    return msgspec.structs.replace(manifest, features=features, endpoints=endpoints)


async def _record_reads() -> KeyReads:
    reads = KeyReads()
    shipped = load_manifest()
    with reads.recording(shipped):
        generate(shipped)
        await _run_a_client(shipped)
    opted_in = _every_block_enabled_and_attached(load_manifest())
    with reads.recording(opted_in):
        await _run_a_client(opted_in)
    return reads


def _dotted(key: KeyPath) -> str:
    return ".".join(key)


def _listed(name: str, patterns: frozenset[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


@pytest.fixture(scope="module")
def reads() -> KeyReads:
    """What generation and a running client read of the shipped manifest (and opted-in copy)."""
    return asyncio.run(_record_reads())


def _unread_keys(reads: KeyReads) -> list[str]:
    return sorted(_dotted(key) for key in _shipped_keys() if reads.field_for(key) not in reads.read)


def _unread_fields(reads: KeyReads) -> list[str]:
    """`Class.field` names never read on any object and never written in tinker.yaml."""
    written = {
        reads.field_of[key[:end]]
        for key in _shipped_keys()
        for end in range(1, len(key) + 1)
        if key[:end] in reads.fields
    }
    read = {reads.field_of[path] for path in reads.read}
    return sorted(set(reads.field_of.values()) - read - written)


def test_every_key_written_in_the_manifest_is_read(reads: KeyReads) -> None:
    """Generation or a running client reads each key of tinker.yaml, unless it is listed."""
    unexplained = [
        key
        for key in _unread_keys(reads)
        if not _listed(key, NOT_YET_CONSUMED_KEYS | CHECKED_BY_THE_LOADER)
    ]
    assert unexplained == [], "keys of tinker.yaml that nothing reads: wire or delete them"


def test_every_schema_field_is_read_somewhere(reads: KeyReads) -> None:
    """A field tinker.yaml leaves at its default is still read (else its default is moot)."""
    unexplained = [f for f in _unread_fields(reads) if not _listed(f, NOT_YET_CONSUMED_FIELDS)]
    assert unexplained == [], "schema fields that nothing reads: wire or delete them"


def test_the_not_yet_consumed_lists_are_current(reads: KeyReads) -> None:
    """Each listed entry still names something unread; a consumed one must leave the list."""
    unread_keys, unread_fields = _unread_keys(reads), _unread_fields(reads)
    stale = [
        pattern
        for pattern in sorted(NOT_YET_CONSUMED_KEYS | CHECKED_BY_THE_LOADER)
        if not any(fnmatch.fnmatchcase(key, pattern) for key in unread_keys)
    ]
    stale += [
        pattern
        for pattern in sorted(NOT_YET_CONSUMED_FIELDS)
        if not any(fnmatch.fnmatchcase(field, pattern) for field in unread_fields)
    ]
    assert stale == [], "now read (or gone): remove these from the not-yet-consumed lists"


def test_the_loader_rejects_another_schema_version() -> None:
    """`schema_version` matters: the loader accepts only the version this code understands."""
    text = default_manifest_path().read_text(encoding="utf-8")
    assert "\nschema_version: 1\n" in text
    with pytest.raises(ManifestError, match="schema_version"):
        load_manifest(text.replace("\nschema_version: 1\n", "\nschema_version: 2\n"))


def test_the_recorder_notes_exactly_the_reads_made_while_recording() -> None:
    """The recorder can fail: an unread key shows up as unread, and reads outside count not."""
    manifest = load_manifest()
    reads = KeyReads()
    assert manifest.errors.server_error == "InternalServerError"  # before: not noted
    with reads.recording(manifest):
        assert manifest.errors.default == "APIStatusError"
        assert manifest.service.auth.header == "X-API-Key"
    assert manifest.errors.status[404] == "NotFoundError"  # after: not noted
    assert reads.read == {
        ("errors",),
        ("errors", "default"),
        ("service",),
        ("service", "auth"),
        ("service", "auth", "header"),
    }
    assert reads.field_for(("errors", "status", "404")) == ("errors", "status")
    assert reads.field_for(("errors", "status", "404")) not in reads.read
