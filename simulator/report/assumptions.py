"""The key assumptions of a run: :data:`KEY_ASSUMPTIONS` (the main policy levers and drivers) and
:func:`key_assumptions`, read from the scenario stored with the results
(``ds.attrs["scenario_yaml"]``), with the units and defaults of the scenario schema."""

from __future__ import annotations

import re
from functools import lru_cache

from ..labels import check_lang, labeler
from .markup import _num


#: the main policy levers and drivers shown in the assumptions table: (group, key paths); each
#: key's label is ``asm.<key path>`` in :mod:`simulator.labels`, in English and Chinese
KEY_ASSUMPTIONS = (
    ("Policy levers", (
        "employee.employer_rate",
        "employee.employee_rate",
        "employee.flexible_rate",
        "employee.retiree_rate",
        "accounts.employer_share",
        "resident.premium",
        "resident.subsidy",
        "resident.premium_income_share",
        "resident.subsidy_cap_ratio",
        "membership.retirement_override.men",
        "membership.retirement_override.women_50",
        "membership.retirement_override.women_55",
        "membership.women_track_50_share",
        "reform.drg_dip.coverage",
        "reform.drg_dip.coding_creep",
        "reform.drg_dip.creep_cap",
        "reform.drg_dip.efficiency_max",
        "reform.drg_dip.global_budget.enabled",
        "reform.drg_dip.global_budget.budget_growth",
        "reform.procurement.coverage",
        "reform.procurement.price_cut",
        "reform.fraud.leakage",
        "policy.rate_trigger.enabled",
        "policy.rate_trigger.lower_months",
        "policy.rate_trigger.upper_months",
        "policy.rate_trigger.employer_step",
        "policy.rate_trigger.premium_step",
        "policy.fiscal_backstop.enabled",
        "policy.fiscal_backstop.minimum_months",
        "long_term_care.carve_out_share",
    )),
    ("Economic and demographic drivers", (
        "economy.drivers.wage_growth.mean",
        "economy.drivers.wage_growth.sd",
        "economy.drivers.excess_cost_growth.mean",
        "economy.drivers.excess_cost_growth.sd",
        "economy.drivers.interest_rate.mean",
        "economy.drivers.resident_income_growth.mean",
        "economy.cost_share_ceiling",
        "economy.base_wage",
        "population.base",
        "population.fertility.tfr",
        "population.mortality.kappa_sd",
        "population.migration.net_total",
        "epidemic.probability",
        "epidemic.cost_add",
        "epidemic.contribution_relief",
    )),
)


def _scenario_data(ds) -> dict:
    if not ds.attrs.get("scenario_yaml"):
        return {}
    from ..api import scenario_data_of
    from ..errors import ScenarioError
    try:
        return scenario_data_of(ds)
    except ScenarioError as e:  # the report still shows the rest
        return {"__error__": f"the stored scenario text could not be parsed: {e}"}


def _get(data, dotted):
    node = data
    for k in dotted.split("."):
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


@lru_cache(maxsize=1)
def _schema_units() -> list:
    """(regex of a key path, unit) for every value key of the scenario schema."""
    try:
        from ..scenario.reference_doc import iter_fields
    except Exception:  # pragma: no cover - the report works without units
        return []
    out = []
    for path, _field, meta, section in iter_fields():
        if section or not meta.get("unit"):
            continue
        rx = re.escape(path).replace(r"\[i\]", r"\.\d+")
        rx = re.sub(r"\\\{([^}]*)\\\}", lambda m: "(?:" + m.group(1).replace("\\|", "|") + ")", rx)
        out.append((re.compile(rx + "$"), meta["unit"]))
    return out


@lru_cache(maxsize=1)
def _schema_defaults() -> dict:
    """Key path -> default of every value key whose default is a plain number or flag."""
    try:
        from ..scenario.reference_doc import iter_fields
    except Exception:  # pragma: no cover
        return {}
    return {path: field.default for path, field, _meta, section in iter_fields()
            if not section and isinstance(field.default, (bool, int, float))}


def _schema_default(dotted):
    return _schema_defaults().get(dotted)


def _unit(dotted) -> str:
    for rx, unit in _schema_units():
        if rx.match(dotted):
            return unit
    return ""


def _fmt_schedule(d) -> str:
    items = sorted(d.items(), key=lambda kv: str(kv[0]))
    return ", ".join(f"{k}: {_num(v)}" for k, v in items)


def _fmt_value(node) -> tuple[str, str]:
    """(value text, source) of a scenario value in any of its forms."""
    if not isinstance(node, dict):
        return (_num(node) if not isinstance(node, str) else node), ""
    source = str(node.get("source", ""))
    if "dist" in node:
        params = ", ".join(f"{k} {_num(node[k])}" for k in ("mean", "sd", "low", "mode", "high", "min", "max")
                           if k in node)
        text = f"{node['dist']}({params}) drawn once per path"
        if isinstance(node.get("schedule"), dict):
            text = f"schedule {_fmt_schedule(node['schedule'])}, shifted by a {text}"
        if node.get("cost_direction"):
            text += f"; {node['cost_direction'].replace('_', ' ')}"
        return text, source
    if "table" in node:
        col = f", column {node['column']}" if node.get("column") else ""
        return f"table {node['table']}{col}", source
    if "value" in node:
        v = node["value"]
        if isinstance(v, dict):
            if all(isinstance(x, dict) for x in v.values()):  # by sex, by line
                return "; ".join(f"{k}: {_fmt_schedule(x)}" for k, x in v.items()), source
            return _fmt_schedule(v), source
        return (_num(v) if not isinstance(v, str) else v), source
    body = {k: v for k, v in node.items() if k != "source"}
    return _fmt_schedule(body) if body else "", source


def key_assumptions(ds, lang: str = "en") -> list[tuple[str, list[tuple[str, str, str, str, str]]]]:
    """The main policy levers and drivers of the run's scenario:
    ``[(group, [(key path, label, value, unit, source), ...]), ...]``. A key the scenario does not
    set is shown at its schema default when that is a plain number or flag, and left out otherwise;
    the settings of a policy rule that is off are left out; the statutory retirement rule is named
    when no override is set. ``lang``: the language of the labels (the group names stay the
    English keys of :data:`KEY_ASSUMPTIONS`)."""
    L = labeler(check_lang(lang))
    data = _scenario_data(ds)
    groups = []
    for group, keys in KEY_ASSUMPTIONS:
        rows = []
        for dotted in keys:
            label = L(f"asm.{dotted}")
            node = _get(data, dotted)
            if node is None:
                default = _schema_default(dotted)
                if default is None:
                    continue
                node = {"value": default, "source": L("asm.default_source")}
            if dotted.startswith("policy.") and not dotted.endswith(".enabled"):
                section = dotted.rsplit(".", 1)[0]
                if not _get(data, section + ".enabled"):
                    continue  # a rule that is off: its settings do not matter
            value, source = _fmt_value(node)
            rows.append((dotted, label, value, _unit(dotted), source))
        if group == "Policy levers" and not any(r[0].startswith("membership.retirement_override") for r in rows):
            rows.insert(4, ("(membership.retirement_override absent)", L("asm.statutory_retirement"),
                            L("asm.npc_rule"), L("asm.years_of_age"), L("asm.builtin_rule")))
        groups.append((group, rows))
    return groups
