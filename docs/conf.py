"""Sphinx configuration of handprop's documentation: ``make docs`` builds it into _build/html.

The build is offline (no intersphinx, no remote images or fonts) and strict: ``make docs`` runs
``sphinx-build -W --keep-going -n``, so every warning, and every reference that does not
resolve, fails it. The API pages are generated from the docstrings by ``_ext/handprop_docs.py``
(the modules are listed in ``api_groups`` below); the examples shown as program output are
produced by handprop itself while the pages are built (the ``handprop-output`` directive).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import handprop  # noqa: E402  (installed into the venv by `make docs`)

project = "handprop"
author = "the handprop authors"
copyright = "the handprop authors, MIT licence"
version = release = handprop.__version__
language = "en"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "handprop_docs",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["handprop.css"]

# Offline: no intersphinx, and no MathJax (the one script a page would fetch from a CDN); the
# formulas are written as the terminal and the docstrings write them, in code.

# ---------------------------------------------------------------------------- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"handprop {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# the section navigation only where there are sections to navigate (the API pages)
html_sidebars = {"index": [], "getting_started": [], "worked_example*": [], "guide/*": []}
html_show_sourcelink = False
html_last_updated_fmt = None

# ---------------------------------------------------------------------------- API pages
autosummary_generate = False  # the module pages are written by _ext/handprop_docs.py
autodoc_typehints = "none"  # the numpydoc sections carry the types and shapes
autodoc_member_order = "bysource"
autodoc_inherit_docstrings = False
add_module_names = False
numpydoc_show_class_members = False  # autodoc's :members: lists them, once
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

#: the API reference: one page per module, grouped; each page lists the module's public
#: names (its ``__all__``, else what it defines and documents)
api_groups = [
    ("The math and one recorded step", [
        "handprop", "handprop.functional", "handprop.tracing", "handprop.problem",
        "handprop.init", "handprop.mlp",
    ]),
    ("Training", [
        "handprop.train", "handprop.train.config", "handprop.train.state",
        "handprop.train.loop", "handprop.train.averaging", "handprop.train.scoring",
        "handprop.train.engines", "handprop.train.engines.base",
        "handprop.train.engines.reference", "handprop.train.engines.fused",
        "handprop.train.engines.native", "handprop.train.engines.torch",
        "handprop.train.engines.parallel", "handprop.torch_backend",
    ]),
    ("The estimator, model files and export", [
        "handprop.model", "handprop.onnx", "handprop.onnx_graph", "handprop.metrics",
        "handprop.plots",
    ]),
    ("Data", [
        "handprop.data", "handprop.data.datasets", "handprop.data.idx",
        "handprop.data.preprocessing", "handprop.data.images",
    ]),
    ("Exercises and marking", [
        "handprop.exercise", "handprop.checker", "handprop.checker.answers",
        "handprop.checker.marking", "handprop.checker.report", "handprop.classset",
    ]),
    ("Renderings, the lab and the web explorer", [
        "handprop.render", "handprop.render.document", "handprop.render.pdf", "handprop.fonts",
        "handprop.lab", "handprop.lab.overflow",
        "handprop.lab.normalize", "handprop.lab.initialization", "handprop.lab.symmetry",
        "handprop.web", "handprop.web.app",
    ]),
    ("Command line, messages, errors and files", [
        "handprop.cli", "handprop.commands", "handprop.messages", "handprop.errors",
        "handprop.fileio", "handprop.validation",
    ]),
]  # fmt: skip

# ---------------------------------------------------------------------------- strictness
nitpicky = True
# Without intersphinx (no network while building), names of other projects cannot resolve:
# numpydoc and autodoc still write them as references (base classes, "See Also"). They are
# listed here by package, and only those packages.
nitpick_ignore_regex = [
    ("py:.*", r"(numpy|np|sklearn|torch|onnx|onnxruntime|skl2onnx|starlette|click|rich)\..*"),
    # private names (a leading underscore: ``_native``, ``_common.SoftmaxSettings``) are not
    # in the reference; a docstring or a base class that names one shows it as text
    ("py:.*", r"(.*\.)?_[A-Za-z]\w*(\..*)?"),
    # the type variable of handprop.tracing.Steps, shown in its subclasses' bases
    ("py:obj", r"handprop\.tracing\.RecordT"),
]
