"""Chinese labels: the CJK font lookup (:func:`find_cjk_font`), the labeller of a figure's
language (English with a :class:`CJKFontWarning` when there is no CJK font) and the font set on
the texts that hold CJK characters."""

from __future__ import annotations

import re
import warnings

import matplotlib
import matplotlib.text

from ..labels import LanguageError, check_lang, labeler
from .style import PlotInputError


#: CJK font families looked for, in order (the first matplotlib knows is used): Noto Sans CJK
#: (Debian/Ubuntu ``fonts-noto-cjk``, Fedora ``google-noto-sans-cjk-fonts``), Source Han Sans
#: (the same design, Adobe's name), the macOS and Windows system fonts, WenQuanYi
#: (``fonts-wqy-microhei``, ``fonts-wqy-zenhei``), and others often present
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "PingFang SC",
    "Hiragino Sans GB", "Heiti SC", "STHeiti", "Microsoft YaHei", "SimHei", "DengXian",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Sarasa Gothic SC", "Noto Sans CJK JP", "Noto Sans CJK TC",
    "Source Han Sans", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback", "Arial Unicode MS",
)

#: how to get a CJK font, quoted when there is none
CJK_FONT_HELP = ("install one (Debian/Ubuntu: apt install fonts-noto-cjk; Fedora: dnf install "
                 "google-noto-sans-cjk-fonts; conda: conda install -c conda-forge font-ttf-noto-cjk; macOS and "
                 "Windows have PingFang SC and Microsoft YaHei), or name a font file with FUNDSIM_CJK_FONT=PATH; "
                 "after installing a system font, remove matplotlib's font cache (matplotlib.get_cachedir()) "
                 "if it is not found")


class CJKFontWarning(UserWarning):
    """Chinese labels were asked for, but matplotlib knows no CJK font: the labels are in English."""


def find_cjk_font() -> str | None:
    """The CJK font family to draw Chinese labels with, or None when there is none.

    ``FUNDSIM_CJK_FONT`` chooses one: a font file (``.ttf``, ``.otf``, ``.ttc``; registered with
    matplotlib for this process, for a machine where no font can be installed) or a family name
    matplotlib knows. Otherwise the first family of :data:`CJK_FAMILIES` matplotlib knows.
    """
    import os

    from matplotlib import font_manager

    chosen = os.environ.get("FUNDSIM_CJK_FONT", "").strip()
    if chosen:
        path = os.path.expanduser(chosen)
        if os.path.isfile(path):
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError) as e:
                warnings.warn(f"FUNDSIM_CJK_FONT={chosen}: not a font file matplotlib can read ({e})",
                              CJKFontWarning, stacklevel=2)
                return None
        if chosen in {f.name for f in font_manager.fontManager.ttflist}:
            return chosen
        warnings.warn(f"FUNDSIM_CJK_FONT={chosen}: neither a font file nor a font family matplotlib knows",
                      CJKFontWarning, stacklevel=2)
        return None
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


def _language(lang, what="figure"):
    """``(labeler, CJK font family or None)`` for ``lang``: Chinese only with a CJK font, else
    English with a :class:`CJKFontWarning` (a figure of empty boxes helps nobody)."""
    try:
        code = check_lang(lang)
    except LanguageError as e:
        raise PlotInputError(f"{what}: {e}") from None
    if code == "zh":
        # looked up in this module: a stand-in replaces simulator.plots.fonts.find_cjk_font (the package's
        # name is a re-export, read by callers, not by the figures)
        font = find_cjk_font()
        if font is None:
            warnings.warn(f"{what}: lang='zh' needs a CJK font and matplotlib has none, so the labels are in "
                          f"English; {CJK_FONT_HELP}", CJKFontWarning, stacklevel=3)
            return labeler("en"), None
        return labeler("zh"), font
    return labeler("en"), None


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def _use_cjk_font(artists, font):
    """Set ``font`` (falling back to the current sans-serif family for Latin glyphs) on every text
    of ``artists`` (a figure or axes) that holds CJK characters: per artist, never in rcParams."""
    if font is None:
        return
    from matplotlib import font_manager

    # only families matplotlib has: an unknown one in the list is logged as "findfont: not found"
    known = {f.name for f in font_manager.fontManager.ttflist}
    fallback = [f for f in matplotlib.rcParams["font.sans-serif"] if f in known]
    roots = artists if isinstance(artists, (list, tuple)) else [artists]
    for root in roots:
        for text in root.findobj(matplotlib.text.Text):
            if _CJK.search(text.get_text() or ""):
                text.set_fontfamily([font] + [f for f in fallback if f != font])
