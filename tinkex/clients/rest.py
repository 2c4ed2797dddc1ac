"""`RestClient`: every Tinker REST endpoint, checked client-side, plus async pagination.

The class is generated from the manifest (`tinkex.clients.generated.rest`) on the hand-written
`tinkex.clients.rest_core.RestClientCore`; this module is where it has always been imported
from.
"""

from tinkex.clients.generated.rest import RestClient
from tinkex.clients.rest_hooks import WEIGHTS_ACCESS_TOKEN_HEADER

__all__ = ["WEIGHTS_ACCESS_TOKEN_HEADER", "RestClient"]
