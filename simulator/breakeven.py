"""Level break-even rates and the actuarial balance (specification section 12).

:func:`breakeven` finds the constant value of a numeric lever (``employee.employer_rate``,
``employee.retiree_rate``, ``resident.premium``, ``resident.subsidy``, ...) from a start year such
that the chosen pooled fund holds at least ``target_months`` of reserve at the horizon in at least
a share ``probability`` of paths (or, with ``throughout``, in every year from the start year).
Every evaluation is a whole Monte Carlo run with the same seed (common random numbers), with the
rate trigger and the fiscal backstop switched off. The condition is written as a continuous
function of the lever, ``q(v) - target``, where ``q`` is the ``1 - probability`` quantile over
paths of the reserve months at the horizon (of each path's minimum over the years, with
``throughout``), and solved with scipy's Brent method after the bracket has been checked (not
assumed) to change sign.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import xarray as xr

from . import layout as L
from .errors import SimulatorError

FUND_OF_PREFIX = {"employee": "employee_pooled", "accounts": "employee_pooled", "resident": "resident"}
FUND_INDEX = {"employee_pooled": L.F_POOL, "resident": L.F_RES}


class BreakevenError(SimulatorError):
    """No value of the lever in its valid range meets the target, or the request is not valid."""

    exit_code = 2


@dataclass
class BreakevenResult:
    lever: str
    fund: str
    value: float
    units: str
    target_months: float
    probability: float
    start_year: int
    horizon_year: int
    throughout: bool
    achieved_probability: float
    achieved_probability_se: float
    quantile_at_value: float
    bracket: tuple
    bracket_quantiles: tuple
    iterations: int
    function_calls: int
    paths: int
    seed: int
    current_value: float
    values_before: dict
    relative: bool = False

    def as_dict(self):
        return asdict(self)

    def override(self) -> str:
        """A ``--set`` text that puts the solved level into the scenario from the start year (the
        lever's central values before it unchanged)."""
        if self.relative:
            raise BreakevenError("a relative result scales the schedule; apply it with the factor, not as a level")
        knots = {int(y): float(v) for y, v in self.values_before.items()}
        knots[self.start_year] = self.value
        knots[self.horizon_year] = self.value
        body = ", ".join(f"{y}: {v!r}" for y, v in sorted(knots.items()))
        return f"{self.lever}={{value: {{{body}}}, source: 'level break-even from {self.start_year}'}}"

    def format(self) -> str:
        return (f"{self.lever} (fund {self.fund}): {self.value:.6g} {self.units} from {self.start_year} "
                f"(now {self.current_value:.6g}) gives reserve months >= {self.target_months:g} "
                f"{'in every year to' if self.throughout else 'in'} {self.horizon_year} in "
                f"{self.achieved_probability:.1%} of {self.paths} paths (target {self.probability:.0%}; "
                f"Monte Carlo se {self.achieved_probability_se:.1%}); bracket [{self.bracket[0]:.6g}, {self.bracket[1]:.6g}], "
                f"{self.iterations} iterations, {self.function_calls} runs")


def _lever_meta(lever):
    from .scenario.schema import Scenario

    model = Scenario
    parts = lever.split(".")
    for part in parts[:-1]:
        fld = model.model_fields.get(part)
        if fld is None:
            raise BreakevenError(f"unknown lever '{lever}'")
        ann = fld.annotation
        model = next((a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type)), ann)
    fld = model.model_fields.get(parts[-1])
    if fld is None:
        raise BreakevenError(f"unknown lever '{lever}'")
    return fld.json_schema_extra or {}


