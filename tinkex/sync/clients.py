# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""The blocking clients of `tinkex.sync`, one per client of the manifest.

Each method runs the tinkex client's method of the same name on `tinkex.sync`'s loop thread,
answering as the method's ``sync:`` and ``returns:`` say; the official SDK's ``*_async`` names are
``async`` methods (see `tinkex.sync.methods`).
"""

from __future__ import annotations

import tinkex
import tinkex.clients.sampling_hooks
from tinkex.sync.bases import (
    RestClientBase,
    SamplingClientBase,
    ServiceClientBase,
    TrainingClientBase,
)
from tinkex.sync.methods import (
    as_future,
    awaited,
    awaited_client,
    blocking,
    blocking_client,
    constructor,
    direct,
    direct_client,
    future_async,
    streamed,
)

__all__ = [
    "RestClient",
    "SamplingClient",
    "ServiceClient",
    "TrainingClient",
]


class SamplingClient(SamplingClientBase):
    """One sampling session.

    The blocking twin of `tinkex.SamplingClient`: each method runs that client's method of the same
    name on `tinkex.sync`'s loop thread.
    """

    @as_future(tinkex.SamplingClient.sample, check=tinkex.clients.sampling_hooks.check_sample_call)
    def sample(self) -> None:
        """Draw num_samples completions of a prompt.

        Answered by the ``sample`` domain hook.
        """

    @awaited(tinkex.SamplingClient.sample)
    def sample_async(self) -> None:
        """The official SDK's name of `sample`.

        Awaiting it gives its result.
        """

    @streamed(tinkex.SamplingClient.sample_stream)
    def sample_stream(self) -> None:
        """Stream one completion token by token (a tinkex addition; sampling.stream_sample).

        Answered by the ``sample_stream`` domain hook.
        """

    @as_future(tinkex.SamplingClient.compute_logprobs)
    def compute_logprobs(self) -> None:
        """The logprob of every prompt token given the ones before it.

        Answered by the ``compute_logprobs`` domain hook.
        """

    @awaited(tinkex.SamplingClient.compute_logprobs)
    def compute_logprobs_async(self) -> None:
        """The official SDK's name of `compute_logprobs`.

        Awaiting it gives its result.
        """

    @blocking(tinkex.SamplingClient.get_base_model)
    def get_base_model(self) -> None:
        """The base model the sampler runs (asked of rest.get_sampler once, if unknown).

        Answered by the ``get_base_model`` domain hook.
        """

    @awaited(tinkex.SamplingClient.get_base_model)
    def get_base_model_async(self) -> None:
        """The official SDK's name of `get_base_model`.

        Awaiting it gives its result.
        """

    @direct(tinkex.SamplingClient.get_tokenizer)
    def get_tokenizer(self) -> None:
        """The tokenizer of the base model.

        Answered by the ``get_tokenizer`` domain hook.
        """

    @direct(tinkex.SamplingClient.get_sampler_handle)
    def get_sampler_handle(self) -> None:
        """A string another process can rebuild this client from (no credentials in it).

        Answered by the ``get_sampler_handle`` domain hook.
        """

    @constructor(tinkex.SamplingClient.from_sampler_handle)
    def from_sampler_handle(self) -> None:
        """Rebuild a SamplingClient from get_sampler_handle's string, with local credentials.

        Answered by the ``from_sampler_handle`` domain hook.
        """


class TrainingClient(TrainingClientBase):
    """One training run; submissions are ordered by seq_id.

    The blocking twin of `tinkex.TrainingClient`: each method runs that client's method of the same
    name on `tinkex.sync`'s loop thread.
    """

    @as_future(tinkex.TrainingClient.forward)
    def forward(self) -> None:
        """The loss and per-token logprobs, without gradients (forward_only=true).

        Answered by the ``forward`` domain hook.
        """

    @future_async(tinkex.TrainingClient.forward)
    def forward_async(self) -> None:
        """The official SDK's name of `forward`.

        Awaiting it gives its future (await that for the result).
        """

    @as_future(tinkex.TrainingClient.forward_backward)
    def forward_backward(self) -> None:
        """The loss, with its gradients accumulated on the server.

        Answered by the ``forward_backward`` domain hook.
        """

    @future_async(tinkex.TrainingClient.forward_backward)
    def forward_backward_async(self) -> None:
        """The official SDK's name of `forward_backward`.

        Awaiting it gives its future (await that for the result).
        """

    @as_future(tinkex.TrainingClient.forward_backward_custom)
    def forward_backward_custom(self) -> None:
        """Client-side custom loss in two phases (forward, then forward_backward with -grad).

        Answered by the ``forward_backward_custom`` domain hook.
        """

    @future_async(tinkex.TrainingClient.forward_backward_custom)
    def forward_backward_custom_async(self) -> None:
        """The official SDK's name of `forward_backward_custom`.

        Awaiting it gives its future (await that for the result).
        """

    @as_future(tinkex.TrainingClient.optim_step)
    def optim_step(self) -> None:
        """Apply the accumulated gradients (Adam, or the run's optimizer family).

        Answered by the ``optim_step`` domain hook.
        """

    @future_async(tinkex.TrainingClient.optim_step)
    def optim_step_async(self) -> None:
        """The official SDK's name of `optim_step`.

        Awaiting it gives its future (await that for the result).
        """

    @as_future(tinkex.TrainingClient.save_state)
    def save_state(self) -> None:
        """Save weights and optimizer state as tinker://<run>/weights/<name>.

        Answered by the ``save_state`` domain hook.
        """

    @future_async(tinkex.TrainingClient.save_state)
    def save_state_async(self) -> None:
        """The official SDK's name of `save_state`.

        Awaiting it gives its future (await that for the result).
        """

    @as_future(tinkex.TrainingClient.load_state)
    def load_state(self) -> None:
        """Load a weights/ checkpoint's weights (the optimizer state is reset).

        Answered by the ``load_state`` domain hook.
        """

    @future_async(tinkex.TrainingClient.load_state)
    def load_state_async(self) -> None:
        """The official SDK's name of `load_state`.

        Awaiting it gives its future (await that for the result).
        """

    @as_future(tinkex.TrainingClient.load_state_with_optimizer)
    def load_state_with_optimizer(self) -> None:
        """Load a weights/ checkpoint's weights and optimizer state.

        Answered by the ``load_state_with_optimizer`` domain hook.
        """

    @future_async(tinkex.TrainingClient.load_state_with_optimizer)
    def load_state_with_optimizer_async(self) -> None:
        """The official SDK's name of `load_state_with_optimizer`.

        Awaiting it gives its future (await that for the result).
        """

    @as_future(tinkex.TrainingClient.save_weights_for_sampler)
    def save_weights_for_sampler(self) -> None:
        """Save sampler weights as tinker://<run>/sampler_weights/<name>.

        Answered by the ``save_weights_for_sampler`` domain hook.
        """

    @future_async(tinkex.TrainingClient.save_weights_for_sampler)
    def save_weights_for_sampler_async(self) -> None:
        """The official SDK's name of `save_weights_for_sampler`.

        Awaiting it gives its future (await that for the result).
        """

    @as_future(tinkex.TrainingClient.save_weights_external)
    def save_weights_external(self) -> None:
        """Export the adapter as tinker://<run>/external_weights/<name>.

        Answered by the ``save_weights_external`` domain hook.
        """

    @future_async(tinkex.TrainingClient.save_weights_external)
    def save_weights_external_async(self) -> None:
        """The official SDK's name of `save_weights_external`.

        Awaiting it gives its future (await that for the result).
        """

    @blocking_client(tinkex.TrainingClient.save_weights_and_get_sampling_client, SamplingClient)
    def save_weights_and_get_sampling_client(self) -> None:
        """Save ephemeral sampler weights and return a SamplingClient over them.

        Answered by the ``save_weights_and_get_sampling_client`` domain hook.
        """

    @awaited_client(tinkex.TrainingClient.save_weights_and_get_sampling_client, SamplingClient)
    def save_weights_and_get_sampling_client_async(self) -> None:
        """The official SDK's name of `save_weights_and_get_sampling_client`.

        Awaiting it gives its result.
        """

    @blocking_client(tinkex.TrainingClient.create_sampling_client, SamplingClient)
    def create_sampling_client(self) -> None:
        """A SamplingClient over saved sampler weights (tinker://.../sampler_weights/...).

        Answered by the ``create_sampling_client`` domain hook.
        """

    @awaited_client(tinkex.TrainingClient.create_sampling_client, SamplingClient)
    def create_sampling_client_async(self) -> None:
        """The official SDK's name of `create_sampling_client`.

        Awaiting it gives its result.
        """

    @blocking(tinkex.TrainingClient.get_info)
    def get_info(self) -> None:
        """The run's model, tokenizer and LoRA settings (as fetched when the client was made).

        Answered by the ``get_info`` domain hook.
        """

    @awaited(tinkex.TrainingClient.get_info)
    def get_info_async(self) -> None:
        """The official SDK's name of `get_info`.

        Awaiting it gives its result.
        """

    @direct(tinkex.TrainingClient.get_tokenizer)
    def get_tokenizer(self) -> None:
        """The tokenizer of the base model.

        Answered by the ``get_tokenizer`` domain hook.
        """

    @direct(tinkex.TrainingClient.get_console_url)
    def get_console_url(self) -> None:
        """The run's page in the web console.

        Answered by the ``get_console_url`` domain hook.
        """

    @as_future(tinkex.TrainingClient.train_step)
    def train_step(self) -> None:
        """forward_backward and optim_step submitted together, checked before either is sent.

        Answered by the ``train_step`` domain hook.
        """

    @as_future(tinkex.TrainingClient.unload_model)
    def unload_model(self) -> None:
        """Free the run's model once everything submitted before has run.

        Answered by the ``unload_model`` domain hook.
        """


class RestClient(RestClientBase):
    """Session-less REST access to runs, checkpoints, sessions and samplers.

    The blocking twin of `tinkex.RestClient`: each method runs that client's method of the same name
    on `tinkex.sync`'s loop thread.
    """

    @as_future(tinkex.RestClient.get_server_capabilities)
    def get_server_capabilities(self) -> None:
        """The models the service offers.

        Backed by the ``service.get_server_capabilities`` endpoint.
        """

    @as_future(tinkex.RestClient.list_training_runs)
    def list_training_runs(self) -> None:
        """One page of training runs, newest first (see iter_training_runs).

        Runs the ``list_training_runs`` flow.
        """

    @awaited(tinkex.RestClient.list_training_runs)
    def list_training_runs_async(self) -> None:
        """The official SDK's name of `list_training_runs`.

        Awaiting it gives its result.
        """

    @streamed(tinkex.RestClient.iter_training_runs)
    def iter_training_runs(self) -> None:
        """Every training run, page by page (a bad argument raises on the first iteration).

        Answered by the ``iter_training_runs`` domain hook.
        """

    @as_future(tinkex.RestClient.get_training_run)
    def get_training_run(self) -> None:
        """One training run.

        Runs the ``get_training_run`` flow.
        """

    @awaited(tinkex.RestClient.get_training_run)
    def get_training_run_async(self) -> None:
        """The official SDK's name of `get_training_run`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.get_training_run_by_tinker_path)
    def get_training_run_by_tinker_path(self) -> None:
        """The training run a tinker:// path belongs to.

        Runs the ``get_training_run_by_tinker_path`` flow.
        """

    @awaited(tinkex.RestClient.get_training_run_by_tinker_path)
    def get_training_run_by_tinker_path_async(self) -> None:
        """The official SDK's name of `get_training_run_by_tinker_path`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.get_weights_info_by_tinker_path)
    def get_weights_info_by_tinker_path(self) -> None:
        """Base model and LoRA settings of a checkpoint.

        Runs the ``get_weights_info_by_tinker_path`` flow.
        """

    @as_future(tinkex.RestClient.list_checkpoints)
    def list_checkpoints(self) -> None:
        """The checkpoints of one training run (unpaginated).

        Runs the ``list_checkpoints`` flow.
        """

    @awaited(tinkex.RestClient.list_checkpoints)
    def list_checkpoints_async(self) -> None:
        """The official SDK's name of `list_checkpoints`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.list_user_checkpoints)
    def list_user_checkpoints(self) -> None:
        """One page of all your checkpoints, newest first.

        Runs the ``list_user_checkpoints`` flow.
        """

    @awaited(tinkex.RestClient.list_user_checkpoints)
    def list_user_checkpoints_async(self) -> None:
        """The official SDK's name of `list_user_checkpoints`.

        Awaiting it gives its result.
        """

    @streamed(tinkex.RestClient.iter_user_checkpoints)
    def iter_user_checkpoints(self) -> None:
        """Every checkpoint, page by page.

        Answered by the ``iter_user_checkpoints`` domain hook.
        """

    @as_future(tinkex.RestClient.delete_checkpoint)
    def delete_checkpoint(self) -> None:
        """Delete a checkpoint given its run id and <segment>/<name> id.

        Runs the ``delete_checkpoint`` flow.
        """

    @awaited(tinkex.RestClient.delete_checkpoint)
    def delete_checkpoint_async(self) -> None:
        """The official SDK's name of `delete_checkpoint`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.delete_checkpoint_from_tinker_path)
    def delete_checkpoint_from_tinker_path(self) -> None:
        """Delete the checkpoint at a tinker:// path.

        Runs the ``delete_checkpoint_from_tinker_path`` flow.
        """

    @awaited(tinkex.RestClient.delete_checkpoint_from_tinker_path)
    def delete_checkpoint_from_tinker_path_async(self) -> None:
        """The official SDK's name of `delete_checkpoint_from_tinker_path`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.publish_checkpoint_from_tinker_path)
    def publish_checkpoint_from_tinker_path(self) -> None:
        """Make a checkpoint public (ConflictError if it already is).

        Runs the ``publish_checkpoint_from_tinker_path`` flow.
        """

    @awaited(tinkex.RestClient.publish_checkpoint_from_tinker_path)
    def publish_checkpoint_from_tinker_path_async(self) -> None:
        """The official SDK's name of `publish_checkpoint_from_tinker_path`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.unpublish_checkpoint_from_tinker_path)
    def unpublish_checkpoint_from_tinker_path(self) -> None:
        """Make a checkpoint private again (ConflictError if it already is).

        Runs the ``unpublish_checkpoint_from_tinker_path`` flow.
        """

    @awaited(tinkex.RestClient.unpublish_checkpoint_from_tinker_path)
    def unpublish_checkpoint_from_tinker_path_async(self) -> None:
        """The official SDK's name of `unpublish_checkpoint_from_tinker_path`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.set_checkpoint_ttl_from_tinker_path)
    def set_checkpoint_ttl_from_tinker_path(self) -> None:
        """Keep a checkpoint ttl_seconds from now (1 hour to 10 years); None keeps it forever.

        Runs the ``set_checkpoint_ttl_from_tinker_path`` flow.
        """

    @awaited(tinkex.RestClient.set_checkpoint_ttl_from_tinker_path)
    def set_checkpoint_ttl_from_tinker_path_async(self) -> None:
        """The official SDK's name of `set_checkpoint_ttl_from_tinker_path`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.get_external_weights_urls)
    def get_external_weights_urls(self) -> None:
        """Download URLs of an external_weights/ checkpoint.

        Runs the ``get_external_weights_urls`` flow.
        """

    @awaited(tinkex.RestClient.get_external_weights_urls)
    def get_external_weights_urls_async(self) -> None:
        """The official SDK's name of `get_external_weights_urls`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.get_checkpoint_archive_url)
    def get_checkpoint_archive_url(self) -> None:
        """JSON-era servers; a signed URL of a tar of the checkpoint (waits out 503s).

        Runs the ``get_checkpoint_archive_url`` flow.
        """

    @as_future(tinkex.RestClient.get_checkpoint_archive_url_from_tinker_path)
    def get_checkpoint_archive_url_from_tinker_path(self) -> None:
        """get_checkpoint_archive_url for a tinker:// path.

        Runs the ``get_checkpoint_archive_url_from_tinker_path`` flow.
        """

    @as_future(tinkex.RestClient.copy_weights)
    def copy_weights(self) -> None:
        """Copy a checkpoint into a project (default TINKER_PROJECT_ID); the copy's path.

        Answered by the ``copy_weights`` domain hook.
        """

    @awaited(tinkex.RestClient.copy_weights)
    def copy_weights_async(self) -> None:
        """The official SDK's name of `copy_weights`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.list_sessions)
    def list_sessions(self) -> None:
        """One page of your session ids.

        Runs the ``list_sessions`` flow.
        """

    @awaited(tinkex.RestClient.list_sessions)
    def list_sessions_async(self) -> None:
        """The official SDK's name of `list_sessions`.

        Awaiting it gives its result.
        """

    @streamed(tinkex.RestClient.iter_sessions)
    def iter_sessions(self) -> None:
        """Every session id, page by page.

        Answered by the ``iter_sessions`` domain hook.
        """

    @as_future(tinkex.RestClient.get_session)
    def get_session(self) -> None:
        """One session, its runs and samplers.

        Runs the ``get_session`` flow.
        """

    @awaited(tinkex.RestClient.get_session)
    def get_session_async(self) -> None:
        """The official SDK's name of `get_session`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.assign_session_project)
    def assign_session_project(self) -> None:
        """Move a session (and its runs) into another project.

        Runs the ``assign_session_project`` flow.
        """

    @awaited(tinkex.RestClient.assign_session_project)
    def assign_session_project_async(self) -> None:
        """The official SDK's name of `assign_session_project`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.export_session_trace)
    def export_session_trace(self) -> None:
        """A download URL of a session's trace, once the export is ready (polls every 5 s).

        Answered by the ``export_session_trace`` domain hook.
        """

    @awaited(tinkex.RestClient.export_session_trace)
    def export_session_trace_async(self) -> None:
        """The official SDK's name of `export_session_trace`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.search_sessions)
    def search_sessions(self) -> None:
        """One page of sessions matching a query; page on with next_cursor.

        Runs the ``search_sessions`` flow.
        """

    @streamed(tinkex.RestClient.iter_search_sessions)
    def iter_search_sessions(self) -> None:
        """Every session matching a query, following next_cursor (at most max_pages pages).

        Answered by the ``iter_search_sessions`` domain hook.
        """

    @as_future(tinkex.RestClient.get_sampler)
    def get_sampler(self) -> None:
        """One sampler and its base model.

        Runs the ``get_sampler`` flow.
        """

    @awaited(tinkex.RestClient.get_sampler)
    def get_sampler_async(self) -> None:
        """The official SDK's name of `get_sampler`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.whoami)
    def whoami(self) -> None:
        """Who the credential in use belongs to, decoded from the JWT (no request).

        Runs the ``whoami`` flow.
        """

    @as_future(tinkex.RestClient.get_audit_log)
    def get_audit_log(self) -> None:
        """The organisation's audit log, optionally of one UTC day.

        Answered by the ``get_audit_log`` domain hook.
        """

    @awaited(tinkex.RestClient.get_audit_log)
    def get_audit_log_async(self) -> None:
        """The official SDK's name of `get_audit_log`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.get_billing_usage)
    def get_billing_usage(self) -> None:
        """Billing events between two hour-aligned times (at most 14 days apart).

        Answered by the ``get_billing_usage`` domain hook.
        """

    @awaited(tinkex.RestClient.get_billing_usage)
    def get_billing_usage_async(self) -> None:
        """The official SDK's name of `get_billing_usage`.

        Awaiting it gives its result.
        """

    @as_future(tinkex.RestClient.get_current_checkpoint_storage_usage)
    def get_current_checkpoint_storage_usage(self) -> None:
        """Current checkpoint storage per project and owner.

        Answered by the ``get_current_checkpoint_storage_usage`` domain hook.
        """

    @awaited(tinkex.RestClient.get_current_checkpoint_storage_usage)
    def get_current_checkpoint_storage_usage_async(self) -> None:
        """The official SDK's name of `get_current_checkpoint_storage_usage`.

        Awaiting it gives its result.
        """


class ServiceClient(ServiceClientBase):
    """Entry point; owns the session and creates the other clients.

    The blocking twin of `tinkex.ServiceClient`: each method runs that client's method of the same
    name on `tinkex.sync`'s loop thread.
    """

    @blocking(tinkex.ServiceClient.get_server_capabilities)
    def get_server_capabilities(self) -> None:
        """The models the service offers.

        Backed by the ``service.get_server_capabilities`` endpoint.
        """

    @awaited(tinkex.ServiceClient.get_server_capabilities)
    def get_server_capabilities_async(self) -> None:
        """The official SDK's name of `get_server_capabilities`.

        Awaiting it gives its result.
        """

    @blocking_client(tinkex.ServiceClient.create_lora_training_client, TrainingClient)
    def create_lora_training_client(self) -> None:
        """Create a LoRA training run and return its TrainingClient.

        Runs the ``create_lora_training_client`` flow.
        """

    @awaited_client(tinkex.ServiceClient.create_lora_training_client, TrainingClient)
    def create_lora_training_client_async(self) -> None:
        """The official SDK's name of `create_lora_training_client`.

        Awaiting it gives its result.
        """

    @blocking_client(tinkex.ServiceClient.create_training_client_from_state, TrainingClient)
    def create_training_client_from_state(self) -> None:
        """A new training run with a checkpoint's weights (fresh optimizer state).

        Runs the ``create_training_client_from_state`` flow.
        """

    @awaited_client(tinkex.ServiceClient.create_training_client_from_state, TrainingClient)
    def create_training_client_from_state_async(self) -> None:
        """The official SDK's name of `create_training_client_from_state`.

        Awaiting it gives its result.
        """

    @blocking_client(
        tinkex.ServiceClient.create_training_client_from_state_with_optimizer, TrainingClient
    )
    def create_training_client_from_state_with_optimizer(self) -> None:
        """A new training run with a checkpoint's weights and optimizer state.

        Runs the ``create_training_client_from_state_with_optimizer`` flow.
        """

    @awaited_client(
        tinkex.ServiceClient.create_training_client_from_state_with_optimizer, TrainingClient
    )
    def create_training_client_from_state_with_optimizer_async(self) -> None:
        """The official SDK's name of `create_training_client_from_state_with_optimizer`.

        Awaiting it gives its result.
        """

    @blocking_client(tinkex.ServiceClient.create_sampling_client, SamplingClient)
    def create_sampling_client(self) -> None:
        """A SamplingClient for a base model or a tinker://.../sampler_weights/... path.

        Runs the ``create_sampling_client`` flow.
        """

    @awaited_client(tinkex.ServiceClient.create_sampling_client, SamplingClient)
    def create_sampling_client_async(self) -> None:
        """The official SDK's name of `create_sampling_client`.

        Awaiting it gives its result.
        """

    @direct_client(tinkex.ServiceClient.create_rest_client, RestClient)
    def create_rest_client(self) -> None:
        """A RestClient sharing this client's session and connections.

        Answered by the ``create_rest_client`` domain hook.
        """

    @as_future(tinkex.ServiceClient.copy_weights)
    def copy_weights(self) -> None:
        """Copy a checkpoint into this client's project; the copy's tinker:// path.

        Answered by the ``copy_weights`` domain hook.
        """

    @as_future(tinkex.ServiceClient.close)
    def close(self) -> None:
        """Finish the session with `status` and release every connection (safe to repeat).

        Answered by the ``close`` domain hook.
        """
