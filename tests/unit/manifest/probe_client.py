"""Run in a fresh interpreter by `regenerated_tree.probe`: use a ServiceClient, report what it did.

The client talks to an in-memory server that answers ``get_server_capabilities`` with a 404.
Argument: a JSON object, the environment the client configures itself from. Output (the last
line of stdout): JSON with the tinkex file imported, the error class the 404 raised, the
headers and body of the create_session request, and a few configuration values.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import tinkex
from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport, json_response
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.config import load_config
from tinkex.errors import APIStatusError, ConfigError
from tinkex.version import WIRE_SDK_VERSION

BASE_URL = "http://tinker.test"
JWT = "eyJprobe"


def _server() -> InMemoryTransport:
    transport = InMemoryTransport()
    session = json_response(b'{"type":"create_session","session_id":"s-1"}')
    transport.route("POST", r"/api/v1/client/config", lambda r: json_response(b"{}"))
    transport.route("POST", r"/api/v1/client/dynamic_config", lambda r: json_response(b"{}"))
    transport.route("POST", r"/api/v1/create_session", lambda r: session)
    transport.route("POST", r"/api/v1/sessions/s-1/finish", lambda r: json_response(b"{}"))
    transport.route(
        "GET",
        r"/api/v1/get_server_capabilities",
        lambda r: json_response(b'{"detail":"no such thing"}', status=404),
    )
    return transport


async def main(env: dict[str, str]) -> dict[str, Any]:
    transport = _server()
    adapters = Adapters(
        pool=SharedTransportPool(transport),
        clock=FakeClock(),
        base_url=BASE_URL,
        threaded_heartbeat=False,
    )
    client = tinkex.ServiceClient(base_url=BASE_URL, telemetry=False, env=env, adapters=adapters)
    raised = None
    try:
        await client.get_server_capabilities()
    except APIStatusError as error:
        raised = type(error).__name__
    finally:
        await client.close()
    created = next(r for r in transport.sent if r.url.endswith("/api/v1/create_session"))
    return {
        "tinkex": tinkex.__file__,
        "raised": raised,
        "create_session_headers": dict(created.headers),
        "create_session_body": json.loads(created.body or b"{}"),
        "wire_sdk_version": WIRE_SDK_VERSION,
        "default_base_url": load_config(api_key=JWT, env={}).base_url,
        "env_base_url": load_config(api_key=JWT, env=env).base_url,
        "env_tags": list(load_config(api_key=JWT, env=env).tags),
        "accepts_tml_keys": _accepts("tml-probe"),
    }


def _accepts(api_key: str) -> bool:
    try:
        load_config(api_key=api_key, env={})
    except ConfigError:
        return False
    return True


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))) + "\n")
