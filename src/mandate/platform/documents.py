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

PRINT_CSS = """
@page { size: A4; margin: 20mm 18mm; @bottom-right { content: "Page " counter(page) " of " counter(pages);
        font-size: 8pt; color: #444; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.4; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; } table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #999; padding: 3pt 4pt; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; } .page-break { page-break-after: always; }
.statement { border: 1.5pt solid #000; padding: 6pt; font-weight: bold; }
"""


def render_html(template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, context)


def html_to_pdf(html: str, extra_css: str = "") -> bytes:
    """Render HTML to PDF bytes with WeasyPrint (fonts from the system; no network fetches)."""
    from weasyprint import CSS, HTML

    stylesheets = [CSS(string=PRINT_CSS + extra_css)]
    return HTML(string=html, base_url=None).write_pdf(stylesheets=stylesheets)


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
