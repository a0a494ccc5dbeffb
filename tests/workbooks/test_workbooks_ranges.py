"""The Ranges and Sensitivity sheets: band columns equal the Python ranges, the tornado is ranked
and charted natively (LibreOffice reads it as a horizontal bar chart), and the About sheet says
where the ranges come from."""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree

import mlsysim
import openpyxl
import pytest
from mlsysim.api.pricing import node_share, site_tariff
from mlsysim.api.ranges import RangesModel
from mlsysim.api.site import resolve_site
from mlsysim.hardware.types import HardwareSpec
from mlsysim.ranges.bands import band
from mlsysim.ranges.composites import node_share_tco_composite, site_carbon_composite
from mlsysim.ranges.families import FAMILIES
from mlsysim.ranges.propagate import monte_carlo
from mlsysim.workbooks.scenarios import load_scenarios
from wbtest_support import computed_plan, libreoffice

CATALOG = mlsysim.load_catalog()


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    path = computed_plan(tmp_path_factory)
    return path, openpyxl.load_workbook(path, data_only=True)


def _columns(ws) -> dict[str, int]:
    return {ws.cell(3, c).value: c for c in range(1, ws.max_column + 1)}


def test_band_columns_equal_the_python_ranges(plan):
    _, book = plan
    ws, s = book["Ranges"], load_scenarios(None, CATALOG).serving[0]
    col = _columns(ws)
    result = mlsysim.ServingModel(CATALOG).solve(
        s.model, s.hardware, s.prompt_tokens, s.batch, s.precision or None, tp_size=s.tp
    )
    ttft = result.range("ttft")
    assert ws.cell(4, col["TTFT (ms)"]).value == pytest.approx(result.ttft.to("ms").magnitude, rel=1e-9)
    assert ws.cell(4, col["TTFT P10 (ms)"]).value == pytest.approx(ttft.low.to("ms").magnitude, rel=1e-9)
    assert ws.cell(4, col["TTFT P90 (ms)"]).value == pytest.approx(ttft.high.to("ms").magnitude, rel=1e-9)
    itl_p90 = result.itl.to("ms").magnitude * band("itl").ratio(0.9)
    assert ws.cell(4, col["ITL P90 (ms)"]).value == pytest.approx(itl_p90, rel=1e-9)
    # the TCO band is the row's relative Monte Carlo band of its node share over the spreads, and
    # a serving row's cost per token (TCO over the fixed peak traffic) carries the same band
    share = node_share(CATALOG, CATALOG.spec("hardware", s.hardware, HardwareSpec))
    tariff, facility = site_tariff(CATALOG, s.region, None, None)
    r = monte_carlo(
        node_share_tco_composite(
            price=share.price, power=share.power, tariff=tariff, pue=facility.pue, accelerators=1.0,
            days=365.0, utilization=1.0, a=CATALOG.assumptions,
        )
    )  # fmt: skip
    assert ws.cell(4, col["TCO P90 / base"]).value == pytest.approx(r.high / r.base, rel=1e-12)
    assert ws.cell(4, col["USD/Mtok P90 / base"]).value == pytest.approx(r.high / r.base, rel=1e-12)
    mtok = ws.cell(4, col["USD per million tokens"]).value
    assert ws.cell(4, col["USD/Mtok P90"]).value == pytest.approx(mtok * r.high / r.base, rel=1e-9)
    # emissions: the row's site band over utilisation, power, PUE and grid intensity
    grid, facility = resolve_site(CATALOG, s.region)
    co2 = monte_carlo(
        site_carbon_composite(
            power=1.0, carbon_intensity=grid.carbon_intensity, pue=facility.pue, days=365.0,
            utilization=1.0, a=CATALOG.assumptions,
        )
    )  # fmt: skip
    emissions = ws.cell(4, col["Emissions (tCO2e)"]).value
    assert ws.cell(4, col["Emissions P10 (tCO2e)"]).value == pytest.approx(
        emissions * co2.low / co2.base, rel=1e-9
    )
    # replicas: the capacity plan of the traffic scaled by the throughput band, as RangesModel
    plan = RangesModel(CATALOG).solve(
        "capacity", model=s.model, hardware=s.hardware, arrival_rate=s.peak_rps, prompt_len=s.prompt_tokens,
        output_len=s.output_tokens, ttft_target=s.ttft_target_ms / 1e3, itl_target=s.itl_target_ms / 1e3,
        percentile=s.percentile, precision=s.precision or None, tp_size=s.tp,
    ).range("replicas")  # fmt: skip
    assert ws.cell(4, col["Replicas needed"]).value == plan.value
    assert (ws.cell(4, col["Replicas P10"]).value, ws.cell(4, col["Replicas P90"]).value) == (
        plan.low,
        plan.high,
    )
    assert ws.cell(4, col["TCO P10 (USD)"]).value < ws.cell(4, col["TCO for the period (USD)"]).value
    # training rows have no serving latency: empty, not zero
    first_training = 4 + len(load_scenarios(None, CATALOG).serving)
    assert ws.cell(first_training, col["TTFT P10 (ms)"]).value in (None, "")
    assert (
        ws.cell(first_training, col["TCO P90 (USD)"]).value
        > ws.cell(first_training, col["TCO for the period (USD)"]).value
    )


