"""The two things handprop's pages need beyond Sphinx: API pages written from the code, and
program output produced by handprop while the pages are built.

``api_groups`` (conf.py) lists the documented modules; at ``builder-inited`` this extension
writes ``api/index.rst`` and one ``api/<module>.rst`` per module. A module page holds the
module's docstring, an autosummary table of its public names and their entries (autodoc and
numpydoc). The public names are the module's ``__all__``, else the classes and functions it
defines and the constants it documents with a ``#:`` comment. A name that a package re-exports
from a documented module is listed in the package's table and documented once, in its module.

``.. handprop-output:: ARGS`` runs ``python -m handprop ARGS`` in a fresh folder and shows what
it printed. Options: ``:section: 1.3`` keeps one section of a step's text (the heading that
starts with those words and the indented lines under it); ``:why:`` keeps the explanations
("Why: ...") that are otherwise cut from a section; ``:lines: A-B`` keeps those lines,
``:tail: N`` the last N; ``:before: ARGS`` (several separated by ``;``) runs other handprop
commands first in the same folder; ``:file: NAME`` writes the directive's content to NAME
first; ``:exit: N`` is the exit code expected (0 by default); ``:width: N`` the terminal width
(80); ``:wrap:`` lets long lines wrap on the page; ``:prompt:`` shows the command line above
the output; ``:show: NAME`` shows the file NAME as the command left it instead of what the
command printed. A content that starts with a line ``==> NAME <==`` (as ``head`` heads each
of several files) holds several files, one under each such line: they are written first,
except those that a ``:before:`` step ``write NAME`` writes between two commands (an answer
sheet into the folder that a command made). ``:same-folder:`` prepares the folder as for the
previous ``handprop-output`` of the page (its files and ``:before:`` steps, then this one's):
several views of one run (its output, the files it wrote) cost one run. A different exit
code, a section or a file that is not there, fails the build.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shlex
import subprocess
import sys
import tempfile
import typing
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective

# ---------------------------------------------------------------------------- API pages

API_FOLDER = "api"
#: longest constant value shown in full on a module page (longer ones are documented by name)
MAX_VALUE_CHARS = 80


def _attr_docs(module: str) -> set[str]:
    """The module's constants: the names it assigns that are documented with a ``#:``
    comment, or written in capitals (``ENGINES``)."""
    try:
        analyzer = ModuleAnalyzer.for_module(module)
        analyzer.analyze()
    except Exception:  # a compiled module has no source to analyse
        return set()
    documented = {name for (scope, name) in analyzer.find_attr_docs() if scope == ""}
    capitals = {name for name in analyzer.tagorder if re.fullmatch(r"[A-Z][A-Z0-9_]*", name)}
    return documented | capitals


def _kind(obj: Any) -> str | None:
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isroutine(obj):
        return "function"
    return None


def public_members(module: str, documented: set[str]) -> list[tuple[str, str, str]]:
    """``(kind, name, home)`` for every public name of ``module``: ``home`` is the documented
    module that holds its entry (``module`` itself, or where a re-exported name comes from)."""
    mod = importlib.import_module(module)
    listed = getattr(mod, "__all__", None)
    names = list(listed) if listed is not None else [n for n in vars(mod) if n[:1] != "_"]
    constants = _attr_docs(module)
    out = []
    for name in names:
        if name.startswith("__"):
            continue
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            continue
        kind = _kind(obj)
        if kind is not None:
            home = getattr(obj, "__module__", module)
            if listed is None and home != module:
                continue  # imported for use, not part of this module's API
            out.append((kind, name, home if home in documented else module))
            continue
        if _is_type_alias(obj):
            continue  # annotations only (``Array = NDArray[np.floating]``): no entry of its own
        if name in constants:
            out.append(("data", name, module))
        elif listed is not None:
            out.append(("data", name, _data_home(module, name, obj, documented)))
    return out


def _is_type_alias(obj: Any) -> bool:
    return typing.get_origin(obj) is not None or isinstance(obj, typing.TypeVar)


def _data_home(module: str, name: str, obj: Any, documented: set[str]) -> str:
    """The documented module that defines the constant ``name`` a package lists in its
    ``__all__``: the deepest one under ``module`` that holds the same object."""
    for other in sorted(documented, key=len, reverse=True):
        if not other.startswith(module + "."):
            continue
        mod = importlib.import_module(other)
        listed = name in getattr(mod, "__all__", ()) or name in _attr_docs(other)
        if listed and getattr(mod, name, None) is obj:
            return other
    return module


SECTIONS = (("class", "Classes"), ("function", "Functions"), ("exception", "Exceptions"),
            ("data", "Constants"))  # fmt: skip
DIRECTIVES = {"class": "autoclass", "function": "autofunction", "exception": "autoexception",
              "data": "autodata"}  # fmt: skip


def module_page(module: str, documented: set[str]) -> str:
    members = public_members(module, documented)
    title = f"``{module}``"
    lines = [f".. Generated by docs/_ext/handprop_docs.py from {module}'s docstrings.", "",
             title, "=" * len(title), "", f".. automodule:: {module}", ""]  # fmt: skip
    mod = sys.modules[module]
    for kind, heading in SECTIONS:
        group = [(name, home) for k, name, home in members if k == kind]
        if not group:
            continue
        lines += [heading, "-" * len(heading), "", ".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {_entry(module, home, name)}" for name, home in group]
        lines.append("")
        for name, home in group:
            if home != module:
                continue  # documented on its own module's page
            lines.append(f".. {DIRECTIVES[kind]}:: {module}.{name}")
            if kind in ("class", "exception"):
                lines += ["   :members:", "   :show-inheritance:"]
            if kind == "data" and len(repr(getattr(mod, name))) > MAX_VALUE_CHARS:
                lines.append("   :no-value:")
            lines.append("")
    return "\n".join(lines)


def _entry(module: str, home: str, name: str) -> str:
    """An autosummary entry on ``module``'s page (which wants names relative to itself)."""
    if home == module:
        return name
    if home.startswith(module + "."):
        return f"~{home[len(module) + 1 :]}.{name}"
    return f"~{home}.{name}"


