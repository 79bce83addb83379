"""The ASGI application of the web explorer: pages, their assets, and the JSON endpoints.

Pages (HTML from ``templates/``, texts filled in on the server in the chosen language)::

    GET  /                        the step page: one SGD step, every number, live
    GET  /train                   the train page: a real data set, curves and weight images
    GET  /exercise                the exercise page: a problem to fill in, a verdict per cell
    GET  /static/<name>           the pages' CSS and JavaScript (this package's files only)

JSON endpoints (``lang`` = ``en`` or ``zh`` in the body or the query; errors are
``{"error": message, "field": name, "path": ..., "key": ...}`` with a 4xx status)::

    GET  /api/texts?lang=zh       the page texts in one language
    GET  /api/example             the worked example of the notes
    POST /api/step                {problem, lang, decimals} -> one step: trace JSON, sections
                                  with MathML formulas, numbers, how each was computed, reasons
    POST /api/problem/parse       {filename, text} -> the problem read from a TOML/JSON file
    POST /api/problem/toml        {problem} -> {toml, filename}: the problem as a file to save
    POST /api/random              {seed?, classes, features} -> a generated problem
    GET  /api/datasets            the data sets and whether each is on this machine
    GET  /api/train/state         the current run (if any), defaults and choices
    POST /api/train/start         {settings} -> {run}; 409 while another run is going
    POST /api/train/stop          stop after the current batch
    GET  /api/train/events?run=N  server-sent events of run N (see handprop.web.training)
    POST /api/exercise/new        {seed?, classes, features} -> a problem to work by hand
    POST /api/exercise/check      {problem, answers, decimals} -> the checker's verdict per cell

A POST body must be a JSON object holding only the fields listed (each optional unless the
endpoint needs it) and ``lang``; another kind of body, an unknown field, or a field of the wrong
kind (``answers`` as a list, ``settings`` as a string) is a 422 naming the field and what it must
be. Nothing is started or computed from a request that was refused.

Limits and safety: request bodies over ``max_body`` bytes get 413 (checked from the header and
while reading); POST bodies must be JSON (``application/json``: a form on another site cannot
send one without the browser asking first); the step page takes at most 10 x 10; static files
are served from a fixed list, so no path can reach another file; responses carry a strict
Content-Security-Policy (scripts and styles from this server only). Nothing is written to disk
and nothing is fetched from elsewhere: uploaded problem files are parsed in memory, downloads
are produced by the browser from the returned text.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import math
import re
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handprop.errors import HandpropError, InputError
from handprop.messages import CATALOGUE, Msg, known_lang, t
from handprop.validation import describe
from handprop.web import forms

#: largest request body accepted, in bytes
MAX_BODY = 1024 * 1024
#: largest problem file accepted by the upload endpoint, in characters
MAX_PROBLEM_TEXT = 256 * 1024
#: hosts a server bound to the loopback interface answers to (DNS-rebinding protection)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(css|js|svg)$")
_PLACEHOLDER = re.compile(r"\{\{\s*(t|lang|page|title)(?::([a-z0-9_.\-]+))?\s*\}\}")
#: the page shell (head, top bar, tooltip) every page shares; its ``{{main}}`` is the page's file
_LAYOUT = "_layout"


# ---------------------------------------------------------------------------------------------
# helpers


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such floats become None (the page shows the text instead)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


class HTTPProblem(Exception):
    """An error answered with ``status`` and a message key (``web.err.*``)."""

    def __init__(self, status: int, key: str, **params: Any) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.params = params


def page_texts(lang: str) -> dict[str, str]:
    """Every text a page needs, in ``lang``: the ``web.*`` keys (placeholders left in)."""
    keys = [k for k in CATALOGUE if k.startswith("web.")]
    return {k: raw_text(k, lang) for k in keys}


def raw_text(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` with its ``{placeholders}`` left for the page to fill."""
    texts = CATALOGUE[key]
    return texts.get(lang) or texts["en"]


