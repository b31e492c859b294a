"""The one PDF error a route maps to a problem; light to import (no fpdf, no fontTools)."""


class FontMissing(RuntimeError):
    """No CJK font on this machine: run scripts/ensure-system-packages.sh (fonts-noto-cjk)."""
