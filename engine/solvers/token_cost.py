"""Cost per token of a serving deployment, input and output tokens priced apart.

The deployment costs C USD per calendar second (its accelerators owned or rented,
``mlsysim.solvers.ownership``) and, while busy, processes ``input_tokens_per_s`` prompt tokens and
generates ``output_tokens_per_s`` tokens; it is busy a fraction u of the time. A share s of busy
time goes to prefill (the prompt), the rest to decode (the output), and each kind of token carries
the cost of the time spent on it:

    input cost per token  = C · s / (input rate · u),
    output cost per token = C · (1 − s) / (output rate · u),
    cost per token        = C / ((input rate + output rate) · u),

so input tokens × input price + output tokens × output price = C exactly. For static batching
(``ServingModel``) a batch of B requests of S prompt and n output tokens completes every
T = TTFT + (n − 1)·ITL: input rate B·S/T, output rate B·n/T, prefill share TTFT/T.
"""

from __future__ import annotations

from typing import Any, NamedTuple

TOKENS_PER_MILLION = 1e6
SECONDS_PER_HOUR = 3600.0

__all__ = [
    "TOKENS_PER_MILLION",
    "TokenCost",
    "TokenCostEstimate",
    "serving_token_cost_core",
    "static_batch_rates",
    "token_cost_core",
]


class TokenCost(NamedTuple):
    """USD per token (blended, input, output) and the effective token rates (tokens per calendar
    second, at the utilisation)."""

    cost_per_token: float
    input_cost_per_token: float
    output_cost_per_token: float
    tokens_per_s: float
    input_tokens_per_s: float
    output_tokens_per_s: float


def token_cost_core(
    *,
    cost_rate: Any,
    input_tokens_per_s: Any,
    output_tokens_per_s: Any,
    prefill_share: Any,
    utilization: Any,
) -> TokenCost:
    """Per-token costs of a deployment costing ``cost_rate`` USD per calendar second (scalars or
    numpy arrays)."""
    input_rate = input_tokens_per_s * utilization
    output_rate = output_tokens_per_s * utilization
    return TokenCost(
        cost_per_token=cost_rate / (input_rate + output_rate),
        input_cost_per_token=cost_rate * prefill_share / input_rate,
        output_cost_per_token=cost_rate * (1.0 - prefill_share) / output_rate,
        tokens_per_s=input_rate + output_rate,
        input_tokens_per_s=input_rate,
        output_tokens_per_s=output_rate,
    )


def static_batch_rates(
    *, ttft: Any, itl: Any, batch: Any, seq_len: Any, output_len: Any
) -> tuple[Any, Any, Any]:
    """(input tokens/s, output tokens/s, prefill share) of one replica serving static batches."""
    cycle = ttft + (output_len - 1) * itl
    return batch * seq_len / cycle, batch * output_len / cycle, ttft / cycle


class TokenCostEstimate(NamedTuple):
    """A serving deployment's token prices (USD per million tokens), its cost (USD per calendar
    hour, all accelerators; and per accelerator) and its effective token rates (tokens per calendar
    second at the utilisation). ``pricing`` says how the accelerators are priced and
    ``price_date`` when a rental price was read (empty when owned)."""

    cost_per_million_tokens_usd: float
    input_cost_per_million_tokens_usd: float
    output_cost_per_million_tokens_usd: float
    cost_per_hour_usd: float
    accelerator_hour_usd: float
    tokens_per_s: float
    input_tokens_per_s: float
    output_tokens_per_s: float
    prefill_share: float
    utilization: float
    accelerators: float
    pricing: str = ""
    price_date: str = ""
    feasible: bool = True
    constraint: str = ""


def serving_token_cost_core(
    *,
    ttft: Any,
    itl: Any,
    batch: Any,
    seq_len: Any,
    output_len: Any,
    replicas: Any,
    tp: Any,
    accelerator_cost_rate: Any,
    utilization: Any,
) -> TokenCostEstimate:
    """Token prices of ``replicas`` static-batching replicas of ``tp`` accelerators, each costing
    ``accelerator_cost_rate`` USD per calendar second (scalars or numpy arrays)."""
    input_rate, output_rate, share = static_batch_rates(
        ttft=ttft, itl=itl, batch=batch, seq_len=seq_len, output_len=output_len
    )
    accelerators = replicas * tp
    cost_rate = accelerators * accelerator_cost_rate
    cost = token_cost_core(
        cost_rate=cost_rate,
        input_tokens_per_s=input_rate * replicas,
        output_tokens_per_s=output_rate * replicas,
        prefill_share=share,
        utilization=utilization,
    )
    return TokenCostEstimate(
        cost_per_million_tokens_usd=cost.cost_per_token * TOKENS_PER_MILLION,
        input_cost_per_million_tokens_usd=cost.input_cost_per_token * TOKENS_PER_MILLION,
        output_cost_per_million_tokens_usd=cost.output_cost_per_token * TOKENS_PER_MILLION,
        cost_per_hour_usd=cost_rate * SECONDS_PER_HOUR,
        accelerator_hour_usd=accelerator_cost_rate * SECONDS_PER_HOUR,
        tokens_per_s=cost.tokens_per_s,
        input_tokens_per_s=cost.input_tokens_per_s,
        output_tokens_per_s=cost.output_tokens_per_s,
        prefill_share=share,
        utilization=utilization,
        accelerators=accelerators,
    )
