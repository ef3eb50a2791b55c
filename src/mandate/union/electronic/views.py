"""The electronic ballot's pages: the set-up and conditions (officials), the unreachable members (officials, as a
page and a CSV), the trustee's page with its uploads (trustees, and the scrutineer as credential authority), the
turnout as ballots arrive (counts only), and the public bulletin board with the record's download (no sign-in).

No page shows which member voted or how; no page takes a secret: an upload that looks like a secret file is
refused unread (services.read_upload).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from mandate.platform.audit import record
from mandate.platform.exports import csv_writer
from mandate.platform.inputs import upload_too_large
from mandate.platform.roles import has_role, role_required
from mandate.union import lifecycle, rules
from mandate.union.electronic import record as rec
from mandate.union.electronic import services as es
from mandate.union.electronic.models import Election, ElectionTrustee, RecordEvent
from mandate.union.models import Ballot
from mandate.union.views._common import _appointed, _ballot, _refusals_as_messages, _valid

TRUSTEE_PAGE_ROLES = ("trustee", "scrutineer")
PAGE = 100  # tracking codes a page on the bulletin board
KIND_WORDS = {"strike": "Strike", "action_short_of_strike": "Action short of a strike"}


class ElectionForm(forms.Form):
    trustees = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), max_length=2000,
        help_text="The trustees' accounts, one a line, trustee 1 first: the scrutineer and the people the union "
                  "names. Each signs in with their own account and two-factor sign-in.")
    threshold = forms.IntegerField(min_value=1, max_value=50, help_text="How many trustees must take part to "
                                                                        "decrypt the count (k of n).")
    credential_authority = forms.CharField(
        max_length=64, min_length=64, help_text="The credential authority's public key: 64 hexadecimal digits, as "
                                                "`mandate credentials authority` prints it.")
    security_assessment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                                          help_text="The written security assessment, or where it is kept.")
    security_assessment_by = forms.CharField(max_length=200, label="Assessment made by")
    security_assessment_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}),
                                             label="Assessment made on")
    personal_channels_only = forms.BooleanField(
        required=False, label="Credentials go only to members' personal email or personal mobile, never to a "
                              "work address or phone")

    def clean_security_assessment_on(self) -> date:
        day: date = self.cleaned_data["security_assessment_on"]
        if day > date.today():
            raise forms.ValidationError("Assessment made on: the assessment is recorded once it has been made, "
                                        "not for a future date.")
        return day


class UploadForm(forms.Form):
    file = forms.FileField(help_text="commit-N.json, reveal-N.json or decryption-N.json (a trustee); "
                                     "credentials.json (the credential authority). Never a .secret file.")
    revoke = forms.CharField(required=False, max_length=64 * 50 + 100, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="A re-issued list only: the old public credentials it replaces, one a line.")


def _election(b: Ballot) -> Election | None:
    return Election.objects.filter(ballot=b).first()


def _trustee_status(e: Election) -> list[dict[str, Any]]:
    done: dict[int, set[str]] = {}
    for kind, payload in RecordEvent.objects.filter(
            election=e, kind__in=("dkg_commit", "dkg_reveal", "decryption_share")).values_list("kind", "payload"):
        import json

        done.setdefault(json.loads(payload)["trustee"], set()).add(kind)
    return [{"index": t.index, "username": t.username, "committed": "dkg_commit" in done.get(t.index, set()),
             "revealed": "dkg_reveal" in done.get(t.index, set()),
             "decrypted": "decryption_share" in done.get(t.index, set())}
            for t in ElectionTrustee.objects.filter(election=e)]


@role_required("union_official", "branch_rep", "scrutineer", "trustee")
def election(request: HttpRequest, pk: int) -> HttpResponse:
    """The electronic ballot's set-up: the rulebook's conditions, who cannot be reached, the trustees and where the
    key ceremony stands; officials make the election record here once the notices are out."""
    b = _ballot(request, pk)
    if b.voting_method != "electronic":
        raise Http404("not an electronic ballot")
    is_trustee = ElectionTrustee.objects.filter(election__ballot=b, username=request.user.get_username()).exists()
    if not (has_role(request.user, "union_official", "branch_rep") or _appointed(request, b) or is_trustee):
        raise PermissionDenied("Only the union's staff, the ballot's scrutineer and its trustees open this page.")
    e = _election(b)
    official = has_role(request.user, "union_official")
    form = ElectionForm(request.POST or None, initial={"threshold": 3, "personal_channels_only": True})
    if request.method == "POST":
        if not official:
            raise PermissionDenied("Only an official of the union sets up the election record.")
        with _refusals_as_messages(request):
            d = _valid(form)
            es.create_election(b, trustees=d["trustees"].splitlines(), threshold=d["threshold"],
                               credential_authority=d["credential_authority"].strip().lower(),
                               security_assessment=d["security_assessment"],
                               security_assessment_by=d["security_assessment_by"],
                               security_assessment_on=d["security_assessment_on"],
                               personal_channels_only=d["personal_channels_only"], actor=request.user)
            messages.success(request, "The election record is made: the trustees can begin the key ceremony.")
            return redirect("union:election", pk=b.pk)
    conditions = rules.method_requirements("electronic", b.opening_day, entitled=b.electors.count())
    unmet = {c["id"] for c in es.unmet(b, e)} if e else {c["id"] for c in es.unmet(b)}
    return render(request, "union/electronic/election.html", {
        "ballot": b, "election": e, "form": form, "official": official, "conditions": conditions,
        "unmet": unmet, "unreachable": len(es.unreachable(b)),
        "trustees": _trustee_status(e) if e else [],
        "can_setup": official and e is None and lifecycle.allowed(b, "setup_election", request.user),
        "warnings": rules.plain_warnings(conditions.get("warnings"))})


@role_required("union_official")
def unreachable(request: HttpRequest, pk: int) -> HttpResponse:
    """The members an electronic ballot cannot reach (no personal email, no mobile): a page, and a CSV with
    ?format=csv. Personal data: each opening is logged."""
    b = _ballot(request, pk)
    rows = es.unreachable(b)
    record(request.user, "ballot.unreachable_listed", "Ballot", b.pk, members=len(rows),
           format=request.GET.get("format", "html"))
    if request.GET.get("format") == "csv":
        buf = io.StringIO()
        w = csv_writer(buf)
        w.writerow(["membership_number", "name", "unit", "workplace"])
        w.writerows([r["membership_number"], r["name"], r["unit"], r["workplace"]] for r in rows)
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{b.code}-unreachable.csv"'
        response["Cache-Control"] = "no-store"
        return response
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    response = render(request, "union/electronic/unreachable.html", {"ballot": b, "page": page, "total": len(rows)})
    response["Cache-Control"] = "no-store"
    return response


NEXT = {
    "commit": "mandate trustee keygen --record record.jsonl --index {i} --dir .",
    "reveal": "mandate trustee reveal --record record.jsonl --secret trustee-{i}.secret --dir .",
    "finish": "mandate trustee finish --record record.jsonl --secret trustee-{i}.secret inbox/share-*.secret",
    "decrypt": "mandate trustee decrypt --record record.jsonl --secret trustee-{i}.secret --dir .",
}


@role_required(*TRUSTEE_PAGE_ROLES)
def trustee(request: HttpRequest, pk: int) -> HttpResponse:
    """A trustee's page (and the credential authority's, for the scrutineer): what to keep and how, what to run
    next on their own machine, and the upload of what that wrote for publication."""
    b = _ballot(request, pk)
    e = _election(b)
    if e is None:
        raise Http404("no election record")
    me = ElectionTrustee.objects.filter(election=e, username=request.user.get_username()).first()
    authority = _appointed(request, b)
    if me is None and not authority:
        raise PermissionDenied("Only this ballot's trustees and its scrutineer open this page.")
    form = UploadForm(request.POST or None, request.FILES or None)
    if not authority:
        del form.fields["revoke"]  # the credential authority's field only
    if request.method == "POST":
        with _refusals_as_messages(request):
            d = _valid(form)
            upload = d["file"]
            too_large = upload_too_large(upload, es.MAX_CREDENTIALS_UPLOAD)
            if too_large:
                raise es.ElectronicError(too_large)
            data = upload.read()
            obj = es.read_upload(data, limit=es.MAX_CREDENTIALS_UPLOAD)
            if es.message_kind(obj) == "credentials":
                ev = es.upload_credentials(e, obj, actor=request.user, revoke=d.get("revoke", "").split())
                messages.success(request, f"The signed list is in the record (event {ev.seq}).")
            else:
                events = es.upload_trustee_message(e, obj, actor=request.user)
                messages.success(request, "In the record: " + ", ".join(
                    f"event {ev.seq} ({ev.kind.replace('_', ' ')})" for ev in events) + ".")
            return redirect("union:trustee", pk=b.pk)
    status = {t["index"]: t for t in _trustee_status(e)}
    mine = status.get(me.index) if me else None
    b.refresh_from_db()
    if mine is None:
        step = ""
    elif not mine["committed"]:
        step = "commit"
    elif not mine["revealed"]:
        step = "reveal"
    elif b.stage == "closed" and not mine["decrypted"]:
        step = "decrypt"
    elif not e.fingerprint:
        step = "wait"
    else:
        step = "finish" if b.stage in ("notices_issued", "papers_issued") else "wait"
    return render(request, "union/electronic/trustee.html", {
        "ballot": b, "election": e, "me": me, "authority": authority, "form": form, "step": step,
        "command": NEXT.get(step, "").format(i=me.index if me else "N"), "trustees": list(status.values()),
        "record_url": _record_url(b), "listed": e.credentials.count()})


def _record_url(b: Ballot) -> str:
    from django.urls import reverse

    return reverse("board:record", kwargs={"union": b.union.code, "ballot": b.code})


def turnout(request: HttpRequest, b: Ballot) -> HttpResponse:
    """Turnout of an electronic ballot as ballots arrive (the union's turnout page calls this): per unit, how many
    members have cast a ballot so far. Never who, never how."""
    e = _election(b)
    rows = es.turnout(e) if e else []
    return render(request, "union/electronic/turnout.html", {
        "ballot": b, "election": e, "rows": rows, "threshold": rules.turnout_threshold(b),
        "total_entitled": sum(r["entitled"] for r in rows), "total_voted": sum(r["voted"] for r in rows)})


# ---------------------------------------------------------------------------------------------------------------
# The bulletin board: public, no sign-in
# ---------------------------------------------------------------------------------------------------------------


def _public_election(union: str, ballot: str) -> Election:
    e = Election.objects.select_related("ballot", "ballot__union").filter(
        ballot__union__code=union, ballot__code=ballot).first()
    if e is None:
        raise Http404("no such electronic ballot")
    return e


def public(view: Any) -> Any:
    """A page anyone may open without signing in (the bulletin board): it shows only what the record publishes."""
    view.mandate_public = True
    return view


@public
@require_GET
def board(request: HttpRequest, union: str, ballot: str) -> HttpResponse:
    e = _public_election(union, ballot)
    code = (request.GET.get("code") or "").strip().lower()
    checked = None
    if code:
        found = es.find_tracking_code(e, code)
        checked = {"code": code, "found": found is not None, "seq": found.seq if found else None,
                   "kind": found.kind if found else None,
                   "valid": len(code) == 64 and all(c in "0123456789abcdef" for c in code)}
    codes = RecordEvent.objects.filter(election=e, kind__in=("ballot", "challenge")).order_by("seq").values(
        "seq", "kind", "tracking_code")
    page = Paginator(codes, PAGE).get_page(request.GET.get("page"))
    manifest = rec.payload_of(RecordEvent.objects.get(election=e, seq=0))
    result = RecordEvent.objects.filter(election=e, kind="result").first()
    units = {u["id"]: u["name"] for u in manifest["units"]}
    questions = {q["id"]: KIND_WORDS.get(q["id"], q["id"]) for q in manifest["questions"]}
    results = [{**r, "unit_name": units.get(r["unit"], r["unit"]), "question_words": questions.get(r["question"])}
               for r in rec.payload_of(result)["results"]] if result else None
    return render(request, "union/electronic/board.html", {
        "election": e, "ballot": e.ballot, "manifest": manifest, "page": page, "checked": checked,
        "rows": es.turnout(e), "results": results,
        "ended": RecordEvent.objects.filter(election=e, kind="end_of_voting").exists(),
        "record_url": _record_url(e.ballot), "verification": e.verification})


@public
@require_GET
def record_file(request: HttpRequest, union: str, ballot: str) -> StreamingHttpResponse:
    e = _public_election(union, ballot)
    response = StreamingHttpResponse(rec.lines(e), content_type="application/jsonl; charset=us-ascii")
    response["Content-Disposition"] = f'attachment; filename="{union}-{ballot}-record.jsonl"'
    response["X-Record-Head"] = rec.head(e)
    return response
