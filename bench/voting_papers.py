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

Then stamping alone at ``--large`` papers (the goal: 180,000 in under 60 s on two cores, under 1 GiB peak), and
replacement papers (``render_replacement_papers``, ``--replacements`` of them, new numbers after the print run).

Checked page by page, after the timing (not counted): every page of every PDF has its text extracted (pypdf up
to 20,000 pages, PDFium beyond, which is faster): each paper carries its own number and no member's name, each
address sheet its member's name and the paper's number (and "replacement" for replacements). Pages of both units
of the stamped papers are rendered to images by PDFium and compared with the same papers as WeasyPrint rendered
them (the peer's PDF): outside the number's and the barcode's boxes, the share of pixels that differ.
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
    parent = os.environ.get("MANDATE_DATA_DIR")
    if parent:
        Path(parent).mkdir(parents=True, exist_ok=True)
    os.environ["MANDATE_DATA_DIR"] = tempfile.mkdtemp(prefix="mandate-bench-", dir=parent)  # a fresh database
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


def _page_texts(path: Path, n: int, every: int) -> Any:
    """(index, text) of every `every`-th page and the last: pypdf up to 20,000 pages, PDFium beyond (pypdf takes
    about 20 ms a page, PDFium 1 ms)."""
    if n <= 20_000:
        from pypdf import PdfReader

        pages = PdfReader(path).pages
        assert len(pages) == n, (len(pages), n)
        yield from ((k, pages[k].extract_text()) for k in sorted({*range(0, n, every), n - 1}))
        return
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    assert len(document) == n, (len(document), n)
    try:
        for k in sorted({*range(0, n, every), n - 1}):
            page = document[k]
            textpage = page.get_textpage()
            yield k, textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        document.close()


def check_pages(papers: Path, sheets: Path | None, n: int, first: int = 1, replacement: bool = False,
                every: int = 1) -> int:
    """Every page (or every `every`-th and the last): the paper's own number and no member's name on the paper;
    the member's name and the number on the sheet. Returns the pages checked."""
    count = 0
    for i, text in _page_texts(papers, n, every):
        k = first + i
        lines = text.split()
        assert "Paper No." in " ".join(lines[:3]) and str(k) in lines, (k, text[:80])
        assert "Member" not in text and "Station Road" not in text, k
        count += 1
    if sheets is not None:
        for i, text in _page_texts(sheets, n, every):
            k = first + i
            flat = " ".join(text.split())
            assert f"Member {k} Surname" in flat and f"{k} Station Road" in flat and text.split()[-1] == str(k), \
                (k, flat[-80:])
            assert ("Your replacement voting paper" in flat) == replacement, k
            count += 1
    return count


SCALE = 2.0  # pixels a PDF point


def compare_images(stamped: Path, refs: dict[int, Path], boxes: dict[str, list[list[float]]]) -> dict[str, Any]:
    """Render pages of the stamped papers, and the same papers laid out one by one by WeasyPrint (the renderer
    before stamping), with PDFium; outside the number's and barcode's boxes, the share of pixels differing by more
    than 8 grey levels (of 255)."""
    import pypdfium2 as pdfium
    from PIL import ImageChops

    a = pdfium.PdfDocument(stamped)
    worst = inside = 0.0
    for k, ref in refs.items():
        b = pdfium.PdfDocument(ref)
        unit = "Newport" if k % 3 else "Titchfield"
        x, y = a[k - 1].render(scale=SCALE).to_pil().convert("L"), b[0].render(scale=SCALE).to_pil().convert("L")
        b.close()
        inside = max(inside, sum(ImageChops.difference(x, y).histogram()[9:]) / (x.size[0] * x.size[1]))
        assert x.size == y.size, (x.size, y.size)
        height = x.size[1] / SCALE
        for left, bottom, right, top in boxes[unit]:
            crop = (round(left * SCALE), round((height - top - 3) * SCALE), round(right * SCALE),
                    round((height - bottom + 3) * SCALE))
            x.paste(255, crop)
            y.paste(255, crop)
        hist = ImageChops.difference(x, y).histogram()
        worst = max(worst, sum(hist[9:]) / (x.size[0] * x.size[1]))
    a.close()
    return {"pages_compared": sorted(refs), "worst_share_of_pixels_differing": round(worst, 6),
            "worst_share_with_the_boxes": round(inside, 6)}


def _usage() -> tuple[Any, Any]:
    return resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)