def index_page(groups: list[tuple[str, list[str]]]) -> str:
    lines = [".. Generated by docs/_ext/handprop_docs.py from conf.py's api_groups.", "",
             "API reference", "=============", "",
             "Generated from the docstrings. Shapes follow one notation: ``X : (N, D)``, "
             "``W : (K, D)``, ``b : (K,)``, ``Z = X @ W.T + b : (N, K)``.", ""]  # fmt: skip
    for title, modules in groups:
        lines += [title, "-" * len(title), "", ".. autosummary::", ""]
        lines += [f"   {m}" for m in modules]
        lines += ["", ".. toctree::", "   :hidden:", ""]
        lines += [f"   {m}" for m in modules]
        lines.append("")
    return "\n".join(lines)


def _write_if_changed(path: Path, text: str) -> None:
    # an unchanged page keeps its time stamp, so Sphinx does not read it again
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_api_pages(app: Sphinx) -> None:
    groups = app.config.api_groups
    documented = {m for _, modules in groups for m in modules}
    folder = Path(app.srcdir) / API_FOLDER
    folder.mkdir(exist_ok=True)
    wanted = {"index.rst"}
    _write_if_changed(folder / "index.rst", index_page(groups))
    for module in sorted(documented):
        wanted.add(f"{module}.rst")
        _write_if_changed(folder / f"{module}.rst", module_page(module, documented))
    for stale in folder.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()


# ---------------------------------------------------------------------------- program output

