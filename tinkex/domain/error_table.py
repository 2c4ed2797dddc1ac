# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Which `tinkex.errors` class each HTTP status raises.

The manifest's ``errors:`` section. `tinkex.errors` imports this module, so it imports nothing and
names classes instead of holding them.
"""

__all__ = [
    "DEFAULT_ERROR",
    "SERVER_ERROR",
    "STATUS_ERRORS",
]

STATUS_ERRORS = {
    400: "BadRequestError",
    401: "AuthenticationError",
    402: "BillingError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    408: "RequestTimeoutError",
    409: "ConflictError",
    410: "GoneError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}
"""Error class name per listed status (a listed 5xx overrides SERVER_ERROR)."""
SERVER_ERROR = "InternalServerError"
"""Class name of any other 5xx."""
DEFAULT_ERROR = "APIStatusError"
"""Class name of any other status."""