def _static_files() -> dict[str, bytes]:
    """The package's static files, read once: the only files the server ever serves."""
    folder = resources.files("handprop.web") / "static"
    files = {}
    for entry in folder.iterdir():
        if entry.is_file() and _STATIC_NAME.match(entry.name):
            files[entry.name] = entry.read_bytes()
    return files


def _templates() -> dict[str, str]:
    """Page name -> template: ``_layout.html`` with its ``{{main}}`` replaced by the page's
    file (``step.html`` holds the step page's ``<main>``)."""
    folder = resources.files("handprop.web") / "templates"
    files = {
        entry.name.removesuffix(".html"): entry.read_text("utf-8")
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.endswith(".html")
    }
    layout = files.pop(_LAYOUT)
    return {
        name: layout.replace("{{main}}", main.removesuffix("\n")) for name, main in files.items()
    }


def render_page(template: str, page: str, lang: str) -> str:
    """Fill ``{{t:key}}`` (escaped text), ``{{title}}`` (the escaped text of
    ``web.title.<page>``), ``{{lang}}`` and ``{{page}}`` in ``template``."""

    def fill(match: re.Match[str]) -> str:
        kind, key = match.group(1), match.group(2)
        if kind == "lang":
            return lang
        if kind == "page":
            return page
        if kind == "title":
            key = f"web.title.{page}"
        return html.escape(raw_text(key or "", lang))

    return _PLACEHOLDER.sub(fill, template)


# ---------------------------------------------------------------------------------------------
# middleware


class LimitsMiddleware:
    """413 for a declared body over ``max_body``; security headers on every response."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                response = json_response(
                    {"error": t("web.err.too_big", "en", limit=self.max_body), "field": None},
                    413,
                )
                await response(scope, receive, _with_headers(send))
                return
        await self.app(scope, receive, _with_headers(send))


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            present = {k.lower() for k, _ in headers}
            extra = {
                b"content-security-policy": CSP.encode(),
                b"x-content-type-options": b"nosniff",
                b"referrer-policy": b"no-referrer",
                b"x-frame-options": b"DENY",
                b"cross-origin-opener-policy": b"same-origin",
                b"cross-origin-resource-policy": b"same-origin",
            }
            headers += [(k, v) for k, v in extra.items() if k not in present]
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


# ---------------------------------------------------------------------------------------------
# what the handlers share: the app's state, the language, the body


@dataclass(frozen=True)
class Settings:
    """The options of :func:`create_app`, as the handlers read them (``app.state.settings``)."""

    lang: str | None
    max_body: int


def request_lang(request: Request, body: Any = None) -> str:
    """The language of a request: its body's or query's ``lang``, else the server's, else the
    browser's Accept-Language (zh when it prefers Chinese), else en."""
    fixed = request.app.state.settings.lang
    if isinstance(body, dict) and "lang" in body:
        return known_lang(body["lang"]) or fixed or "en"
    if "lang" in request.query_params:
        return known_lang(request.query_params["lang"]) or fixed or "en"
    if fixed:
        return fixed
    accept = request.headers.get("accept-language", "")
    first = accept.split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


async def read_json(request: Request) -> Any:
    """The request's JSON body (415 unless a POST says ``application/json``; 413 past the
    limit, counted while reading; 400 for text that is not JSON)."""
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise HTTPProblem(415, "web.err.content_type")
    limit = request.app.state.settings.max_body
    size = 0
    chunks = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPProblem(413, "web.err.too_big", limit=limit)
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks).decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise HTTPProblem(400, "web.err.json") from None


def check_body(body: Any, where: str, fields: tuple[str, ...]) -> None:
    """A POST body is a JSON object whose keys are ``fields`` (all optional) or ``lang``."""
    allowed = (*fields, "lang")
    forms.require_object(
        body, Msg("web.name.body"), where, Msg("web.exp.body", fields=", ".join(allowed))
    )
    forms.check_fields(body, allowed, where)
    if "lang" in body and known_lang(body["lang"]) is None:
        raise InputError(
            "err.must",
            where=where,
            name="lang",
            expected=Msg("web.exp.lang"),
            got=describe(body["lang"]),
        )


