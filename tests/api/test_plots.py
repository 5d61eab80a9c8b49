"""Figures, the HTML report, and the fundsim plot / report commands.

Each plot function is drawn from a small run (or a synthetic sweep / sensitivity Dataset) and
checked for its axes labels, the number of series, the warning bands and the title; the commands
run on the output of ``fundsim run``; the report holds every section.
"""

import base64
import json
import re

import matplotlib
import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from matplotlib.figure import Figure

import simulator
from simulator import plots
from simulator.cli import cli
from simulator.plots import PlotInputError
from simulator.report import SECTIONS, key_assumptions, render_report, write_report

BAND_NAMES = ("below_0", "0_3", "3_6", "6_9", "9_15", "above_15")
PATHS, HORIZON, SEED = 40, 12, 7


@pytest.fixture(scope="module")
def ds():
    return simulator.run("baseline", paths=PATHS, horizon=HORIZON, seed=SEED)


@pytest.fixture(scope="module")
def variant(ds):
    return simulator.run("baseline", paths=PATHS, horizon=HORIZON, seed=SEED, overrides=["employee.retiree_rate=0.02"])


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    """The output of ``fundsim run`` (through the command itself)."""
    out = tmp_path_factory.mktemp("run") / "r.nc"
    res = CliRunner().invoke(cli, ["run", "--paths", "30", "--horizon", "10", "--seed", "5", "--quiet", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def _labelled_lines(ax):
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]


def _gids(artists, prefix="band_"):
    return sorted(a.get_gid()[len(prefix):] for a in artists if (a.get_gid() or "").startswith(prefix))


def _title_ok(fig, name="baseline", seed=SEED, paths=PATHS):
    t = fig.get_suptitle()
    assert f"scenario {name}" in t and f"seed {seed}" in t and f"{paths} paths" in t, t


# ----------------------------------------------------------------------------- run figures


def test_fan_chart_panels_bands_series_and_labels(ds):
    fig = plots.fan_chart(ds)
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert [a.get_title() for a in axes] == ["Employee pooled fund", "Resident fund", "Both pooled funds combined"]
    for ax in axes:
        assert _gids(ax.patches) == sorted(BAND_NAMES)  # the six warning bands shaded
        assert len(ax.collections) == 2  # 5-95% and 25-75% fans
        assert [ln.get_label() for ln in _labelled_lines(ax)] == ["median"]
        assert ax.get_xlabel() == "year"
        lo, hi = ax.get_ylim()
        assert lo < 0 and hi > 15  # every band boundary is on the chart
        x = _labelled_lines(ax)[0].get_xdata()
        assert x[0] == ds["year"].values[0] and x[-1] == ds["year"].values[-1]
    assert "reserve months" in axes[0].get_ylabel()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "6-9 months: target" in legend and "below 0: exhausted" in legend and "median" in legend
    _title_ok(fig)
    # the median drawn is the summary's median
    med = simulator.summarize(ds)["reserve_months_quantile"].sel(fund="resident", quantile=0.5).values
    np.testing.assert_allclose(_labelled_lines(axes[1])[0].get_ydata(), med)


def test_fan_chart_one_fund_full_range_and_bad_fund(ds):
    fig = plots.fan_chart(ds, "resident", ylim="full")
    assert len(fig.axes) == 1
    q = simulator.summarize(ds)["reserve_months_quantile"].sel(fund="resident")
    lo, hi = fig.axes[0].get_ylim()
    assert lo <= float(q.sel(quantile=0.05).min()) and hi >= float(q.sel(quantile=0.95).max())
    with pytest.raises(ValueError, match="employee_accounts"):
        plots.fan_chart(ds, ["employee_accounts"])


def test_fan_chart_compares_scenarios(ds, variant):
    both = xr.concat([ds, variant], dim="scenario", combine_attrs="override").assign_coords(
        scenario=["baseline", "retiree 2%"])
    fig = plots.fan_chart(both, ["employee_pooled"])
    ax = fig.axes[0]
    assert [ln.get_label() for ln in _labelled_lines(ax)] == ["baseline (median)", "retiree 2% (median)"]
    assert "baseline vs retiree 2%" in fig.get_suptitle()
    assert len(plots.fan_chart(both, scenario="retiree 2%").axes) == 3
    with pytest.raises(ValueError, match="one of baseline, retiree 2%"):
        plots.flows(both)


def test_flows_series_units_and_funds(ds):
    fig = plots.flows(ds)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert [ln.get_label() for ln in _labelled_lines(ax)] == ["income (median)", "expenditure (median)"]
        assert len(ax.collections) == 2
        assert ax.get_xlabel() == "year"
    assert "billion yuan" in fig.axes[0].get_ylabel()
    _title_ok(fig)
    inc = _labelled_lines(fig.axes[0])[0].get_ydata()
    np.testing.assert_allclose(inc, ds["income"].sel(fund="employee_pooled").quantile(0.5, "path").values / 1e9)
    fig = plots.flows(ds, ["employee_accounts", "pooled_combined"])
    assert [a.get_title() for a in fig.axes] == ["Individual accounts", "Both pooled funds combined"]
    with pytest.raises(PlotInputError, match="nowhere"):
        plots.flows(ds, "nowhere")


def test_band_probabilities_stack_and_event_lines(ds):
    fig = plots.band_probabilities(ds)
    assert len(fig.axes) == 3
    s = simulator.summarize(ds)
    for ax, fund in zip(fig.axes, ["employee_pooled", "resident", "pooled_combined"]):
        assert _gids(ax.collections) == sorted(BAND_NAMES)
        lines = _labelled_lines(ax)
        assert len(lines) == 2
        np.testing.assert_allclose(lines[0].get_ydata(), s["exhaustion_probability_by_year"].sel(fund=fund).values)
        assert ax.get_ylim() == (0.0, 1.0)
        assert ax.get_xlabel() == "year"
    assert "probability" in fig.axes[0].get_ylabel()
    _title_ok(fig)


def test_breakeven_plots_when_present_and_names_missing(ds):
    assert "breakeven_rate" in ds and "breakeven_premium" in ds
    fig = plots.breakeven(ds)
    assert len(fig.axes) == 2
    assert "%" in fig.axes[0].get_ylabel() and "yuan" in fig.axes[1].get_ylabel()
    labels = [ln.get_label() for ln in _labelled_lines(fig.axes[0])]
    assert labels == ["break-even (median)", "employer rate in force (median)"]
    _title_ok(fig)
    with pytest.raises(ValueError, match="'breakeven_premium'"):
        plots.breakeven(ds.drop_vars("breakeven_premium"))
    with pytest.raises(ValueError, match="'breakeven_rate', 'breakeven_premium'"):
        plots.breakeven(ds.drop_vars(["breakeven_rate", "breakeven_premium"]))
    assert len(plots.breakeven(ds.drop_vars("breakeven_premium"), "breakeven_rate").axes) == 1


def test_pyramid_shipped_years_and_given_population(ds):
    fig = plots.pyramid(ds)
    ax, ax2 = fig.axes
    assert ax.get_title() == "Population by age and sex, 2017 and 2024"
    assert len(ax.patches) >= 2 * 101  # bars of the first year, men and women
    assert "million persons" in ax.get_xlabel() and "age" in ax.get_ylabel()
    assert "not projections" in ax.get_legend().get_title().get_text()
    assert "retirees" in ax2.get_ylabel() and ax2.get_xlabel() == "year"
    np.testing.assert_allclose(_labelled_lines(ax2)[0].get_ydata(),
                               ds["old_age_dependency"].quantile(0.5, "path").values)
    _title_ok(fig)
    # a projected year: the scenario's own central path, re-run from the scenario the result stores
    last = int(ds["year"].values[-1])
    fig = plots.pyramid(ds, years=[2024, last])
    assert fig.axes[0].get_title() == f"Population by age and sex, 2024 and {last}"
    assert "projection, central path" in fig.axes[0].get_legend().get_title().get_text()
    with pytest.raises(PlotInputError, match="outside the run's years"):
        plots.pyramid(ds, years=[last + 1])
    base = simulator.data.load_profile_table("china_population_2024")
    given = xr.DataArray(np.stack([base, base * 0.9]), dims=("year", "age", "sex"),
                         coords={"year": [2024, 2034], "age": np.arange(101), "sex": ["male", "female"]})
    fig = plots.pyramid(ds, population_by_age=given)
    assert fig.axes[0].get_title() == "Population by age and sex, 2024 and 2034"
    assert "as given" in fig.axes[0].get_legend().get_title().get_text()


# ----------------------------------------------------------------------------- sweep and sensitivity


def _synthetic_sweep():
    rates, cover = [0.06, 0.07, 0.08], [0.7, 0.85, 1.0]
    pairs = [(r, c) for r in rates for c in cover]
    n = len(pairs)
    rng = np.random.default_rng(1)
    return xr.Dataset(
        {"exhaustion_probability_by_year": (("scenario", "fund", "year"), rng.uniform(size=(n, 3, 4)),
                                            {"units": "fraction of paths"}),
         "reserve_months_quantile": (("scenario", "quantile", "fund", "year"), rng.normal(10, 5, size=(n, 3, 3, 4)),
                                     {"units": "months"})},
        coords={"scenario": [f"s{k}" for k in range(n)],
                "employee.employer_rate": ("scenario", [p[0] for p in pairs]),
                "reform.drg_dip.coverage": ("scenario", [p[1] for p in pairs]),
                "fund": ["employee_pooled", "resident", "pooled_combined"], "year": [2024, 2030, 2040, 2050],
                "quantile": [0.05, 0.5, 0.95]},
        attrs={"scenario_name": "rate x coverage", "seed": 3, "paths": 100})


def test_heatmap_of_a_synthetic_sweep():
    sw = _synthetic_sweep()
    fig = plots.heatmap(sw)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "employee.employer_rate" and ax.get_ylabel() == "reform.drg_dip.coverage"
    img = ax.get_images()[0].get_array()
    assert img.shape == (3, 3)
    expected = sw["exhaustion_probability_by_year"].sel(fund="employee_pooled", year=2050).values.reshape(3, 3).T
    np.testing.assert_allclose(np.asarray(img), expected)
    assert len(ax.texts) == 9
    assert "fraction of paths" in fig.axes[1].get_ylabel()  # the colour bar
    assert "year 2050" in fig.get_suptitle() and "scenario rate x coverage" in fig.get_suptitle()
    fig = plots.heatmap(sw, "reserve_months_quantile", "reform.drg_dip.coverage", "employee.employer_rate",
                        fund="resident", year=2030, quantile=0.95)
    assert fig.axes[0].get_xlabel() == "reform.drg_dip.coverage"
    with pytest.raises(PlotInputError, match="year=2031"):
        plots.heatmap(sw, year=2031)
    with pytest.raises(PlotInputError, match="no 'scenario' dimension"):
        plots.heatmap(sw.isel(scenario=0))
    dup = sw.assign_coords({"reform.drg_dip.coverage": ("scenario", [0.7] * 9)})
    with pytest.raises(PlotInputError, match="more than once"):
        plots.heatmap(dup)


def test_heatmap_summarises_a_sweep_of_runs(ds, variant):
    runs = xr.concat([ds, variant, ds, variant], dim="scenario", combine_attrs="override").assign_coords(
        scenario=["a", "b", "c", "d"])
    runs = runs.assign_coords({"employee.retiree_rate": ("scenario", [0.0, 0.02, 0.0, 0.02]),
                               "seed_block": ("scenario", [1, 1, 2, 2])})
    fig = plots.heatmap(runs, "reserve_months_quantile")
    img = np.asarray(fig.axes[0].get_images()[0].get_array())
    assert img.shape == (2, 2)
    s = simulator.summarize(ds)["reserve_months_quantile"].sel(fund="employee_pooled", quantile=0.5)
    assert img[0, 0] == pytest.approx(float(s.isel(year=-1)))


def _synthetic_sensitivity():
    return xr.Dataset(
        {"low": ("parameter", [20.0, 28.0, 25.0]), "high": ("parameter", [40.0, 31.0, 35.0]), "base": 30.0},
        coords={"parameter": ["economy.drivers.excess_cost_growth.mean", "population.fertility.tfr",
                              "economy.drivers.wage_growth.mean"],
                "low_value": ("parameter", [-0.012, -0.3, 0.03]), "high_value": ("parameter", [-0.002, 0.3, 0.05])},
        attrs={"metric": "employee pooled reserve months in 2036, median", "units": "months",
               "scenario_name": "baseline", "seed": SEED, "paths": PATHS})


def test_tornado_orders_by_width_and_labels():
    fig = plots.tornado(_synthetic_sensitivity())
    ax = fig.axes[0]
    assert len(ax.patches) == 6  # a low and a high bar per parameter
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-1].startswith("economy.drivers.excess_cost_growth.mean")  # widest on top
    assert ticks[0].startswith("population.fertility.tfr")
    assert "(-0.012 / -0.002)" in ticks[-1]
    assert "reserve months" in ax.get_xlabel() and "(months)" in ax.get_xlabel()
    _title_ok(fig)
    with pytest.raises(PlotInputError, match="'base'"):
        plots.tornado(_synthetic_sensitivity().drop_vars("base"))


