"""Benchmark: voting papers by stamping against the present renderer, in the same run.

    .venv/bin/python bench/voting_papers.py [--papers 2000] [--large 180000]

Two ballot units, two questions and the statutory statement, as ``issue_voting_papers`` makes them; each
measurement runs in a fresh child process (wall time, CPU time, peak RSS from ``getrusage``) after one warm-up
render in that process (WeasyPrint imported and its fonts found, as in a running server):

- the peer, the renderer before stamping: every paper laid out by WeasyPrint, in parts on every core (spawned
  processes), joined with pypdf (``html_parts_to_pdf``, as ``issue_voting_papers`` did), papers only;
- stamping: each unit's paper and the address sheet laid out once by WeasyPrint, each paper's number and
  barcode and each sheet's name, address and number stamped (``render_papers``), papers and sheets written
  to temporary files as they are made.

Then stamping alone at ``--large`` papers (the goal: 180,000 in under 60 s on two cores, under 1 GiB peak).
Every PDF is read back with pypdf: its page count, and the number on its first, middle and last page.
Runs against a fresh SQLite database in a temporary folder. Prints JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any


def _setup() -> Any:
    """A union, an employer with two workplaces, and a ballot with two questions (an empty electorate: the
    papers are given to the renderer directly, so the figures are the renderer's, not the database's)."""
    tmp = tempfile.mkdtemp(prefix="mandate-bench-")
    os.environ.setdefault("MANDATE_DATA_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mandate.platform.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from mandate.union import ballots as svc
    from mandate.union.models import Dispute, Employer, Union, Workplace

    union = Union.objects.create(code="pcs", name="Public and Commercial Services Union")
    ons = Employer.objects.create(union=union, code="ons", name="Office for National Statistics")
    for code in ("newport", "titchfield"):
        Workplace.objects.create(employer=ons, code=code, name=code.title())
    dispute = Dispute.objects.create(union=union, code="d", title="Office attendance", matters="The 40% rule.",
                                     opened_on=date(2026, 4, 1))
    return svc.create_ballot(union, dispute, code="b", title="Industrial action ballot: office attendance",
                             opening_day=date(2026, 11, 2), closing_day=date(2026, 11, 23), employers=[ons],
                             questions={"strike": {}, "action_short_of_strike": {"action_types": ["Overtime ban"]}},
                             scrutineer_name="Civica Election Services",
                             return_address="Freepost RTHA-XYZ, Civica Election Services, London")


def _papers(n: int) -> Any:
    from mandate.union.documents import PaperFor

    for i in range(1, n + 1):
        yield PaperFor(i, "Newport" if i % 3 else "Titchfield", f"Member {i} Surname",
                       f"{i} Station Road\nNewport\nNP10 {i % 9}XG")


def _check(pdf: bytes, n: int) -> None:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == n, (len(pages), n)
    for k in {1, (n + 1) // 2, n}:
        text = pages[k - 1].extract_text()
        assert text.split("\n")[-1] == str(k) or f"Paper No. {k}" in text, (k, text[-40:])


def _usage() -> tuple[Any, Any]:
    return resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)


def child(kind: str, n: int) -> dict[str, Any]:
    ballot = _setup()
    from django.template.loader import render_to_string

    from mandate.platform.pdf import NO_PAGE_NUMBERS_CSS, html_parts_to_pdf, html_to_pdf
    from mandate.union import documents as docs

    papers_size = 0
    if kind == "peer":
        ctx = {**docs._paper_context(ballot), "union": ballot.union, "ballot": ballot, "title": "Voting papers"}
        papers = [{"number": p.number, "unit": p.unit} for p in _papers(n)]
        html_to_pdf(render_to_string("union/docs/voting_papers.html", {**ctx, "papers": papers[:1]}))  # warm-up
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        size = max(100, -(-len(papers) // (2 * (os.cpu_count() or 1))))  # as issue_voting_papers sized parts
        parts = [render_to_string("union/docs/voting_papers.html", {**ctx, "papers": papers[i:i + size]})
                 for i in range(0, len(papers), size)]
        pdf = html_parts_to_pdf(parts, NO_PAGE_NUMBERS_CSS)
        wall, self_, kids = time.perf_counter() - t0, *_usage()
        sheets_size = 0
    else:
        docs.render_papers(ballot, _papers(1), io.BytesIO(), io.BytesIO())  # warm-up
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        with tempfile.TemporaryFile() as papers_file, tempfile.TemporaryFile() as sheets_file:
            assert docs.render_papers(ballot, _papers(n), papers_file, sheets_file) == n
            papers_file.flush()
            sheets_file.flush()
            wall, self_, kids = time.perf_counter() - t0, *_usage()
            sheets_size = sheets_file.tell()
            papers_file.seek(0)
            pdf = papers_file.read() if n <= 20_000 else b""
            if not pdf:  # too long to read back with pypdf in reasonable time: PDFium counts and reads
                import pypdfium2 as pdfium

                papers_file.seek(0)
                document = pdfium.PdfDocument(papers_file)
                assert len(document) == n, len(document)
                for k in (1, n):
                    text = document[k - 1].get_textpage().get_text_range()
                    assert f"Paper No. {k}" in " ".join(text.split()) or text.rstrip().endswith(str(k)), text[-60:]
                papers_size = papers_file.seek(0, 2)
    cpu = self_.ru_utime + self_.ru_stime - c0.ru_utime - c0.ru_stime + kids.ru_utime + kids.ru_stime
    out = {"kind": kind, "papers": n, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
           "peak_rss_gib": round(max(self_.ru_maxrss, kids.ru_maxrss) / 2**20, 3),
           "papers_pdf_mb": round((len(pdf) or papers_size) / 1e6, 2),
           "sheets_pdf_mb": round(sheets_size / 1e6, 2) if sheets_size else None,
           "load_average": round(os.getloadavg()[0], 1)}
    if pdf:
        _check(pdf, n)
    return out


def run_child(kind: str, n: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--papers", str(n)], env=env, check=True,
                          capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--large", type=int, default=180_000, help="0 to skip")
    ap.add_argument("--child", choices=["peer", "stamp"])
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.papers)))
        return
    peer = run_child("peer", args.papers)
    stamp = run_child("stamp", args.papers)
    result: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                   f"{platform.platform()}",
        "peer": peer, "stamp": stamp,
        "ratio_wall": round(peer["wall_s"] / stamp["wall_s"], 1),
        "ratio_cpu": round(peer["cpu_s"] / stamp["cpu_s"], 1),
    }
    if args.large:
        result["large"] = run_child("stamp", args.large)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
