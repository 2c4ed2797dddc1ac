"""An Invoker that starts its ServiceClient before the first call (for the REST client)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.clients.service import ServiceClient
    from tinkex.ports.endpoint import EndpointSpec, QueryValue

__all__ = ["StartingInvoker"]

T = TypeVar("T")


class StartingInvoker:
    """An Invoker that starts its ServiceClient (once) before the first call."""

    def __init__(self, service: ServiceClient) -> None:
        """Wrap `service`; its runtime's invoker does the work."""
        self._service = service

    def __repr__(self) -> str:
        return f"<StartingInvoker of {self._service!r}>"

    async def identity_jwt(self) -> str | None:
        """Start the service if needed; the JWT naming the caller, if any (``whoami``)."""
        await self._service.start()
        return await self._service.runtime.auth.identity_jwt()

    async def invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        /,
        *,
        response_type: type[T],
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Start the service if needed, then run the call through its pipeline."""
        await self._service.start()
        return await self._service.runtime.invoker.invoke(
            endpoint,
            body,
            response_type=response_type,
            path_params=path_params,
            query=query,
            headers=headers,
        )
