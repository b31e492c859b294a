"""An A4 page set in the CJK font, with the few building blocks the platform's documents use:
a centred title, headings, paragraphs, a table with a header row, and a footer naming the
document and the page. Every service that prints Chinese builds on this, so the font set-up
(a face inside a .ttc collection) and the page's margins are done once.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace as PdfStyle

from pingan_common.pdf.fonts import cjk_faces

FAMILY = "cjk"
_HEADINGS = PdfStyle(family=FAMILY, emphasis="BOLD", fill_color=(235, 235, 235))


class CjkDocument(FPDF):
    """``footer_label`` is printed at the foot of every page, before the page number."""

    def __init__(self, footer_label: str) -> None:
        super().__init__(format="A4")
        self.footer_label = footer_label
        regular, bold = cjk_faces()
        self.add_font(FAMILY, "", str(regular.path), collection_font_number=regular.index)
        self.add_font(FAMILY, "B", str(bold.path), collection_font_number=bold.index)
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, margin=20)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", 9)
        self.cell(0, 6, f"{self.footer_label}　第 {self.page_no()} 页", align="C")

    def title_line(self, text: str, size: float = 20) -> None:
        self.set_font(FAMILY, "B", size)
        self.multi_cell(self.epw, size * 0.7, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 12)

    def heading(self, text: str) -> None:
        # A heading never sits alone at the foot of a page, away from what it heads.
        if self.get_y() > self.h - self.b_margin - 30:
            self.add_page()
        self.ln(2)
        self.set_font(FAMILY, "B", 13)
        self.cell(self.epw, 9, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 12)

    def paragraph(self, text: str, indent: float = 0, size: float = 12) -> None:
        self.set_font(FAMILY, "", size)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, size * 0.625, text, new_x="LMARGIN", new_y="NEXT")

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float] | None = None,
        size: float = 10.5,
    ) -> None:
        """A table: a bold header row, then the rows; long cells wrap; an empty table says so."""
        self.set_font(FAMILY, "", size)
        col_widths = tuple(widths) if widths else (1 / len(header),) * len(header)
        with self.table(
            col_widths=col_widths,
            width=self.epw,
            line_height=size * 0.6,
            text_align="CENTER",
            headings_style=_HEADINGS,
            first_row_as_headings=True,
        ) as table:
            table.row(list(header))
            for row in rows or [["（无）", *[""] * (len(header) - 1)]]:
                table.row([str(cell) for cell in row])
        self.ln(2)
