"""Flows: async orchestration over the ports.

The request pipeline (`tinkex.flows.invoker.PipelineInvoker`) lives here with the wrappers it
composes per endpoint feature: HTTP-level and outer retries, the billing pause, the circuit
breaker, the rate limiter, structured logging and OpenTelemetry tracing. Flows may implement a
port by composing other ports; they never import aiohttp or msgspec.json.
"""
