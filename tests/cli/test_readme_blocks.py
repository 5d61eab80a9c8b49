"""The README's code runs as written.

* Every ```python block runs, top to bottom, in a fresh namespace in an empty folder (the blocks
  use small path counts themselves, so nothing here edits them).
* Every ``fundsim ...`` command of every ```bash block is parsed by the real click command (an
  unknown option, a bad value or a missing argument fails), and the commands whose input files
  exist are also run, in the order written, in one folder per block: a block's later command may
  read what an earlier one wrote (``fundsim plot s.zarr`` after the sweep). To keep the suite
  quick, run commands get small path counts (``--paths 20``), a sweep at most 4 sampled variants
  and dask's in-process ``threads`` scheduler (a local cluster takes seconds to start); what they
  compute is otherwise the command as written. A command naming an input the README does not
  create (``my_city.yaml``, ``old.yaml``) is parsed only.

The Quick start blocks (``pip install ...``) are left to CI, which runs them exactly as written
(``.ci/readme_commands.py``).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import click
import matplotlib
import pytest
from click.testing import CliRunner

from simulator.cli import cli

pytestmark = pytest.mark.slow  # runs every README block

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: the Quick start section (installs; CI runs it as written)
QUICK_START = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
SMALL_PATHS = "20"
MAX_SAMPLE = 4
#: commands whose path count is set small when the README does not give one
TAKES_PATHS = {"run", "breakeven", "compare", "attribute", "sensitivity", "sweep"}
INPUT_SUFFIXES = (".yaml", ".yml", ".nc", ".zarr")


def _blocks(lang: str) -> list[tuple[int, str]]:
    """(first line number, text) of every fenced block of ``lang`` outside the Quick start."""
    out = []
    skip_from = README.index("## Quick start")
    skip_to = skip_from + len("## Quick start") + len(QUICK_START)
    for m in re.finditer(rf"^```{lang}\n(.*?)^```", README, flags=re.M | re.S):
        if skip_from <= m.start() < skip_to:
            continue
        out.append((README.count("\n", 0, m.start()) + 2, m.group(1)))
    return out


def _commands(text: str) -> list[list[str]]:
    """The ``fundsim`` commands of a bash block, as argument lists (continuations joined,
    comments dropped, ``&&`` chains split)."""
    commands = []
    for line in text.replace("\\\n", " ").splitlines():
        tokens = shlex.split(line, comments=True)
        segment: list[str] = []
        for tok in tokens + ["&&"]:
            if tok in ("&&", "||", ";", "|"):
                if segment[:1] == ["fundsim"]:
                    commands.append(segment[1:])
                segment = []
            else:
                segment.append(tok)
    return commands


def _parse(args: list[str]) -> tuple[click.Command, dict]:
    """The subcommand and its parsed parameters; click's own errors (unknown option, bad value,
    missing argument) propagate."""
    ctx = cli.make_context("fundsim", list(args))
    rest = list(getattr(ctx, "_protected_args", None) or getattr(ctx, "protected_args", [])) + list(ctx.args)
    name, cmd, sub_args = cli.resolve_command(ctx, rest)
    sub = cmd.make_context(name, sub_args, parent=ctx)
    return cmd, sub.params


def _missing_inputs(cmd: click.Command, params: dict) -> list[str]:
    missing = []
    for p in cmd.params:
        if not isinstance(p, click.Argument):
            continue
        values = params.get(p.name)
        for v in values if isinstance(values, (list, tuple)) else [values]:
            if isinstance(v, str) and v.lower().endswith(INPUT_SUFFIXES) and not os.path.exists(v):
                missing.append(v)
    return missing


def _small(args: list[str], name: str) -> list[str]:
    """``args`` with a small path count (and, for a sweep, few sampled variants, in process)."""
    out = list(args)
    has_paths = False
    for i, tok in enumerate(out):
        if tok in ("--paths", "-n") and i + 1 < len(out):
            out[i + 1], has_paths = SMALL_PATHS, True
        elif tok.startswith("--paths="):
            out[i], has_paths = f"--paths={SMALL_PATHS}", True
        elif tok == "--sample" and i + 1 < len(out):
            out[i + 1] = str(min(int(out[i + 1]), MAX_SAMPLE))
    if name in TAKES_PATHS and not has_paths:
        out += ["--paths", SMALL_PATHS]
    if name in ("sweep", "sensitivity") and "--scheduler" not in out:
        out += ["--scheduler", "threads"]
    return out


PYTHON_BLOCKS = _blocks("python")
BASH_BLOCKS = [(line, text) for line, text in _blocks("bash") if _commands(text)]


def test_the_readme_has_the_blocks_this_test_reads():
    # a changed fence or a renamed section must not turn this file into a test of nothing
    assert len(PYTHON_BLOCKS) >= 2
    assert sum(len(_commands(t)) for _, t in BASH_BLOCKS) >= 15
    assert "pip install" in QUICK_START and all("pip install" not in t for _, t in BASH_BLOCKS)


@pytest.fixture()
def empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FUNDSIM_PROGRESS", "0")
    return tmp_path


@pytest.mark.parametrize("line, code", PYTHON_BLOCKS, ids=[f"line{ln}" for ln, _ in PYTHON_BLOCKS])
def test_python_block_runs(line, code, empty_folder, capsys):
    import warnings

    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "__readme__"})
    plt.close("all")


@pytest.mark.parametrize("line, text", BASH_BLOCKS, ids=[f"line{ln}" for ln, _ in BASH_BLOCKS])
def test_bash_block_commands_parse_and_the_runnable_ones_run(line, text, empty_folder):
    import simulator

    # the input the README's figure and report commands read: a results file of a small run
    simulator.write_netcdf(simulator.run("baseline", paths=int(SMALL_PATHS), horizon=12), "results.nc")
    runner = CliRunner()
    ran = 0
    for args in _commands(text):
        cmd, params = _parse(args)      # raises on an option or value the command does not take
        if _missing_inputs(cmd, params):
            continue
        small = _small(args, cmd.name)
        res = runner.invoke(cli, small, catch_exceptions=False)
        assert res.exit_code == 0, f"README.md:{line}: fundsim {shlex.join(small)}\n{res.output}"
        ran += 1
    assert ran, f"README.md:{line}: no command of the block ran"
