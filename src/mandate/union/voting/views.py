"""The member's pages of an electronic ballot: the voting link (a one-time code to their personal channel), the
booth, the casting endpoints and the receipt. Members need no account: the link and the code let them reach
the booth, and only their credential (which stays in their browser) can sign a ballot that counts.

These pages are public in the sense of the route isolation test (``public_page``): anyone may open them, and
each checks the link, the code, the session or the token itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mandate.union.models import Ballot, Elector, RecordEvent
from mandate.union.voting import access, casting

logger = logging.getLogger("mandate.union.voting")

# The booth page's own policy: nothing but this site's scripts, styles and requests; no inline script, no
# eval, Trusted Types required for any DOM sink (the page's script uses none).
BOOTH_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
             "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; require-trusted-types-for 'script'")
ELECTRONIC = ("electronic", "hybrid")


def public_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A page anyone may open (it checks a link, a code, a session or a token itself), labelled for
    tests/platform/test_route_isolation.py."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return view(request, *args, **kwargs)

    wrapped.mandate_roles = frozenset()  # type: ignore[attr-defined]
    wrapped.mandate_side = "public"  # type: ignore[attr-defined]
    return wrapped


def _ballot(union: str, code: str) -> Ballot:
    return get_object_or_404(Ballot.objects.select_related("union"), union__code=union, code=code,
                             voting_method__in=ELECTRONIC)


def _booth_build() -> dict[str, str]:
    """The booth's subresource-integrity value and published SHA-256, read from the build when the page renders."""
    out = {}
    for key, name in (("sri", "booth.js.sri"), ("sha256", "booth.js.sha256")):
        found = finders.find(name)
        out[key] = Path(found).read_text(encoding="ascii").strip() if found else ""
    return out


def _json_error(message: str, reason: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message, "reason": reason}, status=status)


# ------------------------------------------------------------------------------------------------ sign-in


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, union: str, code: str, key: str) -> HttpResponse:
    """The link of the credential message: ask for a one-time code, then type it."""
    ballot = _ballot(union, code)
    try:
        elector = access.elector_for(ballot, key)
    except access.AccessRefused as exc:
        return render(request, "union/voting/refused.html", {"ballot": ballot, "message": str(exc)},
                      status=exc.status)
    info = casting.election_info(ballot)
    context: dict[str, Any] = {"ballot": ballot, "info": info, "channel": access.channel_of(elector),
                               "key": key, "code_sent": False, "error": "", "unit": elector.unit}
    if access.session_elector(request, ballot) == elector.pk and request.method == "GET":
        return redirect("vote:booth", union, code)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "send":
                access.send_code(ballot, elector)
                context["code_sent"] = True
            elif action == "verify":
                context["code_sent"] = True
                access.check_code(ballot, elector, request.POST.get("code", ""))
                access.sign_in_session(request, ballot, elector)
                return redirect("vote:booth", union, code)
            else:
                return render(request, "union/voting/refused.html",
                              {"ballot": ballot, "message": "Unknown request."}, status=400)
        except access.AccessRefused as exc:
            context["error"] = str(exc)
            context["code_sent"] = action == "verify" or exc.reason in ("too_soon",)
            return render(request, "union/voting/start.html", context, status=exc.status)
    return render(request, "union/voting/start.html", context)


# ------------------------------------------------------------------------------------------------ the booth


def _paper(ballot: Ballot, info: casting.ElectionInfo) -> dict[str, Any]:
    """The questions exactly as the voting paper states them (the rulebook's content for the opening day)."""
    from mandate.union.documents import _paper_context

    ctx = _paper_context(ballot)
    by_kind = {q.kind: q for q in ctx["questions"]}
    questions = []
    for n, q in enumerate(info.questions, start=1):
        model = by_kind.get(q["id"])
        questions.append({"number": n, "id": q["id"], "text": q["text"], "model": model})
    return {**ctx, "booth_questions": questions}


@public_page
@never_cache
@ensure_csrf_cookie
@require_GET
def booth(request: HttpRequest, union: str, code: str) -> HttpResponse:
    ballot = _ballot(union, code)
    elector_pk = access.session_elector(request, ballot)
    if elector_pk is None:
        return render(request, "union/voting/refused.html", {
            "ballot": ballot, "message": "Open the voting link from your credential message and type the "
            "one-time code first."}, status=403)
    elector = get_object_or_404(Elector.objects.select_related("unit"), pk=elector_pk, ballot=ballot)
    info = casting.election_info(ballot)
    if info is None:
        return render(request, "union/voting/refused.html", {
            "ballot": ballot, "message": "This ballot's election is not set up yet."}, status=409)
    build = _booth_build()
    election = {**info.as_json(), "cast_url": reverse("vote:cast", args=[union, code]),
                "challenge_url": reverse("vote:challenge", args=[union, code]),
                "receipt_url": reverse("vote:receipt", args=[union, code, "CODE"]), "ballot_pk": ballot.pk}
    response = render(request, "union/voting/booth.html", {
        "ballot": ballot, "info": info, "unit": elector.unit, "election_json": election, "booth": build,
        "booth_url": static("booth.js"), **_paper(ballot, info)})
    response["Content-Security-Policy"] = BOOTH_CSP
    return response


