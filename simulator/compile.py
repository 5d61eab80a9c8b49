"""Validated scenario + seed -> the plain arrays the kernel takes, and the base-year calibration.

:func:`compile_scenario` evaluates every schedule at the projection years, draws the uncertain
parameters of each path (from the counter-based streams ``param:<key path>``), builds the
age/sex tables (population, mortality, fertility, retirement tracks, coverage, cost curves,
disease shares) and calibrates the base year (specification section 11):

* membership: the retiree stock is scaled to the reported count; with
  ``calibration.fit_coverage`` the working coverage and the participation rate are scaled so
  that active members and residents match too (then they are fitted, not checked);
* interest of the base year (section 9's formula) is taken out of reported income;
* one factor per pooled fund scales ``c0`` so that modelled expenditure (net of maternity, the
  critical-illness premium and the long-term-care carve-out) equals reported expenditure; one
  factor scales the birth cost and the allowance share so that maternity matches;
* the contribution base ratio ``β`` is fitted so that employee-scheme contribution income
  (pooled plus accounts) matches, the factor ``ϑ`` so that resident contribution income matches,
  the accounts' balance spend share ``ξb`` so that account expenditure matches; each unless the
  scenario fixes it.  The pooled/accounts split of income is then a check.

Calibration uses central values (every shift is zero in the base year), once for all paths.

**Plausibility.**  Calibration absorbs unit mistakes: actives given in 万人 are met by shrinking
the working coverage, flows in 亿元 by a tiny cost per member, a 70% employer rate by fitting
``β`` to 0.1.  So before the fit the reported figures are checked against each other (members
per person of the population, money per member, one year against the other, the base-year
contribution rates) and after it every fitted factor against its plausible range
(:data:`PLAUSIBLE`, each with its reason).  A value outside stops the run with an
:class:`~simulator.errors.ImplausibleInputError` (exit code 2) that names the value, the range and
the likely mistake, unless the scenario sets ``calibration.allow_implausible: true`` (then it is a
warning).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import layout as L
from . import rng
from .data import load_fertility_table
from .errors import CalibrationError, ImplausibleInputError, ScenarioError
from .scenario.schema import DRIVERS, LINES, SCHEMES, Scenario
from .scenario.values import INDICES


class ModelInputs(NamedTuple):
    """Everything the kernel needs, as arrays (see :mod:`simulator.layout` for the indices)."""

    seed: np.uint64
    path_ids: np.ndarray      # (P,) int64 global path indices
    streams: np.ndarray       # (6 + 2D,) uint64 stream ids
    sched: np.ndarray         # (K, T) central parameter values by year
    shift: np.ndarray         # (P, K) per-path shift of uncertain parameters
    lo: np.ndarray            # (K,) clip bounds
    hi: np.ndarray            # (K,)
    flags: np.ndarray         # (N_FLAGS,) int64
    base: np.ndarray          # (N_BASE,) base-year scalars
    pop0: np.ndarray          # (A, S) persons
    m0: np.ndarray            # (A, S) central death rates of the base year
    ri: np.ndarray            # (A, S) improvement rates
    fx: np.ndarray            # (T, A) fertility age pattern, rows sum to 1
    mig_prof: np.ndarray      # (A, S) migration age-sex shape, sums to 1
    track: np.ndarray         # (T+1, 3, A) share past retirement age: men, women-50, women-55; row 0 is base-1
    rho: np.ndarray           # (A, S) working coverage (fitted scale applied)
    flex_rel: np.ndarray      # (A, S)
    tau: np.ndarray           # (A, S) participation (fitted scale applied)
    rt0: np.ndarray           # (A, S) base-year retirees (persons)
    wp: np.ndarray            # (A, S) wage relativity
    c0h: np.ndarray           # (2, 3, A, S) c0 * h, yuan per member at Cm = 1 (calibrated)
    wdis: np.ndarray          # (D, 3, A, S) disease shares
    perdiem: np.ndarray       # (D,) 1.0 for per-diem groups
    chol: np.ndarray          # (4, 4) Cholesky factor of the driver correlation
    index_rows: np.ndarray    # (Q, 3) int64 indexed schedules: parameter row, index (layout.IDX_*), t0 (>= 0)
    index_plus: np.ndarray    # (Q,) extra growth of each indexed schedule on top of its index, fraction per year

    def with_paths(self, path_ids, shift):
        return self._replace(path_ids=np.ascontiguousarray(path_ids, dtype=np.int64),
                             shift=np.ascontiguousarray(shift, dtype=np.float64))

    def with_horizon(self, horizon):
        T = horizon + 1
        return self._replace(sched=np.ascontiguousarray(self.sched[:, :T]), fx=np.ascontiguousarray(self.fx[:T]),
                             track=np.ascontiguousarray(self.track[:T + 1]))


@dataclass
class Compiled:
    """A compiled scenario: kernel inputs for paths 0..P-1 plus labels and the calibration report."""

    scenario: Scenario
    inputs: ModelInputs
    years: np.ndarray
    disease_names: list
    row_names: list
    uncertain_rows: dict           # row -> (key path, Distribution)
    calibration: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    assumption_set: str | None = None

    def draw_shifts(self, path_ids) -> np.ndarray:
        return _draw_shifts(self.inputs.seed, path_ids, self.uncertain_rows, self.inputs.sched, len(self.row_names))


# --------------------------------------------------------------------------- plausibility


class Plausible(NamedTuple):
    """The plausible range of an input ratio or a fitted factor, why, and the likely mistakes."""

    lo: float
    hi: float
    what: str      # what the number is, with its unit
    reason: str    # why this range
    low: str       # the likely mistake when the value is below the range
    high: str      # ... and above it


_MEMBERS_LOW = "did you give 万人 (10,000 persons) or thousands? the model needs persons"
_POP_SMALL = ("is population.base in thousands or 万人 (UN WPP tables are in thousands)? the model needs persons; "
              "or are the members counted twice")
_MONEY_LOW = "did you give 万元 (10,000 yuan) or 亿元 (100 million yuan)? the model needs yuan"
_MONEY_HIGH = "are the members in 万人 or thousands while the money is in yuan? the model needs persons and yuan"
_YEARS = "are the two years in different units (persons and 万人, yuan and 亿元)?"

#: Plausible ranges, checked at every compilation.  The first group are the reported figures set
#: against each other before the fit (ratios, so that they hold for a city as for the nation); the
#: second are the factors the calibration fits.  Outside a range the run stops (exit code 2)
#: unless ``calibration.allow_implausible: true``.  The 2024 national values are in brackets.
PLAUSIBLE: dict[str, Plausible] = {
    # ---- reported figures against each other
    "members per person": Plausible(
        0.5, 1.5, "reported members (active + retirees + residents) per person of population.base",
        "about 95% of China's population is insured in one of the two schemes [0.93]; a region's count exceeds its "
        "population only by the migrants insured there", _MEMBERS_LOW, _POP_SMALL),
    "active per person": Plausible(
        0.005, 1.0, "employee-scheme active members per person of population.base",
        "19% of China's population in 2024, 14%-34% in the shipped cities; no region has more actives than people",
        _MEMBERS_LOW, _POP_SMALL),
    "retirees per person": Plausible(
        0.002, 0.6, "employee-scheme retirees per person of population.base",
        "7% of China's population in 2024, 5%-13% in the shipped cities; at most the people past retirement age",
        _MEMBERS_LOW, _POP_SMALL),
    "residents per person": Plausible(
        0.005, 1.2, "resident-scheme members per person of population.base",
        "67% of China's population in 2024, 48%-79% in the shipped cities",
        _MEMBERS_LOW, _POP_SMALL),
    "employee money per member": Plausible(
        100, 100_000, "yuan a year per employee-scheme member (active + retirees)",
        "pooled income 4,570 and expenditure 3,480 yuan per member in 2024 [2,200-4,600 in 2021-2024]; "
        "even the richest city spends well under 100,000",
        _MONEY_LOW, _MONEY_HIGH),
    "account money per member": Plausible(
        10, 100_000, "yuan a year per employee-scheme member (active + retirees); zero is allowed (no accounts)",
        "account income 1,680 and expenditure 1,550 yuan per member in 2024", _MONEY_LOW, _MONEY_HIGH),
    "resident money per member": Plausible(
        50, 100_000, "yuan a year per resident-scheme member",
        "income 1,180 and expenditure 1,130 yuan per member in 2024 (premium 400 + subsidy 670)",
        _MONEY_LOW, _MONEY_HIGH),
    "balance in years of expenditure": Plausible(
        0.001, 100, "a positive year-end balance over the year's expenditure (years)",
        "2.3 (pooled), 2.5 (accounts) and 0.8 (resident) years in 2024; 0.001 years is nine hours",
        _MONEY_LOW, "is the balance in yuan while the flows are in 万元 or 亿元? the model needs yuan"),
    "previous over base year": Plausible(
        0.5, 2.0, "a previous-year figure over the same base-year figure",
        "members and fund flows change by a few percent a year (at most -30%/+40% in the reported series)",
        _YEARS, _YEARS),
    "base wage": Plausible(
        3_000, 3_000_000, "economy.base_wage, yuan a year",
        "124,110 yuan in 2024 (urban non-private units); 9,371 in 2000",
        "did you give 万元 (10,000 yuan)? the model needs yuan a year", "did you give 分 or 角? the model needs yuan a year"),
    "wage over resident income": Plausible(
        1.2, 10, "economy.base_wage over economy.base_resident_income",
        "the average wage is about 3 times the per-capita disposable income [3.0]",
        "is base_wage a monthly wage (the model needs yuan a year), or the resident income in 元 and the wage in 万元?",
        "is base_resident_income monthly or in 万元? the model needs yuan a year"),
    "previous wage": Plausible(
        0.7, 1.3, "economy.previous_wage over economy.base_wage",
        "wages change by at most a few percent to 15% a year [0.97]", _YEARS, _YEARS),
    "employer rate": Plausible(
        0.0, 0.2, "employee.employer_rate in the base year (fraction of the contribution base)",
        "employer rates of China's pooling regions are 5%-12% (6% in the 1998 State Council decision, plus "
        "maternity since 2019)", "", "7% is written 0.07, not 0.7 (rates are fractions)"),
    "employee rate": Plausible(
        0.0, 0.1, "employee.employee_rate in the base year (fraction of the contribution base)",
        "employees pay 2% everywhere", "", "2% is written 0.02, not 0.2 (rates are fractions)"),
    "flexible rate": Plausible(
        0.0, 0.3, "employee.flexible_rate in the base year (fraction of the base)",
        "flexible workers pay the employer and employee rates together, 7%-12%", "",
        "8% is written 0.08, not 0.8 (rates are fractions)"),
    # ---- fitted factors
    "working_coverage_scale": Plausible(
        0.2, 5.0, "the working-coverage scale (the factor fitted on membership.working_coverage to match the active members)",
        "the profile gives the shape by age; the fit corrects its level (0.93 nationally, 0.68-1.63 in the shipped "
        "cities), not by orders of magnitude",
        _MEMBERS_LOW + " (for the active members)", "are the active members in persons and the population in thousands?"),
    "participation_scale": Plausible(
        0.5, 1.5, "the participation scale (the factor fitted on membership.participation to match the residents)",
        "participation is the insured share of the population, about 95% [1.00]; the fit corrects the profile slightly",
        _MEMBERS_LOW + " (for the residents)", "are the residents in persons and the population in thousands?"),
    "retiree_stock_scale": Plausible(
        0.03, 1.5, "the retiree stock scale (employee-scheme retirees per person past retirement age, times membership.retiree_profile)",
        "retirees are a part of the people past retirement age [0.31; 0.22-0.53 in the shipped cities]",
        _MEMBERS_LOW + " (for the retirees)", "are the retirees in persons and the population in thousands?"),
    "cost_scale_employee": Plausible(
        100, 100_000, "the employee-scheme cost scale c0 (the fitted gross medical cost per member, yuan a year)",
        "4,590 yuan per member nationally in 2024 (4,490-4,710 in the shipped scenarios)", _MONEY_LOW + " (pooled expenditure)",
        "is the pooled expenditure in yuan and the membership in 万人?"),
    "cost_scale_resident": Plausible(
        50, 100_000, "the resident-scheme cost scale c0 (the fitted gross medical cost per member, yuan a year)",
        "1,860 yuan per member nationally in 2024 (1,800-1,920 in the shipped scenarios)", _MONEY_LOW + " (resident expenditure)",
        "is the resident expenditure in yuan and the membership in 万人?"),
    "maternity_scale": Plausible(
        0.1, 10.0, "the maternity scale (the factor fitted on maternity.birth_cost and allowance_share to match reported maternity)",
        "the birth cost and allowance are national averages; a region's maternity cost per birth is within a few times "
        "them [1.66]", _MONEY_LOW + " (reported maternity)", "is reported maternity in yuan and the rest in 万元?"),
    "employee.base_ratio": Plausible(
        0.4, 1.5, "the contribution base ratio β (fitted: the declared contribution base over the average wage)",
        "the declared base lies between the 60% floor and the 300% cap of the average wage and most members declare near "
        "the floor or the average (0.84 nationally in 2024); below 0.4 even full evasion above the floor does not explain it",
        "are the contribution rates too high (employer {employer_rate:g}, employee {employee_rate:g} in {year}: 7% is 0.07)? "
        "or is the employee-scheme income in 万元 or 亿元 (the model needs yuan)?",
        "are the contribution rates too low (7% is 0.07, not 0.0007), the employee-scheme income too high, or the "
        "active members too few (万人? the model needs persons)?"),
    "resident.other_income_factor": Plausible(
        0.5, 2.0, "the other-income factor ϑ (fitted on resident premiums and subsidies: local top-ups and other income)",
        "resident income is premiums plus subsidies per member, with local top-ups and other income of a few percent [1.07]",
        "is the resident income in 万元 or 亿元 (the model needs yuan), or the premium or subsidy too high "
        "(premium {premium:g}, subsidy {subsidy:g} yuan a year)?",
        "is the resident premium or subsidy too low (yuan a year per person: premium {premium:g}, subsidy {subsidy:g}), "
        "or the residents too few (万人? the model needs persons)?"),
    "accounts.spend_share_balance": Plausible(
        0.0, 0.8, "the account spend share ξb (fitted: the share of the opening account balance spent in the year)",
        "members spend a part of the opening balance on top of this year's credits [0.16]; spending most of it each year "
        "would leave no balance to report",
        "", "is the account expenditure too high or the account balance too low (万元 or 亿元? the model needs yuan)?"),
}


class _Plausibility:
    """Collects implausible values; raises :class:`ImplausibleInputError` unless allowed."""

    def __init__(self, scn: Scenario, file, ctx: dict):
        self.allow = bool(scn.calibration.allow_implausible)
        self.file = file
        self.ctx = ctx
        self.found: list = []
        self.allowed: list = []

    def check(self, name, key_path, value, text=None, *, raise_now=False):
        """``value`` against ``PLAUSIBLE[name]``; ``text`` describes the value (default: the factor)."""
        r = PLAUSIBLE[name]
        if not np.isfinite(value) or r.lo <= value <= r.hi:
            return True
        hint = (r.low if value < r.lo else r.high).format_map(_Default(self.ctx))
        desc = text if text is not None else f"{r.what} = {value:.4g}"
        msg = f"{desc}, outside the plausible range {r.lo:g}-{r.hi:g} ({r.reason})" + (f": {hint}" if hint else "")
        self.found.append((key_path, msg, None, self.file))
        if raise_now:
            self.flush()
        return False

    def flush(self):
        """End of a stage: stop on what was found (or, when allowed, keep it as a warning)."""
        found, self.found = self.found, []
        if not found:
            return
        if not self.allow:
            raise ImplausibleInputError(found, self.file)
        self.allowed += [f"calibration: implausible input allowed (calibration.allow_implausible): {p[0]}: {p[1]}" for p in found]


class _Default(dict):
    def __missing__(self, key):
        return "?"


def _check_reported(scn: Scenario, pop_total: float, chk: _Plausibility) -> None:
    """The reported figures against the population, the members and each other (stage by stage,
    so that one mistake gives one message)."""
    rep, prev = scn.reported.base_year, scn.reported.previous_year
    R = "reported.base_year"
    m = rep.members
    act, ret, res = m.active.central, m.retirees.central, m.residents.central
    # members against the population
    if pop_total > 0:
        tot = act + ret + res
        if chk.check("members per person", f"{R}.members", tot / pop_total,
                     f"the reported members ({act:,.0f} active + {ret:,.0f} retirees + {res:,.0f} residents) are "
                     f"{tot / pop_total:.3g} per person of population.base ({pop_total:,.0f} persons)"):
            for key, v, name in (("active", act, "active per person"), ("retirees", ret, "retirees per person"),
                                 ("residents", res, "residents per person")):
                chk.check(name, f"{R}.members.{key}", v / pop_total,
                          f"{v:,.0f} {key} are {v / pop_total:.3g} per person of population.base ({pop_total:,.0f} persons)")
    chk.flush()
    # money against the members
    emp = act + ret
    for fund, n, name in (("employee_pooled", emp, "employee money per member"), ("employee_accounts", emp, "account money per member"),
                          ("resident", res, "resident money per member")):
        if n <= 0:
            continue
        for measure in ("income", "expenditure"):
            v = getattr(getattr(rep, fund), measure).central
            if fund == "employee_accounts" and v == 0:
                continue
            chk.check(name, f"{R}.{fund}.{measure}", v / n,
                      f"{v:,.6g} yuan is {v / n:,.4g} yuan a year per {'resident' if fund == 'resident' else 'employee-scheme'} member")
    chk.flush()
    for fund in ("employee_pooled", "employee_accounts", "resident"):
        f = getattr(rep, fund)
        bal, ex = f.balance.central, f.expenditure.central
        if bal > 0 and ex > 0:
            chk.check("balance in years of expenditure", f"{R}.{fund}.balance", bal / ex,
                      f"the balance {bal:,.6g} is {bal / ex:.3g} years of the expenditure {ex:,.6g}")
    # one year against the other
    pairs = [(f"members.{k}", getattr(m, k).central, getattr(prev.members, k).central) for k in ("active", "retirees", "residents")]
    for fund in ("employee_pooled", "employee_accounts", "resident"):
        for measure in ("income", "expenditure"):
            pairs.append((f"{fund}.{measure}", getattr(getattr(rep, fund), measure).central,
                          getattr(getattr(prev, fund), measure).central))
    for key, b, p in pairs:
        if b > 0 and p > 0:
            chk.check("previous over base year", f"reported.previous_year.{key}", p / b,
                      f"{p:,.6g} is {p / b:.3g} times the base year's {b:,.6g}")
    chk.flush()
    # wages and rates
    eco = scn.economy
    w, y = eco.base_wage.central, eco.base_resident_income.central
    chk.check("base wage", "economy.base_wage", w, f"{w:,.6g} yuan a year")
    if w > 0 and y > 0:
        chk.check("wage over resident income", "economy.base_wage", w / y,
                  f"the wage {w:,.6g} is {w / y:.3g} times the resident income {y:,.6g}")
    if w > 0:
        chk.check("previous wage", "economy.previous_wage", eco.previous_wage.central / w,
                  f"{eco.previous_wage.central:,.6g} is {eco.previous_wage.central / w:.3g} times the base wage {w:,.6g}")
    y0 = [scn.base_year]
    for key, name in (("employer_rate", "employer rate"), ("employee_rate", "employee rate"), ("flexible_rate", "flexible rate")):
        v = float(getattr(scn.employee, key).evaluate(y0)[0])
        chk.check(name, f"employee.{key}", v, f"{v:g} in {scn.base_year}")
    chk.flush()


# --------------------------------------------------------------------------- helpers


def _get(obj, dotted):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _field_meta(model_cls, name):
    return model_cls.model_fields[name].json_schema_extra or {}


def _param_rows(scn: Scenario):
    """(row name, Param or None, lo, hi) for every row, fixed rows then disease rows."""
    rows = []
    for name in L.FIXED_ROW_NAMES:
        parts = name.split(".")
        parent = _get(scn, ".".join(parts[:-1])) if len(parts) > 1 else scn
        meta = _field_meta(type(parent), parts[-1])
        rows.append((name, getattr(parent, parts[-1]), meta.get("min"), meta.get("max")))
    for d, grp in enumerate(scn.expenditure.disease_groups):
        for fld in L.DISEASE_ROW_FIELDS:
            meta = _field_meta(type(grp), fld)
            rows.append((f"expenditure.disease_groups[{d}].{fld}", getattr(grp, fld), meta.get("min"), meta.get("max")))
    return rows


def _indexed_rows(rows, base_year: int, warn: list) -> tuple:
    """The indexed schedules (specification 2.3 section 2) as ``(index_rows, index_plus)``.

    ``index_rows[q] = (row, index, t0)``: the parameter row, the index it follows
    (:data:`simulator.layout.INDEX_NAMES`) and ``t0``, the year index (from the base year) of the
    schedule's last year.  After ``t0`` the engine sets ``v[t] = v[t0]·I[t]/I[t0]·(1 + plus)^(t - t0)``
    path by path.  A constant, or a schedule ending before the base year, has ``t0 = 0``: it is
    indexed from the base year, since the paths' indices start there (the last value is held
    flat to the base year, as any schedule is outside its years; a warning says so when the
    schedule ends before it).  ``fixed`` without ``index_plus`` is flat and needs no row.
    """
    assert L.INDEX_NAMES == INDICES
    found, plus = [], []
    for r, (name, p, _lo, _hi) in enumerate(rows):
        if p is None or not p.is_indexed:
            continue
        last = p.last_year
        if last is not None and last < base_year:
            warn.append(f"{name}: the indexed schedule ends in {last}, before the base year {base_year}: its last value "
                        f"holds to {base_year} and grows with {p.index} from there (the paths' indices start in the "
                        "base year)")
        t0 = 0 if last is None else max(last - base_year, 0)
        found.append((r, INDICES.index(p.index), t0))
        plus.append(p.index_plus)
    return (np.array(found, dtype=np.int64).reshape(len(found), 3), np.array(plus, dtype=np.float64))


def _draw_shifts(seed, path_ids, uncertain_rows, sched, K):
    path_ids = np.asarray(path_ids, dtype=np.int64)
    shift = np.zeros((path_ids.shape[0], K))
    for row, (key, dist) in uncertain_rows.items():
        u = rng.uniform(seed, rng.stream_id("param:" + key), path_ids, 0)
        # the draw is not clipped here: the row's bounds (which include min/max) clip the value
        shift[:, row] = dist.ppf(u, clip=False) - dist.mean
    return shift


#: a migration profile whose net (signed sum) is below these shares of its gross (sum of absolute
#: values) draws a warning, and below the second stops the run: the profile is divided by its net,
#: so a net of 1% of the gross moves 100 persons in or out for each person of net migration
MIGRATION_NET_GROSS_WARN = 0.25
MIGRATION_NET_GROSS_MIN = 0.05


def _migration_shape(profile, moves: bool, file, warn: list) -> np.ndarray:
    """The age-sex shape of net migration: ``profile`` (A, S, may be signed) over its signed sum.

    A mixed-sign profile (young emigrants, returning middle-aged migrants) is scaled by its net, so
    its gross flows are the net total times gross/net.  The shipped national profile has a net of
    0.63 of its gross.  Below :data:`MIGRATION_NET_GROSS_WARN` the gross flows are several times the
    requested net (a warning), below :data:`MIGRATION_NET_GROSS_MIN` (or a net of zero) the profile
    cannot carry a net total (:class:`ScenarioError`).  ``moves``: the net total is not zero in
    every year (otherwise the profile is never used and not checked).
    """
    gross = float(np.abs(profile).sum())
    net = float(profile.sum())
    if not moves:
        return profile / net if net != 0 else np.zeros_like(profile)
    key = "population.migration.age_profile"
    ratio = abs(net) / gross if gross > 0 else 0.0
    if ratio < MIGRATION_NET_GROSS_MIN:
        what = ("is zero at every age and sex" if gross == 0 else
                f"has a net (signed sum {net:.4g}) of {ratio:.1%} of its gross (sum of absolute values {gross:.4g})")
        raise ScenarioError([(key, f"{what}: it is divided by its net to distribute population.migration.net_total, "
                                   f"so it cannot carry a net total (a net below {MIGRATION_NET_GROSS_MIN:.0%} of the "
                                   "gross would move more than 20 persons in or out per person of net migration); "
                                   "check the signs of its cells", None)], file)
    if ratio < MIGRATION_NET_GROSS_WARN:
        warn.append(f"{key}: its net (signed sum) is {ratio:.0%} of its gross (sum of absolute values), so each person "
                    f"of net migration moves {1 / ratio:.1f} persons in or out (inflow and outflow cells nearly cancel; "
                    "the shipped national profile has 63%); check the signs of its cells")
    return profile / net


def retirement_age(track: str, birth_year):
    """Statutory retirement age by birth year (NPC Standing Committee decision of 2024, in force 2025)."""
    yb = np.asarray(birth_year, dtype=float)
    if track == "men":
        return 60 + np.minimum(36, np.maximum(0, 3 * (yb - 1965) + 2)) / 12
    if track == "women_50":
        return 50 + np.minimum(60, np.maximum(0, 6 * (yb - 1975) + 3.5)) / 12
    if track == "women_55":
        return 55 + np.minimum(36, np.maximum(0, 3 * (yb - 1970) + 2)) / 12
    raise ValueError(track)


def _tracks(scn: Scenario, years):
    """Share past retirement age clip(a + 1 - R(yb), 0, 1) for years base-1..base+H, shape (T+1, 3, A)."""
    cal = np.concatenate([[years[0] - 1], years])
    ages = np.arange(L.N_AGES)
    out = np.empty((cal.shape[0], 3, L.N_AGES))
    ov = scn.membership.retirement_override
    for k, name in enumerate(("men", "women_50", "women_55")):
        yb = cal[:, None] - ages[None, :]
        p = getattr(ov, name)
        R = p.evaluate(yb.ravel()).reshape(yb.shape) if p is not None else retirement_age(name, yb)
        out[:, k, :] = np.clip(ages[None, :] + 1 - R, 0.0, 1.0)
    return out


def _fertility_pattern(name, years):
    if not isinstance(name, str):  # an age profile: the female column, every year
        f = name.values[:, 1]
        return np.broadcast_to(f / f.sum(), (len(years), f.shape[0])).copy()
    tab_years, asfr = load_fertility_table(name)
    # the nearest year of the table (years outside it use its first or last year)
    idx = np.abs(np.asarray(years)[:, None] - tab_years[None, :]).argmin(axis=1)
    fx = asfr[idx]
    sums = fx.sum(axis=1, keepdims=True)
    return fx / np.where(sums > 0, sums, 1.0)


# --------------------------------------------------------------------------- compile


def compile_scenario(scn: Scenario, paths: int | None = None, seed: int | None = None,
                     horizon: int | None = None, file=None) -> Compiled:
    """Compile a validated scenario into kernel inputs and calibrate the base year."""
    if horizon is not None:
        scn = scn.model_copy(update={"horizon": int(horizon)})
    paths = scn.simulation.paths if paths is None else int(paths)
    seed = scn.simulation.seed if seed is None else int(seed)
    if paths < 1:
        raise ScenarioError([("simulation.paths", f"must be at least 1, got {paths}", None)], file)
    if not 0 <= seed < 2**63:
        raise ScenarioError([("simulation.seed", f"must be in [0, 2^63), got {seed}", None)], file)
    years = scn.years
    T = years.shape[0]
    warn = []

    # ---- parameter table
    rows = _param_rows(scn)
    K = len(rows)
    sched = np.zeros((K, T))
    lo = np.full(K, -np.inf)
    hi = np.full(K, np.inf)
    uncertain = {}
    flags = np.zeros(L.N_FLAGS, dtype=np.int64)
    for r, (name, p, pmin, pmax) in enumerate(rows):
        if p is None:
            continue
        sched[r] = p.evaluate(years)
        lo[r] = -np.inf if pmin is None else pmin
        hi[r] = np.inf if pmax is None else pmax
        if p.dist is not None:
            if p.dist.clip_min is not None:
                lo[r] = max(lo[r], p.dist.clip_min)
            if p.dist.clip_max is not None:
                hi[r] = min(hi[r], p.dist.clip_max)
            uncertain[r] = (name, p.dist)
    sched = np.clip(sched, lo[:, None], hi[:, None])
    index_rows, index_plus = _indexed_rows(rows, scn.base_year, warn)
    flags[L.FLAG_BUDGET] = int(scn.reform.drg_dip.global_budget.enabled)
    flags[L.FLAG_GI_SET] = int(scn.reform.drg_dip.global_budget.income_growth is not None)
    flags[L.FLAG_PI_SHARE] = int(scn.resident.premium_income_share is not None)
    flags[L.FLAG_PS_CAP] = int(scn.resident.subsidy_cap_ratio is not None)
    flags[L.FLAG_CII_SHARE] = int(scn.critical_illness.premium_share is not None)
    flags[L.FLAG_SMAX] = int(scn.economy.cost_share_ceiling is not None)
    flags[L.FLAG_DIP_START] = scn.reform.drg_dip.start_year
    flags[L.FLAG_BASE_YEAR] = scn.base_year
    flags[L.FLAG_TRIGGER] = int(scn.policy.rate_trigger.enabled)
    flags[L.FLAG_BACKSTOP] = int(scn.policy.fiscal_backstop.enabled)
    flags[L.FLAG_TRIGGER_PROJECTED] = int(scn.policy.rate_trigger.mode == "projected")
    if scn.critical_illness.premium_share is None and scn.critical_illness.premium is None:
        warn.append("critical_illness: neither premium_share nor premium is set; the critical-illness premium is 0")
    # rows with a default where the scenario leaves them unset
    defaults = {L.BETA: 1.0, L.XI_B: 0.0, L.THETA_OTHER: 1.0, L.SMAX: 1.0}
    for r, v in defaults.items():
        if rows[r][1] is None:
            sched[r] = v

    # ---- population
    pop = scn.population
    pop0 = pop.base.values.astype(float).copy()
    ri = pop.mortality.improvement.values.astype(float).copy()
    m0 = pop.mortality.base_rates.values * np.exp(-ri * (scn.base_year - pop.mortality.table_year))
    try:
        fx = _fertility_pattern(pop.fertility.age_pattern, years)
    except ValueError as e:
        raise ScenarioError([("population.fertility.age_pattern", str(e), None)], file) from None
    moves = bool(np.any(sched[L.MIG_TOTAL] != 0)) or L.MIG_TOTAL in uncertain
    mig_prof = _migration_shape(pop.migration.age_profile.values.astype(float), moves, file, warn)
    track = _tracks(scn, years)

    # ---- membership (base year) and its fit
    mem = scn.membership
    rho = mem.working_coverage.values.astype(float).copy()
    flex_rel = mem.flexible_age_relativity.values.astype(float)
    tau = mem.participation.values.astype(float).copy()
    w50 = sched[L.WOMEN50, 0]
    Pi0 = np.stack([track[1, 0], w50 * track[1, 1] + (1 - w50) * track[1, 2]], axis=1)
    rep, prev = scn.reported.base_year, scn.reported.previous_year
    y0 = [scn.base_year]
    chk = _Plausibility(scn, file, {
        "year": scn.base_year, "employer_rate": float(scn.employee.employer_rate.evaluate(y0)[0]),
        "employee_rate": float(scn.employee.employee_rate.evaluate(y0)[0]),
        "premium": float(scn.resident.premium.evaluate(y0)[0]), "subsidy": float(scn.resident.subsidy.evaluate(y0)[0])})
    _check_reported(scn, float(pop0.sum()), chk)
    target_active = (rep.members.active.central + prev.members.active.central) / 2
    target_ret = (rep.members.retirees.central + prev.members.retirees.central) / 2
    target_res = (rep.members.residents.central + prev.members.residents.central) / 2
    cal = {}

    def working(rho_):
        return pop0 * (1 - Pi0) * np.minimum(1.0, rho_ * sched[L.COV_TREND, 0])

    if scn.calibration.fit_coverage:
        k = 1.0
        for _ in range(50):
            got = working(rho * k).sum()
            if got <= 0:
                raise CalibrationError("calibration: working coverage is zero at every age; cannot fit active members")
            k_new = k * target_active / got
            if abs(k_new - k) < 1e-15 * k:
                break
            k = k_new
        if abs(working(rho * k).sum() / target_active - 1) > 1e-9:
            raise CalibrationError("calibration: working coverage cannot reach the reported active members (coverage capped at 1)")
        rho = np.minimum(1.0, rho * k)
        cal["working_coverage_scale"] = k
        chk.check("working_coverage_scale", "membership.working_coverage", k, raise_now=True)
    shape = mem.retiree_profile.values * Pi0 * pop0
    if shape.sum() <= 0:
        raise CalibrationError("calibration: no one is past retirement age in the base year with the given retiree_profile")
    rt0 = shape * (target_ret / shape.sum())
    cal["retiree_stock_scale"] = target_ret / shape.sum()
    chk.check("retiree_stock_scale", "membership.retiree_profile", cal["retiree_stock_scale"], raise_now=True)
    work0 = working(rho)
    A0 = work0 * (1 - np.minimum(1.0, flex_rel * sched[L.FLEX_SHARE, 0]))
    F0 = work0 - A0

    def residents(k):
        return np.maximum(pop0 * np.minimum(1.0, tau * k) - A0 - F0 - rt0, 0).sum()

    if scn.calibration.fit_coverage:
        kmax = 1.0 / max(tau.max(), 1e-12)
        if residents(kmax) < target_res:
            raise CalibrationError("calibration: the reported resident count exceeds the population not in the employee scheme")
        # residents(k) is increasing in k: bisection (importing scipy.optimize costs 0.3 s of start-up)
        lo_k, hi_k = 0.0, kmax
        for _ in range(200):
            mid = (lo_k + hi_k) / 2
            if residents(mid) < target_res:
                lo_k = mid
            else:
                hi_k = mid
            if hi_k - lo_k <= 1e-15 * hi_k:
                break
        k = (lo_k + hi_k) / 2
        tau = np.minimum(1.0, tau * k)
        cal["participation_scale"] = k
        chk.check("participation_scale", "membership.participation", k, raise_now=True)

    # specification section 4: employee-scheme members cannot exceed the participating population
    over = np.maximum(A0 + F0 + rt0 - pop0 * tau, 0.0)
    cal["members_above_participation"] = float(over.sum())
    if over.sum() > 1e-6 * pop0.sum():
        ages = sorted({int(a) for a in np.argwhere(over > 0)[:, 0]})
        warn.append(f"calibration: employee-scheme members exceed participation x population by {over.sum():,.0f} persons "
                    f"at ages {ages[0]}-{ages[-1]} in the base year (A + F + Rt <= N * tau fails; residents there are 0)")

    # ---- cost tables
    exp_ = scn.expenditure
    h = np.zeros((2, 3, L.N_AGES, L.N_SEXES))
    members_scheme = [A0 + F0 + rt0, None]
    for mi, m in enumerate(SCHEMES):
        for j, line in enumerate(LINES):
            h[mi, j] = getattr(exp_.age_cost_curve[m], line).values
    D = len(exp_.disease_groups)
    wdis = np.zeros((D, 3, L.N_AGES, L.N_SEXES))
    perdiem = np.zeros(D)
    for d, grp in enumerate(exp_.disease_groups):
        for j, line in enumerate(LINES):
            wdis[d, j] = getattr(grp.share, line).values
        perdiem[d] = 1.0 if grp.per_diem else 0.0

    corr = scn.economy.correlation.ordered()
    try:
        chol = np.linalg.cholesky(corr + 1e-12 * np.eye(4))
    except np.linalg.LinAlgError:
        raise ScenarioError([("economy.correlation.matrix", "is not positive semi-definite", None)], file) from None

    names = ["mortality"] + [f"driver:{d}" for d in DRIVERS] + ["epidemic"]
    for grp in exp_.disease_groups:
        names += [f"disease_prevalence:{grp.name}", f"disease_intensity:{grp.name}"]
    streams = np.array([rng.stream_id(n) for n in names], dtype=np.uint64)

    base = np.zeros(L.N_BASE)
    base[L.B_W0] = scn.economy.base_wage.central
    base[L.B_Y0] = scn.economy.base_resident_income.central
    base[L.B_W_PREV] = scn.economy.previous_wage.central
    fund_rep = [rep.employee_pooled, rep.employee_accounts, rep.resident]
    fund_prev = [prev.employee_pooled, prev.employee_accounts, prev.resident]
    i0 = sched[L.MU[L.D_INTEREST], 0]
    inc_target = np.zeros(3)
    for f in range(3):
        inc, ex, bal = fund_rep[f].income.central, fund_rep[f].expenditure.central, fund_rep[f].balance.central
        bal_prev = bal - (inc - ex)
        J0 = i0 * (bal_prev + (inc - ex) / 2) / (1 + i0 / 2)
        base[L.B_BAL_PREV + f] = bal_prev
        base[L.B_BAL0 + f] = bal
        base[L.B_J0 + f] = J0
        base[L.B_INC_GROWTH0 + f] = inc / fund_prev[f].income.central - 1 if fund_prev[f].income.central > 0 else 0.0
        base[L.B_EXP_RATIO_PREV + f] = fund_prev[f].expenditure.central / ex if ex > 0 else 0.0
        inc_target[f] = inc - J0
    pi_prem0 = sched[L.PI_SHARE, 0] * base[L.B_Y0] if flags[L.FLAG_PI_SHARE] else sched[L.PI, 0]
    if base[L.B_Y0] <= 0 or pi_prem0 <= 0:
        if sched[L.ENROL_ELAST].any():
            raise ScenarioError([("membership.resident_enrolment_elasticity", "needs a positive base-year premium and resident income", None)], file)
        base[L.B_PSI0] = 1.0
    else:
        base[L.B_PSI0] = pi_prem0 / base[L.B_Y0]
    base[L.B_S0] = 0.0

    # unit c0: line share times h normalised to average 1 over the scheme's base-year members
    c0h = np.zeros_like(h)
    seed_u = np.uint64(seed)
    inputs = ModelInputs(seed_u, np.zeros(1, dtype=np.int64), streams, sched, np.zeros((1, K)), lo, hi, flags, base,
                         pop0, m0, ri, fx, mig_prof, track, rho, flex_rel, tau, rt0,
                         scn.economy.wage_age_relativity.values.astype(float), c0h, wdis, perdiem, chol,
                         index_rows, index_plus)
    from .reference import project as ref_project

    def year0(inp):
        return ref_project(inp, horizon=0)[0, 0]

    # residents by cell for the h normalisation (enrolment factor is 1 in the base year)
    Rs0 = np.maximum(pop0 * tau - A0 - F0 - rt0, 0.0)
    members_scheme[1] = Rs0
    for mi, m in enumerate(SCHEMES):
        M = members_scheme[mi]
        for j, line in enumerate(LINES):
            avg = (M * h[mi, j]).sum() / M.sum() if M.sum() > 0 else 1.0
            if avg <= 0:
                raise CalibrationError(f"calibration: the {m} {line} cost curve is zero for every member")
            c0h[mi, j] = getattr(exp_.line_shares[m], line).central * h[mi, j] / avg

    # expenditure factors (modelled expenditure is linear in c0)
    o = year0(inputs)
    med_unit = np.array([sum(o[L.O_MED[mi][j]] for j in range(3)) + o[L.O_LEAK[mi]] for mi in range(2)])
    ltc_share = sched[L.LTC, 0]
    targets = np.array([fund_rep[0].expenditure.central - rep.maternity.central - ltc_share * inc_target[0],
                        fund_rep[2].expenditure.central - o[L.O_CII] - ltc_share * inc_target[2]])
    k_cost = np.zeros(2)
    for mi in range(2):
        if targets[mi] <= 0:
            raise CalibrationError(f"calibration: reported {SCHEMES[mi]} expenditure is smaller than maternity/critical-illness/care spending")
        if med_unit[mi] <= 0:
            raise CalibrationError(f"calibration: modelled {SCHEMES[mi]} medical expenditure is zero (no members or reimbursement)")
        k_cost[mi] = targets[mi] / med_unit[mi]
        c0h[mi] *= k_cost[mi]
    cal["cost_scale_employee"] = k_cost[0]
    cal["cost_scale_resident"] = k_cost[1]
    chk.check("cost_scale_employee", "reported.base_year.employee_pooled.expenditure", k_cost[0])
    chk.check("cost_scale_resident", "reported.base_year.resident.expenditure", k_cost[1])
    chk.flush()
    cal["c0_employee_yuan_per_member"] = {line: float((c0h[0, j] * members_scheme[0]).sum() / members_scheme[0].sum()) for j, line in enumerate(LINES)}
    cal["c0_resident_yuan_per_member"] = {line: float((c0h[1, j] * members_scheme[1]).sum() / members_scheme[1].sum()) for j, line in enumerate(LINES)}
    # maternity: one factor on the birth cost and the allowance share
    mat_model = o[L.O_MATERNITY]
    if mat_model <= 0:
        raise CalibrationError("calibration: modelled maternity spending is zero (no births to employees or zero costs)")
    k_mat = rep.maternity.central / mat_model
    sched[L.CB0] *= k_mat
    sched[L.CHI_AL] *= k_mat
    cal["maternity_scale"] = k_mat
    chk.check("maternity_scale", "reported.base_year.maternity", k_mat, raise_now=True)
    if sched[L.CHI_AL].max() > 1:
        warn.append(f"calibration: the fitted maternity allowance share is {sched[L.CHI_AL].max():.3f} > 1; "
                    "raise maternity.birth_cost or paid_leave_days")
    # contributions
    o = year0(inputs)
    fitted = []
    if scn.employee.base_ratio is None:
        per_beta = o[L.O_EMPLOYER_CONTRIB] + o[L.O_EMPLOYEE_CONTRIB]
        rest = o[L.O_FLEX_CONTRIB] + o[L.O_RETIREE_CONTRIB] + o[L.O_BUYBACK] + o[L.O_RECOV[0]]
        target = inc_target[0] + inc_target[1]
        if per_beta <= 0:
            raise CalibrationError("calibration: employees pay no contributions (zero rates or members); set employee.base_ratio")
        beta = (target - rest) / per_beta
        if beta <= 0:
            raise CalibrationError("calibration: flexible, retiree and buy-back contributions alone exceed the reported employee-scheme income")
        sched[L.BETA] = beta
        fitted.append("employee.base_ratio")
        chk.check("employee.base_ratio", "employee.base_ratio", beta, raise_now=True)
    if scn.resident.other_income_factor is None:
        o = year0(inputs)
        per = o[L.O_RES_CONTRIB] / sched[L.THETA_OTHER, 0]
        if per <= 0:
            raise CalibrationError("calibration: residents pay no premium or subsidy; set resident.other_income_factor")
        sched[L.THETA_OTHER] = (inc_target[2] - o[L.O_RECOV[1]]) / per
        fitted.append("resident.other_income_factor")
        chk.check("resident.other_income_factor", "resident.other_income_factor", sched[L.THETA_OTHER, 0], raise_now=True)
    if scn.accounts.spend_share_balance is None:
        o = year0(inputs)
        credits = o[L.O_INC_C[L.F_ACC]]
        bal_prev = base[L.B_BAL_PREV + 1]
        xi_b = (fund_rep[1].expenditure.central - sched[L.XI_F, 0] * credits) / bal_prev if bal_prev > 0 else 0.0
        if 0 <= xi_b <= 1:
            chk.check("accounts.spend_share_balance", "accounts.spend_share_balance", xi_b, raise_now=True)
        else:
            raise CalibrationError(f"calibration: the account spend share of the balance would be {xi_b:.3f}, outside [0, 1]; "
                                   "change accounts.spend_share_credits or set accounts.spend_share_balance")
        sched[L.XI_B] = xi_b
        fitted.append("accounts.spend_share_balance")
    o = year0(inputs)
    emp_members = o[L.O_EMPLOYEES] + o[L.O_FLEXIBLE]
    base[L.B_S0] = ((sum(o[L.O_MED[0][j]] for j in range(3)) + sum(o[L.O_MED[1][j]] for j in range(3)))
                    / (base[L.B_W0] * emp_members)) if emp_members > 0 else 0.0
    if flags[L.FLAG_SMAX] and base[L.B_S0] >= sched[L.SMAX].min():
        raise ScenarioError([("economy.cost_share_ceiling", f"must exceed the base-year cost-to-wage share S0 = {base[L.B_S0]:.4f}", None)], file)

    # ---- calibration report: fitted factors and checks
    cal["employee.base_ratio"] = float(sched[L.BETA, 0])
    cal["resident.other_income_factor"] = float(sched[L.THETA_OTHER, 0])
    cal["accounts.spend_share_balance"] = float(sched[L.XI_B, 0])
    cal["maternity.birth_cost"] = float(sched[L.CB0, 0])
    cal["maternity.allowance_share"] = float(sched[L.CHI_AL, 0])
    cal["cost_to_wage_share_S0"] = float(base[L.B_S0])
    cal["interest_taken_out"] = {f: float(base[L.B_J0 + i]) for i, f in enumerate(("employee_pooled", "employee_accounts", "resident"))}
    cal["fitted"] = fitted + ["expenditure c0 (employee, resident)", "maternity scale", "retiree stock"] + (
        ["working_coverage", "participation"] if scn.calibration.fit_coverage else [])
    checks = {}

    def check(name, model, reported, fitted_):
        checks[name] = {"modelled": float(model), "reported": float(reported),
                        "relative_error": float(model / reported - 1) if reported else float("nan"), "fitted": fitted_}

    fc = scn.calibration.fit_coverage
    check("members.active (mid-year)", o[L.O_EMPLOYEES] + o[L.O_FLEXIBLE], target_active, fc)
    check("members.retirees (mid-year)", o[L.O_RETIREES], target_ret, True)
    check("members.residents (mid-year)", o[L.O_RESIDENTS], target_res, fc)
    for f, nm in enumerate(("employee_pooled", "employee_accounts", "resident")):
        check(f"{nm}.expenditure", o[L.O_EXP[f]], fund_rep[f].expenditure.central, nm != "employee_accounts" or "accounts.spend_share_balance" in fitted)
        check(f"{nm}.income", o[L.O_INC_C[f]] + base[L.B_J0 + f], fund_rep[f].income.central,
              nm == "resident" and "resident.other_income_factor" in fitted)
    check("employee_scheme.income (pooled + accounts)", o[L.O_INC_C[0]] + o[L.O_INC_C[1]] + base[L.B_J0] + base[L.B_J0 + 1],
          fund_rep[0].income.central + fund_rep[1].income.central, "employee.base_ratio" in fitted)
    check("maternity", o[L.O_MATERNITY], rep.maternity.central, True)
    # retiree / employee cost ratio: a check on h, rr and the uplift (no input sets it directly)
    cost_emp = _group_cost_per_member(inputs, A0, 0)
    cost_ret = _group_cost_per_member(inputs, rt0, 2)
    cal["retiree_to_employee_cost_ratio"] = float(cost_ret / cost_emp) if cost_emp > 0 else float("nan")
    cal["checks"] = checks
    hist = scn.economy.excess_cost_history
    if hist is not None:
        dec = excess_cost_decomposition(scn, c0h, wdis, members_scheme)
        cal["excess_cost_decomposition"] = dec
        gap = sched[L.MU[L.D_EXCESS], min(1, T - 1)] - dec["implied_mean"]
        if abs(gap) > 0.0025:
            warn.append(f"calibration: the mean of excess_cost_growth ({sched[L.MU[L.D_EXCESS], min(1, T - 1)]:+.4f}) differs from "
                        f"the historical excess net of ageing and disease ({dec['implied_mean']:+.4f}) by {gap:+.4f}")
    tol = scn.calibration.member_tolerance
    for name, c in checks.items():
        if name.startswith("members") and not c["fitted"] and abs(c["relative_error"]) > tol:
            warn.append(f"calibration: modelled {name} differs from the reported count by {c['relative_error']:+.1%} "
                        f"(tolerance {tol:.0%})")
    chk.flush()
    if chk.allowed:
        warn += chk.allowed
        cal["implausible_allowed"] = list(chk.allowed)
    for msg in warn:
        warnings.warn(msg, stacklevel=2)

    path_ids = np.arange(paths, dtype=np.int64)
    shift = _draw_shifts(seed_u, path_ids, uncertain, sched, K)
    inputs = inputs.with_paths(path_ids, shift)
    return Compiled(scn, inputs, years, [g.name for g in exp_.disease_groups], [r[0] for r in rows],
                    uncertain, cal, warn)


def _group_cost_per_member(inp: ModelInputs, members, g):
    """Base-year fund-paid medical cost per member of group g (employee scheme), before DRG/DIP."""
    tot = 0.0
    for j in range(3):
        par = lambda r: inp.sched[r, 0]  # noqa: E731
        mult = (1 + par(L.ZETA[j]) * (g == L.RET)) * par(L.RR[g][j]) * (1 - par(L.LIMIT[g][j]))
        tot += (members * inp.c0h[0, j]).sum() * mult
    n = members.sum()
    return tot / n if n > 0 else 0.0


def excess_cost_decomposition(scn: Scenario, c0h, wdis, members_scheme) -> dict:
    """Split the historical excess of health spending over wages into its parts (specification section 5).

    * ageing: growth of the cost per person implied by the cost curves on the populations of the
      period's first and last years (each scheme's curves weighted by its base-year spending);
    * disease: the disease groups' prevalence and intensity trends of the base year, weighted by
      their cost shares on the last year's population;
    * implied mean of excess cost growth: (1 + excess) / ((1 + ageing)(1 + disease)) - 1, the
      residual the model must add, since it produces ageing and the disease spectrum itself.
    """
    hist = scn.economy.excess_cost_history
    n0, n1 = hist.start_population.values, hist.end_population.values
    years = hist.end_year - hist.start_year
    spend = np.array([(c0h[m] * members_scheme[m][None]).sum() for m in range(2)])
    weights = spend / spend.sum()
    ageing = 0.0
    disease = 0.0
    for m in range(2):
        h = c0h[m]  # c0 * h by line: the line mix and the age curve together
        i0 = (n0[None] * h).sum() / n0.sum()
        i1 = (n1[None] * h).sum() / n1.sum()
        ageing += weights[m] * ((i1 / i0) ** (1.0 / years) - 1)
        cost1 = (n1[None] * h).sum()
        for d, grp in enumerate(scn.expenditure.disease_groups):
            share = (n1[None] * h * wdis[d]).sum() / cost1
            trend = grp.prevalence_trend.evaluate([scn.base_year])[0] + grp.intensity_trend.evaluate([scn.base_year])[0]
            disease += weights[m] * share * (math.exp(trend) - 1)
    excess = float(hist.excess_growth.central)
    implied = (1 + excess) / ((1 + ageing) * (1 + disease)) - 1
    return {"period": [hist.start_year, hist.end_year], "historical_excess": excess, "ageing_effect": float(ageing),
            "disease_effect": float(disease), "implied_mean": float(implied)}
