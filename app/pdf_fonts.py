"""A Chinese font for reportlab: a TrueType CJK font found on the machine, embedded as a subset.

reportlab reads TrueType (glyf) outlines only: Noto CJK and PingFang are CFF and fail with
TTFError, so every candidate is tried and the first that loads *and* has Chinese glyphs wins.
When none does, reportlab's built-in CID font STSong-Light is used; it is not embedded, so the
program tells the user (FontChoice.note).

No one font has every character of a real customer list (吉𠮷田, 刘䶮, 𪚥 are outside the
common set), so text is drawn with a **fallback chain**, per character: the primary font, then
the other TrueType fonts the PC has (微软雅黑, 宋体, SimSun-ExtB on Windows; WenQuanYi and
HanaMin A/B on Linux). The chain is loaded only when a character is missing from the primary
font. A character no font has is printed as MISSING_MARK and reported (Glyphs.missing), so
the user is told which characters and which font to install; it is never dropped.

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


def _utf16_hex(code: int) -> str:
    """A code point as the UTF-16BE hex a ToUnicode CMap wants (a surrogate pair above FFFF)."""
    if code <= 0xFFFF:
        return f"{code:04X}"
    code -= 0x10000
    return f"{0xD800 + (code >> 10):04X}{0xDC00 + (code & 0x3FF):04X}"


def _patch_to_unicode() -> None:
    """reportlab writes a character beyond U+FFFF (𠮷 U+20BB7) into the subset's ToUnicode map
    as five hex digits, which readers take as U+20BB: the glyph prints, but copying, searching
    and extracting the PDF's text give the wrong character. Write UTF-16 surrogate pairs."""
    from reportlab.pdfbase import ttfonts

    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "followdesk", False):
        return

    def make_to_unicode_cmap(fontname, subset):
        text = original(fontname, [min(v, 0xFFFF) for v in subset])
        if all(v <= 0xFFFF for v in subset):
            return text
        wrong = [f"<{i:02X}> <{min(v, 0xFFFF):04X}>" for i, v in enumerate(subset)]
        right = [f"<{i:02X}> <{_utf16_hex(v)}>" for i, v in enumerate(subset)]
        return text.replace("\n".join(wrong), "\n".join(right))

    make_to_unicode_cmap.followdesk = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap


def _load_ttf(name: str, path: Path, probe: bool = True):
    """A registered TTFont, or None when the file is missing, CFF, broken or (with `probe`)
    not Chinese."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if not path.is_file():
        return None
    _patch_to_unicode()
    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except TTFError as e:  # CFF outlines (Noto CJK, PingFang), or not a font at all
        log.info("font %s skipped: %s", path, e)
        return None
    except Exception as e:  # a truncated or odd file must not stop printing
        log.info("font %s unreadable: %s", path, e)
        return None
    if probe and not all(ord(ch) in font.face.charToGlyph for ch in _PROBE):
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


# ---------------------------------------------------------------- the fallback chain

MISSING_MARK = "〓"  # printed where no font on the PC has the character (a visible block)
MISSING_FONT_HINT = ("Windows 请安装“SimSun-ExtB”（simsunb.ttf，随 Windows 提供的“宋体”扩展）"
                     "或“花园明朝”（HanaMinA/HanaMinB.ttf）；Linux 请安装 fonts-hanazono")
# 微软雅黑, 宋体, SimSun-ExtB (CJK Ext. B, where 𠮷 and 𪚥 are), SimSun-ExtG (Windows 11).
WINDOWS_FALLBACK = ["msyh.ttc", "msyh.ttf", "simsun.ttc", "simsunb.ttf", "simsunextg.ttf",
                    "simhei.ttf", "mingliub.ttc"]
LINUX_FALLBACK = LINUX_REGULAR + [
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
    "/usr/share/fonts/hanazono/HanaMinA.ttf",  # Fedora / Arch
    "/usr/share/fonts/hanazono/HanaMinB.ttf",
    "/usr/share/fonts/TTF/HanaMinA.ttf",
    "/usr/share/fonts/TTF/HanaMinB.ttf",
]


def fallback_candidates() -> list[Path]:
    """Fonts tried, in order, for a character the primary font lacks (tests replace this)."""
    out: list[Path] = []
    for d in _resource_dirs():
        if d.is_dir():
            out += sorted(p for p in d.iterdir() if p.suffix.lower() in (".ttf", ".ttc")
                          and "bold" not in p.stem.lower())
    for d in _windows_dirs():
        out += [d / name for name in WINDOWS_FALLBACK]
    out += [Path(p) for p in LINUX_FALLBACK + MACOS_REGULAR]
    return out


def missing_note(chars) -> str:
    """The user's warning for characters printed as MISSING_MARK; empty when none."""
    chars = sorted(set(chars))
    if not chars:
        return ""
    shown = "、".join(chars[:20]) + ("等" if len(chars) > 20 else "")
    return (f"本机没有任何字体能显示这些字：{shown}，打印处以“{MISSING_MARK}”标出。"
            f"{MISSING_FONT_HINT}，然后重新生成。")


