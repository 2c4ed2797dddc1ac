"""Run in a fresh interpreter by `test_manifest_surface.py`: the client surface of a tree.

Builds a ServiceClient over an in-memory server, makes a RestClient and calls the method
named by the argument (``get_sampler``, or its new name) with ``"sampler-1"``. Output (the
last line of stdout): JSON with the tinkex file imported, the public method names of the
four clients and the request paths the call sent.
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

BASE_URL = "http://tinker.test"


def _server() -> InMemoryTransport:
    transport = InMemoryTransport()
    session = json_response(b'{"type":"create_session","session_id":"s-1"}')
    sampler = json_response(b'{"sampler_id":"sampler-1","base_model":"tiny"}')
    transport.route("POST", r"/api/v1/client/config", lambda r: json_response(b"{}"))
    transport.route("POST", r"/api/v1/client/dynamic_config", lambda r: json_response(b"{}"))
    transport.route("POST", r"/api/v1/create_session", lambda r: session)
    transport.route("POST", r"/api/v1/sessions/s-1/finish", lambda r: json_response(b"{}"))
    transport.route(
        "GET",
        r"/api/v1/get_server_capabilities",
        lambda r: json_response(b'{"supported_models":[]}'),
    )
    transport.route("GET", r"/api/v1/samplers/sampler-1", lambda r: sampler)
    return transport


def _public(cls: type) -> list[str]:
    return sorted(n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n)))


async def main(method: str) -> dict[str, Any]:
    transport = _server()
    adapters = Adapters(
        pool=SharedTransportPool(transport),
        clock=FakeClock(),
        base_url=BASE_URL,
        threaded_heartbeat=False,
    )
    client = tinkex.ServiceClient(
        api_key="tml-probe-key", base_url=BASE_URL, telemetry=False, env={}, adapters=adapters
    )
    try:
        await client.start()
        before = len(transport.sent)
        sampler = await getattr(client.create_rest_client(), method)("sampler-1")
        paths = [r.url.removeprefix(BASE_URL) for r in transport.sent[before:]]
    finally:
        await client.close()
    return {
        "tinkex": tinkex.__file__,
        "base_model": sampler.base_model,
        "paths": paths,
        "methods": {
            cls.__name__: _public(cls)
            for cls in (
                tinkex.ServiceClient,
                tinkex.TrainingClient,
                tinkex.SamplingClient,
                tinkex.RestClient,
            )
        },
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(main(sys.argv[1]))) + "\n")
