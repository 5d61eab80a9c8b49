"""A province file (specification section 17): its regions, their scenarios and the pooling mode.

.. code-block:: yaml

    province:
      name: example_province
      pooling: {mode: adjustment_fund, share: 0.03, min_months: 3}   # or separate, or unified
      regions:
        - {name: qingdao, scenario: qingdao}          # a built-in name or a path (relative to this file)
        - {name: ageing_city, scenario: cities/ageing_city.yaml, share: 0.02}   # its own levy share
      # with pooling {mode: unified, unified_from: 2027}, a region may join later: joins_unified_pool: 2030
      local: [expenditure.excess_cost_growth]          # uncertain values drawn per region (default: shared)

Problems are reported as for a scenario: one :class:`~simulator.errors.ScenarioError` naming the
file, the key path and the line of every problem.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ScenarioError, excerpt, suggest
from ..scenario.resolve import builtin_province, is_province_file

POOLING_MODES = ("separate", "adjustment_fund", "unified")
#: the name of the province's own entry on the results' ``region`` axis
PROVINCE_ENTRY = "province"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pooling(_Strict):
    """How the regions' pooled funds share their money (section 17)."""

    mode: Literal["separate", "adjustment_fund", "unified"] = "separate"
    #: adjustment fund: the share of each region's pooled contribution income paid in, fraction
    share: float = Field(0.0, ge=0.0, le=1.0)
    #: adjustment fund: a region is topped up to this many months of its expenditure, months
    min_months: float = Field(0.0, ge=0.0, le=120.0)
    #: unified: the calendar year from which the regions share one pooled balance (default: the
    #: first projected year); a region may join later (``joins_unified_pool``)
    unified_from: Optional[int] = Field(None, ge=1900, le=2300)
    source: Optional[str] = None

    @model_validator(mode="after")
    def _fits_mode(self):
        if self.mode != "adjustment_fund" and (self.share or self.min_months):
            raise ValueError(f"share and min_months belong to mode adjustment_fund, not {self.mode}")
        if self.mode != "unified" and self.unified_from is not None:
            raise ValueError(f"unified_from belongs to mode unified, not {self.mode}")
        return self


class Region(_Strict):
    name: str = Field(min_length=1, max_length=64)
    scenario: str = Field(min_length=1)
    #: unified mode: the calendar year this region joins the pool (default: pooling.unified_from)
    joins_unified_pool: Optional[int] = Field(None, ge=1900, le=2300)
    #: adjustment fund: this region's share and minimum months, if not the province's
    share: Optional[float] = Field(None, ge=0.0, le=1.0)
    min_months: Optional[float] = Field(None, ge=0.0, le=120.0)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, v):
        if v == PROVINCE_ENTRY:
            raise ValueError(f"'{PROVINCE_ENTRY}' is the name of the province's own entry in the results; choose another")
        if not all(c.isalnum() or c in "_-" for c in v):
            raise ValueError("use letters, digits, '_' and '-' only (it names the region in results and streams)")
        return v


class OutOfRegionCare(_Strict):
    """Out-of-region care (异地就医, section 17) from one region to another."""

    #: the share of the sending region's members' inpatient care (at home prices) they receive in
    #: the host region, a fraction
    share: float = Field(ge=0.0)
    #: the host's prices relative to the sender's (1.2: care there costs 20% more), a ratio
    price_factor: float = Field(1.0, gt=0.0)
    source: Optional[str] = None

    @field_validator("share")
    @classmethod
    def _fraction(cls, v):
        if v >= 1.0:
            hint = f" ({v:g} looks like a percentage: {v / 100:g} for {v:g}%)" if v <= 100 else ""
            raise ValueError(f"a share is a fraction below 1{hint}")
        return v

    @field_validator("price_factor")
    @classmethod
    def _ratio(cls, v):
        if not math.isfinite(v):
            raise ValueError("a price factor is a finite ratio (1.2 means the host's care costs 20% more)")
        if v > 5.0:
            raise ValueError(f"{v:g} is not a plausible price ratio (at most 5; 1.2 means the host's care costs 20% more; "
                             f"a percentage {v:g}% is {1 + v / 100:g})")
        return v


class Simulation(_Strict):
    paths: Optional[int] = Field(None, ge=1)
    seed: Optional[int] = Field(None, ge=0, lt=2**63)


