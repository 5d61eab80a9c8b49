"""Chinese labels: the label table is complete in both languages, figures use a CJK font when there
is one and fall back to English with a warning otherwise, the report is written in Chinese with CJK
font families in its style sheet, and ``fundsim plot / report --lang zh`` work."""

import re
import string
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

import simulator
from simulator import labels, plots
from simulator.cli import cli
from simulator.labels import LABELS, LANGUAGES, LanguageError, check_lang, label
from simulator.plots import CJKFontWarning, PlotInputError
from simulator.report import render_report

ROOT = Path(__file__).resolve().parents[2]
PATHS, HORIZON, SEED = 30, 8, 3


@pytest.fixture(scope="module")
def ds():
    return simulator.run("baseline", paths=PATHS, horizon=HORIZON, seed=SEED)


@pytest.fixture(scope="module")
def run_file(tmp_path_factory, ds):
    out = tmp_path_factory.mktemp("lang") / "r.nc"
    ds.to_netcdf(out)
    return out


@pytest.fixture()
def no_cjk_font(monkeypatch):
    monkeypatch.setattr(plots.fonts, "find_cjk_font", lambda: None)


@pytest.fixture()
def a_stand_in_cjk_font(monkeypatch):
    """A family matplotlib has (not the default one), standing in for a CJK font: what is checked
    is which texts get it, not how the glyphs look (nothing is rendered)."""
    monkeypatch.setattr(plots.fonts, "find_cjk_font", lambda: "DejaVu Serif")
    return "DejaVu Serif"


# ----------------------------------------------------------------------------- the label table


def _fields(text):
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_label_has_both_languages_with_the_same_fields():
    assert LANGUAGES == ("en", "zh")
    for key, entry in LABELS.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(isinstance(entry[k], str) and entry[k].strip() for k in LANGUAGES), key
        assert _fields(entry["en"]) == _fields(entry["zh"]), key  # a translation keeps every placeholder


def test_the_chinese_terms_are_the_bulletins_terms():
    assert label("fund.employee_pooled", "zh") == "职工医保统筹基金"
    assert label("fund.employee_accounts", "zh") == "个人账户"
    assert "城乡居民医保" in label("fund.resident", "zh")
    assert "累计结存可支付月数" in label("fan.ylabel", "zh")
    assert label("flows.ylabel", "zh").startswith("亿元")
    assert labels.money_scale("zh") == 1e8 and labels.money_scale("en") == 1e9


def test_every_key_the_code_asks_for_is_in_the_table():
    asked = set()
    sources = [ROOT / "simulator" / name for name in ("plots", "report.py", "report")]  # modules or packages
    for path in [s for s in sources if s.is_file()] + sorted(p for s in sources if s.is_dir() for p in s.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        asked |= set(re.findall(r"""\bL\(\s*["']([a-z_.0-9]+)["']\s*[,)]""", text))
    # keys built from names: one per fund, band, named set, event and section
    asked |= {f"band.{b}" for b in plots.BAND_STYLE} | {f"band_short.{b}" for b in plots.BAND_STYLE}
    asked |= {f"fund.{f}" for f in plots.FUND_LABELS} | {f"set.{k}" for k in ("low_cost", "central", "high_cost")}
    asked |= {f"event.{e}" for e in ("first_deficit_year", "first_operating_deficit_year", "exhaustion_year")}
    from simulator.report import KEY_ASSUMPTIONS, SECTIONS
    asked |= {f"sec.{sid}" for sid, _ in SECTIONS} | {f"asm.group.{g}" for g, _ in KEY_ASSUMPTIONS}
    asked |= {f"asm.{key}" for _, keys in KEY_ASSUMPTIONS for key in keys}
    assert len(asked) > 100
    assert sorted(asked - set(LABELS)) == []


def test_a_bad_language_is_refused_with_the_valid_ones(ds):
    assert check_lang("ZH") == "zh" and check_lang(None) == "en" and check_lang("zh-CN") == "zh"
    with pytest.raises(LanguageError, match="choose one of en, zh"):
        check_lang("fr")
    with pytest.raises(PlotInputError, match="'fr'"):
        plots.fan_chart(ds, lang="fr")
    with pytest.raises(KeyError, match="no label 'nope'"):
        label("nope")


# ----------------------------------------------------------------------------- figures


def test_without_a_cjk_font_a_figure_falls_back_to_english_with_a_warning(ds, no_cjk_font):
    with pytest.warns(CJKFontWarning, match="fonts-noto-cjk"):
        fig = plots.fan_chart(ds, lang="zh")
    assert [a.get_title() for a in fig.axes] == ["Employee pooled fund", "Resident fund", "Both pooled funds combined"]
    assert "reserve months" in fig.axes[0].get_ylabel()


def test_with_a_cjk_font_the_labels_are_chinese_in_that_font(ds, a_stand_in_cjk_font):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CJKFontWarning)
        fig = plots.fan_chart(ds, lang="zh")
    ax = fig.axes[0]
    assert [a.get_title() for a in fig.axes] == ["职工医保统筹基金", "城乡居民医保基金", "两项统筹基金合计"]
    assert "累计结存可支付月数" in ax.get_ylabel() and ax.get_xlabel() == "年份"
    assert ax.title.get_fontfamily()[0] == a_stand_in_cjk_font  # the font is set on the Chinese texts
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "中位数" in legend and "6-9 个月：合理" in legend
    assert fig.legends[0].get_texts()[0].get_fontfamily()[0] == a_stand_in_cjk_font
    assert "情景 baseline" in fig.get_suptitle() and "条路径" in fig.get_suptitle()
    flows = plots.flows(ds, lang="zh")
    assert flows.axes[0].get_ylabel().startswith("亿元")
    inc = [ln for ln in flows.axes[0].get_lines() if ln.get_label() == "收入（中位数）"][0]
    assert inc.get_ydata()[0] == pytest.approx(
        float(ds["income"].sel(fund="employee_pooled").isel(year=0).quantile(0.5, "path")) / 1e8)


