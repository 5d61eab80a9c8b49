"""Figures drawn into the user's own axes (``ax=``), the user's style left alone, the heatmap's
colour scale and tick labels, and scenario names in comparison legends."""

import matplotlib
import numpy as np
import pytest
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import simulator
from simulator import plots
from simulator.plots.attribution import attribution_chart
from simulator.plots.waterfall import waterfall
from simulator.plots import PlotInputError

PATHS, HORIZON, SEED = 30, 10, 11


@pytest.fixture(scope="module")
def ds():
    return simulator.run("baseline", paths=PATHS, horizon=HORIZON, seed=SEED)


@pytest.fixture(scope="module")
def variant():
    d = simulator.run("baseline", paths=PATHS, horizon=HORIZON, seed=SEED, overrides=["employee.retiree_rate=0.02"])
    d.attrs["scenario_name"] = "retiree rate 2%"
    return d


def _user_axes(n, **rc):
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(4 * n, 3))
        axes = fig.subplots(1, n, squeeze=False)[0]
    return fig, list(axes)


def _sensitivity():
    return xr.Dataset(
        {"low": ("parameter", [20.0, 28.0]), "high": ("parameter", [40.0, 31.0]), "base": 30.0},
        coords={"parameter": ["economy.drivers.wage_growth.mean", "population.fertility.tfr"]},
        attrs={"metric": "employee pooled reserve months in 2034, median", "units": "months"})


def _sweep(x_values, y_values, values, units="fraction of paths", metric="exhaustion_probability_by_year"):
    pairs = [(a, b) for a in x_values for b in y_values]
    return xr.Dataset(
        {metric: (("scenario",), np.asarray(values, dtype=float), {"units": units})},
        coords={"scenario": [f"s{k}" for k in range(len(pairs))],
                "key.x": ("scenario", [p[0] for p in pairs]), "key.y": ("scenario", [p[1] for p in pairs])})


def test_run_figures_draw_into_the_users_axes_and_return_their_figure(ds):
    for fn, n in ((plots.fan_chart, 3), (plots.flows, 2), (plots.band_probabilities, 3), (plots.breakeven, 2),
                  (plots.pyramid, 2)):
        fig, axes = _user_axes(n)
        out = fn(ds, ax=axes if n > 1 else axes[0])
        assert out is fig, fn.__name__
        assert fig.axes[:n] == axes, fn.__name__  # no new panels
        assert fig.get_suptitle() == "", fn.__name__  # the user's figure keeps its own title
        assert not fig.legends, fn.__name__  # the legend goes on the user's axes
        assert all(a.has_data() for a in axes), fn.__name__
    fig, axes = _user_axes(1)
    assert plots.fan_chart(ds, "resident", ax=axes[0]) is fig
    assert axes[0].get_title() == "Resident fund" and axes[0].get_legend() is not None


def test_sweep_and_other_figures_take_one_axes(ds):
    fig, (ax,) = _user_axes(1)
    assert plots.tornado(_sensitivity(), ax=ax) is fig and len(ax.patches) == 4
    assert ax.get_title().startswith("Sensitivity")
    fig, (ax,) = _user_axes(1)
    sw = _sweep([0.06, 0.07], [0.7, 0.8], [0.1, 0.2, 0.3, 0.4])
    assert plots.heatmap(sw, ax=ax) is fig and ax.get_images()
    comparison = {"a": "baseline", "b": "variant", "paths": 10, "seed": 1, "method": "sequential",
                  "metrics": [{"metric": "reserve months", "a_value": 10.0, "b_value": 7.0, "units": "months",
                               "parts": [{"group": "rates", "contribution": -2.0},
                                         {"group": "drivers", "contribution": -1.0}], "remainder": 0.0}]}
    fig, (ax,) = _user_axes(1)
    assert waterfall(comparison, ax=ax) is fig and len(ax.patches) == 4 and fig.get_suptitle() == ""
    attribution = {"metric": "reserve months", "scenario": "baseline", "paths": 100, "seed": 1,
                   "first_order_sum": 0.8, "first_order_sum_se": 0.1,
                   "groups": [{"group": "economy", "total": 0.6, "total_se": 0.05, "first_order": 0.5,
                               "first_order_se": 0.05}]}
    fig, (ax,) = _user_axes(1)
    assert attribution_chart(attribution, ax=ax) is fig and len(ax.patches) == 2


def test_wrong_axes_are_refused_with_what_is_needed(ds):
    _, axes = _user_axes(2)
    with pytest.raises(PlotInputError, match="a sequence of 3 matplotlib Axes"):
        plots.fan_chart(ds, ax=axes)
    with pytest.raises(PlotInputError, match="one matplotlib Axes"):
        plots.tornado(_sensitivity(), ax=axes)
    with pytest.raises(PlotInputError, match="ax= must be"):
        plots.flows(ds, ax="not axes")


def test_the_users_style_is_kept_and_no_global_setting_changes(ds):
    before = dict(matplotlib.rcParams)
    fig, axes = _user_axes(3, **{"axes.titlesize": 17, "axes.labelsize": 13})
    with matplotlib.rc_context({"axes.titlesize": 17, "axes.labelsize": 13}):
        plots.fan_chart(ds, ax=axes)
    assert axes[0].title.get_fontsize() == 17  # theirs, not the house style's 10.5
    assert axes[0].xaxis.label.get_fontsize() == 13
    assert axes[0].spines["top"].get_visible()  # the house style hides it on its own figures only
    own = plots.fan_chart(ds)
    assert own.axes[0].title.get_fontsize() == 10.5 and not own.axes[0].spines["top"].get_visible()
    after = dict(matplotlib.rcParams)
    assert {k: v for k, v in after.items() if before.get(k) != v and k != "backend"} == {}