class ProvinceBody(_Strict):
    name: str = Field(min_length=1)
    description: Optional[str] = None
    pooling: Pooling = Pooling()
    regions: list[Region] = Field(min_length=1, max_length=64)
    #: key paths of uncertain scenario values drawn on streams keyed by region (section 17), and
    #: random components drawn per region: ``disease`` (the disease trends), ``epidemic``,
    #: ``mortality``, ``drivers`` (the four economic drivers together: their shocks are correlated).
    #: Everything else is shared.
    local: list[str] = []
    simulation: Simulation = Simulation()
    horizon: Optional[int] = Field(None, ge=1, le=200)
    #: out-of-region care (section 17): ``{sender: {host: {share, price_factor}}}``
    out_of_region_care: dict[str, dict[str, OutOfRegionCare]] = {}

    @model_validator(mode="after")
    def _unique(self):
        names = [r.name for r in self.regions]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"region names must be unique; repeated: {', '.join(dup)}")
        if self.pooling.mode != "unified" and any(r.joins_unified_pool is not None for r in self.regions):
            raise ValueError("joins_unified_pool belongs to pooling mode unified")
        if self.pooling.mode != "adjustment_fund" and any(r.share is not None or r.min_months is not None
                                                          for r in self.regions):
            raise ValueError("a region's share and min_months belong to pooling mode adjustment_fund")
        if self.pooling.mode == "adjustment_fund" and self.pooling.share == 0.0 and not all(
                r.share for r in self.regions):
            raise ValueError("mode adjustment_fund needs a share > 0 (the fraction of pooled contribution income paid "
                             "in): pooling.share, or a share on every region")
        return self


class ProvinceFile(_Strict):
    province: ProvinceBody


class Province:
    """A validated province file: :attr:`body` (the model), :attr:`origin` (its path),
    :attr:`folder` (what relative scenario paths resolve against) and :attr:`text`."""

    def __init__(self, body: ProvinceBody, origin: str, folder, text: str, overridden=()):
        self.body, self.origin, self.folder, self.text = body, origin, folder, text
        self.overridden = [tuple(t) for t in overridden]  # key paths set by --set overrides

    def region_error(self, i: int, e: ScenarioError) -> ScenarioError:
        """``e``, a problem of region ``i``'s scenario, headed by the province file's line that names it."""
        region = self.body.regions[i]
        head = (f"province.regions[{i}].scenario", f"region {region.name}: its scenario '{region.scenario}' cannot be "
                "used (below)", None, self.origin_of("province", "regions", i, "scenario"))
        return ScenarioError([head] + list(e.problems), self.origin)

    def origin_of(self, *key) -> str:
        """``--set`` if an override set the key path ``key`` (or one above or below it), else the file."""
        return "--set" if _set_by(self.overridden, key) else self.origin

    @property
    def name(self) -> str:
        return self.body.name

    @property
    def region_names(self) -> list[str]:
        return [r.name for r in self.body.regions]

    def scenario_source(self, region: Region):
        """A region's scenario as :func:`simulator.scenario.load_scenario` takes it: a built-in
        name, or a path resolved against the province file's folder."""
        from ..scenario.resolve import _looks_like_path
        ref = region.scenario
        if _looks_like_path(ref) and self.folder is not None and not os.path.isabs(ref):
            return str(Path(self.folder) / ref) if isinstance(self.folder, Path) else self.folder.joinpath(ref)
        return ref


def list_builtin_provinces() -> list[str]:
    """Names of the province files shipped with the package (``simulator/scenarios/provinces/``)."""
    from importlib import resources
    try:
        entries = list(resources.files("simulator").joinpath("scenarios", "provinces").iterdir())
    except (FileNotFoundError, NotADirectoryError, OSError):
        return []
    return sorted(e.name[:-5] for e in entries if e.name.endswith(".yaml") and e.is_file())


