"""`SamplingClient`, generated from the manifest on its hand-written core.

The class lives in `tinkex.clients.generated.sampling` (methods from ``clients.sampling``) on
`tinkex.clients.sampling_core.SamplingClientCore` (construction, the client stack, handles and
pickling) and calls the domain hooks of `tinkex.clients.sampling_hooks`; this module is where
it has always been imported from.
"""

from tinkex.clients.generated.sampling import SamplingClient
from tinkex.clients.sampling_core import create_sampling_client
from tinkex.clients.sampling_handle import CLONE_SEQ_STRIDE

__all__ = ["CLONE_SEQ_STRIDE", "SamplingClient", "create_sampling_client"]
