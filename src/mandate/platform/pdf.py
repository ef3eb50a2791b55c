"""HTML to PDF with WeasyPrint; a long print run rendered in parallel and joined with pypdf, or stamped.

No Django import: the parallel workers start fresh (``spawn``, safe beside a threaded web server) and import
only this module.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from array import array
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from multiprocessing import get_context
from typing import BinaryIO, cast

PRINT_CSS = """
@page { size: A4; margin: 20mm 18mm; @bottom-right { content: "Page " counter(page) " of " counter(pages);
        font-size: 8pt; color: #444; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.4; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; } table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #999; padding: 3pt 4pt; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; } .page-break { page-break-after: always; }
.statement { border: 1.5pt solid #000; padding: 6pt; font-weight: bold; }
"""

# For documents whose pages stand alone (a voting paper each): no "page n of N" in the margin, which would
# restart in each part of a parallel render and means nothing on a paper sent to one member.
NO_PAGE_NUMBERS_CSS = "@page { @bottom-right { content: none; } }"


def html_to_pdf(html: str, extra_css: str = "", *, tagged: bool = False) -> bytes:
    """Render HTML to PDF bytes with WeasyPrint (fonts from the system; no network fetches). `tagged`: a
    tagged PDF (structure tree, MarkInfo, the document's language) that screen readers can follow."""
    from weasyprint import CSS, HTML

    stylesheets = [CSS(string=PRINT_CSS + extra_css)]
    return HTML(string=html, base_url=None).write_pdf(stylesheets=stylesheets, pdf_tags=tagged)


def html_parts_to_pdf(parts: Sequence[str], extra_css: str = "", workers: int | None = None) -> bytes:
    """Several HTML documents as one PDF, their pages in order: rendered one part a process (every core by
    default), then joined with pypdf. Page counters restart in each part, so give ``NO_PAGE_NUMBERS_CSS`` (or
    parts that show none)."""
    from pypdf import PdfReader, PdfWriter

    render = partial(html_to_pdf, extra_css=extra_css)
    workers = min(len(parts), workers or os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            pdfs = list(pool.map(render, parts))
    else:
        pdfs = [render(part) for part in parts]
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Stamping: a page laid out once by WeasyPrint, reused by many pages that each add a few fields of their own.
#
# A print run of 180,000 voting papers differs from page to page only in the paper's number and its barcode (and,
# on the address sheets, a name and an address). Laying out every page costs WeasyPrint about 17 ms; here the
# template is laid out once, its page becomes one form XObject (its fonts, as WeasyPrint embedded them, written
# once), and each page of the run is a short content stream: draw the form, then the page's own text and bars.
#
# The writer is this module's own because neither maintained PDF library streams: pypdf's PdfWriter and
# pikepdf (qpdf) both hold every object until the document is written whole, so memory grows with the print
# run. pypdf parses the template and serialises its objects (renumbered) into the output; the writer writes each
# page as soon as it is made and keeps only the byte offset of each object for the cross-reference table
# (8 bytes an object). The stamped text uses DejaVu Sans, the face the templates are set in, embedded whole
# once per file (a CIDFontType2 with Identity-H encoding, with the widths and a ToUnicode map of the glyphs
# used, so text extracts); the barcodes are vector rectangles.
# ---------------------------------------------------------------------------------------------------------------

_DARK = re.compile("1+")
PX = 0.75  # one CSS pixel (1/96 in) in PDF points (1/72 in)
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}  # bold: False / True


@dataclass(frozen=True)
class Box:
    """A rectangle on a PDF page, in points from the bottom-left corner."""

    left: float
    bottom: float
    right: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass(frozen=True)
class Template:
    """A document rendered once by WeasyPrint: its PDF, and per page the boxes of the elements that have an
    ``id`` (WeasyPrint's anchors), where the stamped fields go."""

    pdf: bytes
    anchors: tuple[dict[str, Box], ...]


@dataclass(frozen=True)
class Text:
    """One line of text whose baseline starts at (x, y); cut with an ellipsis where wider than max_width."""

    x: float
    y: float
    size: float
    text: str
    bold: bool = False
    max_width: float | None = None


@dataclass(frozen=True)
class Bars:
    """A one-dimensional barcode: ``modules`` is a string of '1' (dark) and '0' (light), each ``module`` points
    wide, drawn from (x, y) upwards ``height`` points."""

    x: float
    y: float
    module: float
    height: float
    modules: str


def render_template(html: str, extra_css: str = "") -> Template:
    """Lay out HTML once with WeasyPrint (the print styles of every document): the PDF and its anchors."""
    from weasyprint import CSS, HTML

    document = HTML(string=html, base_url=None).render(stylesheets=[CSS(string=PRINT_CSS + extra_css)])
    anchors = []
    for page in document.pages:
        height = page.height * PX
        anchors.append({name: Box(x0 * PX, height - y1 * PX, x1 * PX, height - y0 * PX)
                        for name, (x0, y0, x1, y1) in page.anchors.items()})
    return Template(document.write_pdf(), tuple(anchors))


def code128(text: str) -> str:
    """The modules of a Code 128 barcode of ``text`` (python-barcode chooses the code set: an all-digit
    number is set C, two digits a symbol), without the quiet zones."""
    from barcode import Code128

    return cast(str, Code128(text).build()[0])


class _Lookup(dict[str, int]):
    """A character's glyph id or advance; a character the font lacks gets its .notdef glyph's."""

    def __init__(self, values: dict[str, int], missing: int) -> None:
        super().__init__(values)
        self.missing = missing

    def __missing__(self, key: str) -> int:
        return self.missing


@dataclass(frozen=True)
class _Font:
    """A face's metrics, read once a process: by character, its glyph id and its advance (thousandths of the
    em); by glyph id, its advance; and the FontDescriptor's entries but FontFile2."""

    name: str
    bold: bool
    gids: _Lookup
    advances: _Lookup
    widths: tuple[int, ...]
    descriptor: str

    def encode(self, text: str, used: dict[int, str]) -> bytes:
        """The glyph ids of ``text`` as a PDF hex string; records in ``used`` the glyphs drawn."""
        gids = list(map(self.gids.__getitem__, text))
        used.update(zip(gids, text, strict=True))
        return b"<" + struct.pack(f">{len(gids)}H", *gids).hex().encode() + b">"

    def width(self, text: str) -> int:
        return sum(map(self.advances.__getitem__, text))


def _font_path(file: str) -> str:
    for folder in FONT_DIRS:
        path = os.path.join(folder, file)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{file} (Debian package fonts-dejavu-core) is not installed")


@lru_cache(maxsize=4)
def _load_font(bold: bool) -> _Font:
    from fontTools.ttLib import TTFont

    font = TTFont(_font_path(FONT_FILES[bold]), lazy=True)
    scale = 1000 / font["head"].unitsPerEm
    order = font.getGlyphOrder()
    index = {name: i for i, name in enumerate(order)}
    hmtx = font["hmtx"]
    widths = tuple(round(hmtx[name][0] * scale) for name in order)
    gids = {chr(cp): index[name] for cp, name in font.getBestCmap().items()}
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    name = "DejaVuSans-Bold" if bold else "DejaVuSans"
    bbox = " ".join(str(round(v * scale)) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
    descriptor = (f"/Type/FontDescriptor/FontName/{name}/Flags 32/FontBBox[{bbox}]/ItalicAngle 0"
                  f"/Ascent {round(hhea.ascent * scale)}/Descent {round(hhea.descent * scale)}"
                  f"/CapHeight {round(getattr(os2, 'sCapHeight', 0) * scale) or 729}/StemV {120 if bold else 80}")
    return _Font(name, bold, _Lookup(gids, 0), _Lookup({ch: widths[g] for ch, g in gids.items()}, widths[0]),
                 widths, descriptor)


@lru_cache(maxsize=4)
def _font_file(bold: bool) -> tuple[bytes, int]:
    """The whole font file, compressed once a process (the same bytes go into every document)."""
    with open(_font_path(FONT_FILES[bold]), "rb") as f:
        raw = f.read()
    return zlib.compress(raw, 6), len(raw)


def fit(text: str, size: float, width: float, bold: bool = False) -> str:
    """``text`` cut to fit ``width`` points at ``size``, ending with an ellipsis where it was cut."""
    font = _load_font(bold)
    limit = width * 1000 / size
    if font.width(text) <= limit:
        return text
    limit -= font.width("\u2026")
    used = 0
    for end, advance in enumerate(map(font.advances.__getitem__, text)):
        used += advance
        if used > limit:
            return text[:end].rstrip() + "\u2026"
    return text


def wrap(text: str, size: float, width: float, lines: int, bold: bool = False) -> list[str]:
    """``text`` broken into at most ``lines`` lines of ``width`` points at its spaces (its own line breaks kept,
    CR, LF or CRLF), the last line cut with an ellipsis if it all does not fit."""
    font = _load_font(bold)
    limit = width * 1000 / size
    space = font.width(" ")
    out: list[str] = []
    for paragraph in text.splitlines():
        if len(out) < lines and font.width(paragraph) <= limit:
            if paragraph.strip():
                out.append(" ".join(paragraph.split()))
            continue
        line, used = "", 0
        for word in paragraph.split():
            if len(out) > lines:
                break
            w = font.width(word)
            if line and used + space + w > limit:
                out.append(line)
                line, used = word, w
            else:
                line, used = (f"{line} {word}", used + space + w) if line else (word, w)
        if line:
            out.append(line)
        if len(out) > lines:
            break
    if len(out) > lines:
        out = out[:lines - 1] + [out[lines - 1] + " \u2026"]
    return [fit(line, size, width, bold) for line in out]


class StampedPdfWriter:
    """Writes a PDF to a binary file as it goes: forms (template pages) once, then pages that each draw a form
    and their own stamps. Memory holds the offset of each object and the page numbers of the current branch of
    the page tree, never the pages already written."""

    BRANCH = 512  # pages under one intermediate node of the page tree

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._pos = 0
        self._offsets = array("Q", [0, 0, 0, 0])  # objects 1 catalog, 2 page tree root, 3 resources
        self._forms: list[int] = []  # object number of each form XObject
        self._fonts: dict[bool, _Font] = {}
        self._used: dict[bool, dict[int, str]] = {}  # glyph id -> a character it draws, by face
        self._font_objects: dict[bool, int] = {}
        self._branches: list[tuple[int, int]] = []  # (object number, page count) of each full branch
        self._branch_id = 0
        self._branch_pages: list[int] = []
        self.pages = 0
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    # -- low level ----------------------------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._pos += len(data)

    def _reserve(self) -> int:
        self._offsets.append(0)
        return len(self._offsets) - 1

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._pos
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _stream(self, number: int, entries: bytes, data: bytes, level: int = 6, small: bool = False) -> None:
        """A stream object, Flate-compressed at ``level`` (0: written as it is). ``small``: a stream of a few
        hundred bytes, compressed with a 512-byte window and little memory (zlib's default state is about
        256 KiB, set up at each call: most of the time of compressing a page's stamps)."""
        if small:
            compressor = zlib.compressobj(level, zlib.DEFLATED, 9, 2)
            data, entries = compressor.compress(data) + compressor.flush(), entries + b"/Filter/FlateDecode"
        elif level:
            data, entries = zlib.compress(data, level), entries + b"/Filter/FlateDecode"
        self._object(number, b"<<%s/Length %d>>stream\n%s\nendstream" % (entries, len(data), data))

    # -- forms --------------------------------------------------------------------------------------------------
    def add_forms(self, pdf: bytes) -> list[int]:
        """Every page of ``pdf`` (a WeasyPrint render) as a form XObject; returns their indexes for add_page.
        The objects they need (fonts, their files, colour spaces, patterns) are copied once, renumbered."""
        from pypdf import PdfReader
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

        reader = PdfReader(io.BytesIO(pdf))
        numbers: dict[tuple[int, int], int] = {}
        pending: list[tuple[IndirectObject, int]] = []

        class Renumbered(IndirectObject):
            """A reference already in this writer's numbering (objects shared by the template's pages)."""

        def renumber(obj: PdfObject) -> PdfObject:
            if isinstance(obj, Renumbered):
                return obj
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key not in numbers:
                    numbers[key] = self._reserve()
                    pending.append((obj, numbers[key]))
                return Renumbered(numbers[key], 0, None)
            if isinstance(obj, DictionaryObject):  # streams too: their entries, not their data
                for key, value in list(dict.items(obj)):
                    dict.__setitem__(obj, key, renumber(value))
            elif isinstance(obj, ArrayObject):
                for i, value in enumerate(list.__iter__(obj)):
                    list.__setitem__(obj, i, renumber(value))
            return obj

        def serialise(obj: PdfObject) -> bytes:
            buffer = io.BytesIO()
            obj.write_to_stream(buffer)
            return buffer.getvalue()

        indexes = []
        for page in reader.pages:
            box = " ".join(f"{float(v):g}" for v in page.mediabox)
            contents = page.get_contents()
            data = contents.get_data() if contents is not None else b""
            resources = renumber(cast(PdfObject, page["/Resources"].get_object())) if "/Resources" in page \
                else DictionaryObject()
            number = self._reserve()
            self._stream(number, b"/Type/XObject/Subtype/Form/BBox[%s]/Resources %s" % (box.encode(),
                                                                                        serialise(resources)), data)
            self._forms.append(number)
            indexes.append(len(self._forms) - 1)
            while pending:
                source, target = pending.pop()
                self._object(target, serialise(renumber(cast(PdfObject, source.get_object()))))
        return indexes

    # -- pages --------------------------------------------------------------------------------------------------
    def _font(self, bold: bool) -> _Font:
        if bold not in self._fonts:
            self._fonts[bold] = _load_font(bold)
            self._used[bold] = {}
            self._font_objects[bold] = self._reserve()
        return self._fonts[bold]

    def add_page(self, form: int, stamps: Sequence[Text | Bars] = (), width: float = 595.28,
                 height: float = 841.89) -> None:
        """A page of ``width`` x ``height`` points (A4 by default) showing form ``form`` and the stamps."""
        ops = [b"q /T%d Do Q" % form]
        for stamp in stamps:
            if isinstance(stamp, Text):
                text = stamp.text if stamp.text.isprintable() else "".join(ch for ch in stamp.text
                                                                           if ch.isprintable())
                if stamp.max_width is not None:
                    text = fit(text, stamp.size, stamp.max_width, stamp.bold)
                hexed = self._font(stamp.bold).encode(text, self._used[stamp.bold])
                ops.append(b"BT /F%d %g Tf %.2f %.2f Td %s Tj ET" % (int(stamp.bold), stamp.size, stamp.x,
                                                                    stamp.y, hexed))
            else:
                runs = b" ".join(b"%d 0 %d 1 re" % (m.start(), m.end() - m.start())
                                 for m in _DARK.finditer(stamp.modules))
                ops.append(b"q 0 g %g 0 0 %g %.2f %.2f cm %s f Q" % (stamp.module, stamp.height, stamp.x, stamp.y,
                                                                   runs))
        if not self._branch_pages:
            self._branch_id = self._reserve()
        page, contents = self._reserve(), self._reserve()
        self._stream(contents, b"", b"\n".join(ops), small=True)
        self._object(page, b"<</Type/Page/Parent %d 0 R/Resources 3 0 R/MediaBox[0 0 %g %g]/Contents %d 0 R>>"
                     % (self._branch_id, width, height, contents))
        self._branch_pages.append(page)
        self.pages += 1
        if len(self._branch_pages) == self.BRANCH:
            self._close_branch()

    def _close_branch(self) -> None:
        kids = b" ".join(b"%d 0 R" % p for p in self._branch_pages)
        self._object(self._branch_id, b"<</Type/Pages/Parent 2 0 R/Count %d/Kids[%s]>>"
                     % (len(self._branch_pages), kids))
        self._branches.append((self._branch_id, len(self._branch_pages)))
        self._branch_pages = []

    # -- end ----------------------------------------------------------------------------------------------------
    def _write_font(self, bold: bool) -> None:
        font, glyphs = self._fonts[bold], self._used[bold]
        glyphs.pop(0, None)  # .notdef: draws no character
        cid, descriptor, file, to_unicode = (self._reserve() for _ in range(4))
        data, length = _font_file(bold)
        self._stream(file, b"/Length1 %d/Filter/FlateDecode" % length, data, level=0)
        self._object(descriptor, b"<<%s/FontFile2 %d 0 R>>" % (font.descriptor.encode(), file))
        used = sorted(glyphs)
        widths = b" ".join(b"%d[%d]" % (g, font.widths[g]) for g in used)
        self._object(cid, b"<</Type/Font/Subtype/CIDFontType2/BaseFont/%s/CIDSystemInfo<</Registry(Adobe)"
                     b"/Ordering(Identity)/Supplement 0>>/FontDescriptor %d 0 R/DW 1000/W[%s]/CIDToGIDMap/Identity>>"
                     % (font.name.encode(), descriptor, widths))
        cmap = [b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo <</Registry (Adobe)"
                b" /Ordering (UCS) /Supplement 0>> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def",
                b"1 begincodespacerange <0000> <FFFF> endcodespacerange"]
        for start in range(0, len(used), 100):
            chunk = used[start:start + 100]
            cmap.append(b"%d beginbfchar" % len(chunk))
            cmap += [b"<%04X> <%s>" % (g, glyphs[g].encode("utf-16-be").hex().upper().encode()) for g in chunk]
            cmap.append(b"endbfchar")
        cmap.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
        self._stream(to_unicode, b"", b"\n".join(cmap))
        self._object(self._font_objects[bold], b"<</Type/Font/Subtype/Type0/BaseFont/%s/Encoding/Identity-H"
                     b"/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>" % (font.name.encode(), cid, to_unicode))

    def close(self) -> int:
        """Write the fonts, the page tree, the cross-reference table and the trailer; return the page count."""
        if self._branch_pages:
            self._close_branch()
        for bold in self._fonts:
            self._write_font(bold)
        forms = b"".join(b"/T%d %d 0 R" % (i, n) for i, n in enumerate(self._forms))
        fonts = b"".join(b"/F%d %d 0 R" % (int(bold), n) for bold, n in self._font_objects.items())
        self._object(3, b"<</ProcSet[/PDF/Text]/XObject<<%s>>/Font<<%s>>>>" % (forms, fonts))
        kids = b" ".join(b"%d 0 R" % n for n, _ in self._branches)
        self._object(2, b"<</Type/Pages/Count %d/Kids[%s]>>" % (self.pages, kids))
        self._object(1, b"<</Type/Catalog/Pages 2 0 R>>")
        xref = self._pos
        count = len(self._offsets)
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        for start in range(1, count, 4096):
            self._write(b"".join(b"%010d 00000 n \n" % o for o in self._offsets[start:start + 4096]))
        self._write(b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (count, xref))
        return self.pages