def _read(source) -> tuple[dict, dict, str, str, object, str]:
    """(plain data, key lines, label, origin, folder, text) of a province file or built-in name."""
    from ..scenario.yaml_read import _parse_text, _plain, _read_file
    if isinstance(source, dict):
        return source, {}, "<dict>", "<dict>", None, ""
    ref = str(source)
    res = builtin_province(ref) if not ref.lower().endswith((".yaml", ".yml")) and "/" not in ref else None
    if res is not None:
        raw = res.read_bytes()
        label, origin, folder = f"<built-in>/provinces/{ref}.yaml", ref, res.parent if hasattr(res, "parent") else None
        if isinstance(res, Path):
            label, folder = str(res), res.parent
    else:
        path = Path(ref)
        label = os.path.normpath(ref)
        raw = _read_file(path, label)
        origin, folder = str(path), path.resolve().parent
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([(None, "is not UTF-8 text", None, label)], label) from None
    doc = _parse_text(text, label)
    locs: dict = {}
    data = _plain(doc, (), label, locs, None)
    return data, locs, label, origin, folder, text


def is_province(source) -> bool:
    """True if ``source`` (a path, a built-in name or a dict) is a province file (its top-level key
    is ``province:``), without validating it."""
    return is_province_file(source)


def _apply_overrides(data: dict, overrides, label: str) -> None:
    """``province.KEY.PATH=VALUE`` overrides (the CLI's ``--set``) on the province's own keys."""
    from ..scenario import parse_override
    for text in overrides:
        tokens, value = parse_override(text)
        node = data
        for i, tok in enumerate(tokens[:-1]):
            nxt = node[tok] if isinstance(node, list) and isinstance(tok, int) and -len(node) <= tok < len(node) else (
                node.get(tok) if isinstance(node, dict) else None)
            if nxt is None and isinstance(node, dict):
                nxt = node[tok] = {}
            if not isinstance(nxt, (dict, list)):
                raise ScenarioError([(".".join(map(str, tokens[:i + 1])), "cannot be overridden: not a mapping or list "
                                      "in the province file", None, "--set")], label)
            node = nxt
        last = tokens[-1]
        if isinstance(node, list):
            if not isinstance(last, int) or not -len(node) <= last < len(node):
                raise ScenarioError([(".".join(map(str, tokens)), "no such list item", None, "--set")], label)
        node[last] = value


#: the prefix of an override for one region's scenario: ``region.NAME.KEY.PATH=VALUE``
REGION_PREFIX = "region."


def split_overrides(overrides) -> tuple[list, list, dict]:
    """(the province's own ``province.…`` overrides, those for every region's scenario, and those
    for one region's scenario: ``region.NAME.KEY.PATH=VALUE`` as ``{NAME: ["KEY.PATH=VALUE"]}``).
    ``region=TEXT`` (no name) is the scenarios' own ``region`` label and goes to every region."""
    own, common, by_region = [], [], {}
    for o in overrides:
        text = o.strip() if isinstance(o, str) else o
        if isinstance(text, str) and text.startswith("province."):
            own.append(text)
        elif isinstance(text, str) and text.startswith(REGION_PREFIX) and "." in text.split("=", 1)[0][len(REGION_PREFIX):]:
            name, rest = text[len(REGION_PREFIX):].split(".", 1)
            by_region.setdefault(name, []).append(rest)
        else:
            common.append(o)
    return own, common, by_region


