"""`ServiceClient`, generated from the manifest on its hand-written core.

The class lives in `tinkex.clients.generated.service` (from ``clients.service`` and its
flows), on `tinkex.clients.service_core.ServiceClientCore` (construction, lifecycle, state),
and calls the domain hooks of `tinkex.clients.service_hooks`. This module is where it has
always been imported from.
"""

from tinkex.clients.generated.service import ServiceClient

__all__ = ["ServiceClient"]
