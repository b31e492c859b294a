"""PDF documents in Chinese (fpdf2 with Noto CJK from Debian's fonts-noto-cjk)."""

from pingan_common.pdf.document import CjkDocument
from pingan_common.pdf.fonts import FontFace, FontMissing, cjk_faces

__all__ = ["CjkDocument", "FontFace", "FontMissing", "cjk_faces"]
