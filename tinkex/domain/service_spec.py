# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Tinker fine-tuning and sampling API: where it lives and how requests identify themselves.

The manifest's ``service:`` section (and the retry policy's idempotency key format) as constants,
for the modules that must not load the manifest: `tinkex.config`, `tinkex.version`, the request
headers and the idempotency keys.
"""

__all__ = [
    "API_KEY_ENV",
    "API_KEY_HEADER",
    "API_KEY_PREFIX",
    "BASE_URL_ENV",
    "CF_ACCESS_CLIENT_ID_ENV",
    "CF_ACCESS_CLIENT_ID_HEADER",
    "CF_ACCESS_CLIENT_SECRET_ENV",
    "CF_ACCESS_CLIENT_SECRET_HEADER",
    "CREDENTIAL_CMD_ENV",
    "DEFAULT_BASE_URL",
    "FIRST_CONTACT_TIMEOUT_S_ENV",
    "HEARTBEAT_ENV",
    "IDEMPOTENCY_HEADER",
    "IDEMPOTENCY_PREFIX",
    "JSON_ERA_REQUESTS",
    "JSON_ERA_SDK_METHOD_HEADERS",
    "JSON_ERA_SDK_VERSION",
    "JWT_PREFIX",
    "LOG_LEVEL_ENV",
    "PROJECT_ID_ENV",
    "SDK_VERSION",
    "TAGS_ENV",
    "TELEMETRY_ENV",
    "TELEMETRY_ENV_DEFAULT",
    "USER_AGENT",
]

SDK_VERSION = "0.38.0"
"""The official SDK release whose wire tinkex speaks (sent as ``sdk_version``)."""
USER_AGENT = "AsyncTinkex/Python {sdk_version}"
"""The ``User-Agent`` header, with ``{sdk_version}`` to fill in."""
DEFAULT_BASE_URL = "https://tinker.thinkingmachines.dev/services/tinker-prod"
"""The service's URL."""
BASE_URL_ENV = "TINKER_BASE_URL"
"""Overrides DEFAULT_BASE_URL."""
API_KEY_ENV = "TINKER_API_KEY"
"""Holds the API key (or a JWT)."""
API_KEY_HEADER = "X-API-Key"
"""The header the credential is sent in."""
API_KEY_PREFIX = "tml-"
"""What every API key starts with."""
JWT_PREFIX = "eyJ"
"""What a JWT given as the key starts with."""
PROJECT_ID_ENV = "TINKER_PROJECT_ID"
"""Default project for sessions and copy_weights."""
TAGS_ENV = "TINKER_TAGS"
"""Comma-separated session tags."""
TELEMETRY_ENV = "TINKER_TELEMETRY"
"""Telemetry is on only when the value is 1, true, yes or on."""
TELEMETRY_ENV_DEFAULT = "1"
"""When TELEMETRY_ENV is unset."""
LOG_LEVEL_ENV = "TINKER_LOG"
"""debug, info, warning, error or critical: show tinkex's logs on stderr from that level."""
HEARTBEAT_ENV = "TINKEX_HEARTBEAT"
"""thread or loop: where session heartbeats run (see ServiceClient's heartbeat=)."""
FIRST_CONTACT_TIMEOUT_S_ENV = "TINKER_FIRST_CONTACT_TIMEOUT"
"""Seconds a new client's first requests may go unanswered before its start fails."""
CREDENTIAL_CMD_ENV = "TINKER_CREDENTIAL_CMD"
"""A command (run without a shell) that prints a credential; used when no key is set."""
CF_ACCESS_CLIENT_ID_ENV = "CLOUDFLARE_ACCESS_CLIENT_ID"
"""Cloudflare Access client id, sent on every request."""
CF_ACCESS_CLIENT_ID_HEADER = "CF-Access-Client-Id"
"""Sends CF_ACCESS_CLIENT_ID_ENV's value."""
CF_ACCESS_CLIENT_SECRET_ENV = "CLOUDFLARE_ACCESS_CLIENT_SECRET"
"""Cloudflare Access client secret, sent on every request."""
CF_ACCESS_CLIENT_SECRET_HEADER = "CF-Access-Client-Secret"
"""Sends CF_ACCESS_CLIENT_SECRET_ENV's value."""
JSON_ERA_SDK_VERSION = "0.16.1"
"""The release whose requests go to a JSON-era server. SDK 0.16.1, JSON bodies only."""
JSON_ERA_SDK_METHOD_HEADERS = False
"""Whether x-sdk-version / x-sdk-method go to a JSON-era server."""
JSON_ERA_REQUESTS = {
    "CreateSessionRequest": (
        frozenset(["tags", "user_metadata", "sdk_version", "project_id"]),
        frozenset(["user_metadata", "project_id"]),
    ),
    "CreateModelRequest": (
        frozenset(["session_id", "model_seq_id", "base_model", "user_metadata", "lora_config"]),
        frozenset(["user_metadata"]),
    ),
    "LoraConfig": (
        frozenset(["rank", "seed", "train_unembed", "train_mlp", "train_attn"]),
        frozenset(["seed"]),
    ),
    "OptimStepRequest": (
        frozenset(["adam_params", "model_id", "seq_id"]),
        frozenset([]),
    ),
    "SaveWeightsRequest": (
        frozenset(["model_id", "path", "seq_id", "ttl_seconds"]),
        frozenset(["ttl_seconds"]),
    ),
    "SaveWeightsForSamplerRequest": (
        frozenset(["model_id", "path", "sampling_session_seq_id", "seq_id", "ttl_seconds"]),
        frozenset(["ttl_seconds"]),
    ),
    "LoadWeightsRequest": (
        frozenset(["model_id", "path", "optimizer", "seq_id"]),
        frozenset([]),
    ),
    "CreateSamplingSessionRequest": (
        frozenset(["session_id", "sampling_session_seq_id", "base_model", "model_path"]),
        frozenset(["base_model", "model_path"]),
    ),
    "SampleRequest": (
        frozenset(
            [
                "num_samples",
                "prompt",
                "sampling_params",
                "base_model",
                "model_path",
                "sampling_session_id",
                "seq_id",
                "prompt_logprobs",
                "topk_prompt_logprobs",
            ]
        ),
        frozenset([]),
    ),
    "Datum": (
        frozenset(["loss_fn_inputs", "model_input"]),
        frozenset([]),
    ),
    "TensorData": (
        frozenset(["data", "dtype", "shape"]),
        frozenset([]),
    ),
}
"""Per request type: (the fields the JSON era knows, those it sends as null)."""
IDEMPOTENCY_HEADER = "X-Idempotency-Key"
"""Carries one logical request's key."""
IDEMPOTENCY_PREFIX = "stainless-python-retry-"
"""Starts every idempotency key (the retry policy's ``idempotency_prefix``)."""
