"""Middleware for every response: security headers (a strict Content-Security-Policy, no inline script),
`Cache-Control: no-store` (pages and files carry personal data), and the two-factor step for the roles that
require it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# The routes whose responses carry individuals' data (tests/platform/test_no_store.py walks them). Every
# response of the application gets no-store anyway: a page is someone's figures, a list of members, a form
# holding an address; static files (served by WhiteNoise before this middleware) keep their long caching.
PERSONAL_DATA_ROUTES = frozenset({
    "union:register_export", "union:document_file", "union:result_document", "union:returns",
    "workplace:my_figure", "workplace:my_figure_csv", "workplace:person", "workplace:person_csv",
    "workplace:team", "workplace:adjustments", "workplace:adjustment_edit", "workplace:reminders",
    "workplace:evidence", "union:register_review", "job", "job_status", "job_result",
})


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        return response


class UploadLimitMiddleware:
    """A request body larger than MANDATE_MAX_UPLOAD is refused (413) from its Content-Length, before any of it
    is read. Within that, each upload form has its own limit (platform.inputs.UPLOAD_LIMITS), checked on the
    file Django has streamed to a temporary file (FILE_UPLOAD_MAX_MEMORY_SIZE), never read into memory."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from django.conf import settings
        from django.shortcuts import render

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MANDATE_MAX_UPLOAD
        if length > limit:
            response = render(request, "platform/too_large.html",
                              {"size_mb": f"{length / 1_048_576:,.1f}", "limit_mb": f"{limit / 1_048_576:,.0f}"},
                              status=413)
            response["Connection"] = "close"  # the rest of the body is never read
            return response
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response of the application, in one place: no browser
    cache, shared proxy or back button keeps a register export, a voting paper or an adjustment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "max-age" in response.get("Cache-Control", ""):
            del response["Cache-Control"]  # a view's own caching never outlives this rule
        patch_cache_control(response, no_store=True, private=True)
        return response


TWO_FACTOR_OPEN_ROUTES = frozenset({"two_factor", "logout", "login", "password_reset", "password_reset_done",
                                    "password_reset_confirm", "password_reset_complete"})


class TwoFactorMiddleware:
    """A signed-in account holding a role that requires two-factor sign-in, not yet verified with a one-time
    code in this session, is sent to the two-factor page (enrolment or code) before any other page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable[..., object], args: object,
                     kwargs: object) -> HttpResponseBase | None:
        from mandate.platform.twofactor import needs_second_factor

        match = request.resolver_match
        if match is None or match.view_name in TWO_FACTOR_OPEN_ROUTES or not needs_second_factor(request):
            return None
        return redirect(f"{_two_factor_url()}?{urlencode({'next': request.get_full_path()})}")


def _two_factor_url() -> str:
    from django.urls import reverse

    return reverse("two_factor")


# What a database that cannot be reached says (PostgreSQL restarting or failing over, a connection the server
# closed, SQLite busy past its timeout), as psycopg and sqlite3 word it.
UNAVAILABLE = ("connection failed", "could not connect", "server closed the connection", "terminating connection",
               "the database system is starting up", "the database system is shutting down",
               "the database system is in recovery mode", "connection is closed", "consuming input failed",
               "database is locked", "sending query failed")


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached answers 503 with Retry-After, logged in one line, instead of a 500 with
    a traceback: the request's transaction was undone whole, so nothing was done and the client may try again
    (a voter's ballot, a form). JSON for the API routes, the styled page otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        import logging

        from django.db import OperationalError
        from django.http import JsonResponse
        from django.template.response import TemplateResponse

        if not isinstance(exception, OperationalError):
            return None
        text = str(exception).lower()
        if not any(marker in text for marker in UNAVAILABLE):
            return None
        # A dead connection is closed by Django itself at the end of the request (close_old_connections).
        # The route's name, not its path: a voting link's path holds the member's access key.
        match = getattr(request, "resolver_match", None)
        where = match.view_name if match is not None else request.path.split("/link/")[0]
        logging.getLogger("mandate.platform").warning("503 %s %s: the database is unavailable (%s)", request.method,
                                                      where, type(exception).__name__)
        message = "The service is briefly unavailable: nothing was done. Please try again in a few seconds."
        response: HttpResponseBase
        if request.path.endswith(".json") or "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"error": message, "retry": True}, status=503)
        else:
            response = TemplateResponse(request, "503.html", {"message": message}, status=503)
            response.render()
        response["Retry-After"] = "5"
        return response
