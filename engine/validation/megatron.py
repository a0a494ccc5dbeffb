"""The GPT parameter and FLOP counts Narayanan et al. (SC'21, arXiv 2104.04473) state their results in.

Eq. (2): ``P = 12·l·h²·(1 + 13/(12h) + (V + s)/(12·l·h))`` parameters for ``l`` layers of width ``h``,
vocabulary ``V`` and ``s`` learned positions. Eq. (3): ``F = 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h))``
FLOPs per iteration of batch ``B`` with full activation recomputation (four forward-sized passes
through the layers, non-causal attention counted in full, the logit layer forward and backward).
Their "achieved teraFLOP/s per GPU" is ``F`` / iteration time / GPUs.
"""

from __future__ import annotations


def gpt_parameters(layers: int, hidden: int, vocab: int, seq_len: int) -> float:
    """Eq. (2)."""
    return (
        12.0
        * layers
        * hidden**2
        * (1.0 + 13.0 / (12.0 * hidden) + (vocab + seq_len) / (12.0 * layers * hidden))
    )


def iteration_flops(batch: int, seq_len: int, layers: int, hidden: int, vocab: int) -> float:
    """Eq. (3)."""
    return (
        96.0
        * batch
        * seq_len
        * layers
        * hidden**2
        * (1.0 + seq_len / (6.0 * hidden) + vocab / (16.0 * layers * hidden))
    )