def child(kind: str, n: int, out_dir: Path) -> dict[str, Any]:
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
        (out_dir / "peer.pdf").write_bytes(pdf)
        papers_path, sheets_path = out_dir / "peer.pdf", None
    elif kind == "replace":
        new = [docs.PaperFor(p.number + 1_000_000, p.unit, f"Member {p.number + 1_000_000} Surname",
                             f"{p.number + 1_000_000} Station Road\nNewport\nNP10 1XG") for p in _papers(n)]
        docs.render_replacement_papers(ballot, new[:1])  # warm-up
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        pdf, sheets = docs.render_replacement_papers(ballot, new)
        wall, self_, kids = time.perf_counter() - t0, *_usage()
        sheets_size = len(sheets)
        papers_path, sheets_path = out_dir / "replace.pdf", out_dir / "replace-sheets.pdf"
        papers_path.write_bytes(pdf)
        sheets_path.write_bytes(sheets)
    else:
        docs.render_papers(ballot, _papers(1), io.BytesIO(), io.BytesIO())  # warm-up
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        papers_path, sheets_path = out_dir / f"stamp-{n}.pdf", out_dir / f"stamp-{n}-sheets.pdf"
        with papers_path.open("wb") as papers_file, sheets_path.open("wb") as sheets_file:
            assert docs.render_papers(ballot, _papers(n), papers_file, sheets_file) == n
            papers_file.flush()
            sheets_file.flush()
            wall, self_, kids = time.perf_counter() - t0, *_usage()
            sheets_size = sheets_file.tell()
            papers_size = papers_file.tell()
        pdf = b""
    cpu = self_.ru_utime + self_.ru_stime - c0.ru_utime - c0.ru_stime + kids.ru_utime + kids.ru_stime
    load = os.getloadavg()[0]
    t1 = time.perf_counter()
    first = 1_000_001 if kind == "replace" else 1
    checked = check_pages(papers_path, sheets_path, n, first, replacement=kind == "replace",
                          every=int(os.environ.get("BENCH_LARGE_CHECK_EVERY" if n > 20_000 else "BENCH_CHECK_EVERY",
                                                   "1")))
    out = {"kind": kind, "papers": n, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
           "peak_rss_gib": round(max(self_.ru_maxrss, kids.ru_maxrss) / 2**20, 3),
           "papers_pdf_mb": round((len(pdf) or papers_size) / 1e6, 2),
           "sheets_pdf_mb": round(sheets_size / 1e6, 2) if sheets_size else None,
           "load_average": round(load, 1), "pages_checked": checked,
           "check_s": round(time.perf_counter() - t1, 1)}
    if kind == "stamp":
        boxes = {}
        ctx = {**docs._paper_context(ballot), "union": ballot.union, "ballot": ballot, "replacement": False}
        for unit in ("Newport", "Titchfield"):
            from mandate.platform.pdf import render_template

            a = render_template(render_to_string("union/docs/voting_papers.html", {
                **ctx, "title": "Voting paper", "papers": [{"number": "", "unit": unit}]}), docs.PAPER_CSS).anchors[0]
            boxes[unit] = [[b.left, b.bottom, b.right, b.top] for b in (a["stamp-number"], a["stamp-code"])]
        out["boxes"] = boxes
        if n <= 20_000:  # the same papers laid out one by one by WeasyPrint, for the image comparison
            from mandate.platform.pdf import html_to_pdf as weasy

            for k in sorted({1, 2, 3, n // 2, n // 2 + 1, n}):
                unit = "Newport" if k % 3 else "Titchfield"
                (out_dir / f"ref-{k}.pdf").write_bytes(weasy(render_to_string("union/docs/voting_papers.html", {
                    **ctx, "title": "Voting papers", "papers": [{"number": k, "unit": unit}]}), NO_PAGE_NUMBERS_CSS))
            out["refs"] = sorted({1, 2, 3, n // 2, n // 2 + 1, n})
    if n > 20_000:  # the big files are not kept
        papers_path.unlink()
        if sheets_path:
            sheets_path.unlink()
    return out


def run_child(kind: str, n: int, out_dir: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--papers", str(n), "--out", str(out_dir)],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"the {kind} child failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--large", type=int, default=180_000, help="0 to skip")
    ap.add_argument("--check-every", type=int, default=1,
                    help="check every page (1), or every n-th and the last (on a loaded machine: pypdf takes 20 ms a page)")
    ap.add_argument("--large-check-every", type=int, default=1,
                    help="check every page of the large run (1), or every n-th and the last")
    ap.add_argument("--replacements", type=int, default=500, help="replacement papers (0 to skip)")
    ap.add_argument("--child", choices=["peer", "stamp", "replace"])
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.papers, args.out)))
        return
    out_dir = Path(tempfile.mkdtemp(prefix="mandate-papers-"))
    os.environ["BENCH_CHECK_EVERY"] = str(args.check_every)
    os.environ["BENCH_LARGE_CHECK_EVERY"] = str(args.large_check_every)
    peer = run_child("peer", args.papers, out_dir)
    stamp = run_child("stamp", args.papers, out_dir)
    n = args.papers
    refs = {k: out_dir / f"ref-{k}.pdf" for k in stamp.pop("refs")}
    stamp["images"] = compare_images(out_dir / f"stamp-{n}.pdf", refs, stamp.pop("boxes"))
    assert stamp["images"]["worst_share_of_pixels_differing"] < 0.001, stamp["images"]
    result: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                   f"{platform.platform()}",
        "peer": peer, "stamp": stamp,
        "ratio_wall": round(peer["wall_s"] / stamp["wall_s"], 1),
        "ratio_cpu": round(peer["cpu_s"] / stamp["cpu_s"], 1),
    }
    if args.replacements:
        result["replacements"] = run_child("replace", args.replacements, out_dir)
    if args.large:
        result["large"] = run_child("stamp", args.large, out_dir)
        result["large"].pop("boxes", None)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
