"""Commands: fundsim scenarios, fundsim show and fundsim backtest.

* ``fundsim scenarios`` lists the scenarios installed with the package (``simulator/scenarios/*.yaml``:
  the baseline and the library, run by name from any folder) and the local ones
  (``./scenarios/*.yaml`` and scenario files in the current folder), one line each.
* ``fundsim show SCENARIO [--set KEY=VALUE ...]`` prints the fully resolved scenario (after
  ``extends`` and overrides) as YAML: exactly the text a result file stores.
* ``fundsim backtest [SCENARIO] [--start YEAR ...] [--json] [--plot FILE]`` starts the model from
  every reported year of the scenario's history and prints the fit per fund, flow, member group
  and horizon (:mod:`simulator.backtest`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from ._common import handle_errors

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

    from ..errors import SimulatorError
    from ..scenario import load_scenario

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

    @group.command("scenarios")
    @handle_errors
    def scenarios():
        """List the installed scenarios (run by name: fundsim run NAME) and the local ones
        (./scenarios/*.yaml and *.yaml here), one line each."""
        from ..scenario import list_builtin_scenarios

        width = shutil.get_terminal_size((120, 24)).columns
        builtin = list_builtin_scenarios()
        local = local_scenario_files()
        refs = builtin + [_rel(p) for p in local]
        col = min(44, max((len(r) for r in refs), default=8) + 2)
        click.echo("Installed scenarios (fundsim run NAME; stack them as NAME+NAME+FILE.yaml):")
        for name in builtin:
            _, desc = _describe(name)
            click.echo(f"  {name:<{col}}{_one_line(desc, max(20, width - col - 3))}")
        if not builtin:
            click.echo("  (none)")
        from ..province import list_builtin_provinces, load_province
        provinces = list_builtin_provinces()
        if provinces:
            click.echo("Installed provinces (several regions with their pooling; fundsim run NAME):")
            for name in provinces:
                body = load_province(name).body
                desc = (f"pooling {body.pooling.mode}, {len(body.regions)} regions "
                        f"({', '.join(r.name for r in body.regions)}); {body.description or ''}")
                click.echo(f"  {name:<{col}}{_one_line(desc, max(20, width - col - 3))}")
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
    @handle_errors
    def show(scenario, overrides):
        """Print SCENARIO (an installed name, a YAML file or a stack NAME+FILE.yaml+...; default:
        baseline) fully resolved, after extends, the stack and --set overrides, as YAML."""
        from ..scenario import load_scenario

        click.echo(load_scenario(scenario, list(overrides)).text, nl=False)

    @group.command("backtest")
    @click.argument("scenario", required=False)
    @click.option("--start", "starts", type=int, multiple=True, metavar="YEAR",
                  help="Start year (repeatable); default: every reported year the history can start from (national: 2018-2023).")
    @click.option("--end", "end", type=int, default=None, help="Last reported year compared (default: the latest in the history).")
    @click.option("--paths", "-n", type=click.IntRange(min=1), default=1, show_default=True,
                  help="1: deterministic (central assumption set); more: the median, with the 5-95% band in --json.")
    @click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), default=20240101, show_default=True, help="Seed.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object: rows, summary, criteria, assumptions.")
    @click.option("--markdown", is_flag=True, help="Print the error tables as markdown.")
    @click.option("--plot", "plot_out", metavar="FILE",
                  help="Also draw the history figure (.png, .svg or .pdf): modelled against reported flows, members and cost per member by line.")
    @click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE",
                  help="Override a scenario value for every start (repeatable): a sensitivity of the fit.")
    @click.option("--feed-members", is_flag=True, help="Also feed the reported active members (a diagnostic).")
    @click.option("--causes", is_flag=True,
                  help="Instead: where the employee pooled fund's expenditure error comes from, from the first --start (default 2021).")
    @click.option("--held-out", "held", is_flag=True,
                  help="Instead: the scenario's central projection from its base year against the held-out 2025 bulletin "
                       "(figures no fit has seen; simulator.held_out).")
    @handle_errors
    def backtest_cmd(scenario, starts, end, paths, seed, as_json, markdown, plot_out, overrides, feed_members, causes, held):
        """Start SCENARIO (default: the national baseline) from each reported year of its history
        (reported.history; the baseline's from the package data) with the policy then in force,
        project it to the latest reported year and print, per fund, flow and member group, the
        error at each year from each start, the mean absolute error and the bias by horizon."""
        from ..backtest import backtest

        if held:
            import json

            from ..backtest import json_safe
            from ..held_out import held_out
            try:
                h = held_out(scenario or "baseline", overrides=overrides)
            except ValueError as exc:
                raise click.UsageError(str(exc)) from None
            click.echo(json.dumps(json_safe(h.to_json()), ensure_ascii=False) if as_json else h.format())
            return
        if causes:
            import json

            from ..backtest import diagnose, format_diagnosis, json_safe
            d = diagnose(scenario, (list(starts) or [2021])[0], end, overrides=overrides)
            click.echo(json.dumps(json_safe(d), ensure_ascii=False) if as_json else format_diagnosis(d))
            return
        if plot_out:
            from .report import check_figure_path
            check_figure_path(plot_out, "--plot")
        bt = backtest(scenario, list(starts) or None, end, paths=paths, seed=seed, feed_members=feed_members,
                      overrides=overrides)
        if plot_out:
            from .report import save_figure
            from ..plots.history import history_figure
            save_figure(history_figure(bt), plot_out, option="--plot")
        if as_json:
            import json

            from ..backtest import json_safe
            click.echo(json.dumps(json_safe(bt.to_json()), ensure_ascii=False, allow_nan=False))
        elif markdown:
            click.echo(bt.markdown())
        else:
            click.echo(bt.format())
        if plot_out and not as_json:
            click.echo(f"history figure written to {plot_out}", err=True)


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
