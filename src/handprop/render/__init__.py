"""Renderings of a trace (a Trace or an MLPTrace): terminal text (rich), Markdown, JSON.

Text and Markdown render the trace's document (:mod:`handprop.render.document`), as the web
page does; JSON is the trace's own data. Each is imported only when asked for::

    from handprop.render import render
    print(render(trace, "markdown", lang="zh", decimals=4))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handprop.errors import InputError

if TYPE_CHECKING:
    from handprop.tracing import Steps

FORMATS = ("text", "markdown", "json")


def render(trace: Steps[Any], fmt: str = "text", lang: str = "en", decimals: int = 3) -> str:
    """``trace`` as a string in ``fmt`` ("text", "markdown" or "json"; another is an InputError,
    a ValueError).

    ``lang`` ("en" or "zh") and ``decimals`` change what is shown, never the numbers; JSON is
    always full precision and language-neutral.
    """
    if fmt == "text":
        from handprop.render.text import render_text

        return render_text(trace, lang=lang, decimals=decimals)
    if fmt == "markdown":
        from handprop.render.markdown import render_markdown

        return render_markdown(trace, lang=lang, decimals=decimals)
    if fmt == "json":
        from handprop.render.json import render_json

        return render_json(trace)
    raise InputError("err.choice", name="format", choices=", ".join(FORMATS), got=repr(fmt))
