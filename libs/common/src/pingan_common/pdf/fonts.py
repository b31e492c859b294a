"""The CJK font every PDF the platform prints is set in (the mediation agreement, the situation
reports): Noto Serif CJK SC (Debian ``fonts-noto-cjk``, installed by
``scripts/ensure-system-packages.sh``, which ``make test`` and ``make run`` call).

The Debian files are font collections (.ttc) holding the JP, KR, SC, TC and HK faces; the SC
face is found by its name, not by a fixed index.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]  # ships no types

from pingan_common.pdf.errors import FontMissing

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
REGULAR = ("NotoSerifCJK-Regular.ttc", "NotoSansCJK-Regular.ttc")
BOLD = ("NotoSerifCJK-Bold.ttc", "NotoSansCJK-Bold.ttc")
FACE = "SC"


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int  # the face's number in its collection


def _find(names: tuple[str, ...]) -> FontFace:
    for directory in FONT_DIRS:
        for name in names:
            path = directory / name
            if path.exists():
                return FontFace(path, _face_index(path))
    raise FontMissing(
        "no Noto CJK font found; install fonts-noto-cjk (scripts/ensure-system-packages.sh)"
    )


def _face_index(path: Path) -> int:
    collection = TTCollection(str(path), lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            family = str(font["name"].getBestFamilyName() or "")
            if family.endswith(f" {FACE}"):
                return index
    finally:
        collection.close()
    return 0


@lru_cache(maxsize=1)
def cjk_faces() -> tuple[FontFace, FontFace]:
    """(regular, bold)."""
    return _find(REGULAR), _find(BOLD)
