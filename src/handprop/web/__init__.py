"""The web explorer: the worked example as a live page, training you can watch, exercises.

``handprop serve`` runs :func:`create_app` with uvicorn on 127.0.0.1. The pages are plain HTML,
CSS and JavaScript shipped inside this package (no CDN, no network); every number they show
comes from the JSON endpoints, which call the same engine as the command line
(:mod:`handprop.tracing`, :mod:`handprop.train`, :mod:`handprop.checker`). Formulas are turned
into MathML on the server (latex2mathml), so the browser needs no math library either.

Modules: :mod:`~handprop.web.app` (routes, limits, security headers), ``step_view`` (the step
page's sections from a trace), ``training`` (one background training run streamed as
server-sent events), ``exercise_view`` (problems to fill in and the checker's verdict per cell),
``server`` (binding the socket and running uvicorn).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette


def create_app(**kwargs: Any) -> Starlette:
    """The ASGI application; see :func:`handprop.web.app.create_app` for the options."""
    from handprop.web.app import create_app as _create_app

    return _create_app(**kwargs)


__all__ = ["create_app"]
