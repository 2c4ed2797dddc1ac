"""`WireEra`: what differs between talking to a current server and to one of the JSON era.

A server without ``/client/config`` predates the 0.38 wire. tinkex then sends what the
JSON-era SDK sends (the manifest's ``service.json_era``): its SDK version, no ``x-sdk-version``
/ ``x-sdk-method`` headers, and request bodies written by `JsonEraCodec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tinkex.domain.service_spec import (
    JSON_ERA_SDK_METHOD_HEADERS,
    JSON_ERA_SDK_VERSION,
    SDK_VERSION,
)

if TYPE_CHECKING:
    from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
    from tinkex.ports.codec import Codec

__all__ = ["CURRENT_ERA", "JSON_ERA", "WireEra"]


@dataclass(frozen=True)
class WireEra:
    """The SDK release a client presents itself as, and how it writes JSON bodies.

    Attributes:
        sdk_version: Sent as ``sdk_version`` and in the identification headers.
        sdk_method_headers: Whether ``x-sdk-version`` / ``x-sdk-method`` are sent.
        json_era: Whether request bodies are written the JSON-era way.
    """

    sdk_version: str
    sdk_method_headers: bool
    json_era: bool

    def json_codec(self, codec: MsgspecJsonCodec) -> Codec:
        """The JSON codec requests of this era are written with."""
        if not self.json_era:
            return codec
        from tinkex.adapters.json_era_codec import JsonEraCodec

        return JsonEraCodec(codec)


CURRENT_ERA = WireEra(SDK_VERSION, sdk_method_headers=True, json_era=False)
"""A server with ``/client/config`` (the 0.38 wire)."""
JSON_ERA = WireEra(
    JSON_ERA_SDK_VERSION, sdk_method_headers=JSON_ERA_SDK_METHOD_HEADERS, json_era=True
)
"""A server without it (SDK 0.16.1)."""
