"""The ServerConfigSource port: what the server says, at first contact, about talking to it.

A client stack cannot build its pipeline, future resolver or sampling limits before it knows
the server's terms: whether the server predates server-driven config (the JSON wire), which
codecs and byte budgets it wants, whether it asks for JWTs. A `ServerConfigSource` learns
them once, when the stack starts (`tinkex.flows.negotiation.ServerConfigNegotiator` asks the
server). The config types are named in annotations only: at run time this module, like every
port, imports nothing of ours but other ports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tinkex.domain.types import ClientConfigResponse, ClientDynamicConfigResponse

__all__ = ["ServerConfigSource", "ServerTerms"]


@dataclass(frozen=True, kw_only=True)
class ServerTerms:
    """The server's terms, as negotiated at first contact.

    Attributes:
        config: The server-driven client config (the defaults on a legacy server).
        dynamic: The dynamic config (the defaults when the server has none).
        legacy: The server predates server-driven config: talk the JSON-era wire.
    """

    config: ClientConfigResponse
    dynamic: ClientDynamicConfigResponse
    legacy: bool = False


class ServerConfigSource(Protocol):
    """Learn the server's terms; called once, when a client stack starts.

    Raises the tinkex errors of the exchange: `APIConnectionError` when the server never
    answered (within the first-contact budget), status errors other than the 404 that marks
    a legacy server.
    """

    async def negotiate(self) -> ServerTerms:
        """Ask the server (or wherever the terms come from) and return them."""
        ...
