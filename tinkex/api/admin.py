# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``admin`` resource: specs and one function per endpoint."""

from collections.abc import Mapping
from typing import Literal

from tinkex.domain.types.rest import (
    AuditLogResponse,
    BillingUsageResponse,
    CurrentCheckpointStorageUsageResponse,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "AUDIT_LOG",
    "BILLING_USAGE",
    "CHECKPOINT_STORAGE_USAGE",
    "audit_log",
    "billing_usage",
    "checkpoint_storage_usage",
]

AUDIT_LOG = EndpointSpec(
    name="admin.audit_log",
    method="GET",
    path="/api/v1/audit",
    request_codec="none",
    accept="json",
    pool=PoolKind.REDIRECT,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

BILLING_USAGE = EndpointSpec(
    name="admin.billing_usage",
    method="GET",
    path="/api/v1/billing/usage/events",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

CHECKPOINT_STORAGE_USAGE = EndpointSpec(
    name="admin.checkpoint_storage_usage",
    method="GET",
    path="/api/v1/billing/usage/checkpoints/current",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)


async def audit_log(
    invoker: Invoker,
    /,
    *,
    event_type: Literal["all", "checkpoints", "projects", "teams", "organizations"] = "all",
    day: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> AuditLogResponse:
    """Audit log entries; the server may redirect to a signed URL, which is followed.

    ``day``: YYYY-MM-DD

    ``GET /api/v1/audit``
    """
    return await invoker.invoke(
        AUDIT_LOG,
        None,
        response_type=AuditLogResponse,
        query={"event_type": event_type, "day": day},
        headers=headers,
    )


async def billing_usage(
    invoker: Invoker,
    /,
    *,
    starting_on: str,
    ending_before: str,
    headers: Mapping[str, str] | None = None,
) -> BillingUsageResponse:
    """Hourly billing usage between two RFC 3339 instants (hour-aligned, at most 14 days).

    ``GET /api/v1/billing/usage/events``
    """
    return await invoker.invoke(
        BILLING_USAGE,
        None,
        response_type=BillingUsageResponse,
        query={"starting_on": starting_on, "ending_before": ending_before},
        headers=headers,
    )


async def checkpoint_storage_usage(
    invoker: Invoker,
    /,
    *,
    project_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> CurrentCheckpointStorageUsageResponse:
    """Current checkpoint storage per project and owner.

    ``GET /api/v1/billing/usage/checkpoints/current``
    """
    return await invoker.invoke(
        CHECKPOINT_STORAGE_USAGE,
        None,
        response_type=CurrentCheckpointStorageUsageResponse,
        query={"project_id": project_id},
        headers=headers,
    )
