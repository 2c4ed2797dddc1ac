# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""The official SDK's method names, mixed into the tinkex clients.

From each method's ``aliases:`` and ``deprecated_args:`` in the manifest's ``clients:`` section (see
`tinkex.clients.aliasing` for how an alias works).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.clients.aliasing import AcceptsDeprecated, Alias, future_alias, result_alias

if TYPE_CHECKING:
    import tinkex

__all__ = [
    "APIFutureOfficialNames",
    "RestClientOfficialNames",
    "SamplingClientOfficialNames",
    "ServiceClientOfficialNames",
    "TrainingClientOfficialNames",
]


class ServiceClientOfficialNames:
    """The official SDK's names of `tinkex.ServiceClient` methods, and its old arguments.

    Listed first among the bases of `tinkex.ServiceClient` (so a wrapper of a deprecated argument
    comes before the method it wraps).
    """

    if TYPE_CHECKING:
        get_server_capabilities_async = result_alias(tinkex.ServiceClient.get_server_capabilities)
        create_lora_training_client_async = result_alias(
            tinkex.ServiceClient.create_lora_training_client
        )
        create_training_client_from_state_async = result_alias(
            tinkex.ServiceClient.create_training_client_from_state
        )
        create_training_client_from_state_with_optimizer_async = result_alias(
            tinkex.ServiceClient.create_training_client_from_state_with_optimizer
        )
        create_sampling_client_async = result_alias(tinkex.ServiceClient.create_sampling_client)
    else:
        get_server_capabilities_async = Alias("get_server_capabilities", "result")
        create_lora_training_client_async = Alias("create_lora_training_client", "result")
        create_training_client_from_state_async = Alias(
            "create_training_client_from_state", "result"
        )
        create_training_client_from_state_with_optimizer_async = Alias(
            "create_training_client_from_state_with_optimizer", "result"
        )
        create_sampling_client_async = Alias("create_sampling_client", "result")


class TrainingClientOfficialNames:
    """The official SDK's names of `tinkex.TrainingClient` methods, and its old arguments.

    Listed first among the bases of `tinkex.TrainingClient` (so a wrapper of a deprecated argument
    comes before the method it wraps).
    """

    if TYPE_CHECKING:
        forward_async = future_alias(tinkex.TrainingClient.forward)
        forward_backward_async = future_alias(tinkex.TrainingClient.forward_backward)
        forward_backward_custom_async = future_alias(tinkex.TrainingClient.forward_backward_custom)
        optim_step_async = future_alias(tinkex.TrainingClient.optim_step)
        save_state_async = future_alias(tinkex.TrainingClient.save_state)
        load_state_async = future_alias(tinkex.TrainingClient.load_state)
        load_state_with_optimizer_async = future_alias(
            tinkex.TrainingClient.load_state_with_optimizer
        )
        save_weights_for_sampler_async = future_alias(
            tinkex.TrainingClient.save_weights_for_sampler
        )
        save_weights_external_async = future_alias(tinkex.TrainingClient.save_weights_external)
        save_weights_and_get_sampling_client_async = result_alias(
            tinkex.TrainingClient.save_weights_and_get_sampling_client
        )
        create_sampling_client_async = result_alias(tinkex.TrainingClient.create_sampling_client)
        get_info_async = result_alias(tinkex.TrainingClient.get_info)
    else:
        forward_async = Alias("forward", "future")
        forward_backward_async = Alias("forward_backward", "future")
        forward_backward_custom_async = Alias("forward_backward_custom", "future")
        optim_step_async = Alias("optim_step", "future")
        save_state_async = Alias("save_state", "future")
        load_state_async = Alias("load_state", "future")
        load_state_with_optimizer_async = Alias("load_state_with_optimizer", "future")
        save_weights_for_sampler_async = Alias("save_weights_for_sampler", "future")
        save_weights_external_async = Alias("save_weights_external", "future")
        save_weights_and_get_sampling_client_async = Alias(
            "save_weights_and_get_sampling_client", "result"
        )
        save_weights_and_get_sampling_client = AcceptsDeprecated(
            name="the weights are ephemeral and unnamed (the official SDK ignores it too)"
        )
        create_sampling_client_async = Alias("create_sampling_client", "result")
        get_info_async = Alias("get_info", "result")


class SamplingClientOfficialNames:
    """The official SDK's names of `tinkex.SamplingClient` methods, and its old arguments.

    Listed first among the bases of `tinkex.SamplingClient` (so a wrapper of a deprecated argument
    comes before the method it wraps).
    """

    if TYPE_CHECKING:
        sample_async = result_alias(tinkex.SamplingClient.sample)
        compute_logprobs_async = result_alias(tinkex.SamplingClient.compute_logprobs)
        get_base_model_async = result_alias(tinkex.SamplingClient.get_base_model)
    else:
        sample_async = Alias("sample", "result")
        compute_logprobs_async = Alias("compute_logprobs", "result")
        get_base_model_async = Alias("get_base_model", "result")