Handler = Callable[[Request, Any, str], Any]


def endpoint(handler: Handler, fields: tuple[str, ...] = ()) -> Callable[[Request], Any]:
    """Wrap ``handler(request, body, lang)``: JSON in, JSON out, errors as 4xx JSON.

    A POST body must be a JSON object with no keys but ``fields`` and ``lang`` (422 with the
    field named otherwise); the handler then checks each field's value.
    """

    async def run(request: Request) -> Response:
        lang = request_lang(request)
        try:
            body = await read_json(request) if request.method == "POST" else None
            lang = request_lang(request, body)
            if request.method == "POST":
                check_body(body, request.url.path, fields)
            result = handler(request, body, lang)
            if asyncio.iscoroutine(result):
                result = await result
            if isinstance(result, Response):
                return result
            return json_response(result)
        except HTTPProblem as problem:
            data = {"error": t(problem.key, lang, **problem.params), "field": None}
            return json_response(data, problem.status)
        except HandpropError as err:
            status = 409 if err.key == "web.err.busy" else 422
            return json_response(forms.error_data(err, lang), status)

    return run


def _seed(body: Any) -> int | Any:
    """The body's ``seed``, or a fresh one when it has none."""
    seed = body.get("seed")
    return secrets.randbelow(1_000_000) if seed in (None, "") else forms.int_or_text(seed)


# ---------------------------------------------------------------------------------------------
# pages and assets


def show_page(name: str) -> Callable[[Request], Any]:
    """The handler of the page ``name`` (a template), in the request's language."""

    async def show(request: Request) -> Response:
        template = request.app.state.templates[name]
        return HTMLResponse(
            render_page(template, name, request_lang(request)),
            headers={"Cache-Control": "no-store"},
        )

    return show


async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    data = request.app.state.static.get(name)
    if data is None:
        return json_response({"error": t("web.err.not_found", request_lang(request))}, 404)
    suffix = name[name.rindex(".") :]
    return Response(data, media_type=_STATIC_TYPES[suffix])


async def not_found(request: Request, exc: Exception) -> Response:
    return json_response({"error": t("web.err.not_found", request_lang(request))}, 404)


async def not_allowed(request: Request, exc: Exception) -> Response:
    return json_response({"error": t("web.err.method", request_lang(request))}, 405)


# ---------------------------------------------------------------------------------------------
# the step page


def texts(request: Request, body: Any, lang: str) -> Any:
    return {"lang": lang, "texts": page_texts(lang)}


def example(request: Request, body: Any, lang: str) -> Any:
    from handprop.problem import problem_from_mapping
    from handprop.tracing import WORKED_EXAMPLE

    problem = problem_from_mapping(dict(WORKED_EXAMPLE), where="example")
    return {"problem": problem.to_dict(), "problem_text": forms.problem_text(problem)}


def step(request: Request, body: Any, lang: str) -> Any:
    from handprop.web.step_view import step_view

    decimals = forms.int_in_range(
        body.get("decimals", 3), "decimals", "step", forms.MIN_DECIMALS, forms.MAX_DECIMALS
    )
    problem = forms.page_problem(body.get("problem"), where="step")
    return step_view(problem, lang, decimals)


def parse_problem(request: Request, body: Any, lang: str) -> Any:
    from handprop.problem import parse_problem_text, problem_from_mapping

    name = _file_name(body.get("filename"))
    text = _file_text(body.get("text"), name)
    lower = name.lower()
    if lower.endswith(".json"):
        kind = "JSON"
    elif lower.endswith(".toml"):
        kind = "TOML"
    else:
        kind = "JSON" if text.lstrip().startswith("{") else "TOML"
    data = parse_problem_text(text, name, kind)
    problem = problem_from_mapping(data, where=name)
    forms.check_page_size(problem, name)
    return {"problem": problem.to_dict(), "problem_text": forms.problem_text(problem)}


