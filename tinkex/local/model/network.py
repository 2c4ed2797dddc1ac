"""The tiny causal LM: a windowed attention + MLP network with LoRA adapters, in float64.

For each position t the network sees the window of the last ``window`` tokens
``tokens[t-window+1 .. t]`` (left-padded with BOS), so its context is a fixed window::

    X_j    = E[w_j] + P_j                          j = 0 .. window-1 (frozen embeddings)
    attn   = softmax_j((X_last Wq)·(X_j Wk) / √a) weighted sum of X_j Wv, then · Wo
    h      = tanh([X_0 .. X_last, attn] W1 + b1)
    logits = (h W2) U + c

The base weights are frozen. ``W ∈ {Wq, Wk, Wv, Wo}`` (attention), ``{W1, W2}`` (MLP) and ``U``
(unembedding) carry adapters: the effective matrix is ``W + A·B`` (LoRA with ``alpha = rank``,
so the scale is 1), ``A`` uniform in ``±1/√fan_in``, ``B`` zero, so a fresh adapter is the base.
Gradients come in closed form; because embeddings are frozen, backprop stops at ``X``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from tinkex.local.model.tokenizer import BOS_ID, EOS_ID, VOCAB_SIZE

__all__ = [
    "ADAPTER_GROUPS",
    "Activations",
    "NetworkShape",
    "adapter_targets",
    "backward",
    "effective_weights",
    "forward",
    "init_base",
    "init_lora",
    "lora_gradients",
    "seed_from_name",
    "windows_for",
]

ADAPTER_GROUPS: dict[str, tuple[str, ...]] = {
    "attn": ("wq", "wk", "wv", "wo"),
    "mlp": ("w1", "w2"),
    "unembed": ("unembed",),
}


@dataclass(frozen=True)
class NetworkShape:
    """Sizes of the network.

    Attributes:
        embed_dim: Token embedding width.
        window: How many previous tokens (the current one included) each position sees.
        attn_dim: Width of the attention query/key/value projections.
        hidden: Width of the MLP hidden layer.
    """

    embed_dim: int = 48
    window: int = 8
    attn_dim: int = 32
    hidden: int = 192


@dataclass(frozen=True)
class Activations:
    """What the forward pass keeps for the backward pass.

    Attributes:
        x: ``[N, window, d]`` window embeddings.
        q: ``[N, a]`` queries.
        k: ``[N, window, a]`` keys.
        v: ``[N, window, a]`` values.
        alpha: ``[N, window]`` attention weights.
        ctx: ``[N, a]`` attention context.
        u: ``[N, window*d + d]`` MLP input.
        h: ``[N, hidden]`` MLP hidden activations.
        m: ``[N, d]`` MLP output.
        logprobs: ``[N, V]`` log-softmax of the logits.
    """

    x: np.ndarray
    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    alpha: np.ndarray
    ctx: np.ndarray
    u: np.ndarray
    h: np.ndarray
    m: np.ndarray
    logprobs: np.ndarray


def seed_from_name(name: str) -> int:
    """Derive a 64-bit seed from a string through SHA-256.

    Args:
        name: Any string, e.g. a base model name.

    Returns:
        A non-negative seed.
    """
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def init_base(shape: NetworkShape, seed: int) -> dict[str, np.ndarray]:
    """Create deterministic random base weights.

    Args:
        shape: Network sizes.
        seed: RNG seed (from the base model name).

    Returns:
        The frozen base weights by name.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    d, a, n, hid = shape.embed_dim, shape.attn_dim, shape.window, shape.hidden
    fan_in = n * d + d

    def normal(rows: int, cols: int, std: float) -> np.ndarray:
        return rng.standard_normal((rows, cols)) * std

    # A prior over bytes so a fresh model babbles mostly lowercase text and sometimes ends.
    bias = np.zeros(VOCAB_SIZE)
    bias[32:127] = 2.0
    bias[[ord(" "), *range(ord("a"), ord("z") + 1)]] = 3.0
    bias[EOS_ID] = 1.0
    bias[BOS_ID] = -10.0
    return {
        "embed": normal(VOCAB_SIZE, d, 0.7),
        "pos": normal(n, d, 0.3),
        "wq": normal(d, a, d**-0.5),
        "wk": normal(d, a, d**-0.5),
        "wv": normal(d, a, d**-0.5),
        "wo": normal(a, d, a**-0.5),
        "w1": normal(fan_in, hid, fan_in**-0.5),
        "b1": np.zeros(hid),
        "w2": normal(hid, d, hid**-0.5),
        "unembed": normal(d, VOCAB_SIZE, 0.1),
        "out_bias": bias,
    }


def adapter_targets(*, train_attn: bool, train_mlp: bool, train_unembed: bool) -> tuple[str, ...]:
    """Name the base matrices that carry adapters.

    Args:
        train_attn: Adapt the attention projections.
        train_mlp: Adapt the MLP matrices.
        train_unembed: Adapt the unembedding.

    Returns:
        Matrix names in a fixed order.

    Raises:
        ValueError: All three flags are false.
    """
    chosen = {"attn": train_attn, "mlp": train_mlp, "unembed": train_unembed}
    names = tuple(n for group, on in chosen.items() if on for n in ADAPTER_GROUPS[group])
    if not names:
        raise ValueError("at least one of train_mlp/train_attn/train_unembed must be true")
    return names


