"""The "Pool a province's cities" how-to (docs/howto/province.md) runs as written: its province
file is written, its commands run in order in one folder (small path counts), a command
commented ``# exits 2`` must exit 2 and every other one 0 (the steps as in test_howto_city)."""

from pathlib import Path

from click.testing import CliRunner

from simulator.cli import cli

from .test_howto_city import _small, steps

PAGE = Path(__file__).resolve().parents[2] / "docs" / "howto" / "province.md"


def test_the_province_howto_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    todo = steps(PAGE.read_text(encoding="utf-8"))
    assert [s[0] for s in todo].count("run") >= 6
    for step in todo:
        if step[0] == "file":
            (tmp_path / step[1]).write_text(step[2], encoding="utf-8")
            continue
        _, argv, code = step
        argv = _small(argv)
        if argv[0] == "breakeven":
            argv += ["--horizon", "12"]
        res = runner.invoke(cli, argv)
        assert res.exit_code == code, f"fundsim {' '.join(argv)}: exit {res.exit_code}\n{res.output}"
    assert (tmp_path / "province.png").read_bytes()[:4] == b"\x89PNG"