def breakeven(scenario=None, *, lever="employee.employer_rate", target_months=6.0, probability=0.9,
              start_year=None, horizon=None, fund=None, throughout=False, paths=None, seed=None,
              overrides=(), xtol=1e-7, bracket=None, threads=None, progress=None, relative=False) -> BreakevenResult:
    """Solve for the level value of ``lever`` (see the module docstring).

    Parameters: ``target_months`` (months), ``probability`` (share of paths, in (0, 1)),
    ``start_year`` (default: the first projection year), ``horizon`` (years after the base year),
    ``fund`` (default: from the lever's section), ``bracket`` (default: the lever's valid range,
    widened by doubling when the range is open). With ``relative=True`` the unknown is a factor
    on the lever's own schedule from the start year (a premium path that keeps its growth but is
    scaled), instead of a constant level.
    """
    from scipy.optimize import brentq

    from .api import prepare, project_arrays

    if lever not in L.FIXED_ROW_NAMES:
        numeric = [n for n in L.FIXED_ROW_NAMES if not n.startswith(("policy.", "economy.drivers"))]
        from .errors import suggest
        raise BreakevenError(f"'{lever}' is not a numeric lever{suggest(lever, numeric)}")
    if not 0 < probability < 1:
        raise BreakevenError(f"probability must be in (0, 1), got {probability}")
    fund = fund or FUND_OF_PREFIX.get(lever.split(".")[0])
    if fund not in FUND_INDEX:
        raise BreakevenError(f"say which pooled fund the lever '{lever}' should balance: fund=employee_pooled or resident")
    loaded, compiled = prepare(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides)
    scn = compiled.scenario
    if lever == "resident.premium" and scn.resident.premium_income_share is not None:
        raise BreakevenError("resident.premium is not in force (resident.premium_income_share is set); "
                             "use the lever resident.premium_income_share")
    inp = compiled.inputs
    flags = inp.flags.copy()
    flags[L.FLAG_TRIGGER] = 0
    flags[L.FLAG_BACKSTOP] = 0
    row = L.FIXED_ROW_NAMES.index(lever)
    years = compiled.years
    T = years.shape[0]
    start_year = int(years[1] if start_year is None else start_year)
    t0 = start_year - scn.base_year
    if not 1 <= t0 < T:
        raise BreakevenError(f"start_year must lie in {years[1]}-{years[-1]} (the base year is observed), got {start_year}")
    meta = _lever_meta(lever)
    lo_valid = meta.get("min") if meta.get("min") is not None else -np.inf
    hi_valid = meta.get("max") if meta.get("max") is not None else np.inf
    if relative:
        peak = float(np.abs(inp.sched[row, t0:]).max())
        if peak == 0:
            raise BreakevenError(f"{lever} is zero from {start_year}: a relative factor cannot move it; solve for a level instead")
        lo_valid = 0.0
        hi_valid = hi_valid / peak if np.isfinite(hi_valid) else np.inf
        meta = dict(meta, unit=f"factor on the {lever} schedule")
    shift = inp.shift.copy()
    shift[:, row] = 0.0  # the lever is a level, not uncertain (an uncertain lever keeps its central schedule before start)
    f_idx = FUND_INDEX[fund]
    out = np.empty((inp.path_ids.shape[0], T, L.N_OUT))
    calls = [0]
    import numba
    old = numba.get_num_threads()
    if threads:
        numba.set_num_threads(int(threads))

    def reserve(v):
        sched = inp.sched.copy()
        sched[row, t0:] = inp.sched[row, t0:] * v if relative else v
        project_arrays(inp._replace(sched=sched, shift=shift, flags=flags), out)
        calls[0] += 1
        if progress:
            progress(calls[0])
        rm = out[:, :, L.O_BAL[f_idx]] / (out[:, :, L.O_EXP[f_idx]] / 12.0)
        return rm[:, t0:].min(axis=1) if throughout else rm[:, -1]

    def excess(v):
        return float(np.quantile(reserve(v), 1 - probability)) - target_months

    try:
        current = 1.0 if relative else float(inp.sched[row, t0])
        if bracket is None:
            lo = lo_valid if np.isfinite(lo_valid) else min(0.0, current)
            hi = hi_valid if np.isfinite(hi_valid) else max(2 * abs(current), 1.0)
        else:
            lo, hi = map(float, bracket)
            if not lo_valid <= lo < hi <= hi_valid:
                raise BreakevenError(f"bracket must lie within the lever's valid range [{lo_valid}, {hi_valid}] with low < high")
        f_lo, f_hi = excess(lo), excess(hi)
        # the model keeps its levers' valid ranges finite (e.g. the enrolment response's floor,
        # layout.ENROL_BURDEN_FLOOR); a bracket where it is not is refused, never bisected
        if not (np.isfinite(f_lo) and np.isfinite(f_hi)):
            raise BreakevenError(f"the projection is not finite at the bracket of {lever} [{lo:g}, {hi:g}]: give a bracket "
                                 "(breakeven(..., bracket=(low, high))) within the range where the model is defined")
        doublings = 0
        while f_lo * f_hi > 0 and not np.isfinite(hi_valid) and bracket is None and doublings < 12:
            hi *= 2
            f_hi = excess(hi)
            doublings += 1
        if f_lo * f_hi > 0:
            where = "every year to" if throughout else "in"
            raise BreakevenError(
                f"no value of {lever} in [{lo:g}, {hi:g}] gives at least {target_months:g} reserve months {where} "
                f"{years[-1]} in {probability:.0%} of paths for fund {fund}: the {1 - probability:.0%} quantile is "
                f"{f_lo + target_months:.1f} months at {lo:g} and {f_hi + target_months:.1f} months at {hi:g}")
        value, info = brentq(excess, lo, hi, xtol=xtol, rtol=1e-12, full_output=True)
        rm = reserve(value)
        achieved = float(np.mean(rm >= target_months))
        n = rm.shape[0]
        return BreakevenResult(
            lever=lever, fund=fund, value=float(value), units=meta.get("unit", ""), target_months=float(target_months),
            probability=float(probability), start_year=start_year, horizon_year=int(years[-1]), throughout=bool(throughout),
            achieved_probability=achieved, achieved_probability_se=float(np.sqrt(achieved * (1 - achieved) / n)),
            quantile_at_value=float(np.quantile(rm, 1 - probability)), bracket=(float(lo), float(hi)),
            bracket_quantiles=(f_lo + target_months, f_hi + target_months), iterations=int(info.iterations),
            function_calls=int(calls[0]), paths=int(n), seed=int(inp.seed), current_value=current,
            values_before={int(y): float(inp.sched[row, t]) for t, y in enumerate(years[:t0])}, relative=bool(relative))
    finally:
        numba.set_num_threads(old)


