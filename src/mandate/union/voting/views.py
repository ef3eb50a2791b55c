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

from mandate.platform.roles import role_required
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


ENTER_SESSION = "mandate.voting.entering"


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest, union: str, code: str) -> HttpResponse:
    """The ballot's own page, for a member whose message named the page but not their link: their membership
    number, then a one-time code to the personal email or mobile the register holds for it. The page answers the
    same whether or not the number is in the electorate."""
    ballot = _ballot(union, code)
    if access.session_elector(request, ballot) is not None and request.method == "GET":
        return redirect("vote:booth", union, code)
    context: dict[str, Any] = {"ballot": ballot, "info": casting.election_info(ballot), "code_sent": False,
                               "error": "", "number": ""}
    if request.method == "POST":
        action = request.POST.get("action", "")
        entering = request.session.get(ENTER_SESSION) or {}
        if action == "send":
            number = " ".join(str(request.POST.get("member", "")).split())[:32]
            if not number:
                context["error"] = "Type your membership number (it is on your membership card and union letters)."
                return render(request, "union/voting/enter.html", context, status=400)
            context.update(number=number, code_sent=True)
            request.session[ENTER_SESSION] = {"ballot": ballot.pk, "member": number}
            elector = access.elector_by_number(ballot, number)
            if elector is not None:
                try:
                    access.send_code(ballot, elector)
                except access.AccessRefused as exc:
                    if exc.reason != "no_channel":  # an unreachable member is told as anyone else would be
                        context["error"] = str(exc)
                        return render(request, "union/voting/enter.html", context, status=exc.status)
            return render(request, "union/voting/enter.html", context)
        if action == "verify" and entering.get("ballot") == ballot.pk:
            context.update(number=entering.get("member", ""), code_sent=True)
            elector = access.elector_by_number(ballot, entering.get("member", ""))
            try:
                if elector is None:
                    raise access.AccessRefused("That code is not right.", 400, "wrong_code")
                access.check_code(ballot, elector, request.POST.get("code", ""))
            except access.AccessRefused as exc:
                context["error"] = str(exc)
                return render(request, "union/voting/enter.html", context, status=exc.status)
            request.session.pop(ENTER_SESSION, None)
            access.sign_in_session(request, ballot, elector)
            return redirect("vote:booth", union, code)
        context["error"] = "Start again: type your membership number."
        return render(request, "union/voting/enter.html", context, status=400)
    return render(request, "union/voting/enter.html", context)


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
    election = {**info.as_json(), "board_url": _board_url(ballot), "cast_url": reverse("vote:cast", args=[union, code]),
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


def _api_elector(ballot: Ballot, data: dict[str, Any]) -> Elector | None:
    """The elector of a link's access key, or of a membership number (None if not in the electorate)."""
    if data.get("access"):
        return access.elector_for(ballot, str(data["access"]))
    return access.elector_by_number(ballot, str(data.get("member", "")))


@_api
def api_code(request: HttpRequest, ballot: Ballot) -> JsonResponse:
    data = _body(request)
    elector = _api_elector(ballot, data)
    if elector is None:  # the same answer as for a member: nobody learns who is entitled to vote
        return JsonResponse({"sent_to": "the personal email or mobile on the register", "channel": "",
                             "minutes": access.CODE_MINUTES})
    channel = access.send_code(ballot, elector)
    shown = channel.shown if data.get("access") else "the personal email or mobile on the register"
    return JsonResponse({"sent_to": shown, "channel": channel.kind if data.get("access") else "",
                         "minutes": access.CODE_MINUTES})


@_api
def api_verify(request: HttpRequest, ballot: Ballot) -> JsonResponse:
    data = _body(request)
    elector = _api_elector(ballot, data)
    if elector is None:
        raise access.AccessRefused("That code is not right.", 400, "wrong_code")
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
        "board_url": _board_url(ballot, tracking)}, status=200 if event else 404)


def _board_url(ballot: Ballot, tracking: str = "") -> str:
    """The ballot's public bulletin board (mandate.union.electronic), checking this tracking code."""
    from django.urls import NoReverseMatch

    try:
        url = reverse("board:board", args=[ballot.union.code, ballot.code])
    except NoReverseMatch:
        return ""
    return f"{url}?code={tracking}" if tracking else url


def election_payload_json(info: casting.ElectionInfo) -> str:
    return json.dumps(info.as_json())


# ------------------------------------------------------------------------------------------------ the demo


@role_required("member")
@never_cache
@require_GET
def demo_messages(request: HttpRequest) -> HttpResponse:
    """The demo only (MANDATE_DEMO=1): the messages the demo member received, read from the development mail
    folder (a real member reads them in their own mailbox): the credential message, with its voting link, and
    the one-time codes. The server keeps no credential: this page reads the file the mail backend wrote."""
    from django.conf import settings

    from mandate.cli.vote import LINK, _message_texts
    from mandate.demo.electronic import OPEN_CODE

    if not settings.MANDATE_DEMO:
        raise Http404("Only in the demo.")
    ballot = Ballot.objects.filter(code=OPEN_CODE, voting_method="electronic").select_related("union").first()
    elector = None
    if ballot is not None:
        elector = (ballot.electors.select_related("member").exclude(member__personal_email="")
                   .order_by("membership_number").first())
    messages: list[dict[str, str]] = []
    link = ""
    if ballot is not None and elector is not None and elector.member is not None:
        address = elector.member.personal_email
        folder = Path(getattr(settings, "EMAIL_FILE_PATH", "") or "")
        files = sorted(folder.glob("*.log"), key=lambda f: f.stat().st_mtime) if folder.is_dir() else []
        for file in files:
            for to, text in _message_texts(file.read_bytes()):
                if to.strip().lower() == address.lower():
                    messages.append({"file": file.name, "text": text.strip()})
                    found = LINK.search(text)
                    link = found[0] if found and found["union"] == ballot.union.code else link
    return render(request, "union/voting/demo.html", {"ballot": ballot, "elector": elector,
                                                      "messages": messages[::-1], "link": link})