def test_figures_leave_no_pyplot_state(ds):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plots.fan_chart(ds)
    plots.tornado(_synthetic_sensitivity())
    assert plt.get_fignums() == before
    assert matplotlib.rcParams["axes.spines.top"] is True  # the house style does not leak


# ----------------------------------------------------------------------------- report


def test_report_contains_every_section(ds, tmp_path):
    out = write_report(ds, tmp_path / "sub" / "report.html")
    text = out.read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary file left
    for sid, heading in SECTIONS:
        assert f'<section id="{sid}"><h2>{heading}</h2>' in text
    assert text.count("data:image/png;base64,") == 5  # fan, bands, flows, break-even, pyramid
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text).group(1)
    assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"
    # the summary holds what format_summary prints
    s = simulator.summarize(ds)
    for fund in ("Employee pooled fund", "Resident fund", "Both pooled funds combined"):
        assert fund in text
    med = float(s["reserve_months_quantile"].sel(fund="resident", quantile=0.5).isel(year=-1))
    assert f"<td class=num>{med:.1f}</td>" in text
    assert "first current deficit (income &lt; expenditure)" in text and "exhaustion (balance &lt; 0)" in text
    # key assumptions with sources, calibration, provenance
    assert "employee.employer_rate" in text and "State Council 1998 No. 44" in text
    assert "2024 NPC Standing Committee decision" in text
    cal = simulator.calibration_report(ds)
    assert "employee.base_ratio" in text and f"{cal['employee.base_ratio']:.4g}" in text
    assert "employee_pooled.income" in text
    assert ds.attrs["scenario_sha256"] in text
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org", "")