def load_province(source, overrides=()) -> Province:
    """Read and validate a province file (a path, a built-in name or a dict); ``overrides``
    (``province.pooling.mode=unified``) change its own keys before validation."""
    data, locs, label, origin, folder, text = _read(source)
    if not isinstance(data, dict) or "province" not in data:
        raise ScenarioError([(None, "is not a province file: it needs a top-level 'province:' mapping", None, label)], label)
    overridden = []
    if overrides:
        import copy
        from ..scenario import parse_override
        overridden = [parse_override(o)[0] for o in overrides]
        data = copy.deepcopy(data)
        _apply_overrides(data, overrides, label)
        text += "".join(f"# --set {o}\n" for o in overrides)
    try:
        body = ProvinceFile.model_validate(data).province
    except ValidationError as e:
        problems = []
        for err in e.errors()[:20]:
            loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
            dotted = ".".join(str(x) for x in loc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            elif err["type"] == "missing":
                msg = "required key is missing"
            elif "input" in err and err["type"] not in ("value_error",):
                msg += f" (got {excerpt(err['input'], 60)})"
            problems.append((dotted or None, msg) + _where(loc, locs, overridden, label))
        raise ScenarioError(problems, label) from None
    problems = [(".".join(map(str, loc)), msg) + _where(loc, locs, overridden, label) for loc, msg in _care_problems(body)]
    if problems:
        raise ScenarioError(problems, label)
    return Province(body, origin, folder, text, overridden)


def _set_by(overridden, loc) -> bool:
    """Whether one of the override key paths ``overridden`` set the key path ``loc`` (or one under
    or above it)."""
    return any(tuple(t[:min(len(t), len(loc))]) == tuple(loc[:min(len(t), len(loc))]) for t in overridden)


def _where(loc: tuple, locs: dict, overridden: list, label: str) -> tuple:
    """(line, origin) of a problem at key path ``loc``: ``--set`` where an override set that key
    or one under or above it, else the deepest key of the file that holds it."""
    if _set_by(overridden, loc):
        return None, "--set"
    line = None
    for n in range(len(loc), 0, -1):
        line = locs.get(tuple(loc[:n]))
        if line is not None:
            break
    if isinstance(line, tuple):  # (file, line) as the scenario reader records it
        line = line[-1]
    return line, label


def _regions_hint(name: str, names: list) -> str:
    hint = suggest(name, names)
    return hint if "did you mean" in hint else f" (the regions: {', '.join(names)})"


def _care_problems(body: ProvinceBody) -> list:
    """(key path, problem) of the out-of-region care (section 17) that a field alone cannot tell:
    unknown regions, care to itself, shares that leave no care at home, a sender with no host."""
    names = [r.name for r in body.regions]
    base = ("province", "out_of_region_care")
    problems = []
    for sender, hosts in body.out_of_region_care.items():
        if sender not in names:
            problems.append((base + (sender,), f"'{sender}' is not a region{_regions_hint(sender, names)}"))
            continue
        if not hosts:
            problems.append((base + (sender,), f"region {sender} names no host region: give "
                             "{HOST: {share: FRACTION, price_factor: RATIO}} or leave the sender out"))
        for host in hosts:
            if host == sender:
                problems.append((base + (sender, host), f"region {sender} sends care to itself (care at home is the rest)"))
            elif host not in names:
                problems.append((base + (sender, host), f"'{host}' is not a region{_regions_hint(host, names)}"))
        total = sum(c.share for c in hosts.values())
        if total >= 1.0:
            problems.append((base + (sender,), f"region {sender}'s shares add up to {total:g}, not below 1 "
                             "(the rest is its care at home)"))
    return problems


def province_settings(prov: Province, first_loaded, paths=None, seed=None, horizon=None) -> tuple:
    """(name, base year, (paths, seed, horizon)) of a province run: the arguments', else the
    province file's, else its first region's scenario's (``first_loaded``, a LoadedScenario with
    the overrides), as :func:`run_province` settles them."""
    body = prov.body
    scn = first_loaded.scenario
    P = paths if paths is not None else (body.simulation.paths or scn.simulation.paths)
    S = seed if seed is not None else (body.simulation.seed if body.simulation.seed is not None else scn.simulation.seed)
    H = horizon if horizon is not None else (body.horizon or scn.horizon)
    return prov.name, int(scn.base_year), (int(P), int(S), int(H))


def check_region_names(prov: Province, by_region: dict) -> None:
    """A ``region.NAME.…`` override must name one of the province's regions."""
    unknown = sorted(set(by_region) - set(prov.region_names))
    if unknown:
        raise ScenarioError([(f"{REGION_PREFIX}{unknown[0]}", f"the province has no region '{unknown[0]}' (an override "
                              f"region.NAME.KEY.PATH=VALUE names one of {', '.join(prov.region_names)})"
                              f"{suggest(unknown[0], prov.region_names)}", None, "--set")], prov.origin)
    # the regions of a province run on the same paths and years: one region cannot have its own
    for name, texts in by_region.items():
        for text in texts:
            key = text.split("=", 1)[0].strip()
            if key == "horizon" or key.startswith(("simulation.", "simulation[")) or key == "simulation":
                raise ScenarioError([(f"{REGION_PREFIX}{name}.{key}", "the regions of a province share their paths, "
                                      "seed and horizon: set them for the whole province (--paths, --seed, --horizon, "
                                      "or province.simulation.paths / province.horizon), not for one region", None,
                                      "--set")], prov.origin)