#: one environment for every run: plain 80-column text, UTF-8, no colour, English by default
RUN_ENV = {"LINES": "50", "TERM": "dumb", "NO_COLOR": "1", "LC_ALL": "C.UTF-8",
           "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}  # fmt: skip
RUN_TIMEOUT = 300
WHY_PREFIXES = ("Why:", "为什么：")


class OutputError(Exception):
    pass


#: a line that heads one of several files in a directive's content
FILE_HEADER = re.compile(r"==> (.+) <==")
#: the largest file that ``:show:`` can show
MAX_SHOWN_BYTES = 256 * 1024

Files = tuple[tuple[str, str], ...]
#: where a page keeps how its last ``handprop-output`` prepared its folder
PREVIOUS_FOLDER = "handprop_output_folder"
#: what one run left: its output, and the text files in its folder (for ``:show:``)
_cache: dict[tuple[Any, ...], tuple[str, dict[str, str]]] = {}


def content_files(lines: list[str], name: str | None) -> Files:
    """``(name, text)`` of each file a directive's content holds: one per ``==> NAME <==``
    line, else the whole content as the file ``name`` (``:file:``), else none."""
    if lines and FILE_HEADER.fullmatch(lines[0].strip()):
        files: list[tuple[str, list[str]]] = []
        for line in lines:
            header = FILE_HEADER.fullmatch(line.strip())
            if header:
                files.append((header.group(1), []))
            else:
                files[-1][1].append(line)
        return tuple((n, "\n".join(body).strip("\n") + "\n") for n, body in files)
    return ((name, "\n".join(lines) + "\n"),) if name else ()


def run_handprop(args: str, before: tuple[str, ...], files: Files, expect: int,
                 width: int = 80) -> tuple[str, dict[str, str]]:  # fmt: skip
    """The output (stdout, then stderr) of ``handprop ARGS`` run in a fresh folder, each line
    without the spaces a table pads it with, and the text files it left there."""
    key = (args, before, files, expect, width)
    if key in _cache:
        return _cache[key]
    env = {**os.environ, **RUN_ENV, "COLUMNS": str(width)}
    later = {step.split(maxsplit=1)[1] for step in before if step.startswith("write ")}
    unknown = later - {name for name, _ in files}
    if unknown:
        raise OutputError(f"no file {sorted(unknown)[0]!r} in the content to write")
    with tempfile.TemporaryDirectory(prefix="handprop-docs-") as folder:
        for name, text in files:
            if name not in later:
                _write(folder, name, text)
        for step in before:
            if step.startswith("write "):
                name = step.split(maxsplit=1)[1]
                _write(folder, name, dict(files)[name])
            else:
                _run(step, folder, env, 0)
        _cache[key] = (_run(args, folder, env, expect), _text_files(Path(folder)))
    return _cache[key]


def _write(folder: str, name: str, text: str) -> None:
    path = Path(folder, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _text_files(folder: Path) -> dict[str, str]:
    """The files under ``folder`` that read as UTF-8 (a byte-order mark dropped), by path."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and path.stat().st_size <= MAX_SHOWN_BYTES:
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                continue  # a PDF, a PNG
            found[path.relative_to(folder).as_posix()] = text.rstrip("\n")
    return found


def _run(args: str, folder: str, env: dict[str, str], expect: int) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "handprop", *shlex.split(args)],
        cwd=folder, env=env, capture_output=True, text=True, encoding="utf-8",
        timeout=RUN_TIMEOUT, check=False,
    )  # fmt: skip
    if done.returncode != expect:
        raise OutputError(
            f"'handprop {args}' exited with {done.returncode}, expected {expect}: "
            f"{(done.stderr or done.stdout).strip()[-400:]}"
        )
    text = done.stdout + done.stderr
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def section(text: str, heading: str, keep_why: bool) -> str:
    """The section of a step's text rendering whose heading starts with ``heading`` ("1.3",
    "The problem"): the heading and the indented lines under it, without the explanations
    unless ``keep_why``."""
    lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if line == heading or line.startswith(heading + " ")),
        None,
    )
    if start is None:
        raise OutputError(f"no section {heading!r} in the output")
    end = start + 1
    while end < len(lines) and (not lines[end] or lines[end].startswith(" ")):
        end += 1
    body = lines[start:end]
    if not keep_why:
        whys = [i for i, line in enumerate(body) if line.strip().startswith(WHY_PREFIXES)]
        body = body[: whys[0]] if whys else body
    while body and not body[-1].strip():
        body.pop()
    return "\n".join(body)


def _shown(left: dict[str, str], name: str) -> str:
    if name not in left:
        raise OutputError(f"the command left no text file {name!r}")
    return left[name]


def line_range(text: str, spec: str) -> str:
    first, _, last = spec.partition("-")
    lines = text.splitlines()
    return "\n".join(lines[int(first) - 1 : int(last) if last else None]).rstrip()


class HandpropOutput(SphinxDirective):
    """``.. handprop-output:: ARGS``: what ``handprop ARGS`` prints, run while building."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: typing.ClassVar[dict[str, Any]] = {
        "section": directives.unchanged_required,
        "why": directives.flag,
        "lines": directives.unchanged_required,
        "before": directives.unchanged_required,
        "file": directives.unchanged_required,
        "exit": directives.nonnegative_int,
        "width": directives.positive_int,
        "wrap": directives.flag,
        "tail": directives.positive_int,
        "prompt": directives.flag,
        "show": directives.unchanged_required,
        "same-folder": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        args = self.arguments[0]
        before = tuple(c.strip() for c in self.options.get("before", "").split(";") if c.strip())
        files = content_files(list(self.content), self.options.get("file"))
        if "same-folder" in self.options:
            earlier_before, earlier_files = self.env.temp_data.get(PREVIOUS_FOLDER, ((), ()))
            before, files = earlier_before + before, earlier_files + files
        self.env.temp_data[PREVIOUS_FOLDER] = (before, files)
        try:
            expect, width = self.options.get("exit", 0), self.options.get("width", 80)
            text, left = run_handprop(args, before, files, expect, width)
            if "show" in self.options:
                text = _shown(left, self.options["show"])
            if "section" in self.options:
                text = section(text, self.options["section"], "why" in self.options)
            if "lines" in self.options:
                text = line_range(text, self.options["lines"])
            if "tail" in self.options:
                text = "\n".join(text.splitlines()[-self.options["tail"] :])
        except (OutputError, subprocess.TimeoutExpired) as exc:
            raise self.error(f"handprop-output: {exc}") from None
        if "prompt" in self.options:
            text = f"$ handprop {args}\n{text}"
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        block["classes"].append("handprop-output")
        if "wrap" in self.options:
            block["classes"].append("wrap")
        self.set_source_info(block)
        return [block]


# ---------------------------------------------------------------------------- references


def _lookup(target: str) -> tuple[Any, list[str]]:
    """The object that the longest importable prefix of ``target`` names, and the parts of
    ``target`` after it (``handprop.checker.Marker.rounded``: the class, ``["rounded"]``, as
    ``rounded`` is set on instances); ``(None, [])`` when not even a module matches."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        rest = parts[cut:]
        while rest and hasattr(obj, rest[0]):
            obj = getattr(obj, rest.pop(0))
        return obj, rest
    return None, []


def _canonical(target: str, objects: Any) -> list[str]:
    """Where the object that ``target`` names is documented: a name a package re-exports
    (``handprop.train.fit_sgd``) is documented in its module (``handprop.train.loop``)."""
    obj, rest = _lookup(target)
    if obj is None:
        return []
    tail = "".join("." + part for part in rest)
    if inspect.ismodule(obj):
        return [obj.__name__ + tail]
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return [f"{module}.{qualname}{tail}"]
    if rest:
        return []
    last = target.rpartition(".")[2]  # a constant: the documented one that is the same object
    return [n for n in objects if n.rpartition(".")[2] == last and _lookup(n) == (obj, [])]


def _by_short_name(target: str, objects: Any, here: str) -> list[str]:
    """The documented objects whose name ends with ``target``; of several, those nearest to
    the module ``here`` where the reference was written."""
    found = [n for n in objects if n == target or n.endswith("." + target)]
    prefix = here
    while len(found) > 1 and prefix:
        near = [n for n in found if n.startswith(prefix + ".")]
        if near:
            found = near
        prefix = prefix.rpartition(".")[0]
    return found


def resolve_reference(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve what Sphinx's Python domain leaves open and a reader means unambiguously:

    * a name that a package re-exports (``handprop.train.SGDConfig``), to its one entry;
    * a short name (``:class:`StepRecord``` in a summary line shown on a package's page,
      away from its module), to the one documented object of that name, or the nearest one
      to the module where it was written.

    Anything else stays unresolved, and -n reports it.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    objects = env.domains["py"].objects
    found = [n for n in _canonical(target, objects) if n in objects]
    if not found and target.startswith("handprop."):
        return None
    if not found:
        found = _by_short_name(target, objects, node.get("py:module") or "")
    if len(found) != 1:
        return None
    entry = objects[found[0]]
    from sphinx.util.nodes import make_refnode

    return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode,
                        found[0])  # fmt: skip


def drop_object_base(app: Sphinx, name: str, obj: Any, options: Any, bases: list[Any]) -> None:
    """No "Bases: object" line under a class that derives from nothing else."""
    if bases == [object]:
        bases.clear()


def skip_foreign_members(app: Sphinx, what: str, name: str, obj: Any, skip: bool,
                         options: Any) -> bool | None:  # fmt: skip
    """Members that another project attaches to our classes (scikit-learn's metadata-routing
    ``set_*_request`` methods) are documented by that project, not here."""
    if str(getattr(obj, "__module__", "") or "").startswith("sklearn."):
        return True
    return None


# ---------------------------------------------------------------------------- speed

#: the one Jinja environment numpydoc renders docstrings with in this build
_numpydoc_environment: dict[str, Any] = {}


def share_numpydoc_environment(app: Sphinx) -> None:
    """numpydoc makes a new Jinja environment, and so compiles its docstring template anew, for
    every docstring it renders (about 2,000 here: 14 s of a 62 s build on the project's 2-core
    machine); one environment per build compiles it once. Where numpydoc no longer makes its
    environment this way, nothing is changed and the build is as slow as before."""
    from numpydoc import docscrape_sphinx

    _numpydoc_environment.clear()
    make = getattr(docscrape_sphinx, "SandboxedEnvironment", None)
    if make is None or getattr(make, "handprop_shared", False):
        return

    def environment(*args: Any, **kwargs: Any) -> Any:
        if "env" not in _numpydoc_environment:
            _numpydoc_environment["env"] = make(*args, **kwargs)
        return _numpydoc_environment["env"]

    environment.handprop_shared = True  # type: ignore[attr-defined]
    docscrape_sphinx.SandboxedEnvironment = environment


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("api_groups", [], "env")
    app.add_directive("handprop-output", HandpropOutput)
    app.connect("builder-inited", write_api_pages)
    app.connect("builder-inited", share_numpydoc_environment)
    app.connect("missing-reference", resolve_reference)
    app.connect("autodoc-skip-member", skip_foreign_members)
    app.connect("autodoc-process-bases", drop_object_base)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