def test_key_assumptions_follow_overrides(ds):
    d = simulator.run("baseline", paths=2, horizon=2, seed=1, overrides=[
        "employee.retiree_rate=0.02", "membership.retirement_override.men=60", "policy.rate_trigger.enabled=true"])
    rows = {r[0]: r for _, group in key_assumptions(d) for r in group}
    assert rows["employee.retiree_rate"][2] == "0.02"
    assert rows["membership.retirement_override.men"][2] == "60"
    assert rows["policy.rate_trigger.enabled"][2] == "yes"
    assert "policy.rate_trigger.lower_months" in rows
    base_rows = {r[0]: r for _, group in key_assumptions(ds) for r in group}
    assert base_rows["policy.rate_trigger.enabled"][2] == "no"
    assert "policy.rate_trigger.lower_months" not in base_rows
    assert base_rows["employee.employer_rate"][3] == "fraction"


def test_report_without_breakeven_says_so(ds):
    text = render_report(ds.drop_vars(["breakeven_rate", "breakeven_premium"]))
    assert text.count("data:image/png;base64,") == 4
    assert "breakeven: not drawn" in text and "&#x27;breakeven_rate&#x27;" in text


def test_a_core_variables_run_draws_every_figure():
    core = simulator.run("baseline", paths=10, horizon=6, seed=SEED, variables="core")
    assert "old_age_dependency" not in core
    text = render_report(core)
    assert text.count("data:image/png;base64,") == 5 and "not drawn" not in text


