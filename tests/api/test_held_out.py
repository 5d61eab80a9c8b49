"""The held-out 2025 bulletin: kept apart from the history, compared with the baseline's projection."""

import pytest

from simulator.held_out import HELD_OUT_FILE, SERIES, held_out, held_out_figures


def test_the_held_out_year_is_not_in_the_history_the_fits_read():
    from simulator.backtest import LATEST_REPORTED_YEAR, national_history

    figures = held_out_figures()
    assert {y for y, _, _ in figures} == {2025}
    assert LATEST_REPORTED_YEAR < 2025 and 2025 not in national_history().years()
    assert all("2025年全国医疗保障事业发展统计公报" in src for _, src in figures.values())
    assert HELD_OUT_FILE.name == "china_held_out.csv"


def test_rows_compare_the_central_projection_with_the_bulletin():
    h = held_out()
    assert h.base_year == 2024 and h.year == 2025
    by = {(r["fund"], r["measure"]): r for r in h.rows}
    assert set(by) == set(SERIES)
    pool = by[("employee_pooled", "expenditure")]
    assert pool["reported"] == pytest.approx(13594.28e8)
    assert pool["relative_error"] == pytest.approx(pool["modelled"] / pool["reported"] - 1)
    # members: mid-year against the mean of the year-ends of 2024 (history) and 2025 (held out)
    assert by[(None, "retirees")]["reported"] == pytest.approx((10457.5e4 + 10793.8e4) / 2)
    text = h.format()
    assert "Held out" in text and "never used in a fit" in text and "13,594.28" in text


def test_a_base_year_after_the_held_out_year_is_refused():
    with pytest.raises(ValueError, match="not after"):
        held_out(year=2024)


def test_cli_prints_the_held_out_table_and_json():
    import json

    from click.testing import CliRunner

    from simulator.cli import cli

    res = CliRunner().invoke(cli, ["backtest", "--held-out"])
    assert res.exit_code == 0, res.output
    assert "Held out" in res.output and "2025 bulletin" in res.output
    res = CliRunner().invoke(cli, ["backtest", "--held-out", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["year"] == 2025 and len(d["rows"]) == 12
