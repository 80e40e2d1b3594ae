"""Chinese text drawn anywhere: the font charts use (the bulletin's and the team's digest's) and the
font a bulletin page embeds."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN")


WEB_FONT_FAMILY = "Scorecard CJK"
"""The family name of the font a bulletin page embeds (``web_font_css``)."""


def bundled_cjk_font() -> Path | None:
    """Noto Sans CJK SC as the mplfonts package ships it, when installed."""
    import importlib.util

    spec = importlib.util.find_spec("mplfonts")
    if spec and spec.submodule_search_locations:
        bundled = Path(spec.submodule_search_locations[0]) / "fonts" / "NotoSansCJKsc-Regular.otf"
        if bundled.is_file():
            return bundled
    return None


@cache
def cjk_font() -> str | None:
    """A font with Chinese glyphs: Noto Sans CJK SC from the mplfonts package, else the machine's."""
    from matplotlib import font_manager

    if bundled := bundled_cjk_font():
        font_manager.fontManager.addfont(str(bundled))
    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in available), None)


def web_font_css(text: str) -> str:
    """An ``@font-face`` rule for ``WEB_FONT_FAMILY``: the bundled Noto Sans CJK SC cut down to the
    characters of ``text`` (a WOFF, inline), so that a page shows its Chinese on a machine with no Chinese
    font; empty when the font is not installed."""
    return _web_font_css("".join(sorted(set(text))))


@lru_cache(maxsize=4)
def _web_font_css(characters: str) -> str:
    """``web_font_css`` of a set of characters, kept for the next page in the same words (cutting the font
    costs about a second)."""
    import base64
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    bundled = bundled_cjk_font()
    if bundled is None:
        return ""
    options = subset.Options()
    options.flavor = "woff"
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    font = TTFont(str(bundled), lazy=True)
    subsetter.subset(font)
    woff = io.BytesIO()
    font.save(woff)
    data = base64.b64encode(woff.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{WEB_FONT_FAMILY}"; font-display: swap; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')
