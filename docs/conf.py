"""Sphinx configuration of the fundsim documentation.

Build (from the repository root, with the ``docs`` extra installed)::

    python -m sphinx -W -b html docs docs/_build/html

Pages that must not drift from the code are generated while the site builds, by the local
extension ``_ext/fundsim_docs.py``: the scenario reference (from the validation schema), the
default-assumptions table (from the built-in baseline scenario), the base-year calibration
(from a compiled baseline run) and the tables of output variables (from
``simulator.results.VARIABLES``).
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
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_click",
    "fundsim_docs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# docs/scenario-reference.md is the same page as reference/scenario (generated at build time
# from the same function); it stays in the repository for readers on the forge.
exclude_patterns = ["_build", "_ext", "scenario-reference.md", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": False}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

html_theme = "alabaster"
html_title = f"fundsim {release}"
html_theme_options = {
    "description": "How long will China's medical insurance funds last?",
    "fixed_sidebar": True,
    "page_width": "1180px",
    "sidebar_width": "250px",
}
html_static_path = []
html_show_sourcelink = False
# sources and descriptions are quoted verbatim (no typographic quotes)
smartquotes = False
