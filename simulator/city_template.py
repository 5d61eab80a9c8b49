"""A city's scenario in minutes (issue 18 item 1): the commented file ``fundsim init`` writes.

The file extends the national baseline and asks only for what a bureau has at hand: the
population by 5-year age band and sex, the members by group, the base year's and the previous
year's reported flows and balances, the wage, the contribution rates, the resident premium and
subsidy, and (for ``fundsim backtest``) the reported history. Until a value is filled in, it is
the national figure scaled to the city's population (the national figure times the city's share
of the national population), so the file runs as written; every such value's ``source:`` starts
with :data:`FILL_IN`, and a run warns about each one still there (:func:`placeholders`).
Rates, wages, premiums and subsidies are the national ones, not scaled.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np

from .errors import SimulatorError

#: the start of every placeholder's source; a run warns while any is left
FILL_IN = "FILL IN"
#: fewer persons than this is not a pooling region: most likely a count in 10,000 persons (万人)
MIN_POPULATION = 10_000
#: the 5-year bands of the population block (ages; 85+ is 85-100)
BANDS = [(lo, lo + 4) for lo in range(0, 85, 5)] + [(85, 100)]


class TemplateError(SimulatorError):
    """Bad input to ``fundsim init``: exit code 2."""

    exit_code = 2


def _band_key(lo, hi) -> str:
    return f"{lo}+" if hi == 100 else f"{lo}-{hi}"


def _num(v) -> str:
    """A number as YAML: whole numbers without a fraction, others with up to 6 significant digits."""
    v = float(v)
    if v == round(v) and abs(v) < 1e17:
        return str(int(round(v)))
    return f"{v:.6g}"


def _schedule(points: dict, k: float = 1.0) -> str:
    return "{" + ", ".join(f"{int(y)}: {_num(round(float(v) * k))}" for y, v in sorted(points.items())) + "}"


def _value(raw):
    return raw["value"] if isinstance(raw, dict) and "value" in raw else raw


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def slug(text: str) -> str:
    """A scenario name from a region name or file stem: lower case, words joined by ``_``."""
    s = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    return s or "city"


def city_scenario_text(population: float, *, region: str, name: str | None = None, file_name: str | None = None,
                       today: _dt.date | None = None) -> str:
    """The YAML text of a city scenario for ``population`` persons (the mid-year population of the
    base year) named ``region``; see the module docstring."""
    from .data import load_profile_table
    from .scenario import load_scenario

    try:
        population = float(population)
    except (TypeError, ValueError):
        raise TemplateError(f"--population: {population!r} is not a number of persons") from None
    if not np.isfinite(population) or population <= 0:
        raise TemplateError(f"--population: {population:g} is not a positive number of persons")
    if population < MIN_POPULATION:
        raise TemplateError(f"--population: {population:,.0f} persons is too few for a pooling region; if it is in 10,000 "
                            f"persons (万人), give persons: {population:g}万 = {population * 1e4:,.0f}")
    base = load_scenario("baseline")
    data = base.data
    nat = load_profile_table("china_population_2024", "population")
    if population > float(nat.sum()):
        raise TemplateError(f"--population: {population:,.0f} persons is more than China's {float(nat.sum()):,.0f} "
                            "(UN WPP 2024); give the region's own mid-year population, persons")
    k = population / float(nat.sum())
    by_band = {s: [float(nat[lo:hi + 1, j].sum()) * k for lo, hi in BANDS] for j, s in enumerate(("male", "female"))}
    B = base.scenario.base_year
    name = name or slug(region)
    when = (today or _dt.date.today()).isoformat()
    share = f"x {k:.6g}, the city's share of the national population"
    out = []
    w = out.append
    w(f"# {region}: a city scenario for fundsim, written by `fundsim init` on {when}.")
    w("#")
    w(f"# Every value whose source starts with \"{FILL_IN}\" is a placeholder: the national figure scaled to")
    w(f"# {population:,.0f} persons (x {k:.6g}, the city's share of the national population), or the")
    w("# national rate, wage or premium. The file runs as it is, and `fundsim run` names each")
    w("# placeholder left. Replace each with your bureau's figure")
    w("# and say where it comes from in its source (a statistical yearbook table, the fund's final accounts,")
    w("# a policy document). Units: persons, yuan (not 万人 or 亿元), fractions (0.07, not 7).")
    w("# Everything not written here (cost growth, cost curves, mortality, the payment reforms) is the")
    w("# national baseline's: `fundsim show baseline` lists it; override any key here.")
    w("#")
    file_name = file_name or f"{name}.yaml"
    w(f"# Run:        fundsim run {file_name} --paths 1000")
    w(f"# Back-test:  fill in reported.history below, then fundsim backtest {file_name}")
    w("extends: baseline")
    w(f"name: {name}")
    w(f"description: {_quote(f'{region}: a city pooling region (from the fundsim init template)')}")
    w(f"region: {_quote(region)}")
    w(f"population_basis: {_quote(f'{FILL_IN}: what the population below counts (registered or resident, which year); until then the national {B} structure scaled to {population:,.0f} persons')}")
    w("")
    w("population:")
    w("  base:")
    w(f"    # the mid-year population of {B} by 5-year age band and sex, persons (85+ is 85 and over);")
    w("    # 'interpolation: totals' spreads each band over its single ages keeping its total, in the")
    w("    # national single-age shape within each band ('shape:'; without it a smooth curve spreads the")
    w("    # open 85+ band too evenly up to age 100). With only a total, replace this block by")
    w("    #   base: {table: china_population_2024, total: PERSONS, source: \"...\"}")
    w("    # (the national age-sex structure scaled to the total; say so in source:)")
    w("    value:")
    for s in ("male", "female"):
        w(f"      {s}: {{" + ", ".join(f"{_band_key(lo, hi)}: {_num(round(v))}" for (lo, hi), v in zip(BANDS, by_band[s])) + "}")
    w("    interpolation: totals")
    w("    shape: {table: china_population_2024}")
    w(f"    source: {_quote(f'{FILL_IN}: the statistical yearbook table of population by age and sex (or the census); until then UN WPP 2024 China {B} {share}')}")
    mig = _value(data["population"]["migration"]["net_total"])
    w("  migration:")
    w("    net_total:")
    w(f"      value: {_schedule(mig, k)}")
    w(f"      source: {_quote(f'{FILL_IN}: net migration into the city, persons a year (a negative number for net emigration); until then the national net migration (UN WPP 2024) {share}')}")
    w("")
    eco = data["economy"]
    w("economy:")
    for key, what in (("base_wage", f"the city's average annual wage of urban non-private units in {B} (yuan a year)"),
                      ("previous_wage", f"the same wage in {B - 1} (yuan a year)"),
                      ("base_resident_income", f"the city's per-capita disposable income in {B} (yuan a year)")):
        w(f"  {key}: {{value: {_num(_value(eco[key]))}, source: {_quote(f'{FILL_IN}: {what}; until then the national figure')}}}")
    w("")
    emp = data["employee"]
    w("employee:")
    for key, what in (("employer_rate", "the employer contribution rate (a fraction of the contribution base: 0.07 for 7%)"),
                      ("employee_rate", "the employee contribution rate (a fraction)"),
                      ("flexible_rate", "the flexible workers' contribution rate (a fraction)")):
        w(f"  {key}: {{value: {_num(_value(emp[key]))}, source: {_quote(f'{FILL_IN}: {what}; until then the national value')}}}")
    w("")
    res = data["resident"]
    w("resident:")
    for key, what in (("premium", "the individual premium by year, yuan per person a year (the city's notice)"),
                      ("subsidy", "the fiscal subsidy by year, yuan per person a year")):
        raw = res[key]
        index = f", index: {raw['index']}" if isinstance(raw, dict) and raw.get("index") else ""
        v = _value(raw)
        text = "{" + ", ".join(f"{int(y)}: {_num(x)}" for y, x in sorted(v.items())) + "}" if isinstance(v, dict) else _num(v)
        w(f"  {key}: {{value: {text}{index}, source: {_quote(f'{FILL_IN}: {what}; until then the national standard')}}}")
    w("")
    w("reported:")
    rep = data["reported"]
    for year_key, year in (("base_year", B), ("previous_year", B - 1)):
        w(f"  {year_key}:   # {year}: the fund's final accounts (决算) and the member counts at year end")
        y = rep[year_key]
        for fund, label in (("employee_pooled", "the employee pooled fund (统筹基金, maternity included)"),
                            ("employee_accounts", "the individual accounts (个人账户)"),
                            ("resident", "the resident fund (居民医保基金)")):
            w(f"    {fund}:   # {label}, yuan")
            for measure in ("income", "expenditure", "balance"):
                if measure in y[fund]:
                    v = float(_value(y[fund][measure])) * k
                    w(f"      {measure}: {{value: {_num(round(v))}, source: {_quote(f'{FILL_IN}: {year} {measure} of {label}; until then the national figure {share}')}}}")
        w("    members:   # persons at year end")
        for group, label in (("active", "active employee-scheme members (employees and flexible workers)"),
                             ("retirees", "employee-scheme retirees"), ("residents", "resident-scheme members")):
            v = float(_value(y["members"][group])) * k
            w(f"      {group}: {{value: {_num(round(v))}, source: {_quote(f'{FILL_IN}: {year} {label}; until then the national count {share}')}}}")
        v = float(_value(y["maternity"])) * k
        w(f"    maternity: {{value: {_num(round(v))}, source: {_quote(f'{FILL_IN}: {year} maternity spending of the employee pooled fund, yuan; until then the national figure {share}')}}}")
    w("  # history:   # reported figures by year for `fundsim backtest`; every key optional, each with a source.")
    w("  #            # A start year needs all three funds' income, expenditure and balance, the members and")
    w("  #            # maternity; the year before it the members. For example:")
    w(f"  #   {B - 2}:")
    w("  #     employee_pooled: {income: {value: ..., source: \"...\"}, expenditure: {value: ..., source: \"...\"}, balance: {value: ..., source: \"...\"}}")
    w("  #     employee_accounts: {income: ..., expenditure: ..., balance: ...}")
    w("  #     resident: {income: ..., expenditure: ..., balance: ...}")
    w("  #     members: {active: ..., retirees: ..., residents: ...}")
    w("  #     maternity: {value: ..., source: \"...\"}")
    return "\n".join(out) + "\n"


def placeholders(scenario) -> list:
    """Key paths of a validated scenario whose ``source:`` still starts with :data:`FILL_IN`."""
    from pydantic import BaseModel

    from .scenario.profiles import Profile
    from .scenario.values import Param

    found = []

    def walk(model, prefix):
        for key in type(model).model_fields:
            v = getattr(model, key)
            path = f"{prefix}{key}"
            if isinstance(v, (Param, Profile)):
                if isinstance(v.source, str) and v.source.startswith(FILL_IN):
                    found.append(path)
            elif isinstance(v, BaseModel):
                walk(v, path + ".")
            elif isinstance(v, dict):
                for k2, x in v.items():
                    if isinstance(x, BaseModel):
                        walk(x, f"{path}.{k2}.")
    walk(scenario, "")
    return found


def placeholder_warning(scenario) -> str | None:
    """One line naming the placeholders left, or None."""
    left = placeholders(scenario)
    if not left:
        return None
    shown = ", ".join(left[:6]) + (f" and {len(left) - 6} more" if len(left) > 6 else "")
    return (f"{len(left)} value(s) are still placeholders (source '{FILL_IN} ...': the national figure or its share, "
            f"not the region's): {shown}")
