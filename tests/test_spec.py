"""Every code block of the user-facing spec runs verbatim and prints numbers checked by hand."""

from __future__ import annotations

import contextlib
import io
import re

import pint
import pytest
from spec_blocks import code_blocks


@pytest.fixture(scope="module")
def blocks() -> list[str]:
    """The spec's code blocks (the spec lives in ../shared: skipped without it, failed under CI)."""
    return code_blocks()


def run(block: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "<spec>", "exec"), {})
    return out.getvalue()


def numbers(line: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"-?\d[\d,]*\.?\d*", line)]


def test_spec_has_the_nine_blocks_of_the_page(blocks):
    assert len(blocks) == 9
    assert "Engine.solve" in blocks[0] and "PowerEfficiencyModel" in blocks[7]


def test_roofline_block(blocks):
    out = run(blocks[0]).splitlines()
    # ResNet-50 at batch 1 on A100: 50 layers, one kernel each, x kernel_overhead 8 us
    # (catalog/assumptions.toml) = 0.40 ms, plus a memory-bound pass: 118.3 MB (25.6M fp16 weights
    # = 51.2 MB, and the activations written and read) at 2039 GB/s x 0.9 = 64.5 us; the compute,
    # 8.18 GFLOP at 312 TFLOP/s x its efficiency, is 57 us, so memory binds: 0.40 + 0.064 = 0.46 ms.
    bottleneck, latency = out[0].split(", ")
    assert bottleneck == "Memory"
    assert latency == "0.46 ms"
    # MFU = 8.18e9 FLOP / 0.4645 ms / 312e12 FLOP/s = 5.6 %; intensity = 8.18e9 / 118.3e6 = 69.14 FLOP/B
    mfu, intensity = numbers(out[1])[:2]
    assert mfu == 5.6 and intensity == 69.14
    assert "FLOPs/B" in out[1]


def test_serving_block(blocks):
    out = run(blocks[1]).splitlines()
    # KV = 2 * 80 layers * 8 kv heads * 128 * 4096 tokens * 2 B = 1.342e9 B -> "1.3 GB"
    assert out[2] == "KV-cache:   1.3 GB"
    # Weights 70.6e9 * 2 B = 141 GB > 80 GB: infeasible, ~180 % of device memory.
    assert out[3] == "Feasible:   False"
    assert 170 <= numbers(out[4])[0] <= 185
    ttft, itl = numbers(out[0])[0], numbers(out[1])[0]
    assert out[0].endswith(" ms") and out[1].endswith(" ms")
    # TTFT >= prefill FLOPs / peak: 2*70.6e9*4096 FLOP / 989.4e12 FLOP/s = 585 ms at 100 % of peak.
    assert 585 < ttft < 2000
    # ITL >= weights / bandwidth = 141.2 GB / 3.35 TB/s = 42.1 ms.
    assert 42.1 < itl < 80


def test_hardware_sweep_block(blocks):
    out = run(blocks[2]).splitlines()
    assert len(out) == 4
    throughputs = [numbers(line.split("ms")[-1])[0] for line in out]
    assert all(line.rstrip().endswith("img/s") for line in out)
    # H100 > A100 > T4 at batch 32, and the 275-TOPS-class Orin is slowest of the GPUs but the T4's peer.
    assert throughputs[0] > throughputs[1] > throughputs[2]
    assert throughputs[3] < throughputs[1]


def test_distributed_block(blocks):
    out = run(blocks[3]).splitlines()
    efficiency, dp, tp, bubble, step = (numbers(line)[0] for line in out)
    assert bubble == 15.8
    # Bubble (p-1)/(m+p-1) = 3/19 = 15.8 %.
    assert out[3].endswith("15.8%")
    assert 0 < efficiency < 100 and dp > 0 and tp > 0
    # Step >= compute alone: 512*2048 tokens * 6 * 70.6e9 FLOP (selective recomputation, the default,
    # re-runs only the core attention) / (64 * 989.4e12) = 7.0 s.
    assert step > 7000


def test_economics_block(blocks):
    out = run(blocks[4]).splitlines()
    tco, capex, opex = (numbers(line)[0] for line in out)
    assert tco == pytest.approx(capex + opex, abs=1.5)
    # CapEx: one DGX H100 at its catalog price, amortised over 4 years, one year's share.
    import mlsysim

    price = mlsysim.Systems.Nodes.DGX_H100.spec.price
    assert capex == pytest.approx(price / 4, abs=1)
    # OpEx energy: 10.2 kW * 0.8 load * 8760 h * PUE 1.1 * $0.08 = $6,289 plus 5 % maintenance.
    assert opex == pytest.approx(10.2 * 0.8 * 8760 * 1.1 * 0.08 + 0.05 * price, rel=1e-3)


def test_sustainability_block(blocks):
    out = run(blocks[5]).splitlines()
    carbon = [numbers(line.split("  ")[-3])[0] for line in out]
    # IT energy: 32 nodes * 10.2 kW * 0.8 * 720 h = 188,006 kWh; facility x1.1 = 206,807 kWh.
    # Water = IT energy * WUE 0.3 L/kWh = 56,402 L on each grid (WUE belongs to the facility).
    assert all(line.endswith("Water=56,402 L") for line in out)
    assert all("PUE=1.10" in line for line in out)
    assert carbon[0] < carbon[1] < carbon[2]


def test_reliability_block(blocks):
    out = run(blocks[6]).splitlines()
    mtbf, probability, interval, failures = (numbers(line)[-1] for line in out)
    # H100_256 = 32 DGX H100 nodes, 256 GPUs, 256 NICs; failures per hour by component (assumptions):
    # GPU 256/108,000 + memory 256/106,500 (the node's HBM3 figure) + NIC 256/1.28e6 + host 32/14,900
    # + switches 256/4.58e7 + software 256/119,000 = 0.009279 /h -> MTBF 107.8 h.
    assert mtbf == pytest.approx(107.8, abs=0.1)
    assert failures == pytest.approx(720 / 107.8, abs=0.05)
    assert probability == pytest.approx(100 * (1 - 2.718281828 ** (-720 / 107.8)), abs=0.1)
    # Young: sqrt(2 * 120 s * 107.8 h) = 161 min; Daly's refinement is a little shorter here.
    assert 148 < interval < 161


def test_custom_solver_block(blocks):
    namespace: dict = {}
    exec(compile(blocks[7], "<spec>", "exec"), namespace)
    import mlsysim

    result = namespace["PowerEfficiencyModel"]().solve(mlsysim.Hardware.Cloud.H100)
    # 989.4 TFLOP/s / 0.7 kW = 1413.4 TFLOPs/s/kW
    assert result["flops_per_watt"].magnitude == pytest.approx(989.4 / 0.7, rel=1e-9)
    assert result["device"] == mlsysim.Hardware.Cloud.H100.name


def test_type_safety_block(blocks):
    import mlsysim

    statements = blocks[8].splitlines()
    namespace = {"mlsysim": mlsysim}
    exec(statements[0], namespace)
    assert f"{eval(statements[1].split('#')[0], namespace)}" == "312.0 TFLOPs/s"
    assert f"{eval(statements[2].split('#')[0], namespace):.1f}" == "2.0 TB/s"
    with pytest.raises(pint.DimensionalityError):
        eval(statements[3].split("#")[0], namespace)
