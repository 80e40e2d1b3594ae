"""The font charts draw Chinese text with, shared by the bulletin and the team's digest."""

from __future__ import annotations

from functools import cache
from pathlib import Path

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN")


@cache
def cjk_font() -> str | None:
    """A font with Chinese glyphs: Noto Sans CJK SC from the mplfonts package, else the machine's."""
    import importlib.util

    from matplotlib import font_manager

    spec = importlib.util.find_spec("mplfonts")
    if spec and spec.submodule_search_locations:
        bundled = Path(spec.submodule_search_locations[0]) / "fonts" / "NotoSansCJKsc-Regular.otf"
        if bundled.is_file():
            font_manager.fontManager.addfont(str(bundled))
    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in available), None)
