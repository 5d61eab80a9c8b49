"""The provinces' phase-out of the employer share into individual accounts, fitted to the history.

The 2021 outpatient mutual-aid reform (国办发〔2021〕14号) stopped the employer's contribution
flowing into actives' accounts (specification 2.3 section 6: a legacy share ``αe`` of about 0.3
before it, 0 after it, "a schedule, since provinces phased it out in 2022-2024"). No national
figure says how far the provinces had gone in 2022 and 2023, and the bulletins give the pool /
account split only from 2023. The shares of those two years are therefore fitted, once, to the
reported history, and the back-test lists the rows they were fitted to as fitted, never as checks:

- ``αe[2023]`` so that the employee scheme's account income of 2023 (6,351.35 hundred-million
  yuan, 2023 bulletin), projected from the 2022 start, is the reported one: the model's 2023
  credits are linear in it;
- ``αe[2022]`` so that the employee pooled fund's expenditure of 2023 (11,652.77, 2023 bulletin),
  projected from the 2022 start, is the reported one: the 2022 credits set the derived 2022
  pool / account split (the accounts' income is their credits, their spending that less the
  reported change of their balance), hence the pooled fund's spending level the 2022 start
  calibrates to.

``αe`` of 2021 and before stays at the back-test's 0.3 (section 6) and ``αe[2024]`` at the
scenario's 0.03. Nothing here changes the projection after the base year 2024; it is the policy
history the back-test starts from. ``fundsim backtest`` shows the fit and its fitted rows;
``python -m simulator.account_phase_out`` prints the fit (the values are copied into the shipped
baseline, and a test keeps them equal to this fit).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

#: the start the shares are fitted from, and the year of the reported figures they are fitted to
FIT_START = 2022
FIT_YEAR = 2023
#: the legacy share before the phase-out (specification section 6) and the years it is fitted for
SHARE_BEFORE = 0.3
FITTED_YEARS = (2022, 2023)


@dataclass(frozen=True)
class PhaseOutFit:
    """The fitted employer shares into actives' accounts, and the residuals they leave."""

    shares: dict
    residuals: dict
    evaluations: int

    def schedule(self, base: dict) -> dict:
        """The employer-share schedule: ``base`` (the scenario's own points) with the fitted years."""
        out = {y: v for y, v in base.items() if y not in self.shares}
        out.update({y: round(v, 4) for y, v in self.shares.items()})
        return dict(sorted(out.items()))


def _schedule(shares: dict, later: dict) -> dict:
    pts = {2018: SHARE_BEFORE, 2021: SHARE_BEFORE}
    pts.update(shares)
    pts.update(later)
    return dict(sorted(pts.items()))


def _errors(scenario, shares: dict, later: dict) -> tuple[float, float]:
    """Relative errors of the fitted rows: (pooled expenditure, account income) of FIT_YEAR."""
    from .backtest import backtest

    sched = _schedule(shares, later)
    text = "{" + ", ".join(f"{y}: {v!r}" for y, v in sched.items()) + "}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = backtest(scenario, starts=[FIT_START], end=FIT_YEAR, overrides=[f"accounts.employer_share.value={text}"])
    rows = {(r["fund"], r["measure"]): r["relative_error"] for r in bt.rows if r["year"] == FIT_YEAR}
    return rows[("employee_pooled", "expenditure")], rows[("employee_accounts", "income")]


def fit_account_phase_out(scenario="baseline", *, later=None, tol: float = 1e-5, max_iter: int = 20) -> PhaseOutFit:
    """Fit ``αe`` of 2022 and 2023 (fractions of the employer contribution) as the module says.

    later : the scenario's own points from 2024 on (default ``{2024: 0.03, 2026: 0.0}``, the baseline's).
    The two conditions are nearly triangular (2023's share moves only 2023's account income), so a
    secant step on each in turn converges in a few back-test runs of one start year each.
    """
    later = dict(later if later is not None else {2024: 0.03, 2026: 0.0})
    shares = {2022: 0.25, 2023: 0.05}
    step = {2022: 0.02, 2023: 0.02}
    which = {2022: 0, 2023: 1}
    n = 0
    err = _errors(scenario, shares, later)
    n += 1
    for _ in range(max_iter):
        if max(abs(e) for e in err) < tol:
            break
        for year in FITTED_YEARS:
            e0 = err[which[year]]
            trial = dict(shares)
            trial[year] = shares[year] + step[year]
            e1 = _errors(scenario, trial, later)[which[year]]
            n += 1
            slope = (e1 - e0) / step[year]
            if slope == 0:
                raise RuntimeError(f"the {FIT_YEAR} rows do not respond to the employer share of {year}")
            new = shares[year] - e0 / slope
            new = min(max(new, 0.0), 1.0)
            step[year] = max(abs(new - shares[year]) / 2, 1e-4)
            shares[year] = new
            err = _errors(scenario, shares, later)
            n += 1
    if max(abs(e) for e in err) >= tol:
        raise RuntimeError(f"the account phase-out fit did not converge: errors {err}")
    return PhaseOutFit({y: float(v) for y, v in shares.items()},
                       {"employee_pooled.expenditure": float(err[0]), "employee_accounts.income": float(err[1])}, n)


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    fit = fit_account_phase_out()
    print(f"employer share into actives' accounts: {fit.shares} (residuals {fit.residuals}, {fit.evaluations} back-test runs)")
