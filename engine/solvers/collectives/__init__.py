"""Collective communication: closed forms per algorithm (``alphabeta``), NCCL's choice of algorithm
and protocol inside a scale-up domain (``scale_up``) and across nodes (``multi_node``), and the
scale-up topologies (``topology``). Every function works on scalars (``ops.SCALAR``) and on numpy
arrays (the sweeps' ``ARRAY``), so the scalar solvers and the sweeps share one equation."""

from .alphabeta import point_to_point, ring_allgather, ring_allreduce, tree_allreduce
from .scale_up import ALGORITHMS, Choice
from .topology import DEFAULT_TOPOLOGY, TOPOLOGIES, topology_code

__all__ = [
    "ALGORITHMS",
    "DEFAULT_TOPOLOGY",
    "TOPOLOGIES",
    "Choice",
    "point_to_point",
    "ring_allgather",
    "ring_allreduce",
    "topology_code",
    "tree_allreduce",
]