def init_lora(
    base: dict[str, np.ndarray], targets: tuple[str, ...], rank: int, seed: int
) -> dict[str, np.ndarray]:
    """Create LoRA adapters: ``A`` uniform in ``±1/√fan_in``, ``B`` zero.

    Args:
        base: Base weights.
        targets: Names of the adapted matrices.
        rank: Adapter rank.
        seed: RNG seed of the ``A`` matrices.

    Returns:
        Parameters named ``"<matrix>.lora_a"`` and ``"<matrix>.lora_b"``.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    params: dict[str, np.ndarray] = {}
    for name in targets:
        rows, cols = base[name].shape
        bound = rows**-0.5
        params[f"{name}.lora_a"] = rng.uniform(-bound, bound, (rows, rank))
        params[f"{name}.lora_b"] = np.zeros((rank, cols))
    return params


def effective_weights(
    base: dict[str, np.ndarray], lora: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Merge adapters into the base: ``W + A·B`` for every adapted matrix.

    Args:
        base: Base weights.
        lora: Adapter parameters.

    Returns:
        Weights to run the network with.
    """
    merged = dict(base)
    for key, a in lora.items():
        if key.endswith(".lora_a"):
            name = key.removesuffix(".lora_a")
            merged[name] = base[name] + a @ lora[f"{name}.lora_b"]
    return merged


def windows_for(tokens: np.ndarray, window: int) -> np.ndarray:
    """Build the ``[T, window]`` context windows of one sequence, left-padded with BOS.

    Args:
        tokens: int ``[T]`` token ids.
        window: Window length.

    Returns:
        int64 ``[T, window]``; row t ends with ``tokens[t]``.
    """
    if tokens.shape[0] == 0:
        return np.zeros((0, window), dtype=np.int64)
    padded = np.concatenate([np.full(window - 1, BOS_ID, np.int64), tokens.astype(np.int64)])
    return np.lib.stride_tricks.sliding_window_view(padded, window).copy()


def forward(weights: dict[str, np.ndarray], windows: np.ndarray) -> Activations:
    """Run the network on context windows.

    Args:
        weights: Effective weights.
        windows: int ``[N, window]`` token windows.

    Returns:
        The activations, including next-token log-probabilities ``[N, V]``.
    """
    n_rows = windows.shape[0]
    x = weights["embed"][windows] + weights["pos"][None, :, :]
    q = x[:, -1, :] @ weights["wq"]
    k = x @ weights["wk"]
    v = x @ weights["wv"]
    scores = np.einsum("nja,na->nj", k, q) / np.sqrt(q.shape[1])
    scores -= scores.max(axis=1, keepdims=True)
    alpha = np.exp(scores)
    alpha /= alpha.sum(axis=1, keepdims=True)
    ctx = np.einsum("nj,nja->na", alpha, v)
    u = np.concatenate([x.reshape(n_rows, x.shape[1] * x.shape[2]), ctx @ weights["wo"]], axis=1)
    h = np.tanh(u @ weights["w1"] + weights["b1"])
    m = h @ weights["w2"]
    logits = m @ weights["unembed"] + weights["out_bias"]
    logits -= logits.max(axis=1, keepdims=True)
    logprobs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return Activations(x, q, k, v, alpha, ctx, u, h, m, logprobs)


def backward(
    weights: dict[str, np.ndarray], acts: Activations, targets: np.ndarray, grad_logp: np.ndarray
) -> dict[str, np.ndarray]:
    """Backpropagate ``∂L/∂logp[n, targets[n]]`` to the adaptable matrices.

    Args:
        weights: Effective weights used in the forward pass.
        acts: Forward activations.
        targets: int ``[N]`` target tokens.
        grad_logp: float ``[N]`` gradient of the loss w.r.t. each target log-probability.

    Returns:
        ``∂L/∂W`` for every adaptable matrix.
    """
    n_rows = targets.shape[0]
    # d logp[y] / d logits = onehot(y) - softmax
    dlogits = -np.exp(acts.logprobs) * grad_logp[:, None]
    dlogits[np.arange(n_rows), targets] += grad_logp
    grads = {"unembed": acts.m.T @ dlogits}
    dm = dlogits @ weights["unembed"].T
    grads["w2"] = acts.h.T @ dm
    dz = (dm @ weights["w2"].T) * (1.0 - acts.h**2)
    grads["w1"] = acts.u.T @ dz
    d_attn = (dz @ weights["w1"].T)[:, -weights["wo"].shape[1] :]
    grads["wo"] = acts.ctx.T @ d_attn
    dctx = d_attn @ weights["wo"].T
    dalpha = np.einsum("na,nja->nj", dctx, acts.v)
    dscores = acts.alpha * (dalpha - (acts.alpha * dalpha).sum(axis=1, keepdims=True))
    dscores /= np.sqrt(acts.q.shape[1])
    dv = acts.alpha[:, :, None] * dctx[:, None, :]
    dk = dscores[:, :, None] * acts.q[:, None, :]
    dq = np.einsum("nj,nja->na", dscores, acts.k)
    flat_x = acts.x.reshape(-1, acts.x.shape[2])
    grads["wq"] = acts.x[:, -1, :].T @ dq
    grads["wk"] = flat_x.T @ dk.reshape(flat_x.shape[0], -1)
    grads["wv"] = flat_x.T @ dv.reshape(flat_x.shape[0], -1)
    return grads


def lora_gradients(
    matrix_grads: dict[str, np.ndarray], lora: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Turn ``∂L/∂W`` into ``∂L/∂A = ∂L/∂W·Bᵀ`` and ``∂L/∂B = Aᵀ·∂L/∂W``.

    Args:
        matrix_grads: Gradients of the effective matrices.
        lora: Adapter parameters.

    Returns:
        Gradients keyed like ``lora``.
    """
    out: dict[str, np.ndarray] = {}
    for key, a in lora.items():
        if key.endswith(".lora_a"):
            name = key.removesuffix(".lora_a")
            b = lora[f"{name}.lora_b"]
            out[key] = matrix_grads[name] @ b.T
            out[f"{name}.lora_b"] = a.T @ matrix_grads[name]
    return out