# ----------------------------------------------------------------------------- command line


@pytest.mark.parametrize("kind,ext,magic", [("fan", "png", b"\x89PNG"), ("flows", "svg", b"<?xml"),
                                            ("bands", "pdf", b"%PDF"), ("breakeven", "png", b"\x89PNG"),
                                            ("pyramid", "png", b"\x89PNG")])
def test_cli_plot_on_run_output(run_file, tmp_path, kind, ext, magic):
    out = tmp_path / f"{kind}.{ext}"
    res = CliRunner().invoke(cli, ["plot", str(run_file), "--kind", kind, "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:len(magic)] == magic
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_cli_plot_fund_heatmap_and_tornado(run_file, tmp_path):
    r = CliRunner()
    res = r.invoke(cli, ["plot", str(run_file), "--kind", "fan", "--fund", "resident", "-o", str(tmp_path / "f.png")])
    assert res.exit_code == 0, res.output
    sweep = tmp_path / "sweep.nc"
    _synthetic_sweep().to_netcdf(sweep)
    res = r.invoke(cli, ["plot", str(sweep), "--kind", "heatmap", "--metric", "reserve_months_quantile",
                         "--fund", "resident", "--year", "2030", "-o", str(tmp_path / "h.svg")])
    assert res.exit_code == 0, res.output
    sens = tmp_path / "sens.nc"
    _synthetic_sensitivity().to_netcdf(sens)
    res = r.invoke(cli, ["plot", str(sens), "--kind", "tornado", "-o", str(tmp_path / "t.pdf")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "t.pdf").read_bytes()[:4] == b"%PDF"


@pytest.mark.parametrize("args,expected", [
    (["plot", "{missing}", "-o", "{tmp}/x.png"], "results file not found"),
    (["plot", "{run}", "--kind", "violin", "-o", "{tmp}/x.png"], "unknown kind 'violin'"),
    (["plot", "{run}", "--fund", "employee_accounts", "-o", "{tmp}/x.png"], "'employee_accounts' is not a fund"),
    (["plot", "{run}", "--fund", "shanghai", "-o", "{tmp}/x.png"], "'shanghai' is not a fund"),
    (["plot", "{run}", "-o", "{tmp}/x.jpg"], "must end in .png, .svg or .pdf"),
    (["plot", "{run}", "--kind", "heatmap", "-o", "{tmp}/x.png"], "no 'scenario' dimension"),
    (["plot", "{run}", "--kind", "pyramid", "--year", "2040", "-o", "{tmp}/x.png"], "2040 is outside the run's years 2024-2034"),
    (["plot", "{run}", "--kind", "pyramid", "--fund", "resident", "-o", "{tmp}/x.png"], "--fund does not apply"),
    (["plot", "{notnc}", "-o", "{tmp}/x.png"], "cannot be read as a results file"),
    (["report", "{missing}", "-o", "{tmp}/r.html"], "results file not found"),
    (["report", "{run}", "-o", "{tmp}/r.pdf"], "must end in .html"),
])
def test_cli_bad_input_exits_2_with_one_line(run_file, tmp_path, args, expected):
    notnc = tmp_path / "notes.nc"
    notnc.write_text("not a netCDF file")
    subs = {"missing": str(tmp_path / "nothing.nc"), "tmp": str(tmp_path), "run": str(run_file), "notnc": str(notnc)}
    res = CliRunner().invoke(cli, [a.format(**subs) for a in args])
    assert res.exit_code == 2, res.output
    assert expected in res.output, res.output
    assert "Traceback" not in res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    assert not list(tmp_path.glob("x.*")) and not list(tmp_path.glob("r.*"))


def test_cli_report_on_run_output(run_file, tmp_path):
    out = tmp_path / "report.html"
    res = CliRunner().invoke(cli, ["report", str(run_file), "-o", str(out), "--step", "2"])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    for sid, _ in SECTIONS:
        assert f'id="{sid}"' in text
    assert "scenario baseline" in text and "30 paths" in text
    cal = json.loads(xr.open_dataset(run_file).attrs["calibration"])
    assert all(name in text for name in cal["checks"])
