"""Version numbers: the package's own, and the Tinker wire version it speaks."""

from tinkex.domain.service_spec import SDK_VERSION

__all__ = ["WIRE_SDK_VERSION", "__version__"]

__version__ = "0.1.0"
"""The tinkex package version."""

WIRE_SDK_VERSION = SDK_VERSION
"""The official Tinker SDK version whose wire format tinkex speaks (manifest ``service``).

Sent as ``sdk_version`` in session and config requests, as ``x-sdk-version`` and in the
``User-Agent``, because servers use it to decide which wire features a client understands.
"""
