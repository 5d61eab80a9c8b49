"""The provinces' phase-out of the employer share into accounts, fitted once to the history (issue 15)."""

import warnings

import pytest

from simulator.account_phase_out import FIT_YEAR, _errors, fit_account_phase_out
from simulator.scenario import load_scenario


def _shipped():
    scn = load_scenario("baseline").scenario
    return {y: float(scn.accounts.employer_share.evaluate([y])[0]) for y in (2021, 2022, 2023, 2024, 2026)}


@pytest.mark.slow
def test_shipped_shares_are_the_fit():
    fit = fit_account_phase_out()
    shipped = _shipped()
    for year, share in fit.shares.items():
        assert shipped[year] == pytest.approx(share, abs=6e-5), (year, shipped[year], share)
    assert max(abs(e) for e in fit.residuals.values()) < 1e-5
    # the phase-out runs down: the legacy 0.3, part of it in 2022, little in 2023, the 2024 remnant
    assert shipped[2021] == 0.3 and 0.3 > shipped[2022] > shipped[2023] > shipped[2024] >= shipped[2026] == 0.0


def test_fitted_rows_are_marked_and_left_out_of_the_checks():
    from simulator.backtest import backtest

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = backtest(starts=[2021, 2022])
    fitted = {(r["start"], r["fund"], r["measure"]) for r in bt.rows if r["year"] == FIT_YEAR and r["fitted"]}
    for start in (2021, 2022):
        assert (start, "employee_pooled", "expenditure") in fitted
        assert (start, "employee_accounts", "income") in fitted
    checked = {(r["year"], r["fund"], r["measure"]) for r in bt.checks()}
    assert (FIT_YEAR, "employee_pooled", "expenditure") not in checked
    assert (2024, "employee_pooled", "expenditure") in checked  # the next year stays a check
    assert "accounts.employer_share 2022" in next(r["fitted_by"] for r in bt.rows if r["year"] == FIT_YEAR
                                                   and r["fund"] == "employee_pooled" and r["measure"] == "expenditure")


def test_the_fitted_rows_respond_to_the_shares():
    later = {2024: 0.03, 2026: 0.0}
    low = _errors("baseline", {2022: 0.2, 2023: 0.03}, later)
    high = _errors("baseline", {2022: 0.28, 2023: 0.08}, later)
    assert high[1] > low[1]  # more of the employer's money into accounts in 2023: more account income
    assert high[0] < low[0]  # more credits in 2022: less of the derived 2022 spending in the pool


def test_fitted_keys_with_a_year_are_validated():
    from simulator.errors import ScenarioError

    with pytest.raises(ScenarioError, match="four-digit year"):
        load_scenario("baseline", ["reported.fitted={employee_pooled.expenditure@23: x}"])
    with pytest.raises(ScenarioError, match="unknown key"):
        load_scenario("baseline", ["reported.fitted={employee_pool.expenditure@2023: x}"])