def _cast_response(ballot: Ballot, body: bytes, *, what: str) -> JsonResponse:
    info = casting.election_info(ballot)
    if info is None:
        return _json_error("This ballot's election is not set up yet.", "not_set_up", 409)
    try:
        data = casting.read_body(body)
        if what == "challenge":
            receipt = casting.challenge(ballot, info, data)
        else:
            if isinstance(data, dict) and set(data) == {"ballot"}:
                data = data["ballot"]
            receipt = casting.cast(ballot, info, data)
    except casting.CastRefused as exc:
        logger.info("%s refused: ballot=%s reason=%s", what, ballot.pk, exc.reason)  # never the ballot itself
        return _json_error(str(exc), exc.reason, exc.status)
    logger.info("%s taken: ballot=%s seq=%s again=%s", what, ballot.pk, receipt.seq, receipt.again)
    out = receipt.as_json()
    out["receipt_url"] = reverse("vote:receipt", args=[ballot.union.code, ballot.code, receipt.tracking_code])
    return JsonResponse(out, status=200 if receipt.again else 201)


@public_page
@never_cache
@require_POST
def cast(request: HttpRequest, union: str, code: str) -> HttpResponse:
    """The booth page's casting endpoint: JSON, the session signed in with the code, Django's CSRF check
    (the page sends the token in the X-CSRFToken header)."""
    ballot = _ballot(union, code)
    if access.session_elector(request, ballot) is None:
        return _json_error("Sign in with your voting link and code first.", "not_signed_in", 403)
    return _cast_response(ballot, request.body, what="ballot")


@public_page
@never_cache
@require_POST
def challenge(request: HttpRequest, union: str, code: str) -> HttpResponse:
    ballot = _ballot(union, code)
    if access.session_elector(request, ballot) is None:
        return _json_error("Sign in with your voting link and code first.", "not_signed_in", 403)
    return _cast_response(ballot, request.body, what="challenge")


# ------------------------------------------------------------------------------------------------ the client's path


def _api(view: Callable[..., JsonResponse]) -> Callable[..., HttpResponseBase]:
    """The `mandate vote` client's endpoints: JSON in and out, no cookie (so no CSRF to defend against)."""

    @wraps(view)
    def wrapped(request: HttpRequest, union: str, code: str) -> HttpResponseBase:
        ballot = _ballot(union, code)
        try:
            return view(request, ballot)
        except access.AccessRefused as exc:
            return _json_error(str(exc), exc.reason, exc.status)
        except casting.CastRefused as exc:
            return _json_error(str(exc), exc.reason, exc.status)

    return public_page(csrf_exempt(never_cache(require_POST(wrapped))))


def _body(request: HttpRequest) -> dict[str, Any]:
    data = casting.read_body(request.body)
    if not isinstance(data, dict):
        raise casting.CastRefused("The request is a JSON object.", "malformed")
    return data


@_api
def api_code(request: HttpRequest, ballot: Ballot) -> JsonResponse:
    elector = access.elector_for(ballot, str(_body(request).get("access", "")))
    channel = access.send_code(ballot, elector)
    return JsonResponse({"sent_to": channel.shown, "channel": channel.kind, "minutes": access.CODE_MINUTES})


@_api
def api_verify(request: HttpRequest, ballot: Ballot) -> JsonResponse:
    data = _body(request)
    elector = access.elector_for(ballot, str(data.get("access", "")))
    access.check_code(ballot, elector, str(data.get("code", "")))
    return JsonResponse({"token": access.api_token(ballot, elector), "hours": access.TOKEN_HOURS})


@_api
def api_cast(request: HttpRequest, ballot: Ballot) -> JsonResponse:
    access.token_elector(ballot, request.headers.get("Authorization", ""))
    return _cast_response(ballot, request.body, what="ballot")


@_api
def api_challenge(request: HttpRequest, ballot: Ballot) -> JsonResponse:
    access.token_elector(ballot, request.headers.get("Authorization", ""))
    return _cast_response(ballot, request.body, what="challenge")


# ------------------------------------------------------------------------------------------------ public


@public_page
@require_GET
def election(request: HttpRequest, union: str, code: str) -> HttpResponse:
    """What a booth or the client needs to encrypt a ballot (all of it public in the record)."""
    ballot = _ballot(union, code)
    info = casting.election_info(ballot)
    if info is None:
        raise Http404("This ballot's election is not set up yet.")
    return JsonResponse(info.as_json())


@public_page
@require_GET
def receipt(request: HttpRequest, union: str, code: str, tracking: str) -> HttpResponse:
    """A receipt anyone holding the tracking code can open: is this ballot in the record?"""
    ballot = _ballot(union, code)
    info = casting.election_info(ballot)
    if info is None or len(tracking) != 64 or any(c not in "0123456789abcdef" for c in tracking):
        raise Http404("No such tracking code.")
    event = RecordEvent.objects.filter(election=info.election, tracking_code=tracking).first()
    later = event is not None and event.kind == "ballot" and RecordEvent.objects.filter(
        election=info.election, kind="ballot", credential=event.credential, seq__gt=event.seq).exists()
    return render(request, "union/voting/receipt.html", {
        "ballot": ballot, "info": info, "event": event, "tracking": tracking, "replaced": later,
        "board_url": _board_url(ballot)}, status=200 if event else 404)


def _board_url(ballot: Ballot) -> str:
    from django.urls import NoReverseMatch

    for name in ("union:board", "union:bulletin_board", "board:board"):
        try:
            return reverse(name, args=[ballot.union.code, ballot.code])
        except NoReverseMatch:
            continue
    return ""


def election_payload_json(info: casting.ElectionInfo) -> str:
    return json.dumps(info.as_json())