def test_every_figure_draws_in_chinese(ds, a_stand_in_cjk_font):
    for fn in (plots.band_probabilities, plots.breakeven, plots.pyramid):
        fig = fn(ds, lang="zh")
        titles = " ".join(a.get_title() for a in fig.axes) + fig.get_suptitle()
        assert re.search(r"[\u4e00-\u9fff]", titles), fn.__name__


def test_fundsim_cjk_font_names_a_font_file_or_family(monkeypatch):
    import matplotlib

    serif = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSerif.ttf"
    monkeypatch.setenv("FUNDSIM_CJK_FONT", str(serif))
    assert plots.find_cjk_font() == "DejaVu Serif"
    monkeypatch.setenv("FUNDSIM_CJK_FONT", "DejaVu Sans")
    assert plots.find_cjk_font() == "DejaVu Sans"
    monkeypatch.setenv("FUNDSIM_CJK_FONT", "/nowhere/NoSuchFont.ttf")
    with pytest.warns(CJKFontWarning, match="neither a font file nor a font family"):
        assert plots.find_cjk_font() is None


# run with a real CJK font: FUNDSIM_CJK_FONT=/path/to/wqy-microhei.ttc (Debian fonts-wqy-microhei) or
# any font of CJK_FAMILIES installed
@pytest.mark.skipif(plots.find_cjk_font() is None, reason="no CJK font on this machine (e.g. apt install fonts-noto-cjk)")
def test_a_real_cjk_font_renders_every_glyph(ds, tmp_path):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Glyph.*missing.*")
        plots.fan_chart(ds, lang="zh").savefig(tmp_path / "zh.png")
    assert (tmp_path / "zh.png").stat().st_size > 10_000


# ----------------------------------------------------------------------------- report


@pytest.mark.slow
def test_the_report_in_chinese_has_chinese_headings_and_cjk_fonts(ds, no_cjk_font):
    with pytest.warns(CJKFontWarning) as record:
        page = render_report(ds, lang="zh")
    assert sum(issubclass(w.category, CJKFontWarning) for w in record) == 1  # once, not once per figure
    assert '<html lang="zh-CN">' in page
    for heading in ("单位缴费率", "总和生育率", "运行信息", "结果摘要", "图表", "主要假设", "基年校准", "数据来源与可复现性", "职工医保统筹基金",
                    "城乡居民医保基金", "可支付月数：中位数", "基金穿底（累计结存 &lt; 0）"):
        assert heading in page, heading
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    for family in ('"Noto Sans CJK SC"', '"Source Han Sans SC"', '"PingFang SC"', '"Microsoft YaHei"', "sans-serif"):
        assert family in css, family
    assert "The run" not in page and "Summary</h2>" not in page
    english = render_report(ds)
    assert '<html lang="en">' in english and "<h2>Summary</h2>" in english


def test_the_fitted_factors_table_wraps_its_cells(ds):
    page = render_report(ds)
    section = page[page.index('id="calibration"'):page.index('id="provenance"')]
    factors = section[section.index("Fitted factors"):]
    assert '<table class="wrap">' in factors[:400]
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    assert re.search(r"table\.wrap \{[^}]*table-layout: fixed", css)
    assert re.search(r"table\.wrap td[^{]*\{[^}]*overflow-wrap: anywhere", css)
    assert 'div class="table"' in page and re.search(r"div\.table \{[^}]*overflow-x: auto", css)


# ----------------------------------------------------------------------------- the commands


def test_fundsim_plot_and_report_in_chinese(run_file, tmp_path, no_cjk_font):
    res = CliRunner().invoke(cli, ["plot", str(run_file), "--kind", "bands", "--lang", "zh",
                                   "-o", str(tmp_path / "zh.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "zh.png").read_bytes()[:4] == b"\x89PNG"
    notes = [ln for ln in res.stderr.splitlines() if ln.startswith("note:")]
    assert len(notes) == 1 and "fonts-noto-cjk" in notes[0], res.stderr
    res = CliRunner().invoke(cli, ["report", str(run_file), "--lang", "zh", "-o", str(tmp_path / "zh.html")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "zh.html").read_text(encoding="utf-8")
    assert "结果摘要" in page and "Noto Sans CJK SC" in page
    assert sum(ln.startswith("note:") for ln in res.stderr.splitlines()) == 1


def test_fundsim_plot_refuses_an_unknown_language(run_file, tmp_path):
    res = CliRunner().invoke(cli, ["plot", str(run_file), "--lang", "fr", "-o", str(tmp_path / "x.png")])
    assert res.exit_code == 2 and "fr" in res.output