def test_sensitivity_ranks_drivers_and_states_the_bands(plan):
    _, book = plan
    ws = book["Sensitivity"]
    rows = list(ws.iter_rows(values_only=True))
    families = {r[0]: r for r in rows[5 : 5 + len(FAMILIES)]}
    assert families["ttft"][1] == band("ttft").cases and families["ttft"][3] == pytest.approx(
        band("ttft").ratio(0.1)
    )
    assert families["energy"][3] == "no validated range"
    header = next(i for i, r in enumerate(rows) if r[0] == "Driver")
    bars = []
    for r in rows[header + 1 :]:
        if r[0] is None:
            break
        bars.append(r)
    swings = [b[5] for b in bars]
    assert swings == sorted(swings, reverse=True) and len(bars) >= 5
    s = load_scenarios(None, CATALOG).serving[0]
    report = RangesModel(CATALOG).solve(
        "token_cost", model=s.model, hardware=s.hardware, seq_len=s.prompt_tokens, batch_size=s.batch,
        precision=s.precision or None, output_len=s.output_tokens, tp_size=s.tp, datacenter=s.region,
    )  # fmt: skip
    assert rows[header - 1][1] == pytest.approx(report.composite.base, rel=1e-12)
    assert [b[0] for b in bars] == [b.label for b in report.tornado]
    # the chart's deltas are formulas with cached values: at high minus base
    assert bars[0][7] == pytest.approx(bars[0][4] - report.composite.base, rel=1e-9, abs=1e-12)


def test_tornado_charts_are_native_horizontal_bars(plan, tmp_path):
    path, _ = plan
    with zipfile.ZipFile(path) as z:
        charts = [ElementTree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("xl/charts/chart")]
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    values = ".//c:ser/c:val/c:numRef/c:f"
    tornadoes = [
        c for c in charts if any((f.text or "").startswith("'Sensitivity'!") for f in c.findall(values, ns))
    ]
    assert len(tornadoes) == 3  # cost per Mtok, TCO, run cost
    for chart in tornadoes:
        assert chart.find(".//c:barChart/c:barDir", ns).get("val") == "bar"
        assert len(chart.findall(".//c:ser", ns)) == 2
    # LibreOffice opens them as its own bar charts on the same cells
    (ods,) = libreoffice([path], "ods", tmp_path, recalculate=False)
    with zipfile.ZipFile(ods) as z:
        objects = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"Object \d+/content.xml", n)]
    drawn = [o for o in objects if "Sensitivity.G" in o]
    assert len(drawn) == 3
    assert all('chart:class="chart:bar"' in o and 'chart:vertical="true"' in o for o in drawn)


def test_about_says_where_the_ranges_come_from(plan):
    _, book = plan
    text = " ".join(str(c.value) for row in book["About"].iter_rows() for c in row if c.value)
    assert "leave-one-out" in text and "[spreads]" in text and "Sensitivity sheet" in text
