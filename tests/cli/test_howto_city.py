"""The "Model your city" how-to (docs/howto/city.md) runs as written (issue 18: the city how-to's
commands run in CI).

Its ```yaml blocks whose first line is ``# file: NAME`` are written to NAME, and its ```bash
commands run in order in one folder through the real click command, with small path counts;
a command commented ``# exits 2`` must exit 2, every other one 0.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import matplotlib
from click.testing import CliRunner

from simulator.cli import cli

matplotlib.use("Agg")

PAGE = Path(__file__).resolve().parents[2] / "docs" / "howto" / "city.md"


def steps(text: str) -> list:
    """("file", name, text) and ("run", argv, expected exit code) in the page's order."""
    out = []
    for m in re.finditer(r"^```(yaml|bash)\n(.*?)^```", text, flags=re.M | re.S):
        lang, body = m.groups()
        if lang == "yaml":
            first, _, rest = body.partition("\n")
            name = re.fullmatch(r"# file: (\S+)", first.strip())
            if name:
                out.append(("file", name.group(1), rest))
            continue
        for line in body.splitlines():
            command, _, comment = line.partition("#")
            if not command.strip():
                continue
            argv = shlex.split(command)
            assert argv[0] == "fundsim", line
            out.append(("run", argv[1:], 2 if "exits 2" in comment else 0))
    return out


def _small(argv):
    argv = list(argv)
    if "--paths" in argv:
        argv[argv.index("--paths") + 1] = "20"
    if argv[0] == "run" and "--horizon" not in argv:
        argv += ["--horizon", "10"]
    return argv


def test_the_page_has_its_steps():
    kinds = [s[0] for s in steps(PAGE.read_text(encoding="utf-8"))]
    assert kinds.count("file") >= 1 and kinds.count("run") >= 4


def test_the_city_howto_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for step in steps(PAGE.read_text(encoding="utf-8")):
        if step[0] == "file":
            (tmp_path / step[1]).write_text(step[2], encoding="utf-8")
            continue
        _, argv, code = step
        res = runner.invoke(cli, _small(argv))
        assert res.exit_code == code, f"fundsim {' '.join(argv)}: exit {res.exit_code}\n{res.output}"
        if code == 0 and argv[0] == "run":
            assert "still placeholders" in res.output  # the run names what is left to fill in
    assert (tmp_path / "qingdao_pyramid.png").read_bytes()[:4] == b"\x89PNG"
