"""Compare two recordings of the conformance scenario, request by request.

Each recording is normalised first (server-made ids and timing-dependent traffic out, see
`INTENDED_DIFFERENCES`), then grouped per endpoint (method + path with ids replaced) and the
n-th call of an endpoint in one recording is compared with the n-th in the other: query, parsed
body and headers must be equal. Grouping per endpoint keeps the comparison strict while
letting independent requests (a forward_backward and the optim_step submitted right after it)
reach the server in either order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recording_server import RecordedRequest

__all__ = [
    "CURRENT_RULES",
    "INTENDED_DIFFERENCES",
    "JSON_ERA_DIFFERENCES",
    "JSON_ERA_RULES",
    "DiffRules",
    "Difference",
    "diff_recordings",
    "normalise",
]


@dataclass(frozen=True)
class Difference:
    """One intended difference between the official SDK's requests and tinkex's."""

    where: str
    what: str
    reason: str


INTENDED_DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "all requests",
        "header `user-agent`",
        "names the SDK: `AsyncTinker/Python <version>` vs `AsyncTinkex/Python 0.38.0`",
    ),
    Difference(
        "all requests",
        "header `connection: keep-alive`",
        "httpx writes the HTTP/1.1 default explicitly, aiohttp leaves it implicit",
    ),
    Difference(
        "all requests",
        "header `host`, `content-length`",
        "the recording server's port; bodies are compared parsed (JSON key order is free)",
    ),
    Difference(
        "non-GET requests",
        "random part of `x-idempotency-key`",
        "new per logical call (a uuid4 vs 32 hex digits); the `stainless-python-retry-` prefix"
        " is compared",
    ),
    Difference(
        "retrieve_future",
        "value of `x-tinker-create-promise-roundtrip-time`",
        "a measured duration; presence is compared",
    ),
    Difference(
        "retrieve_future",
        "number of polls per future",
        "a poll that finds the result not ready is repeated; only each future's first poll"
        " is compared",
    ),
    Difference(
        "retrieve_futures",
        "number of polls, and which poll carries which acknowledgement",
        "a poll returns when a completion arrives; tinkex acknowledges a burst's cursor together"
        " with its fetched ids (one ack-only poll), the official SDK the cursor first, the ids"
        " after. Compared: the targets, the cursors long-polled from, every id and the last"
        " cursor acknowledged, the fields of each kind of poll and its headers",
    ),
    Difference(
        "all requests",
        "spelling of `x-stainless-read-timeout`",
        "compared as a number: the official SDK writes the Python literal its code passes"
        " (`45.0` for retrieve_futures), tinkex writes every timeout as `45`",
    ),
    Difference(
        "session_heartbeat",
        "number and timing",
        "sent every 10 s on a timer, not by the scenario",
    ),
    Difference(
        "telemetry",
        "whole request",
        "event ids, timestamps and SDK-internal events; tinkex runs the scenario with"
        " telemetry=False",
    ),
    Difference(
        "client/config, client/dynamic_config",
        "repetitions and order of setup calls",
        "0.38's standalone RestClient negotiates the config again; the session is created"
        " on first use, so its order relative to get_server_capabilities is free",
    ),
    Difference(
        "all ids",
        "session, model, sampler and request ids",
        "made by the server per run: replaced by `sess-*` and `req#N` (order of appearance)",
    ),
)

JSON_ERA_DIFFERENCES: tuple[Difference, ...] = (
    *(d for d in INTENDED_DIFFERENCES if d.where != "client/config, client/dynamic_config"),
    Difference(
        "client/config",
        "one call by tinkex, none by 0.16.1",
        "tinkex asks every server once; the 404 is how it knows to speak the JSON-era wire",
    ),
    Difference(
        "all requests",
        "header `accept-encoding`",
        "tinkex also offers `zstd`, which it decodes; 0.16.1's httpx predates it",
    ),
    Difference(
        "optim_step, asample",
        "`adam_params` / `sampling_params` fields at their default",
        "0.16.1 sends only the fields the caller set and the server applies the same defaults"
        " to a field left out: a field at its default compares equal to a field left out",
    ),
    Difference(
        "get_info",
        "when it is called",
        "tinkex reads it once per new training client (its get_info() answers from that);"
        " 0.16.1 asks on every get_info() call. Every call 0.16.1 made, tinkex made too",
    ),
)
"""The intended differences between tinkex and the JSON-era official SDK 0.16.1."""

_ALL_REQUESTS = frozenset({"user-agent", "connection", "host", "content-length"})
PRESENCE_ONLY_HEADERS = frozenset({"x-tinker-create-promise-roundtrip-time"})
NUMERIC_HEADERS = frozenset({"x-stainless-read-timeout"})
RANDOM_SUFFIX_HEADERS = frozenset({"x-idempotency-key"})
# The random tail of an idempotency key: the official SDK's uuid4, or tinkex's 32 hex digits.
_RANDOM_SUFFIX = re.compile(
    r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})\Z"
)
BATCH_POLLS = "POST /api/v1/retrieve_futures"
_SESSION = re.compile(r"sess-[0-9a-f]+")
_REQUEST = re.compile(r"req-[0-9a-f]+")
# What a JSON-era server assumes for a parameter left out (the optimizer's and the sampler's).
_PARAM_DEFAULTS: dict[str, dict[str, Any]] = {
    "adam_params": {
        "learning_rate": 0.0001,
        "beta1": 0.9,
        "beta2": 0.95,
        "eps": 1e-12,
        "weight_decay": 0.0,
        "grad_clip_norm": 0.0,
    },
    "sampling_params": {"temperature": 1.0, "top_k": -1, "top_p": 1.0},
}


@dataclass(frozen=True)
class DiffRules:
    """What one comparison ignores (the code side of a table of intended differences).

    Attributes:
        ignored_headers: Headers not compared.
        dropped_paths: Endpoints not compared at all.
        deduped_paths: Endpoints whose repeated identical calls count once.
        subset_paths: Endpoints where every official call must be among tinkex's (any order,
            any extra).
        param_defaults: Parameter objects whose fields at their default count as absent.
    """

    ignored_headers: frozenset[str] = _ALL_REQUESTS
    dropped_paths: frozenset[str] = frozenset({"/api/v1/session_heartbeat", "/api/v1/telemetry"})
    deduped_paths: frozenset[str] = frozenset(
        {"/api/v1/client/config", "/api/v1/client/dynamic_config"}
    )
    subset_paths: frozenset[str] = frozenset()
    param_defaults: bool = False


CURRENT_RULES = DiffRules()
"""tinkex vs the official SDK 0.38 (`INTENDED_DIFFERENCES`)."""
JSON_ERA_RULES = DiffRules(
    ignored_headers=_ALL_REQUESTS | {"accept-encoding"},
    dropped_paths=CURRENT_RULES.dropped_paths | {"/api/v1/client/config"},
    deduped_paths=frozenset(),
    subset_paths=frozenset({"/api/v1/get_info"}),
    param_defaults=True,
)
"""tinkex in legacy mode vs the official SDK 0.16.1 (`JSON_ERA_DIFFERENCES`)."""


class _Ids:
    """Replaces server-made ids by stable placeholders (requests by order of appearance)."""

    def __init__(self) -> None:
        self.requests: dict[str, str] = {}

    def text(self, value: str) -> str:
        value = _SESSION.sub("sess-*", value)
        return _REQUEST.sub(self._request, value)

    def _request(self, match: re.Match[str]) -> str:
        return self.requests.setdefault(match.group(0), f"req#{len(self.requests)}")

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value


def normalise(
    records: list[RecordedRequest], rules: DiffRules = CURRENT_RULES
) -> dict[str, list[dict[str, Any]]]:
    """The comparable view of a recording: per endpoint, its calls in order."""
    ids = _Ids()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    polled: set[str] = set()
    for record in records:
        if record.path in rules.dropped_paths:
            continue
        body = ids.data(record.body)
        if rules.param_defaults and isinstance(body, dict):
            body = _without_defaults(body)
        if record.path == "/api/v1/retrieve_future":
            request_id = body.get("request_id") if isinstance(body, dict) else None
            if request_id in polled:
                continue
            polled.add(str(request_id))
        headers = {
            name: _header_value(name, value, ids)
            for name, value in record.headers.items()
            if name not in rules.ignored_headers
        }
        call = {"query": [list(q) for q in record.query], "body": body, "headers": headers}
        key = f"{record.method} {ids.text(record.path)}"
        deduped = rules.deduped_paths | rules.subset_paths
        if record.path in deduped and call in groups[key]:
            continue
        groups[key].append(call)
    if BATCH_POLLS in groups:
        groups[BATCH_POLLS] = [_batch_polls(groups[BATCH_POLLS])]
    return dict(groups)


def _without_defaults(body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    for name, defaults in _PARAM_DEFAULTS.items():
        params = out.get(name)
        if isinstance(params, dict):
            out[name] = {k: v for k, v in params.items() if defaults.get(k, object()) != v}
    return out


def _batch_polls(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """One comparable call standing for every retrieve_futures poll of a recording.

    How many polls go out, and which carries which ack, depends on when completions arrive;
    what was polled for and what was acknowledged does not.
    """
    long_polls = [c["body"] for c in calls if c["body"].get("timeout") is None]
    ack_polls = [c["body"] for c in calls if c["body"].get("timeout") is not None]
    bodies = long_polls + ack_polls
    summary = {
        "targets": sorted({repr(b.get("target")) for b in bodies}),
        "long_poll_cursors": sorted({b.get("prev_cursor") for b in long_polls}),
        "acknowledged": sorted({i for b in bodies for i in b.get("retrieved_request_ids", [])}),
        "last_cursor": max(b.get("prev_cursor", 0) for b in bodies),
        "long_poll_fields": _fields(long_polls),
        "ack_poll_fields": _fields(ack_polls),
        "ack_poll_timeouts": sorted({repr(b["timeout"]) for b in ack_polls}),
    }
    first_long = next((c for c in calls if c["body"].get("timeout") is None), None)
    first_ack = next((c for c in calls if c["body"].get("timeout") is not None), None)
    headers = {
        "long_poll": first_long["headers"] if first_long else None,
        "ack_poll": first_ack["headers"] if first_ack else None,
    }
    return {"query": calls[0]["query"], "body": summary, "headers": headers}


def _fields(bodies: list[dict[str, Any]]) -> dict[str, str]:
    """Field name -> JSON type name, over the bodies of one kind of poll."""
    return {key: type(value).__name__ for body in bodies for key, value in sorted(body.items())}


def _header_value(name: str, value: str, ids: _Ids) -> str:
    if name in PRESENCE_ONLY_HEADERS:
        return "<present>"
    if name in NUMERIC_HEADERS:
        return f"{float(value):g}"
    if name in RANDOM_SUFFIX_HEADERS:
        return _RANDOM_SUFFIX.sub("<random>", value)
    return ids.text(value)


def _diff_value(where: str, ours: Any, theirs: Any, out: list[str]) -> None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs), key=str):
            if key not in ours:
                out.append(f"{where}.{key}: missing in tinkex (official: {theirs[key]!r:.200})")
            elif key not in theirs:
                out.append(f"{where}.{key}: only in tinkex ({ours[key]!r:.200})")
            else:
                _diff_value(f"{where}.{key}", ours[key], theirs[key], out)
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            _diff_value(f"{where}[{index}]", mine, other, out)
    elif ours != theirs or type(ours) is not type(theirs):
        out.append(f"{where}: tinkex {ours!r:.200} != official {theirs!r:.200}")


def diff_recordings(
    ours: list[RecordedRequest],
    theirs: list[RecordedRequest],
    rules: DiffRules = CURRENT_RULES,
) -> list[str]:
    """Every difference between two recordings, one line each (empty when conformant)."""
    mine, other = normalise(ours, rules), normalise(theirs, rules)
    out: list[str] = []
    for key in sorted(set(mine) | set(other)):
        calls, expected = mine.get(key, []), other.get(key, [])
        if key.split(" ", 1)[1] in rules.subset_paths:
            missing = [call for call in expected if call not in calls]
            out += [f"{key}: official call {call!r:.300} not made by tinkex" for call in missing]
            continue
        if len(calls) != len(expected):
            out.append(f"{key}: tinkex made {len(calls)} calls, official {len(expected)}")
        for index, (call, want) in enumerate(zip(calls, expected, strict=False)):
            _diff_value(f"{key} #{index}", call, want, out)
    return out