def actuarial_balance(ds: xr.Dataset, target_months: float = 6.0, start_year=None) -> xr.Dataset:
    """Actuarial balance over the horizon per path (specification section 12), as social-insurance actuaries report it.

    ``(Bal[start-1] + PV(Inc_c) - PV(Exp) - PV(target ending balance)) / PV(base)``, discounting
    with each path's own interest rates (flows at mid-year, as the interest formula). The base is
    the employees' contribution base for the employee pooled fund (so the balance is a rate of
    payroll) and resident financing (members x (premium + subsidy)) for the resident fund.
    Positive: the fund can afford the target with room to spare; negative: the rate (or share of
    financing) that would have to be added from the start year to reach it.
    """
    years = ds["year"].values
    start_year = int(years[1] if start_year is None else start_year)
    sel = ds.sel(year=slice(start_year, None))
    i = sel["interest_rate"]
    disc = 1.0 / (1.0 + i).cumprod("year")
    mid = disc * (1.0 + i / 2.0)
    out = {}
    for fund, base in (("employee_pooled", sel["contribution_base"]),
                       ("resident", sel["residents"] * (sel["resident_premium"] + sel["resident_subsidy"]))):
        f = sel.sel(fund=fund)
        opening = ds["balance"].sel(fund=fund, year=start_year - 1)
        pv_inc = (f["contribution_income"] * mid).sum("year")
        pv_exp = (f["expenditure"] * mid).sum("year")
        pv_target = target_months / 12.0 * f["expenditure"].isel(year=-1) * disc.isel(year=-1)
        pv_base = (base * mid).sum("year")
        out[fund] = ((opening + pv_inc - pv_exp - pv_target) / pv_base).drop_vars("fund", errors="ignore")
    res = xr.concat([out["employee_pooled"], out["resident"]], dim=xr.DataArray(["employee_pooled", "resident"], dims="fund"))
    return xr.Dataset({"actuarial_balance": res.assign_attrs(
        units="fraction of the contribution base (employee) / of resident financing (resident)",
        long_name=f"actuarial balance {start_year}-{years[-1]} with a {target_months:g}-month ending target")})
