"""What ``fundsim uncertainty`` shows: :func:`report` gathers it as one JSON-able dict,
:func:`format_report` prints it as text."""

from __future__ import annotations

import math

from .ageing import ageing_effects, excess_history_check
from .common import DRIVERS, INDEX_LABELS, INDICES, QUANTILES, _jsonable, _load_scenario
from .driver_fits import driver_fits, residual_correlation
from .proposal import current_drivers, proposed_drivers, proposed_scenario, proposed_yaml
from .spread import history_spread_check, spread_of_10y_growth


def report(scenario=None, overrides=(), *, paths: int = 2000, seed=None, years: int = 10, spread: bool = True) -> dict:
    """Everything ``fundsim uncertainty`` shows, as one JSON-able dict: ``fits``, ``current`` and
    ``proposed`` driver values, ``ageing``, ``excess_history_check``, ``residual_correlation``
    and (with ``spread``) the 10-year comparison for the scenario as it is and with the proposed
    drivers (same seed: common random numbers)."""
    loaded = _load_scenario(scenario, overrides)
    scn = loaded.scenario
    out = {"scenario": scn.name, "base_year": scn.base_year, "fits": driver_fits(),
           "current": current_drivers(loaded), "proposed": proposed_drivers(loaded),
           "ageing": ageing_effects(loaded), "residual_correlation": residual_correlation()}
    hist = scn.economy.excess_cost_history
    if hist is not None:
        out["excess_history_check"] = excess_history_check(hist.start_year, hist.end_year)
        out["excess_history_check"]["scenario_excess_growth"] = float(hist.excess_growth.central)
    if spread:
        cur = spread_of_10y_growth(loaded, paths=paths, seed=seed, years=years)
        prop = spread_of_10y_growth(proposed_scenario(loaded), paths=paths, seed=cur["seed"], years=years,
                                    with_history=False)
        out["spread"] = {"start_year": cur["start_year"], "end_year": cur["end_year"], "paths": cur["paths"],
                         "seed": cur["seed"], "current": cur["model"], "proposed": prop["model"],
                         "history": cur["history"],
                         "history_check": [history_spread_check(k, years) for k in ("wage_growth", "excess_cost_growth")]}
    out["proposed_yaml"] = proposed_yaml(loaded)
    return _jsonable(out)


def _pm(v, se, fmt, sefmt=None):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    s = "inf" if se is None or not math.isfinite(se) else format(se, sefmt or fmt)
    return f"{format(v, fmt)} ± {s}"


def _pct(v, digits=1):
    return "-" if v is None or not math.isfinite(v) else f"{v * 100:+.{digits}f}%"