# ----------------------------------------------------------------------------- heatmap scale and ticks


def _tick_boxes(fig, labels):
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in labels if t.get_text()]


def _overlapping(boxes):
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]


def test_a_probability_heatmap_is_scaled_from_0_to_1():
    sw = _sweep([0.06, 0.07], [0.7, 0.8], [0.01, 0.03, 0.05, 0.09])
    fig = plots.heatmap(sw)
    im = fig.axes[0].get_images()[0]
    assert (im.norm.vmin, im.norm.vmax) == (0.0, 1.0)
    # 9% is a pale cell, not the alarm red a scale starting at the smallest value would give it
    assert im.norm(0.09) < 0.1
    cbar_ticks = [t.get_text() for t in fig.axes[1].get_yticklabels() if t.get_text()]
    assert cbar_ticks[0] == "0%" and len(cbar_ticks) <= 7
    assert _overlapping(_tick_boxes(fig, fig.axes[1].get_yticklabels())) == []


def test_other_heatmaps_are_anchored_at_0_or_centred_on_it():
    pos = plots.heatmap(_sweep([1, 2], [3, 4], [4.0, 6.0, 8.0, 12.0], "months", "reserve_months_quantile"),
                        metric="reserve_months_quantile")
    assert pos.axes[0].get_images()[0].norm.vmin == 0.0
    both = plots.heatmap(_sweep([1, 2], [3, 4], [-4.0, 6.0, 8.0, 12.0], "months", "reserve_months_quantile"),
                         metric="reserve_months_quantile")
    norm = both.axes[0].get_images()[0].norm
    assert norm(0.0) == pytest.approx(0.5)  # a diverging scale centred on 0


def test_schedule_valued_ticks_do_not_overlap():
    schedules = ["{2024: 0.02, 2030: 0.01}", "{2024: 0.02, 2030: 0.03}", "{2024: 0.02, 2030: 0.04}",
                 "{2024: 0.02, 2030: 0.05}", "{2024: 0.02, 2030: 0.06}"]
    sw = _sweep(schedules, schedules[:3], np.linspace(0, 0.5, 15))
    fig = plots.heatmap(sw)
    ax = fig.axes[0]
    assert "\n" in ax.get_xticklabels()[0].get_text()  # one year per line
    assert _overlapping(_tick_boxes(fig, ax.get_xticklabels())) == []
    assert _overlapping(_tick_boxes(fig, ax.get_yticklabels())) == []


# ----------------------------------------------------------------------------- scenario names in legends


def _median_labels(fig):
    return [ln.get_label() for ln in fig.axes[0].get_lines() if ln.get_label().endswith("(median)")]


def test_comparison_legends_name_the_scenarios_from_their_attributes(ds, variant):
    fig = plots.fan_chart([ds, variant], ["employee_pooled"])
    assert _median_labels(fig) == ["baseline (median)", "retiree rate 2% (median)"]
    assert "baseline vs retiree rate 2%" in fig.get_suptitle()
    stacked = plots.stack_runs([ds, ds])
    assert list(stacked["scenario"].values) == ["baseline", "baseline (2)"]
    assert list(stacked["scenario_name"].values) == ["baseline", "baseline (2)"]


def test_stacked_names_survive_a_file(ds, variant, tmp_path):
    path = tmp_path / "both.nc"
    plots.stack_runs([ds, variant]).to_netcdf(path)
    with xr.open_dataset(path) as f:
        back = f.load()
    assert _median_labels(plots.fan_chart(back, ["resident"])) == ["baseline (median)", "retiree rate 2% (median)"]


def test_an_unlabelled_concat_says_scenario_k_not_a_bare_number(ds, variant):
    both = xr.concat([ds, variant], dim="scenario", combine_attrs="override")
    assert _median_labels(plots.fan_chart(both, ["resident"])) == ["scenario 0 (median)", "scenario 1 (median)"]


def test_fundsim_plot_compares_several_files_by_their_scenario_names(ds, variant, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from simulator.cli import cli
    from simulator.cli import report as cli_report

    a, b = tmp_path / "a.nc", tmp_path / "b.nc"
    ds.to_netcdf(a)
    variant.to_netcdf(b)
    drawn = []
    save = cli_report.save_figure
    monkeypatch.setattr(cli_report, "save_figure", lambda fig, out, **kw: drawn.append(fig) or save(fig, out, **kw))
    res = CliRunner().invoke(cli, ["plot", str(a), str(b), "--kind", "fan", "-f", "resident",
                                   "-o", str(tmp_path / "cmp.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cmp.png").read_bytes()[:4] == b"\x89PNG"
    assert _median_labels(drawn[0]) == ["baseline (median)", "retiree rate 2% (median)"]
    res = CliRunner().invoke(cli, ["plot", str(a), str(b), "--kind", "flows", "-o", str(tmp_path / "x.png")])
    assert res.exit_code == 2 and "several files are compared by --kind fan" in res.output


def test_the_history_figure_draws_into_a_grid_of_the_users_axes():
    from simulator.backtest import backtest
    from simulator.plots.history import HISTORY_PANELS, history_figure

    bt = backtest(starts=[2023])
    fig = Figure(figsize=(16, 17))
    grid = fig.subplots(5, 4)
    assert history_figure(bt, ax=grid) is fig
    assert len(fig.axes) == HISTORY_PANELS and fig.get_suptitle() == ""
    assert grid[0, 0].get_title(loc="left") == "employee scheme income" and grid[0, 0].has_data()
    with pytest.raises(PlotInputError, match="a sequence of 20 matplotlib Axes"):
        history_figure(bt, ax=grid[:2])
