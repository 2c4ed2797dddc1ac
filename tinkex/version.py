"""Version numbers: the package's own, and the Tinker wire version it speaks."""

__all__ = ["WIRE_SDK_VERSION", "__version__"]

__version__ = "0.1.0"
"""The tinkex package version (sent in the User-Agent)."""

WIRE_SDK_VERSION = "0.38.0"
"""The official Tinker SDK version whose wire format tinkex speaks.

Sent as ``sdk_version`` in session and config requests and as ``x-sdk-version``, because
servers use it to decide which wire features a client understands.
"""
