"""The six seed calls of the spec, written out for each side as the source text that is run.

Each call is ``setup`` (run once: imports, registry look-ups, fleet construction) and ``expr``
(the timed expression: solver construction where the spec constructs one, plus ``solve``).
Registry entries are resolved in setup on both sides, so the timing is the solve itself and not
the registry look-up. ``check`` is evaluated once on the result ``r`` to show that both sides
answered the same question (a headline number in a fixed unit). The text is recorded verbatim in
the results, so the JSON says exactly what was called on each side.

Ours follows the spec literally. The reference (``mlsysim`` 0.3.0 from PyPI) differs:
- ``Models.ResNet50`` is ``Models.Vision.ResNet50`` there;
- the solver classes are not top-level: they live in ``mlsysim.solvers``;
- results are attribute objects, not subscriptable (``r.ttft``, not ``r['ttft']``);
- it has no ``Systems.Clusters.H100_8/H100_64/H100_256``: they are built with its own ``Fleet``
  constructor from its ``Nodes.DGX_H100`` (8x H100 SXM) and ``Fabrics.InfiniBand_NDR``, with 1, 8
  and 32 nodes, matching our catalog's clusters (DGX H100 nodes on InfiniBand NDR);
- ``Infra.Grids.Quebec`` is ``Infrastructure.Grids.Quebec``; its sustainability solver accepts the
  grid as ``datacenter=`` (PUE and WUE come from the grid there, a known defect).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedCall:
    """One benchmarked call: run ``setup`` once, then time ``expr``; ``check`` reads the result."""

    setup: str
    expr: str
    check: str
    check_unit: str


ORDER = ("roofline", "serving", "distributed", "economics", "sustainability", "reliability")
LABELS = {
    "roofline": "ResNet-50, A100, batch 1, fp16",
    "serving": "Llama3-70B, H100, seq 4096, batch 1",
    "distributed": "Llama3-70B, H100_64, b512 tp8 pp4 mb16",
    "economics": "H100_8, 365 days, $0.08/kWh",
    "sustainability": "H100_256, 30 days, Quebec",
    "reliability": "H100_256, 720 h, checkpoint 120 s",
}

_OURS_IMPORTS = (
    "import mlsysim\n"
    "from mlsysim import Engine, ServingModel, DistributedModel, EconomicsModel, "
    "SustainabilityModel, ReliabilityModel\n"
)
REF_IMPORTS = (
    "import mlsysim\n"
    "from mlsysim import Engine\n"
    "from mlsysim.solvers import ServingModel, DistributedModel, EconomicsModel, "
    "SustainabilityModel, ReliabilityModel\n"
    "from mlsysim.systems.types import Fleet\n"
    "_node = mlsysim.Systems.Nodes.DGX_H100\n"
    "_ndr = mlsysim.Systems.Fabrics.InfiniBand_NDR\n"
)


def _ref_fleet(name: str, nodes: int) -> str:
    return f"fleet = Fleet(name='{name}', node=_node, count={nodes}, fabric=_ndr)\n"


OURS: dict[str, SeedCall] = {
    "roofline": SeedCall(
        _OURS_IMPORTS + "model = mlsysim.Models.ResNet50\nhardware = mlsysim.Hardware.Cloud.A100\n",
        "Engine.solve(model=model, hardware=hardware, batch_size=1, precision='fp16')",
        "r.latency.to('ms').magnitude",
        "ms",
    ),
    "serving": SeedCall(
        _OURS_IMPORTS
        + "model = mlsysim.Models.Language.Llama3_70B\nhardware = mlsysim.Hardware.Cloud.H100\n",
        "ServingModel().solve(model=model, hardware=hardware, seq_len=4096, batch_size=1)",
        "r['ttft'].to('ms').magnitude",
        "ms (TTFT)",
    ),
    "distributed": SeedCall(
        _OURS_IMPORTS
        + "model = mlsysim.Models.Language.Llama3_70B\nfleet = mlsysim.Systems.Clusters.H100_64\n",
        "DistributedModel().solve(model=model, fleet=fleet, batch_size=512, precision='fp16', "
        "tp_size=8, pp_size=4, microbatch_count=16)",
        "r['step_latency_total'].to('ms').magnitude",
        "ms (step)",
    ),
    "economics": SeedCall(
        _OURS_IMPORTS + "fleet = mlsysim.Systems.Clusters.H100_8\n",
        "EconomicsModel().solve(fleet=fleet, duration_days=365, kwh_price=0.08)",
        "float(r['tco_usd'])",
        "USD (TCO)",
    ),
    "sustainability": SeedCall(
        _OURS_IMPORTS
        + "fleet = mlsysim.Systems.Clusters.H100_256\ngrid = mlsysim.Infra.Grids.Quebec\n",
        "SustainabilityModel().solve(fleet=fleet, duration_days=30, datacenter=grid)",
        "r['carbon_footprint_kg'].to('kg').magnitude",
        "kg CO2e",
    ),
    "reliability": SeedCall(
        _OURS_IMPORTS + "fleet = mlsysim.Systems.Clusters.H100_256\n",
        "ReliabilityModel().solve(fleet=fleet, job_duration_hours=720, checkpoint_time_s=120.0)",
        "r['fleet_mtbf'].to('hour').magnitude",
        "h (fleet MTBF)",
    ),
}

REFERENCE: dict[str, SeedCall] = {
    "roofline": SeedCall(
        REF_IMPORTS
        + "model = mlsysim.Models.Vision.ResNet50\nhardware = mlsysim.Hardware.Cloud.A100\n",
        OURS["roofline"].expr,
        OURS["roofline"].check,
        "ms",
    ),
    "serving": SeedCall(
        REF_IMPORTS
        + "model = mlsysim.Models.Language.Llama3_70B\nhardware = mlsysim.Hardware.Cloud.H100\n",
        OURS["serving"].expr,
        "r.ttft.to('ms').magnitude",
        "ms (TTFT)",
    ),
    "distributed": SeedCall(
        REF_IMPORTS + "model = mlsysim.Models.Language.Llama3_70B\n" + _ref_fleet("H100_64", 8),
        OURS["distributed"].expr,
        "r.step_latency_total.to('ms').magnitude",
        "ms (step)",
    ),
    "economics": SeedCall(
        REF_IMPORTS + _ref_fleet("H100_8", 1),
        OURS["economics"].expr,
        "float(r.tco_usd)",
        "USD (TCO)",
    ),
    "sustainability": SeedCall(
        REF_IMPORTS + _ref_fleet("H100_256", 32) + "grid = mlsysim.Infrastructure.Grids.Quebec\n",
        OURS["sustainability"].expr,
        "float(r.carbon_footprint_kg)",
        "kg CO2e",
    ),
    "reliability": SeedCall(
        REF_IMPORTS + _ref_fleet("H100_256", 32),
        OURS["reliability"].expr,
        "r.fleet_mtbf.to('hour').magnitude",
        "h (fleet MTBF)",
    ),
}

SIDES = {"ours": OURS, "reference": REFERENCE}
