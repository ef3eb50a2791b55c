"""Benchmark: the voting papers of a 1,150-member ballot (PCS at the demo ONS) as one print-ready PDF, rendered
in parts on every core and joined with pypdf (what ``issue_voting_papers`` does), against one WeasyPrint pass
over the same HTML, in the same run.

    .venv/bin/python bench/voting_papers.py [--papers 1150]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import time

import django


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=1150)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mandate.platform.settings")
    django.setup()
    from django.template.loader import render_to_string
    from pypdf import PdfReader

    from mandate.platform.pdf import NO_PAGE_NUMBERS_CSS, html_parts_to_pdf, html_to_pdf
    from mandate.union.documents import PAPERS_PER_PART

    questions = [{"kind": "strike", "text": "Are you prepared to take part in a strike?"},
                 {"kind": "action_short_of_strike", "text": "Are you prepared to take part in action short of a "
                                                            "strike?", "action_type_list": ["Overtime ban"]}]
    ctx = {"union": {"name": "Public and Commercial Services Union"}, "questions": questions,
           "ballot": {"title": "Industrial action ballot: office attendance", "closing_day": None,
                      "return_address": "Freepost RTHA-XYZ, Civica Election Services, London",
                      "caller": "The General Secretary"},
           "statement": "If you take part in a strike or other industrial action, you may be in breach of your "
                        "contract of employment. However, if you are dismissed for taking part in strike or other "
                        "industrial action which is called officially and is otherwise lawful, the dismissal will "
                        "be unfair.", "title": "Voting papers"}
    papers = [{"number": n, "name": f"Member {n}", "address": f"{n} Station Road\nNewport\nNP10 8XG",
               "unit": "Newport"} for n in range(1, args.papers + 1)]
    tpl = "union/docs/voting_papers.html"
    html = render_to_string(tpl, {**ctx, "papers": papers})
    size = max(PAPERS_PER_PART, -(-len(papers) // (2 * (os.cpu_count() or 1))))
    parts = [render_to_string(tpl, {**ctx, "papers": papers[i:i + size]}) for i in range(0, len(papers), size)]
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    t = time.perf_counter()
    one = html_to_pdf(html, NO_PAGE_NUMBERS_CSS)
    single = time.perf_counter() - t
    t = time.perf_counter()
    joined = html_parts_to_pdf(parts, NO_PAGE_NUMBERS_CSS)
    parallel = time.perf_counter() - t
    n1 = len(PdfReader(io.BytesIO(one)).pages)
    n2 = len(PdfReader(io.BytesIO(joined)).pages)
    assert n1 == n2 == len(papers), (n1, n2)
    print(f"{len(papers):,} papers: one WeasyPrint pass {single:.1f} s; {len(parts)} parts on "
          f"{os.cpu_count()} cores joined with pypdf {parallel:.1f} s; speed-up {single / parallel:.2f}x; "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
