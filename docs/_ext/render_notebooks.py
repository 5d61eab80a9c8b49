"""Execute the notebooks of ``notebooks/`` and store the executed copies in ``docs/notebooks/``.

The notebooks in ``notebooks/`` are kept without outputs (their tests check it and run them);
the site shows the copies written here with their outputs, rendered by myst-nb without running
anything (``nb_execution_mode = "off"`` in ``docs/conf.py``). Run it after changing a notebook
(a test checks that the copies' code is the notebooks' code)::

    python docs/_ext/render_notebooks.py            # all notebooks
    python docs/_ext/render_notebooks.py 04_sweep_dask.ipynb

Outputs written to stderr (progress bars, library notices) are dropped from the copies, as are
the kernel's timing metadata, so that a copy changes only when its code or results change.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "notebooks"
TARGET = ROOT / "docs" / "notebooks"


def render(path: Path, timeout: int = 600) -> Path:
    """Execute ``path`` in a fresh kernel (in ``notebooks/``) and write the copy; returns its path."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(SOURCE)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    TARGET.mkdir(exist_ok=True)
    out = TARGET / path.name
    nbformat.write(nb, out)
    return out


def main(argv=None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or sorted(p.name for p in SOURCE.glob("*.ipynb"))
    for name in names:
        src = SOURCE / Path(name).name
        if not src.is_file():
            print(f"error: {src} is not a notebook of notebooks/", file=sys.stderr)
            return 2
        print(f"wrote {render(src).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
