"""The notebooks in notebooks/ run top to bottom in a fresh kernel, and are stored without outputs.

nbclient, nbformat and ipykernel are test dependencies (``pip install -e ".[test]"``); when they
are missing these tests fail at import, they are never skipped.
"""

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # every notebook in a fresh kernel

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
EXPECTED = ["01_quickstart.ipynb", "02_policy_options.ipynb", "03_uncertainty.ipynb", "04_sweep_dask.ipynb"]
NOTEBOOKS = [NOTEBOOK_DIR / name for name in EXPECTED]


def test_the_notebooks_are_there():
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip the outputs"


@pytest.fixture()
def kernel_name(tmp_path, monkeypatch):
    """A kernel spec that starts this interpreter (not whatever ``python`` is first on PATH)."""
    spec = tmp_path / "jupyter" / "kernels" / "fundsim-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fundsim tests", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    return "fundsim-test"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel(path, kernel_name):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert images >= 2, f"{path.name}: its figures were not displayed"
