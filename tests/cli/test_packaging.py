"""What ``pip install fundsim`` ships and needs.

* The wheel, built from a copy of the sources, holds the licence, ``py.typed``, every scenario of
  ``simulator/scenarios/`` and every data file of ``simulator/data/``, and its metadata carries the
  SPDX licence expression.
* The declared minimum versions resolve together for this Python (``pip install --dry-run`` with a
  constraints file pinning each dependency at its minimum, wheels only). It reads the package index
  (about 150 MB of wheels the first time, cached by pip after); ``FUNDSIM_OFFLINE=1`` skips it.
* ``FUNDSIM_TEST_MINIMUM_VERSIONS=1`` also installs those minimums into a new virtual environment
  and runs ``fundsim`` there from an empty folder (several minutes: the install, and numba compiling
  the kernels with an empty cache); skipped otherwise.

Building the wheel needs setuptools>=77 (the SPDX ``license`` string); pip fetches it into its
isolated build environment when the one installed is older.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel and resolves versions

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
OFFLINE = os.environ.get("FUNDSIM_OFFLINE") == "1"
needs_index = pytest.mark.skipif(OFFLINE, reason="FUNDSIM_OFFLINE=1: no package index")


def _pip(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, **kw)


def _package_files() -> list[str]:
    """Files under ``simulator/`` that are not Python sources or caches: what package data must ship."""
    out = []
    for p in sorted((ROOT / "simulator").rglob("*")):
        rel = p.relative_to(ROOT).as_posix()
        if p.is_file() and "__pycache__" not in rel and p.suffix not in (".py", ".pyc"):
            out.append(rel)
    return out


def _minimums() -> dict[str, str]:
    """Each runtime dependency (and extra-installed package) -> its declared minimum version."""
    out = {}
    for req in PYPROJECT["project"]["dependencies"]:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[([^\]]+)\])?>=([0-9][0-9A-Za-z.]*)", req.replace(" ", ""))
        assert m, f"pyproject: '{req}' is not NAME>=VERSION: every dependency declares its minimum"
        name, extras, version = m.group(1), m.group(3), m.group(4)
        out[name] = version
        for extra in (extras or "").split(","):
            if extra and name == "dask":   # dask[distributed] installs distributed of the same version
                out[extra] = version
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if OFFLINE and not _setuptools_is_recent():
        pytest.skip("FUNDSIM_OFFLINE=1 and the installed setuptools is older than 77")
    src = tmp_path_factory.mktemp("src")
    # a copy, so that setuptools' build/ and egg-info never touch the checkout others work in
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "simulator", src / "simulator", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    # with setuptools>=77 installed, build with it (no download); else in pip's isolated environment
    isolation = ["--no-build-isolation"] if _setuptools_is_recent() else []
    r = _pip("wheel", "--no-deps", *isolation, "-w", str(out), str(src), timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    wheels = list(out.glob("fundsim-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _setuptools_is_recent() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77


def test_pyproject_declares_the_licence_and_the_build_requirement():
    project = PYPROJECT["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]   # PEP 639: the expression only
    assert "Typing :: Typed" in project["classifiers"]
    assert any(re.fullmatch(r"setuptools>=(\d+)", r) and int(r.split(">=")[1]) >= 77
               for r in PYPROJECT["build-system"]["requires"])
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert (ROOT / "simulator" / "py.typed").is_file()
    for url in project.get("urls", {}).values():   # none yet: no public repository is known
        assert "example" not in url and "TODO" not in url


def test_the_wheel_ships_the_licence_the_type_marker_every_scenario_and_data_file(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = z.read(meta_name).decode("utf-8")
    dist_info = meta_name.rsplit("/", 1)[0]
    assert f"{dist_info}/licenses/LICENSE" in names
    assert "simulator/py.typed" in names
    expected = _package_files()
    scenarios = [f for f in expected if f.startswith("simulator/scenarios/")]
    assert len(scenarios) >= 12 and "simulator/scenarios/qingdao.yaml" in scenarios
    assert any(f.startswith("simulator/data/") and f.endswith(".csv") for f in expected)
    missing = [f for f in expected if f not in names]
    assert missing == [], f"not in the wheel: {missing}"
    assert "License-Expression: Apache-2.0" in metadata and "License-File: LICENSE" in metadata
    assert re.search(r"^Requires-Python: >=3\.10$", metadata, flags=re.M)
    # the entry point a pip install puts on PATH
    with zipfile.ZipFile(wheel) as z:
        entry = z.read(f"{dist_info}/entry_points.txt").decode("utf-8")
    assert "fundsim = simulator._entry:main" in entry


@pytest.mark.slow
@needs_index
def test_the_declared_minimum_versions_resolve_together(wheel, tmp_path):
    minimums = _minimums()
    constraints = tmp_path / "minimums.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(minimums.items())), encoding="utf-8")
    report = tmp_path / "report.json"
    r = _pip("install", "--dry-run", "--ignore-installed", "--only-binary=:all:", "--quiet",
             "-c", str(constraints), "--report", str(report), str(wheel), timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    chosen = {item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"]
              for item in json.loads(report.read_text(encoding="utf-8"))["install"]}
    from packaging.version import Version
    for name, version in minimums.items():
        key = name.lower().replace("_", "-")
        assert key in chosen, f"{name} is not installed"
        assert Version(chosen[key]) == Version(version), f"{name}: {chosen[key]}, not the minimum {version}"


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("FUNDSIM_TEST_MINIMUM_VERSIONS") != "1",
                    reason="installs the minimum versions into a new venv (minutes): set FUNDSIM_TEST_MINIMUM_VERSIONS=1")
def test_the_minimum_versions_install_and_run(wheel, tmp_path):
    minimums = _minimums()
    constraints = tmp_path / "minimums.txt"
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(minimums.items())), encoding="utf-8")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--only-binary=:all:", "-c", str(constraints),
                        str(wheel)], capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), FUNDSIM_PROGRESS="0")
    fundsim = str(venv / "bin" / "fundsim")

    def run(*args):
        res = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=1800)
        assert res.returncode == 0, f"{args}: {res.stdout[-2000:]}{res.stderr[-2000:]}"
        return res.stdout

    assert "qingdao" in run(fundsim, "scenarios")
    run(fundsim, "run", "qingdao+rate_trigger", "--paths", "20", "--horizon", "5", "--quiet", "--out", "r.nc")
    run(fundsim, "plot", "r.nc", "--kind", "fan", "-o", "fan.png")
    run(fundsim, "sweep", "--grid", "employee.employer_rate=0.07,0.08", "-n", "5", "--horizon", "3",
        "--scheduler", "threads", "-o", "s.zarr")
    out = run(str(py), "-c", "import json, simulator; ds = simulator.run(['qingdao', 'rate_trigger'], paths=5, horizon=3); "
                             "print(json.loads(ds.attrs['scenario_stack']))")
    assert out.strip() == "['qingdao', 'rate_trigger']"