def _file_name(name: Any) -> str:
    """An uploaded file's name as messages show it ("problem" when none is given)."""
    if name is not None and not isinstance(name, str):
        raise InputError(
            "err.must",
            where="problem",
            name="filename",
            expected=Msg("web.exp.filename"),
            got=forms.json_kind(name),
        )
    name = name if name and name.strip() else "problem"
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:120]


def _file_text(text: Any, name: str) -> str:
    """An uploaded file's text, at most ``MAX_PROBLEM_TEXT`` characters, without a BOM."""
    if text is None:
        raise InputError("web.err.no_text", where=name)
    if not isinstance(text, str):
        raise InputError(
            "err.must",
            where=name,
            name="text",
            expected=Msg("web.exp.text"),
            got=forms.json_kind(text),
        )
    if len(text) > MAX_PROBLEM_TEXT:
        raise InputError(
            "core.err.file_too_big", where=name, size=len(text), limit=MAX_PROBLEM_TEXT
        )
    return text.removeprefix("\ufeff")


def to_toml(request: Request, body: Any, lang: str) -> Any:
    problem = forms.page_problem(body.get("problem"), where="step")
    return {"toml": problem.to_toml(), "filename": "problem.toml"}


def random_problem(request: Request, body: Any, lang: str) -> Any:
    from handprop.exercise import generate_problem

    seed = _seed(body)
    problem = generate_problem(
        seed,
        classes=forms.int_or_text(body.get("classes", 3)),
        features=forms.int_or_text(body.get("features", 3)),
    )
    return {"seed": seed, "problem": problem.to_dict(), "problem_text": forms.problem_text(problem)}


# ---------------------------------------------------------------------------------------------
# the train page


def datasets(request: Request, body: Any, lang: str) -> Any:
    from handprop.web.training import available_datasets

    return {"datasets": available_datasets(lang)}


def train_state(request: Request, body: Any, lang: str) -> Any:
    from handprop.web import training

    run = request.app.state.runner.current
    return {
        "run": None if run is None else run.run_id,
        "running": bool(run is not None and run.running),
        "defaults": training.defaults(),
        "choices": {
            "init": training.INITS,
            "normalize": training.NORMALIZATIONS,
            "lr_schedule": training.LR_SCHEDULES,
        },
        "limits": {"epochs": training.MAX_EPOCHS, "batch_size": training.MAX_BATCH_SIZE},
    }


def train_start(request: Request, body: Any, lang: str) -> Any:
    from handprop.web.training import available_datasets, check_settings

    names = [d["name"] for d in available_datasets(lang) if d["available"]]
    settings = check_settings(body.get("settings"), names)
    run = request.app.state.runner.start(settings)
    return {"run": run.run_id, "settings": settings}


def train_stop(request: Request, body: Any, lang: str) -> Any:
    run = request.app.state.runner.stop()
    return {"run": None if run is None else run.run_id}


