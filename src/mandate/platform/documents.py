"""Documents: render a template to HTML and a real PDF (WeasyPrint), and keep it with its dates.

A wing calls `issue_document(...)` to produce a notice, result, report or evidence pack. The PDF is rendered
from the same HTML, so what a person sees on screen and what is sent are the same words.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.template.loader import render_to_string

from mandate.platform.models import Document
from mandate.platform.pdf import html_to_pdf

__all__ = ["html_to_pdf", "issue_document", "render_html"]


def render_html(template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, context)


def issue_document(
    *,
    kind: str,
    title: str,
    template: str,
    context: dict[str, Any],
    issued_by_side: str,
    issued_by_scope: str,
    addressed_to_scope: str = "",
    sent_on: date | None = None,
    received_on: date | None = None,
    related: Any = None,
    with_pdf: bool = True,
) -> Document:
    html = render_html(template, context)
    pdf = html_to_pdf(html) if with_pdf else None
    return Document.objects.create(
        kind=kind,
        title=title,
        issued_by_side=issued_by_side,
        issued_by_scope=issued_by_scope,
        addressed_to_scope=addressed_to_scope,
        html=html,
        pdf=pdf,
        sha256=hashlib.sha256(html.encode()).hexdigest(),
        sent_on=sent_on,
        received_on=received_on,
        related_type=type(related).__name__ if related is not None else "",
        related_id=str(getattr(related, "pk", "") or ""),
    )
