"""The ASGI application factory."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram
from sqlalchemy import Engine, text
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from dialtrail import __version__, demo_site
from dialtrail.admin.app import create_admin
from dialtrail.admin.auth import signed_in_user
from dialtrail.api import errors
from dialtrail.api.docs import docs_routes
from dialtrail.api.errors import unauthorized
from dialtrail.api.middleware import AssumeJson, BodySizeLimit
from dialtrail.api.query import refuse_unknown_query_parameters
from dialtrail.api.schemas import ERROR_RESPONSES
from dialtrail.calls.adapters.pbx.listener import build_listeners, listening
from dialtrail.calls.adapters.receipts import ReceiptNotes
from dialtrail.calls.adapters.registry import LISTENERS, adapter_routers
from dialtrail.calls.adapters.registry import SETTINGS as ADAPTER_SETTINGS
from dialtrail.calls.adapters.telnyx.commands import TelnyxApi
from dialtrail.calls.adapters.vonage.signature import SeenTokens
from dialtrail.calls.api import router as calls_router
from dialtrail.calls.telephony_api import router as telephony_router
from dialtrail.collector.deriver import Deriver
from dialtrail.collector.metrics import JournalCollector, lag_histogram
from dialtrail.collector.ratelimit import RateLimiter
from dialtrail.collector.routes import Collector, is_collector_path
from dialtrail.collector.writer import turns_for
from dialtrail.conversions.api import router as conversions_router
from dialtrail.conversions.feed_api import router as conversion_files_router
from dialtrail.entities.api import router as entities_router
from dialtrail.numbers.api import router as numbers_router
from dialtrail.numbers.gate import LeaseGate
from dialtrail.projects.api import router as projects_router
from dialtrail.projects.api import tokens_router
from dialtrail.projects.auth import CurrentUser
from dialtrail.reports.api import router as reports_router
from dialtrail.secrets import derived_key, secret_key
from dialtrail.sessions.api import router as sessions_router
from dialtrail.settings import Settings
from dialtrail.storage.base import utcnow
from dialtrail.storage.engine import create_engine, create_session_factory
from dialtrail.subjects.api import router as subjects_router
from dialtrail.tracker.serve import ScriptServer
from dialtrail.webhooks.api import router as webhooks_router
from dialtrail.webhooks.deliveries_api import router as deliveries_router
from dialtrail.webhooks.integrations import service as integrations
from dialtrail.webhooks.integrations.api import router as integrations_router
from dialtrail.webhooks.metrics import QueueCollector, exposition
from dialtrail.webhooks.worker import build_worker, running
from dialtrail.wiring import wire

API_BODY_LIMIT = 1024 * 1024

DESCRIPTION = """\
Dialtrail's REST API. Authenticate every request with an API token:
`Authorization: Bearer dt_…` (create one with `dialtrail token create --name NAME`).
Errors are JSON: `{"error": code, "message": sentence, "fields": [{field, message, position}]}`.
"""


class App(FastAPI):
    """FastAPI, with the collector's hot path answered before FastAPI sees the request: its
    routing and middleware stack cost several times what the collector itself does."""

    collector: Collector | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        collector = self.collector
        if collector is not None and scope["type"] == "http" and is_collector_path(scope["path"]):
            await collector(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings,
    engine: Engine | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    wire()
    app = App(
        lifespan=lifespan,
        title="Dialtrail",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by api/docs.py: Swagger UI from this server, under a strict CSP
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or create_engine(settings)
    app.state.session_factory = create_session_factory(app.state.engine)
    app.state.clock = clock or utcnow
    app.state.telephony_receipts = ReceiptNotes()
    app.state.telnyx_api = TelnyxApi()  # where Call Control commands go (tests: a local server)
    app.state.vonage_tokens = SeenTokens()  # Vonage tokens taken, refused if sent again
    app.state.metrics = CollectorRegistry()
    app.state.metrics.register(QueueCollector(app.state.session_factory, app.state.clock))
    app.state.metrics.register(
        JournalCollector(app.state.session_factory, lambda: app.state.clock())
    )
    lags = lag_histogram(app.state.metrics)
    # The collector's writer and the deriver take turns at SQLite's one write lock.
    turns = turns_for(app.state.session_factory)
    app.state.deriver = Deriver(
        app.state.session_factory,
        lambda: app.state.clock(),
        lease_gate(settings),
        observe=lambda seconds: observe_all(lags, seconds),
        retention=timedelta(hours=settings.journal_retention_hours),
        turns=turns,
    )
    errors.install(app)
    app.include_router(api_router(), prefix="/api/v1")
    app.include_router(service_router())
    app.include_router(conversion_files_router)
    app.mount(
        "/admin", create_admin(settings, app.state.session_factory, lambda: app.state.clock())
    )
    for prefix, adapter in adapter_routers():
        app.include_router(adapter, prefix=prefix)
    app.router.routes[0:0] = public_routes(app)
    app.router.routes[0:0] = docs_routes(app.title, app.openapi_url or "")
    limiter = RateLimiter(settings.collector_rate, settings.collector_burst)
    app.collector = Collector(
        app.state.session_factory,
        limiter,
        lambda: app.state.clock(),
        lease_gate(settings),
        wake=app.state.deriver.wake,
        privacy_secret=derived_key(secret_key(settings), "privacy-hash"),
        turns=turns,
    )
    app.add_middleware(AssumeJson, prefix="/api/v1/")
    app.add_middleware(BodySizeLimit, max_bytes=API_BODY_LIMIT)
    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """`dialtrail serve` derives the collector's journal (unless DIALTRAIL_DERIVER=0),
    delivers webhooks (unless DIALTRAIL_WORKER=0) and follows the configured PBXs (unless
    DIALTRAIL_PBX_LISTENERS=0) too."""
    settings: Settings = app.state.settings
    deriver: Deriver = app.state.deriver
    async with AsyncExitStack() as stack:
        if settings.deriver:
            deriver.start()
            stack.callback(deriver.stop)
        if settings.worker:
            worker = build_worker(app.state.session_factory, settings, app.state.clock)
            await stack.enter_async_context(running(worker))
        if settings.pbx_listeners:
            pbxes = list(LISTENERS.values())
            listeners = build_listeners(app.state.session_factory, settings, pbxes)
            await stack.enter_async_context(listening(listeners))
        yield


def observe_all(histogram: Histogram, values: list[float]) -> None:
    for value in values:
        histogram.observe(value)


def lease_gate(settings: Settings) -> LeaseGate:
    """Who the collector leases no number to (numbers/gate.py)."""
    secret = derived_key(secret_key(settings), "lease networks")
    return LeaseGate(settings.lease_to_bots, settings.leases_per_network, secret)


def public_routes(app: FastAPI) -> list[BaseRoute]:
    """The script and the demo site: public, unauthenticated, and kept out of the API docs
    (the collector is answered before FastAPI: App)."""
    scripts = ScriptServer(
        app.state.session_factory, app.state.settings.base_url, integrations.analytics_cookies
    )
    return [*scripts.routes(), *demo_site.routes()]


def refuse_unknown_when_signed_in(request: Request, user: CurrentUser) -> None:
    """After authentication (``user``): a stranger gets 401, whatever the query says."""
    refuse_unknown_query_parameters(request)


def api_router() -> APIRouter:
    # Unknown query parameters are refused everywhere in the API (api/query.py).
    refuse_unknown = Depends(refuse_unknown_when_signed_in)
    router = APIRouter(responses=ERROR_RESPONSES, dependencies=[refuse_unknown])
    router.include_router(projects_router)
    router.include_router(entities_router)
    router.include_router(numbers_router)
    router.include_router(deliveries_router)
    router.include_router(webhooks_router)
    router.include_router(integrations_router)
    router.include_router(sessions_router)
    router.include_router(reports_router)
    router.include_router(calls_router)
    router.include_router(conversions_router)
    router.include_router(subjects_router)
    router.include_router(tokens_router)
    router.include_router(telephony_router)
    for settings_router in ADAPTER_SETTINGS.values():
        router.include_router(settings_router)
    return router


def service_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request) -> Response:
        return root_page(request)

    @router.get("/favicon.ico")
    def favicon() -> Response:
        # Browsers ask for it on every site whatever the page links; the admin's icon is an SVG.
        return RedirectResponse("/admin/static/favicon.svg", status_code=301)

    @router.get("/metrics")
    def metrics(request: Request) -> Response:
        refuse_without_metrics_token(request)
        body = exposition(request.app.state.metrics)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @router.get("/healthz")
    def healthz(request: Request) -> JSONResponse:
        return health(request.app.state.engine)

    return router


def root_page(request: Request) -> Response:
    """The first URL `make run` prints: a signed-in user goes to the admin home, a browser to
    the sign-in page, and an API client (no HTML in Accept) gets where things are, in JSON.
    The answer depends on both, so caches are told so (Vary)."""
    vary = {"Vary": "Accept, Cookie"}
    if signed_in_user(request) is not None:
        return RedirectResponse("/admin/", status_code=303, headers=vary)
    if wants_html(request):
        return RedirectResponse("/admin/login", status_code=303, headers=vary)
    body = {"name": "Dialtrail", "version": __version__, "api_docs": "/api/docs"}
    return JSONResponse(body | {"admin": "/admin/"}, headers=vary)


def wants_html(request: Request) -> bool:
    """Browsers put text/html in Accept on a navigation; curl, httpx and fetch() do not."""
    accepted = request.headers.get("accept", "").lower()
    return "text/html" in accepted or "application/xhtml+xml" in accepted


def refuse_without_metrics_token(request: Request) -> None:
    """DIALTRAIL_METRICS_TOKEN, when set, is required as a bearer token (docs/deployment.md,
    "Monitoring"); compared in constant time."""
    expected = request.app.state.settings.metrics_token
    if not expected:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), expected):
        raise unauthorized(
            "/metrics needs the token this server sets in DIALTRAIL_METRICS_TOKEN: send "
            "'Authorization: Bearer TOKEN'"
        )


def health(engine: Engine) -> JSONResponse:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver failure means "not healthy", reported, not raised
        body = {"status": "error", "database": f"unreachable: {type(error).__name__}"}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "version": __version__})
