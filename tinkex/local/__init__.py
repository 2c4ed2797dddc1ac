"""The embedded Tinker-compatible backend: the SDK (and the official one) run fully offline.

`LocalBackend` is the transport-agnostic service; expose it over HTTP with `make_app` /
`serve` (or ``python -m tinkex.local serve``), or call it without sockets through
`InProcessTransport`. `FaultPlan` injects deterministic faults. Endpoints, status codes and
deliberate gaps are listed in ``tinkex/local/README.md``.

```python
backend = LocalBackend(Path("/tmp/tinkex-local"))
transport = InProcessTransport(backend, "http://local")
```
"""

from tinkex.local.app import make_app, serve
from tinkex.local.demo_data import demo_texts
from tinkex.local.faults import FaultPlan
from tinkex.local.inprocess import InProcessTransport
from tinkex.local.service import ConnectionDropped, LocalBackend
from tinkex.local.state import BackendConfig

__all__ = [
    "BackendConfig",
    "ConnectionDropped",
    "FaultPlan",
    "InProcessTransport",
    "LocalBackend",
    "demo_texts",
    "make_app",
    "serve",
]
