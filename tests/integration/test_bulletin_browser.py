"""The demo's 2026-10 bulletin in a real headless Chromium (Playwright), as a leader opens it.

On a laptop (1366×768) and a phone (390×844) the headline box and the unit × indicator heat map are on
the first screen, the page is not wider than the screen, every count is an integer and every gap is in
个百分点; the page's Chinese is drawn with the font it embeds, Chromium being given no Chinese font (the
test machine has none). Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from support import REPO, TODAY

from scorecard import (
    bulletin,
    catalog,
    fonts,
    ingest,
    receiving,
    reports,
    samples,
    snapshots,
    targets,
    warehouse,
)

pytestmark = pytest.mark.integration

SHOTS = REPO / "test-artifacts" / "screenshots"
PERIOD = "2026-10"
SCREENS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
EMBEDDED_FONT_LOADED = f"""document.fonts.ready.then(() => [...document.fonts].some(
    (face) => face.family.replaceAll('"', '') === '{fonts.WEB_FONT_FAMILY}' && face.status === 'loaded'))"""


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample year ingested, every month snapshotted, and October's Chinese bulletin written."""
    folder = tmp_path_factory.mktemp("bulletin")
    eng = warehouse.engine(f"sqlite:///{folder / 'warehouse.db'}")
    cat = warehouse.init_db(eng)
    with eng.begin() as conn:
        targets.load(conn, targets.read(REPO / "src" / "scorecard" / "defaults" / "targets_2026.csv", cat))
    inbox = folder / "inbox"
    samples.generate_year(inbox, catalog.load_files(), 2026, 10)
    ingest.ingest_files(eng, receiving.pending_files(eng, str(inbox)), today=TODAY,
                        quarantine_root=str(folder / "quarantine"))
    for month in range(1, 11):
        snapshots.take(eng, f"2026-{month:02d}", today=TODAY)
    files = reports.write_bulletin(eng, PERIOD, out_dir=str(folder / "bulletins"))
    return Path(files[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make test` installs it (the Makefile's `browser` target)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_first_screen_has_the_headline_and_the_heat_map(browser: Browser, page_file: Path,
                                                       screen: str) -> None:
    viewport = SCREENS[screen]
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        assert page.evaluate(EMBEDDED_FONT_LOADED)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"bulletin_{PERIOD}_{screen}.png"))
        page.screenshot(path=str(SHOTS / f"bulletin_{PERIOD}_{screen}_full.png"), full_page=True)
        for selector in ("#headline", "#heat"):
            box = page.locator(selector).bounding_box()
            assert box is not None
            assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (selector, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (selector, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        headline = page.locator("#headline").inner_text()
        assert "未报送单位" in headline and "数字经济产业园" in headline
        assert page.locator("#heat tbody tr").count() == 17
        assert page.locator(".legend span").count() == len(bulletin.SEVERITY)
    finally:
        context.close()


def test_counts_are_integers_and_gaps_are_points(browser: Browser, page_file: Path) -> None:
    context = browser.new_context(viewport=SCREENS["laptop"])  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        headers = page.locator("#city thead th").all_inner_texts()
        assert "差距（个百分点）" in headers
        rows = page.locator("#city tbody tr").evaluate_all(
            "trs => trs.map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim()))")
        assert len(rows) == 17
        for name, unit, actual, target, _rate, _expected, gap, _status, change, forecast in rows:
            if bulletin.is_count(unit):
                assert all(re.fullmatch(r"[\d,]+|—", v) for v in (actual, target, forecast)), name
            assert re.fullmatch(r"[+-]\d+\.\d+|0\.0|—", gap), (name, gap)
            assert not re.search(r"[+-]0\.0$", gap) and "%" not in gap + change
        statuses = page.locator("#city tbody tr").evaluate_all("trs => trs.map(tr => tr.className)")
        order = [bulletin.SEVERITY.index(s.removeprefix("status-")) for s in statuses]  # type: ignore[arg-type]
        assert order == sorted(order)
    finally:
        context.close()
