"""``handprop serve``: the web explorer on a local address (see :mod:`handprop.web`).

Binds 127.0.0.1 unless ``--host`` says otherwise, prints the address, and serves until
Ctrl-C. starlette, uvicorn and latex2mathml (the ``web`` extra) are imported only here.
"""

from __future__ import annotations

import importlib.util

import click

from handprop.commands._options import lang_option
from handprop.errors import InputError
from handprop.messages import resolve_lang, t

_HELP_LANG = resolve_lang(None)


@click.command(help=t("web.serve.help", _HELP_LANG))
@click.option(
    "--host", default="127.0.0.1", show_default=True, help=t("web.serve.help.host", _HELP_LANG)
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help=t("web.serve.help.port", _HELP_LANG),
)
@click.option("--open", "open_browser", is_flag=True, help=t("web.serve.help.open", _HELP_LANG))
@lang_option
def serve(host: str, port: int, open_browser: bool, lang: str) -> int:
    for module, package in (
        ("starlette", "starlette"),
        ("uvicorn", "uvicorn"),
        ("latex2mathml", "latex2mathml"),
    ):
        if importlib.util.find_spec(module) is None:
            raise InputError("web.err.missing_dependency", package=package)
    from handprop.web.app import create_app
    from handprop.web.server import allowed_hosts, bind, is_loopback, run, url_of

    sock = bind(host, port)
    url = url_of(sock)
    app = create_app(lang=lang, allowed_hosts=allowed_hosts(host))
    click.echo(t("web.serve.address", lang, url=url))
    if not is_loopback(host):
        click.echo(t("web.serve.exposed", lang, host=host))

    def opened() -> None:
        import webbrowser

        webbrowser.open(url)

    run(app, sock, on_started=opened if open_browser else None)
    click.echo(t("web.serve.stopped", lang))
    return 0