async def train_events(request: Request) -> Response:
    """Server-sent events of run ``run`` from event ``since`` (or after ``Last-Event-ID``)."""
    lang = request_lang(request)
    try:
        run_id = int(request.query_params.get("run", ""))
        since = int(request.query_params.get("since", "0"))
        last = request.headers.get("last-event-id")
        if last is not None:
            since = max(since, int(last) + 1)
    except ValueError:
        return json_response({"error": t("web.err.run", lang), "field": "run"}, 400)
    run = request.app.state.runner.get(run_id)
    if run is None:
        return json_response({"error": t("web.err.run", lang), "field": "run"}, 404)
    return StreamingResponse(
        _event_stream(run, max(since, 0), lang),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _event_stream(run: Any, index: int, lang: str) -> AsyncIterator[str]:
    """``run``'s events from ``index`` on, in ``lang``, until it has finished; a comment every
    15 s of silence keeps the connection open."""
    from handprop.web.training import localize_event

    idle = 0.0
    while True:
        events = run.since(index)
        for event in events:
            index += 1
            data = localize_event(event, lang)
            text = json.dumps(_finite(data), ensure_ascii=False, allow_nan=False)
            yield f"id: {data['seq']}\ndata: {text}\n\n"
        if events:
            idle = 0.0
            continue
        if run.finished.is_set() and not run.since(index):
            return
        idle += 0.1
        if idle >= 15:
            idle = 0.0
            yield ": still here\n\n"
        await asyncio.sleep(0.1)


# ---------------------------------------------------------------------------------------------
# the exercise page


def exercise_new(request: Request, body: Any, lang: str) -> Any:
    from handprop.web.exercise_view import new_exercise

    return new_exercise(
        _seed(body),
        forms.int_or_text(body.get("classes", 3)),
        forms.int_or_text(body.get("features", 3)),
        lang,
    )


def exercise_check(request: Request, body: Any, lang: str) -> Any:
    from handprop.web.exercise_view import check_exercise

    return check_exercise(body.get("problem"), body.get("answers"), body.get("decimals", 3), lang)


# ---------------------------------------------------------------------------------------------
# the application

ROUTES = [
    Route("/", show_page("step")),
    Route("/train", show_page("train")),
    Route("/exercise", show_page("exercise")),
    Route("/static/{name}", static_file),
    Route("/api/texts", endpoint(texts)),
    Route("/api/example", endpoint(example)),
    Route("/api/step", endpoint(step, ("problem", "decimals")), methods=["POST"]),
    Route("/api/problem/parse", endpoint(parse_problem, ("filename", "text")), methods=["POST"]),
    Route("/api/problem/toml", endpoint(to_toml, ("problem",)), methods=["POST"]),
    Route(
        "/api/random",
        endpoint(random_problem, ("seed", "classes", "features")),
        methods=["POST"],
    ),
    Route("/api/datasets", endpoint(datasets)),
    Route("/api/train/state", endpoint(train_state)),
    Route("/api/train/start", endpoint(train_start, ("settings",)), methods=["POST"]),
    Route("/api/train/stop", endpoint(train_stop), methods=["POST"]),
    Route("/api/train/events", train_events),
    Route(
        "/api/exercise/new",
        endpoint(exercise_new, ("seed", "classes", "features")),
        methods=["POST"],
    ),
    Route(
        "/api/exercise/check",
        endpoint(exercise_check, ("problem", "answers", "decimals")),
        methods=["POST"],
    ),
]


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Stop the training run, if any, when the server shuts down."""
    yield
    app.state.runner.shutdown()


def create_app(
    *,
    lang: str | None = None,
    allowed_hosts: list[str] | None = None,
    max_body: int = MAX_BODY,
) -> Starlette:
    """The web explorer as an ASGI app: :data:`ROUTES` with the limits and headers.

    Parameters
    ----------
    lang : "en" or "zh", optional
        Language of a page opened without ``?lang=``; default: the browser's Accept-Language
        (zh when it prefers Chinese), else en.
    allowed_hosts : list of str, optional
        Host names the server answers to (others get 400); None accepts any. ``handprop serve``
        passes the loopback names when bound to 127.0.0.1, so a web page on another site
        cannot reach the server through DNS rebinding.
    max_body : int
        Largest request body in bytes (413 beyond).
    """
    from handprop.web.training import TrainingRunner

    middleware = []
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    middleware.append(Middleware(LimitsMiddleware, max_body=max_body))
    app = Starlette(
        routes=ROUTES,
        middleware=middleware,
        exception_handlers={404: not_found, 405: not_allowed},
        lifespan=lifespan,
    )
    app.state.settings = Settings(lang=known_lang(lang), max_body=max_body)
    app.state.static = _static_files()
    app.state.templates = _templates()
    app.state.runner = TrainingRunner()
    return app
