"""PDF documents in Chinese (fpdf2 with Noto CJK from Debian's fonts-noto-cjk).

fpdf2 and fontTools take about a second to import: they are loaded when a document is first
made, not when a service starts (a killed service must serve again within seconds), so a route
module may import ``FontMissing`` from here for free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pingan_common.pdf.errors import FontMissing

if TYPE_CHECKING:
    from pingan_common.pdf.document import CjkDocument
    from pingan_common.pdf.fonts import FontFace, cjk_faces

__all__ = ["CjkDocument", "FontFace", "FontMissing", "cjk_faces"]


def __getattr__(name: str) -> Any:
    if name == "CjkDocument":
        from pingan_common.pdf.document import CjkDocument

        return CjkDocument
    if name in ("FontFace", "cjk_faces"):
        from pingan_common.pdf import fonts

        return getattr(fonts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
