"""The clients' door to the composition root, without depending on it.

Clients are written against `tinkex.ports.client.ClientContext`; the stack that implements it
is built by `tinkex.bootstrap.compose.compose`. `ServiceClient` and a rebuilt sampling client
must still build one, so they call `compose_client` here, which imports the composition root
only when called: the dependency runs bootstrap → clients, never the other way. The two
adapters a client needs without a stack (the real clock, the JSON codec) come from here too,
typed as their ports, so nothing under `tinkex/clients/` imports an adapter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tinkex.errors import ConfigError

if TYPE_CHECKING:
    from tinkex.bootstrap.adapters import Adapters as Adapters
    from tinkex.ports.clock import Clock
    from tinkex.ports.codec import Codec
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["compose_client", "json_codec", "split_telemetry", "system_clock"]


def system_clock() -> Clock:
    """The real clock: the default of a client made without a stack (the adapter's choice)."""
    from tinkex.adapters.clock import SystemClock

    return SystemClock()


def json_codec() -> Codec:
    """The JSON codec of the wire (for what a client encodes outside a pipeline)."""
    from tinkex.adapters.msgspec_codec import MsgspecJsonCodec

    return MsgspecJsonCodec()


if TYPE_CHECKING:
    # The same signature as the composition root's, checked against ClientContext by mypy
    # wherever a client stores the result.
    from tinkex.bootstrap.compose import compose as compose_client
else:

    def compose_client(config: Any, **overrides: Any) -> Any:
        """Build a (not yet started) client stack; see `tinkex.bootstrap.compose.compose`."""
        from tinkex.bootstrap.compose import compose

        return compose(config, **overrides)


def split_telemetry(
    telemetry: bool | TelemetrySink | None,
) -> tuple[bool | None, TelemetrySink | None]:
    """Split the client's ``telemetry=`` into the config switch and a user's sink.

    A sink turns telemetry on and receives the events; a bool (or None: the environment
    decides) switches the upload to the service.
    """
    if telemetry is None or isinstance(telemetry, bool):
        return telemetry, None
    if not callable(getattr(telemetry, "emit", None)):
        raise ConfigError(
            "telemetry must be a bool or a TelemetrySink (emit, flush, aclose), "
            f"got {type(telemetry).__name__}"
        )
    return True, telemetry
