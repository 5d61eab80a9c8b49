"""Sphinx configuration of the fundsim documentation.

Build (from the repository root, with the ``docs`` extra installed)::

    python -m sphinx -W -b html docs docs/_build/html

Pages that must not drift from the code are generated while the site builds, by the local
extension ``_ext/fundsim_docs.py``: the scenario reference (from the validation schema), the
default-assumptions table (from the built-in baseline scenario), the base-year calibration
(from a compiled baseline run) and the tables of output variables (from
``simulator.results.VARIABLES``).

Notebooks: the pages under ``notebooks/`` are the executed copies in ``docs/notebooks/`` (written by
``python docs/_ext/render_notebooks.py`` from ``notebooks/``, whose files stay without outputs),
rendered by myst-nb from their stored outputs; nothing is executed while the site builds.

Links to numpy, xarray and dask (intersphinx) need their inventories, which Sphinx downloads while
it builds. A build with ``FUNDSIM_DOCS_OFFLINE=1`` or ``CI`` set (the tests, CI) downloads nothing
and leaves those names unlinked; a build on a machine with network access links them.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))  # the package, also when it is not installed

# The numba kernel is documented, never run, while the site builds: with JIT off its functions
# are plain Python functions that autodoc reads like any other (and nothing is compiled).
os.environ.setdefault("FUNDSIM_DISABLE_JIT", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import simulator  # noqa: E402

project = "fundsim"
author = "the fundsim authors"
copyright = "the fundsim authors; licensed under Apache-2.0"
version = release = simulator.__version__

extensions = [
    "myst_nb",  # MyST Markdown pages and notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx.ext.intersphinx",
    "sphinx_click",
    "fundsim_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
# docs/scenario-reference.md is the same page as reference/scenario (generated at build time
# from the same function); it stays in the repository for readers on the forge.
exclude_patterns = ["_build", "_ext", "scenario-reference.md", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# notebooks are shown with the outputs stored in docs/notebooks/, never run during the build;
# their stderr (progress bars, library notices) is left out of the pages
nb_execution_mode = "off"
nb_output_stderr = "remove"
nb_merge_streams = True

# intersphinx downloads inventories at build time: off where a build must not reach the network
_OFFLINE = bool(os.environ.get("FUNDSIM_DOCS_OFFLINE") or os.environ.get("CI"))
intersphinx_mapping = {} if _OFFLINE else {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "xarray": ("https://docs.xarray.dev/en/stable/", None),
    "dask": ("https://docs.dask.org/en/stable/", None),
    "distributed": ("https://distributed.dask.org/en/stable/", None),
    "matplotlib": ("https://matplotlib.org/stable/", None),
}
intersphinx_timeout = 10

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": False}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

# furo: a readable measure for text, and wide tables scroll inside their own box instead of
# being cut off or squeezing their columns
html_theme = "furo"
html_title = f"fundsim {release}"
html_theme_options = {
    "sidebar_hide_name": False,
    "navigation_with_keys": True,
}
html_static_path = []
html_show_sourcelink = False
# sources and descriptions are quoted verbatim (no typographic quotes)
smartquotes = False