def format_report(rep: dict) -> str:
    """The text of ``fundsim uncertainty``."""
    L = []
    L.append(f"Driver uncertainty for scenario {rep['scenario']} (specification sections 5 and 13)")
    L.append("AR(1) on l = log(1 + x): OLS of l[t] on l[t-1] and a constant (and a linear trend where said); "
             "n = pairs of consecutive years used.")
    L.append("mean: the sample mean of l as a rate, se = sigma / ((1 - phi) sqrt(years)); sigma in log points.")
    L.append("")
    L.append(f"  {'driver / history':<46}{'period':>10}{'n':>4}  {'excluded':<11}{'mean ± se':>17}"
             f"{'phi ± se':>14}{'sigma ± se':>18}")
    driver = None
    for f in rep["fits"]:
        if f["driver"] != driver:
            driver = f["driver"]
            L.append(f"  {driver}")
        mark = "*" if f["proposed"] else " "
        label = f"{mark} {f['label']}"
        if not f["fitted"]:
            used = ", ".join(str(y) for y in f["years_used"])
            L.append(f"  {label:<46}{'':>10}{'':>4}  {_years_short(f['excluded']):<11}  not fitted: "
                     f"{len(f['years_used'])} years outside the excluded ones ({used}), mean {_pct(f['mean'], 2)}")
            continue
        per = f"{f['period'][0]}-{f['period'][1]}"
        mean = _pm(f["mean"] * 100, None if f["se_mean"] is None else f["se_mean"] * 100, "+.2f", ".2f") + "%"
        L.append(f"  {label:<46}{per:>10}{f['n']:>4}  {_years_short(f['excluded']):<11}{mean:>17}"
                 f"{_pm(f['phi'], f['se_phi'], '.2f'):>14}{_pm(f['sigma'], f['se_sigma'], '.4f'):>18}")
        if f["trend"] and f.get("mean_end") is not None:
            L.append(f"      trend line in {f['period'][1]}: {_pct(f['mean_end'], 2)}; slope "
                     f"{f['slope'] * 100:+.2f} ± {f['se_slope'] * 100:.2f} log points a year")
        for w in f["warnings"]:
            L.append(f"      {w}")
    L.append("  * the fit the proposal uses. Data, years and notes of every fit: --json, key 'fits'.")
    L.append("")
    L.append("Driver values of the scenario -> proposed from the fits (the means keep their schedules)")
    L.append(f"  {'driver':<26}{'mean, first -> last year':>26}{'sd of mean':>20}{'persistence':>16}{'sd':>20}")
    for name in DRIVERS:
        c, p = rep["current"][name], rep["proposed"][name]
        msd = "-" if c["mean_sd"] is None else f"{c['mean_sd']:.4f}"
        mean = f"{_pct(c['mean_first'], 2)} -> {_pct(c['mean_last'], 2)}"
        L.append(f"  {name:<26}{mean:>26}{msd + ' -> ' + format(p['mean']['sd'], '.4f'):>20}"
                 f"{format(c['persistence'], '.2f') + ' -> ' + format(p['persistence']['value'], '.2f'):>16}"
                 f"{format(c['sd'], '.4f') + ' -> ' + format(p['sd']['value'], '.4f'):>20}")
    ag = rep["ageing"]
    L.append("")
    L.append("Ageing: crude cost per person or member contains it; the model's own ageing effect (the scenario's "
             "cost curves on the WPP populations in the package):")
    L.append("  " + ", ".join(f"{i['from']}-{i['to']} {_pct(i['rate'], 2)}/yr" for i in ag["intervals"])
             + f"; 2017-2023 {_pct(ag['period_2017_2023'], 2)}/yr (the calibration's decomposition: "
             f"{_pct(ag['check']['decomposition_ageing'], 2)})")
    mix = ag["employee_mix"]
    if mix["mean_2014_2024"] is not None:
        L.append(f"  employee member mix (retiree share; the model's retiree/employee cost ratio "
                 f"{mix['retiree_cost_ratio']:.2f}): {_pct(mix['mean_2014_2024'], 2)}/yr in 2014-2024")
    L.append("  The package has no population by age before 2017: the fitted excess means are crude (not "
             "age-standardised); only sigma, phi and the mean's standard error are used.")
    ch = rep.get("excess_history_check")
    if ch:
        L.append(f"  Check of the scenario's historical excess {ch['period'][0]}-{ch['period'][1]} "
                 f"({_pct(ch['scenario_excess_growth'], 2)}): the package's data give health spending "
                 f"{_pct(ch['total_health_expenditure_growth'], 2)}/yr, wages {_pct(ch['wage_growth'], 2)}/yr: "
                 f"excess {_pct(ch['excess_total'], 2)} (per person {_pct(ch['excess_per_person'], 2)})")
    rc = rep["residual_correlation"]
    L.append("")
    L.append("Correlation of the proposed fits' residuals over their common years (n); information, the "
             "scenario's matrix is not proposed here")
    L.append(f"  {'':<26}" + "".join(f"{d[:13]:>15}" for d in rc["drivers"]))
    for i, d in enumerate(rc["drivers"]):
        cells = []
        for j in range(len(rc["drivers"])):
            r = rc["matrix"][i][j]
            cells.append(f"{'-' if r is None else format(r, '+.2f')} ({rc['n'][i][j]})")
        L.append(f"  {d:<26}" + "".join(f"{c:>15}" for c in cells))
    sp = rep.get("spread")
    if sp:
        L.append("")
        L.append(f"{sp['end_year'] - sp['start_year']}-year cumulative growth: the model {sp['start_year']}-"
                 f"{sp['end_year']} ({sp['paths']} paths, seed {sp['seed']}) and history's rolling windows")
        qs = [f"q{int(round(q * 100))}" for q in QUANTILES]
        L.append(f"  {'':<62}" + "".join(f"{int(round(q * 100)):>6}%" for q in QUANTILES)
                 + f"{'90% width':>11}{'sd':>7}")
        for idx in INDICES:
            L.append(f"  {INDEX_LABELS[idx]}")
            rows = [("model, scenario values", sp["current"][idx]), ("model, proposed values", sp["proposed"][idx])]
            for h in sp["history"][idx]:
                rows.append((f"history: {h['series']}, {h['n_windows']} x {h['span'][0]}-{h['span'][1]}",
                             h["quantiles"]))
            for label, q in rows:
                if q is None:
                    L.append(f"    {label:<60}  (no 10-year window)")
                    continue
                width = math.log1p(q["q95"]) - math.log1p(q["q5"])
                L.append(f"    {label:<60}" + "".join(f"{q[k] * 100:>+6.0f}%" for k in qs)
                         + f"{width:>11.3f}{q['sd_log']:>7.3f}")
        L.append("  90% width = log(1 + q95) - log(1 + q5), sd = sd of log(1 + growth); 'n x a-b': n windows within "
                 "a-b.")
        L.append("  History's windows overlap and carry the 2000s' faster growth (raw rows): a check on the bands' "
                 "width, not a target.")
        chk = sp.get("history_check") or []
        if chk:
            L.append("")
            L.append("History's 10-year spread against the fit: sd over the windows of the summed log(1 + x), mean (or "
                     "straight line) removed,")
            L.append("in history and in histories of the same length simulated from the fitted AR(1) (one short "
                     "history understates the spread):")
            for c in chk:
                q = c["simulated"]
                L.append(f"  {c['label']:<44} {c['span'][0]}-{c['span'][1]}, {c['windows']} windows: history "
                         f"{c['history']:.3f}; simulated {q['q50']:.3f} [5%: {q['q5']:.3f}, 95%: {q['q95']:.3f}], "
                         f"{c['share_of_simulated_below_history']:.0%} of them below history's")
    return "\n".join(L)


def _years_short(years) -> str:
    ys = sorted(int(y) for y in years)
    if not ys:
        return "-"
    runs, start, prev = [], ys[0], ys[0]
    for y in ys[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(f"{start}" if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ",".join(runs)
