"""A Chinese font for reportlab: a TrueType CJK font found on the machine, embedded as a subset.

reportlab reads TrueType (glyf) outlines only: Noto CJK and PingFang are CFF and fail with
TTFError, so every candidate is tried and the first that loads *and* has Chinese glyphs wins.
When none does, reportlab's built-in CID font STSong-Light is used; it is not embedded, so the
program tells the user (FontChoice.note).

reportlab is imported only when a font is first asked for (importing it costs ~130 ms).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FALLBACK_FONT = "STSong-Light"
FALLBACK_NOTE = ("未找到可嵌入的中文字体，已使用 reportlab 内置字体 STSong-Light"
                 "（不嵌入，部分阅读器可能显示异常）")
REGULAR_NAME = "FollowDeskCJK"
BOLD_NAME = "FollowDeskCJK-Bold"
# A font without these is not a Chinese font (a Latin .ttf dropped into resources/fonts).
_PROBE = "中文客户档案跟踪服务"


def _resource_dirs() -> list[Path]:
    """resources/fonts in the source tree, and in a PyInstaller bundle."""
    dirs = [Path(__file__).resolve().parent.parent / "resources" / "fonts"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        dirs.insert(0, Path(bundle) / "resources" / "fonts")
    return dirs


def _windows_dirs() -> list[Path]:
    dirs = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"]
    local = os.environ.get("LOCALAPPDATA")
    if local:  # fonts installed "for this user only"
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return dirs


# In order of preference. Windows first (the front-desk PCs), then Linux, then macOS.
WINDOWS_REGULAR = ["msyh.ttc", "msyh.ttf", "simsun.ttc", "simhei.ttf", "simkai.ttf",
                   "simfang.ttf"]
WINDOWS_BOLD = ["msyhbd.ttc", "msyhbd.ttf", "simhei.ttf"]
LINUX_REGULAR = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",  # Fedora
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",  # Arch
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
    "/usr/share/fonts/google-droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",
]
MACOS_REGULAR = [
    # PingFang.ttc and Hiragino are CFF: reportlab cannot read them, so they are not listed.
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "/Library/Fonts/Microsoft/SimSun.ttf",
]
MACOS_BOLD = ["/System/Library/Fonts/STHeiti Medium.ttc"]


def regular_candidates() -> list[Path]:
    """Every file worth trying for the body text, best first (tests replace this)."""
    out: list[Path] = []
    for d in _resource_dirs():
        if d.is_dir():
            shipped = sorted(p for p in d.iterdir() if p.suffix.lower() in (".ttf", ".ttc"))
            out += [p for p in shipped if "bold" not in p.stem.lower()]
    for d in _windows_dirs():
        out += [d / name for name in WINDOWS_REGULAR]
    out += [Path(p) for p in LINUX_REGULAR + MACOS_REGULAR]
    return out


def bold_candidates() -> list[Path]:
    out: list[Path] = []
    for d in _resource_dirs():
        if d.is_dir():
            out += sorted(p for p in d.iterdir()
                          if p.suffix.lower() in (".ttf", ".ttc") and "bold" in p.stem.lower())
    for d in _windows_dirs():
        out += [d / name for name in WINDOWS_BOLD]
    out += [Path(p) for p in MACOS_BOLD]
    return out


@dataclass(frozen=True)
class FontChoice:
    """The font the PDFs use; name/bold_name are registered with reportlab's pdfmetrics."""

    name: str
    path: str | None  # None for the built-in CID font
    embedded: bool
    note: str  # Chinese, for the user; empty when all is well
    bold_name: str = ""
    bold_path: str | None = None

    @property
    def has_real_bold(self) -> bool:
        """False when bold_name is the regular font (draw bold by stroking, if at all)."""
        return self.bold_name != self.name


_lock = threading.Lock()


def _load_ttf(name: str, path: Path):
    """A registered TTFont, or None when the file is missing, CFF, broken or not Chinese."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if not path.is_file():
        return None
    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except TTFError as e:  # CFF outlines (Noto CJK, PingFang), or not a font at all
        log.info("font %s skipped: %s", path, e)
        return None
    except Exception as e:  # a truncated or odd file must not stop printing
        log.info("font %s unreadable: %s", path, e)
        return None
    if not all(ord(ch) in font.face.charToGlyph for ch in _PROBE):
        log.info("font %s has no Chinese glyphs", path)
        return None
    pdfmetrics.registerFont(font)
    return font


@functools.lru_cache(maxsize=1)
def cjk_font() -> FontChoice:
    """The regular font, registered with reportlab (first call only; then cached)."""
    with _lock:
        for path in regular_candidates():
            if _load_ttf(REGULAR_NAME, path) is not None:
                log.info("PDF font: %s", path)
                return FontChoice(REGULAR_NAME, str(path), True, "", REGULAR_NAME, str(path))
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        log.warning("no embeddable CJK font found; using %s", FALLBACK_FONT)
        return FontChoice(FALLBACK_FONT, None, False, FALLBACK_NOTE, FALLBACK_FONT, None)


@functools.lru_cache(maxsize=1)
def register_fonts() -> FontChoice:
    """cjk_font() plus a bold face (Microsoft YaHei Bold, SimHei…) when one is found.

    Without one, bold_name is the regular font's name; FontChoice.has_real_bold says which.
    """
    choice = cjk_font()
    if not choice.embedded:
        return choice
    with _lock:
        for path in bold_candidates():
            if str(path) == choice.path:
                continue
            if _load_ttf(BOLD_NAME, path) is not None:
                return FontChoice(choice.name, choice.path, True, choice.note, BOLD_NAME,
                                  str(path))
    return choice


def clear_cache() -> None:
    """Forget the choice (tests, or after fonts were installed while running)."""
    register_fonts.cache_clear()
    cjk_font.cache_clear()