class RestClientOfficialNames:
    """The official SDK's names of `tinkex.RestClient` methods, and its old arguments.

    Listed first among the bases of `tinkex.RestClient` (so a wrapper of a deprecated argument comes
    before the method it wraps).
    """

    if TYPE_CHECKING:
        list_training_runs_async = result_alias(tinkex.RestClient.list_training_runs)
        get_training_run_async = result_alias(tinkex.RestClient.get_training_run)
        get_training_run_by_tinker_path_async = result_alias(
            tinkex.RestClient.get_training_run_by_tinker_path
        )
        list_checkpoints_async = result_alias(tinkex.RestClient.list_checkpoints)
        list_user_checkpoints_async = result_alias(tinkex.RestClient.list_user_checkpoints)
        delete_checkpoint_async = result_alias(tinkex.RestClient.delete_checkpoint)
        delete_checkpoint_from_tinker_path_async = result_alias(
            tinkex.RestClient.delete_checkpoint_from_tinker_path
        )
        publish_checkpoint_from_tinker_path_async = result_alias(
            tinkex.RestClient.publish_checkpoint_from_tinker_path
        )
        unpublish_checkpoint_from_tinker_path_async = result_alias(
            tinkex.RestClient.unpublish_checkpoint_from_tinker_path
        )
        set_checkpoint_ttl_from_tinker_path_async = result_alias(
            tinkex.RestClient.set_checkpoint_ttl_from_tinker_path
        )
        get_external_weights_urls_async = result_alias(tinkex.RestClient.get_external_weights_urls)
        copy_weights_async = result_alias(tinkex.RestClient.copy_weights)
        list_sessions_async = result_alias(tinkex.RestClient.list_sessions)
        get_session_async = result_alias(tinkex.RestClient.get_session)
        assign_session_project_async = result_alias(tinkex.RestClient.assign_session_project)
        export_session_trace_async = result_alias(tinkex.RestClient.export_session_trace)
        get_sampler_async = result_alias(tinkex.RestClient.get_sampler)
        get_audit_log_async = result_alias(tinkex.RestClient.get_audit_log)
        get_billing_usage_async = result_alias(tinkex.RestClient.get_billing_usage)
        get_current_checkpoint_storage_usage_async = result_alias(
            tinkex.RestClient.get_current_checkpoint_storage_usage
        )
    else:
        list_training_runs_async = Alias("list_training_runs", "result")
        get_training_run_async = Alias("get_training_run", "result")
        get_training_run_by_tinker_path_async = Alias("get_training_run_by_tinker_path", "result")
        list_checkpoints_async = Alias("list_checkpoints", "result")
        list_user_checkpoints_async = Alias("list_user_checkpoints", "result")
        delete_checkpoint_async = Alias("delete_checkpoint", "result")
        delete_checkpoint_from_tinker_path_async = Alias(
            "delete_checkpoint_from_tinker_path", "result"
        )
        publish_checkpoint_from_tinker_path_async = Alias(
            "publish_checkpoint_from_tinker_path", "result"
        )
        unpublish_checkpoint_from_tinker_path_async = Alias(
            "unpublish_checkpoint_from_tinker_path", "result"
        )
        set_checkpoint_ttl_from_tinker_path_async = Alias(
            "set_checkpoint_ttl_from_tinker_path", "result"
        )
        get_external_weights_urls_async = Alias("get_external_weights_urls", "result")
        copy_weights_async = Alias("copy_weights", "result")
        list_sessions_async = Alias("list_sessions", "result")
        get_session_async = Alias("get_session", "result")
        assign_session_project_async = Alias("assign_session_project", "result")
        export_session_trace_async = Alias("export_session_trace", "result")
        get_sampler_async = Alias("get_sampler", "result")
        get_audit_log_async = Alias("get_audit_log", "result")
        get_billing_usage_async = Alias("get_billing_usage", "result")
        get_current_checkpoint_storage_usage_async = Alias(
            "get_current_checkpoint_storage_usage", "result"
        )


class APIFutureOfficialNames:
    """The official SDK's names of `tinkex.APIFuture` methods, and its old arguments.

    Listed first among the bases of `tinkex.APIFuture` (so a wrapper of a deprecated argument comes
    before the method it wraps).
    """

    if TYPE_CHECKING:
        result_async = result_alias(tinkex.APIFuture.result)
        coroutine = result_alias(tinkex.APIFuture.result)
    else:
        result_async = Alias("result", "result")
        coroutine = Alias("result", "result")
