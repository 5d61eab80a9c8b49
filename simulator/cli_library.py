"""Commands: fundsim scenarios, fundsim show and fundsim backtest.

* ``fundsim scenarios`` lists the built-in scenarios (``simulator/scenarios/*.yaml``) and the
  local ones (``./scenarios/*.yaml`` and scenario files in the current folder), one line each.
* ``fundsim show SCENARIO [--set KEY=VALUE ...]`` prints the fully resolved scenario (after
  ``extends`` and overrides) as YAML: exactly the text a result file stores.
* ``fundsim backtest`` starts the baseline from an earlier reported year and prints reported
  versus modelled fund figures (:mod:`simulator.backtest`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

_SCENARIO_KEYS = ("extends", "base_year", "name")


def _one_line(text: str, width: int) -> str:
    text = " ".join(str(text or "").split())
    if len(text) > width:
        text = text[: max(0, width - 3)].rstrip() + "..."
    return text


def _peek(path: Path):
    """The top-level mapping of a YAML file, or None when it is not a scenario-looking mapping."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        doc = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, YAMLError):
        return None
    if not isinstance(doc, dict) or not any(k in doc for k in _SCENARIO_KEYS):
        return None
    return doc


def local_scenario_files(folder: Path | None = None) -> list[Path]:
    """Scenario files in ``folder/scenarios/`` and ``folder`` itself (YAML mappings with a
    ``name``, ``extends`` or ``base_year`` key), sorted, relative to ``folder`` when possible."""
    folder = Path.cwd() if folder is None else Path(folder)
    found = []
    for d in (folder / "scenarios", folder):
        if not d.is_dir():
            continue
        for p in sorted(list(d.glob("*.yaml")) + list(d.glob("*.yml"))):
            if p.is_file() and _peek(p) is not None:
                found.append(p)
    return found


def _describe(ref) -> tuple[str, str]:
    """(name, description) of a scenario, resolved through ``extends``; a scenario that does not
    load is listed with its first problem instead of a description."""
    import warnings

    from .errors import SimulatorError
    from .scenario import load_scenario

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = load_scenario(ref).scenario
        return s.name, s.description
    except SimulatorError as e:
        first = str(e).splitlines()[-1].strip()
        return Path(str(ref)).stem, f"(does not load: {first})"


def register(group):
    """Add this module's commands to the ``fundsim`` click group."""
    from .cli import _handle_errors

    @group.command("scenarios")
    @_handle_errors
    def scenarios():
        """List the built-in and local scenarios (./scenarios/*.yaml and *.yaml here), one line each."""
        from .scenario import list_builtin_scenarios

        width = shutil.get_terminal_size((120, 24)).columns
        builtin = list_builtin_scenarios()
        local = local_scenario_files()
        refs = builtin + [_rel(p) for p in local]
        col = min(44, max((len(r) for r in refs), default=8) + 2)
        click.echo("Built-in scenarios (fundsim run NAME):")
        for name in builtin:
            _, desc = _describe(name)
            click.echo(f"  {name:<{col}}{_one_line(desc, max(20, width - col - 3))}")
        if not builtin:
            click.echo("  (none)")
        click.echo("Local scenarios (fundsim run PATH):")
        for p in local:
            ref = _rel(p)
            name, desc = _describe(str(p))
            text = desc if name == Path(ref).stem else f"[{name}] {desc}"
            click.echo(f"  {ref:<{col}}{_one_line(text, max(20, width - col - 3))}")
        if not local:
            click.echo("  (none in ./scenarios or the current folder)")

    @group.command("show")
    @click.argument("scenario", required=False)
    @click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help="Override a scenario value (repeatable).")
    @_handle_errors
    def show(scenario, overrides):
        """Print SCENARIO (a built-in name or a YAML file; default: baseline) fully resolved, after
        extends and --set overrides, as YAML."""
        from .scenario import load_scenario

        click.echo(load_scenario(scenario, list(overrides)).text, nl=False)

    @group.command("backtest")
    @click.option("--start-year", type=int, default=2021, show_default=True,
                  help="Reported year the model starts from (2021, 2022 or 2023).")
    @click.option("--end-year", type=int, default=2024, show_default=True, help="Last reported year compared.")
    @click.option("--paths", "-n", type=click.IntRange(min=1), default=1, show_default=True,
                  help="1: deterministic (central assumption set); more: median and 5-95% band.")
    @click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), default=20240101, show_default=True, help="Seed.")
    @click.option("--feed-members", is_flag=True, help="Also feed the reported active members (a diagnostic).")
    @click.option("--markdown", is_flag=True, help="Print the table as markdown.")
    @_handle_errors
    def backtest_cmd(start_year, end_year, paths, seed, feed_members, markdown):
        """Start the baseline from an earlier reported year, feed the realised wages, resident
        financing and reimbursement ratios, and print reported vs modelled income, expenditure and
        balance of each fund with percentage errors."""
        from .backtest import backtest

        bt = backtest(start_year, end_year, paths=paths, seed=seed, feed_members=feed_members)
        click.echo(bt.markdown() if markdown else bt.format())


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