class Glyphs:
    """Which registered font draws each character: the font asked for, else the chain.

    One instance a process (glyphs()); the chain's fonts are read the first time a character
    is missing from the font asked for, and every answer is remembered.
    """

    def __init__(self, choice: FontChoice):
        self.choice = choice
        self._chain: list[tuple[str, dict]] | None = None
        # font name -> characters it draws itself (the fast path: str.issuperset-able sets)
        self._own: dict[str, set[str]] = {}
        # (font name, char) -> the font that draws it, or None (no font has it)
        self._pick: dict[tuple[str, str], str | None] = {}
        self._lock = threading.Lock()

    def _cmap(self, name: str) -> dict:
        from reportlab.pdfbase import pdfmetrics

        face = getattr(pdfmetrics.getFont(name), "face", None)
        return getattr(face, "charToGlyph", None) or {}

    def chain(self) -> list[tuple[str, dict]]:
        """(registered name, cmap) of every fallback font that loads, in order."""
        if self._chain is None:
            with self._lock:
                if self._chain is None:
                    chain = []
                    seen = {self.choice.path, self.choice.bold_path}
                    for path in fallback_candidates():
                        if str(path) in seen or not path.is_file():
                            continue
                        seen.add(str(path))
                        name = f"FollowDeskFallback{len(chain) + 1}"
                        font = _load_ttf(name, path, probe=False)
                        if font is not None:
                            log.info("PDF fallback font: %s", path)
                            chain.append((name, font.face.charToGlyph))
                    self._chain = chain
        return self._chain

    def font_for(self, name: str, ch: str) -> str | None:
        """The font that draws `ch` when `name` is asked for; None when no font has it."""
        key = (name, ch)
        try:
            return self._pick[key]
        except KeyError:
            pass
        cmap = self._cmap(name)
        if not self.choice.embedded or not cmap or ch in "\n\t " or ord(ch) in cmap:
            got: str | None = name  # the built-in CID font and Type 1 fonts: no chain
        else:
            code = ord(ch)
            got = self.choice.name if name != self.choice.name and \
                code in self._cmap(self.choice.name) else None
            if got is None:
                got = next((n for n, cmap in self.chain() if code in cmap), None)
        self._pick[key] = got
        if got == name:
            self._own.setdefault(name, set()).add(ch)
        return got

    def runs(self, text: str, name: str, missing: set[str] | None = None
             ) -> list[tuple[str, str]]:
        """`text` cut into (font, text) runs; characters no font has become MISSING_MARK
        (drawn in the first font that has the mark) and are added to `missing`."""
        own = self._own.get(name)
        if own is not None and own.issuperset(text):
            return [(name, text)]
        out: list[tuple[str, str]] = []
        cur_font, cur = name, []
        for ch in text:
            f = self.font_for(name, ch)
            if f is None:
                if missing is not None:
                    missing.add(ch)
                ch = MISSING_MARK
                f = self.font_for(name, ch) or name
            if f != cur_font and cur:
                out.append((cur_font, "".join(cur)))
                cur = []
            cur_font = f
            cur.append(ch)
        if cur or not out:
            out.append((cur_font, "".join(cur)))
        return out

    def missing(self, text: str, name: str) -> set[str]:
        """The characters of `text` that no font draws."""
        own = self._own.get(name)
        if own is not None and own.issuperset(text):
            return set()
        return {ch for ch in set(text) if self.font_for(name, ch) is None}


@functools.lru_cache(maxsize=1)
def glyphs() -> Glyphs:
    return Glyphs(register_fonts())


def clear_cache() -> None:
    """Forget the choice (tests, or after fonts were installed while running)."""
    glyphs.cache_clear()
    register_fonts.cache_clear()
    cjk_font.cache_clear()
