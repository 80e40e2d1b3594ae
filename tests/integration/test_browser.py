"""The scorecard in the Airflow UI as the data team uses it, in a real headless Chromium (Playwright).

After ``scorecard demo`` (the session's ``demo`` fixture) and with ``scorecard airflow`` serving its UI
on a free port (announced with its login, stopped by Ctrl-C with every process under it): logging in
through Airflow's login page, the project's four DAGs, the UI's times in Asia/Shanghai, the month's matrix
against the warehouse's snapshot, a rejected file's feedback workbook downloaded from the month's
submissions, an ingest run's tab and task log, the trigger form's answer to month 13, and every scorecard
URL refused without the login. Each step leaves screenshots (laptop, and phone for the matrix and the
submissions) in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import openpyxl
import pendulum
import psutil
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from support import REPO, SCORECARD
from support.demo import DemoRun, kill_tree

from scorecard import snapshots
from scorecard.bulletin_workbook import COLOURS
from scorecard.mail_catcher import free_port
from scorecard.snapshots import Snapshot

pytestmark = pytest.mark.airflow

SHOTS = REPO / "test-artifacts" / "screenshots"
PERIOD = "2026-10"
DAG_IDS = ("scorecard_ingest", "scorecard_monthly_snapshot", "scorecard_alerts", "scorecard_reminders")
SCHEDULED_ON_UNPAUSE = ("scorecard_ingest", "scorecard_monthly_snapshot", "scorecard_reminders")
"""The DAGs on a time schedule: unpaused, each runs for its latest interval (no catch-up)."""
EARLIER_MONTH = re.compile(r"2026-0[1-9]|2026年0?[1-9]月")
SHANGHAI = ZoneInfo("Asia/Shanghai")
LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
FRAME = "iframe[title='Scorecard 科技指标']"
"""The frame the UI shows the scorecard's pages in (the nav entry's and the DAG run tab's)."""
LAGGING_RED = "rgb({}, {}, {})".format(*bytes.fromhex(COLOURS["lagging"]))
"""The fill of a lagging cell: the bulletin's lagging colour."""
STARTUP_TIMEOUT = 300

MATRIX_CELLS = """(table) => {
  const codes = [...table.querySelectorAll("thead th:not(.unit) small")]
    .map((small) => small.textContent.split(" · ")[0].trim());
  return [...table.querySelectorAll("tbody tr")].flatMap((tr) => {
    const unit = tr.querySelector("th.unit small").textContent.trim();
    return [...tr.querySelectorAll("td")].map((td, i) =>
      [unit, codes[i], td.dataset.status || null, getComputedStyle(td).backgroundColor]);
  });
}"""
"""Every cell of the matrix: [unit code, indicator code, data-status (null when empty), fill colour]."""


@dataclass(frozen=True)
class Airflow:
    url: str
    password: str


@dataclass(frozen=True)
class Rejected:
    """A rejected submission of the month with a feedback workbook, as the warehouse has it."""

    file_id: int
    file: str
    unit_code: str
    period: str
    rules: list[str]
    feedback: str


def shot(page: Page, name: str, full_page: bool = False) -> None:
    """``page`` as ``test-artifacts/screenshots/<name>.png``: its viewport, or all of it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=full_page)


def sign_in(page: Page, airflow: Airflow) -> None:
    """Fill in Airflow's login page (where ``page`` is) as the admin and sign in."""
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(airflow.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/auth/login"))


def open_scorecard(page: Page, airflow: Airflow) -> None:
    """The UI's home, then its nav entry "Scorecard 科技指标": the matrix in the frame."""
    page.goto(airflow.url + "/")
    page.get_by_role("link", name="Scorecard 科技指标").click()
    expect(page.frame_locator(FRAME).locator("table.matrix")).to_be_visible()


def warehouse(demo: DemoRun) -> sa.Engine:
    """The demo's warehouse (SQLite), which Airflow's tasks filled."""
    return sa.create_engine(f"sqlite:///{demo.data / 'warehouse.db'}")


@pytest.fixture(scope="module")
def airflow(demo: DemoRun) -> Iterator[Airflow]:
    """``scorecard airflow`` on the demo's Airflow home, on a free port; at the end Ctrl-C, which must stop
    it and every process under it."""
    assert demo.process.returncode == 0, demo.process.stderr[-3000:]
    port, out = free_port(), demo.airflow_home.parent / "scorecard-airflow.txt"
    env = {**os.environ, "SCORECARD_DATA_DIR": str(demo.data),
           "SCORECARD_AIRFLOW_HOME": str(demo.airflow_home), "AIRFLOW__API__PORT": str(port)}
    with out.open("w") as stdout:
        process = subprocess.Popen([SCORECARD, "airflow"], env=env, stdout=stdout,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    tree: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "password: " not in out.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)  # polls the announcement, printed once the UI answers
        announced = out.read_text()
        log = demo.airflow_home / "standalone.log"
        assert f"Airflow UI: http://127.0.0.1:{port}  login: admin  password: " in announced, (
            announced + (log.read_text()[-3000:] if log.exists() else ""))
        password = announced.split("password: ", 1)[1].split()[0]
        generated = demo.airflow_home / "simple_auth_manager_passwords.json.generated"
        assert json.loads(generated.read_text()) == {"admin": password}
        yield Airflow(f"http://127.0.0.1:{port}", password)
        tree = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        assert "stopping Airflow" in out.read_text()
        assert psutil.wait_procs(tree, timeout=10)[1] == [], "processes left behind"
    finally:
        kill_tree(process, tree)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright cannot download a browser here)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make test` installs it (the Makefile's `browser` target "
                    "runs apt-get install chromium)")
    expect.set_options(timeout=20_000)  # the UI on a busy two-core machine
    with sync_playwright() as playwright:
        with playwright.chromium.launch(executable_path=chromium, headless=True) as launched:
            yield launched


@pytest.fixture(scope="module")
def laptop(browser: Browser, airflow: Airflow) -> Iterator[BrowserContext]:
    """A laptop whose browser is on UTC, logged in through Airflow's login page."""
    with browser.new_context(viewport=LAPTOP, timezone_id="UTC", accept_downloads=True) as context:
        with context.new_page() as page:
            page.goto(airflow.url + "/")
            sign_in(page, airflow)
        yield context


@pytest.fixture(scope="module")
def phone(browser: Browser, laptop: BrowserContext) -> Iterator[BrowserContext]:
    """A phone with the laptop's login."""
    with browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                             timezone_id="UTC", storage_state=laptop.storage_state()) as context:
        yield context


@pytest.fixture
def page(laptop: BrowserContext) -> Iterator[Page]:
    """A new tab on the laptop."""
    with laptop.new_page() as opened:
        yield opened


@pytest.fixture(scope="module")
def snapshot(demo: DemoRun) -> Snapshot:
    """The month's latest snapshot in the demo's warehouse."""
    engine = warehouse(demo)
    with engine.connect() as conn:
        found = snapshots.latest(conn, PERIOD)
    engine.dispose()
    assert found is not None
    return found


@pytest.fixture(scope="module")
def rejected(demo: DemoRun) -> Rejected:
    """The month's first rejected file (by path) that has a feedback workbook."""
    engine = warehouse(demo)
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "select s.file_id, r.uri, s.unit_code, s.period, s.errors, q.feedback_path from submissions s"
            " join received_files r on r.file_id = s.file_id join quarantine q on q.file_id = s.file_id"
            " where s.period = :period and s.status = 'rejected' and q.feedback_path is not null"
            " order by r.uri limit 1"), {"period": PERIOD}).one()
    engine.dispose()
    rules = list(dict.fromkeys(error["rule"] for error in json.loads(row.errors)))
    return Rejected(row.file_id, Path(row.uri).name, row.unit_code, row.period, rules, row.feedback_path)


@pytest.fixture(scope="module")
def ingest_run(laptop: BrowserContext, airflow: Airflow) -> dict:
    """The demo's first scorecard_ingest run, from Airflow's API."""
    answer = laptop.request.get(airflow.url + "/api/v2/dags/scorecard_ingest/dagRuns?order_by=run_after")
    assert answer.ok, answer.text()
    return answer.json()["dag_runs"][0]


def test_logging_in_then_the_ui_shows_times_in_shanghai(browser: Browser, airflow: Airflow) -> None:
    with browser.new_context(viewport=LAPTOP, timezone_id="UTC") as context, context.new_page() as page:
        page.goto(airflow.url + "/")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        shot(page, "01-login")

        sign_in(page, airflow)

        clock = page.get_by_role("button", name=re.compile(r"^[+-]\d\d:\d\d$"))
        expect(clock).to_have_text("+00:00")  # the browser's zone: nobody chose one yet
        shot(page, "01-home-utc")
        page.get_by_role("link", name="Scorecard 科技指标").click()
        expect(page.frame_locator(FRAME).locator("table.matrix")).to_be_visible()
        expect(clock).to_have_text("+08:00")  # the scorecard's pages made Asia/Shanghai the UI's default
        shot(page, "01-scorecard-shanghai")


def test_airflow_serves_the_projects_four_dags(laptop: BrowserContext, airflow: Airflow) -> None:
    answer = laptop.request.get(airflow.url + "/api/v2/dags")
    assert answer.ok, answer.text()
    assert {dag["dag_id"] for dag in answer.json()["dags"]} == set(DAG_IDS)


def test_the_months_matrix_is_the_warehouses_snapshot(page: Page, phone: BrowserContext, airflow: Airflow,
                                                      snapshot: Snapshot) -> None:
    open_scorecard(page, airflow)
    frame = page.locator(FRAME).element_handle().content_frame()
    assert frame is not None
    frame.get_by_label("报告期 Period").select_option(PERIOD)
    frame.get_by_role("button", name="筛选 Apply").click()
    frame.wait_for_url(f"**/scorecard/month?period={PERIOD}")  # the filters left at "all" are not sent
    expect(frame.get_by_role("heading", level=1)).to_contain_text(f"{PERIOD} 各单位指标完成情况")
    expect(frame.locator("[data-chart=city] canvas")).to_be_visible()
    shot(page, "02-matrix-laptop")

    cells = frame.locator("table.matrix").evaluate(MATRIX_CELLS)
    shown = {(unit, indicator): status for unit, indicator, status, _ in cells if status}
    assert shown == {(row.unit_code, row.indicator_code): row.status for row in snapshot.rows}
    red = {(unit, indicator) for unit, indicator, _, fill in cells if fill == LAGGING_RED}
    lagging = {key for key, status in shown.items() if status == "lagging"}
    assert lagging and red == lagging
    assert snapshot.missing_units == ["P04"]
    not_reported = frame.locator("p.meta a[href*='/unit/']")
    expect(not_reported).to_have_count(1)
    expect(not_reported).to_contain_text("P04")

    with page.context.new_page() as alone:
        alone.goto(f"{airflow.url}/scorecard/month?period={PERIOD}")
        expect(alone.locator("[data-chart=city] canvas")).to_be_visible()
        shot(alone, "02-matrix-laptop-whole", full_page=True)
    with phone.new_page() as on_phone:
        open_scorecard(on_phone, airflow)
        shot(on_phone, "02-matrix-phone")
        on_phone.goto(f"{airflow.url}/scorecard/month?period={PERIOD}")
        expect(on_phone.locator("[data-chart=city] canvas")).to_be_visible()
        shot(on_phone, "02-matrix-phone-whole", full_page=True)


def test_a_rejected_files_feedback_workbook_downloads_from_the_months_submissions(
        page: Page, phone: BrowserContext, airflow: Airflow, rejected: Rejected, tmp_path: Path) -> None:
    open_scorecard(page, airflow)
    frame = page.frame_locator(FRAME)
    frame.locator("p.meta").get_by_role("link", name="报送情况").click()
    expect(frame.get_by_role("heading", level=1)).to_contain_text(f"{PERIOD} 报送情况")
    row = frame.locator("tr.rejected").filter(has_text=rejected.file)
    expect(row.locator(".tag")).to_have_text(rejected.rules)
    row.scroll_into_view_if_needed()
    shot(page, "03-submissions-laptop")

    with page.expect_download() as started:
        row.get_by_role("link", name="反馈表 feedback").click()
    download = started.value
    assert download.suggested_filename == Path(rejected.feedback).name
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    problems = list(openpyxl.load_workbook(saved)["问题清单 Problems"].iter_rows(values_only=True))
    assert problems[0][:3] == ("单位 unit", "报告期 period", "规则 rule")
    assert {line[:3] for line in problems[1:]} == {(rejected.unit_code, rejected.period, rule)
                                                   for rule in rejected.rules}

    with page.context.new_page() as alone:
        alone.goto(f"{airflow.url}/scorecard/submissions?period={PERIOD}")
        shot(alone, "03-submissions-laptop-whole", full_page=True)
    with phone.new_page() as on_phone:
        open_scorecard(on_phone, airflow)
        on_phone.frame_locator(FRAME).locator("p.meta").get_by_role("link", name="报送情况").click()
        expect(on_phone.frame_locator(FRAME).locator("table.submissions")).to_be_visible()
        shot(on_phone, "03-submissions-phone")
        on_phone.goto(f"{airflow.url}/scorecard/submissions?period={PERIOD}")
        shot(on_phone, "03-submissions-phone-whole", full_page=True)


def test_the_ingest_runs_tab_shows_its_files_and_verdicts(page: Page, airflow: Airflow, demo: DemoRun,
                                                          ingest_run: dict) -> None:
    run_id = ingest_run["dag_run_id"]
    engine = warehouse(demo)
    with engine.connect() as conn:
        counts = dict(conn.execute(sa.text(
            "select s.status, count(*) from submissions s join received_files r on r.file_id = s.file_id"
            " where r.run_id = :run_id group by s.status"), {"run_id": run_id}).all())
    engine.dispose()
    started = datetime.fromisoformat(ingest_run["start_date"])

    page.goto(airflow.url + "/")
    page.get_by_role("link", name="Dags", exact=True).click()
    page.locator("a[href='/dags/scorecard_ingest']", has_text="scorecard_ingest").click()
    page.get_by_role("link", name="Runs", exact=True).click()
    page.get_by_role("link", name=run_id, exact=True).click()
    page.locator("a[href$='/plugin/scorecard-run']").click()
    frame = page.frame_locator(FRAME)
    expect(frame.get_by_role("heading", level=1)).to_contain_text("本次接收")
    expect(frame.locator("p.meta")).to_have_text(run_id)
    expect(frame.locator("p.summary")).to_contain_text(
        f"{counts['accepted']} 份接收 accepted，{counts['rejected']} 份退回 rejected")
    expect(frame.locator("td.state-rejected")).to_have_count(counts["rejected"])
    # The run's header, in the zone the scorecard's pages chose, though the browser is on UTC.
    shanghai, utc = (f"{started.astimezone(zone):%Y-%m-%d %H:%M:%S}" for zone in (SHANGHAI, UTC))
    expect(page.locator("time", has_text=shanghai).first).to_be_visible()
    expect(page.locator("time", has_text=utc)).to_have_count(0)
    shot(page, "04-ingest-run-tab")


def test_the_load_batches_log_gives_each_files_verdict(page: Page, airflow: Airflow, ingest_run: dict,
                                                       rejected: Rejected) -> None:
    page.goto(f"{airflow.url}/dags/scorecard_ingest/runs/{quote(ingest_run['dag_run_id'])}")
    page.get_by_role("table").get_by_role("link", name="load_batches", exact=True).click()
    page.get_by_role("textbox", name="Search logs...").fill(rejected.file)

    rules = ",".join(sorted(rejected.rules))
    verdict = f"{rejected.unit_code} {rejected.period} rejected: {rejected.file} [{rules}] feedback "
    expect(page.get_by_text(verdict)).to_be_visible()
    shot(page, "05-load-batches-log")


def test_the_trigger_form_refuses_month_13(page: Page, airflow: Airflow) -> None:
    page.goto(airflow.url + "/dags/scorecard_monthly_snapshot")
    page.get_by_role("button", name="Trigger Dag").click()
    dialog = page.get_by_role("dialog")
    period = dialog.get_by_role("group").filter(has_text="period").get_by_role("combobox")

    # The form offers the months themselves (Airflow's form checks no pattern as one types): neither
    # month 13 nor a month after this one can be picked.
    period.fill("2026-13")
    expect(page.get_by_role("option")).to_have_count(0)
    shot(page, "06-trigger-2026-13")
    this_month = pendulum.now("Asia/Shanghai")
    after = this_month.add(months=1).format("YYYY-MM")
    period.fill(after)
    expect(page.get_by_role("option")).to_have_count(0)
    period.fill(PERIOD)
    expect(page.get_by_role("option", name=f"{PERIOD}（{PERIOD[:4]}年{int(PERIOD[5:])}月）")).to_be_visible()
    shot(page, "06-trigger-offers-the-month")
    page.keyboard.press("Escape")


def test_pages_json_and_downloads_need_the_login(browser: Browser, airflow: Airflow,
                                                 rejected: Rejected) -> None:
    with browser.new_context(viewport=LAPTOP, timezone_id="UTC") as context:
        for path in ("/scorecard/month", "/scorecard/api/matrix",
                     f"/scorecard/download/feedback/{rejected.file_id}"):
            answer = context.request.get(airflow.url + path, max_redirects=0)
            assert answer.status in (401, 403), (path, answer.status, answer.text()[:200])

        page = context.new_page()
        response = page.goto(f"{airflow.url}/scorecard/month")
        assert response is not None and response.status == 401
        expect(page.get_by_role("heading", level=1)).to_contain_text("请先登录 Airflow")
        shot(page, "07-not-logged-in")
        page.get_by_role("link", name="登录 Log in").click()
        sign_in(page, airflow)
        expect(page).to_have_url(f"{airflow.url}/scorecard/month")
        expect(page.locator("table.matrix")).to_be_visible()


def test_unpausing_every_dag_after_the_demo_mails_nothing_about_earlier_months(
        laptop: BrowserContext, airflow: Airflow, demo: DemoRun) -> None:
    """What the scheduler starts once the DAGs are unpaused (each time-scheduled DAG's latest interval, and
    whatever their assets trigger) ends without one email about a month before the demo's 2026-10."""
    outbox = demo.data / "outbox"
    before = set(outbox.glob("*.eml"))

    def runs(dag_id: str, query: str) -> list[dict]:
        answer = laptop.request.get(f"{airflow.url}/api/v2/dags/{dag_id}/dagRuns?{query}")
        assert answer.ok, answer.text()
        return answer.json()["dag_runs"]

    def pause(paused: bool) -> None:
        for dag_id in DAG_IDS:
            answer = laptop.request.patch(f"{airflow.url}/api/v2/dags/{dag_id}", data={"is_paused": paused})
            assert answer.ok, answer.text()

    pause(False)
    try:
        deadline, settled = time.monotonic() + STARTUP_TIMEOUT, 0
        while settled < 3 and time.monotonic() < deadline:  # three quiet polls: nothing left to trigger
            time.sleep(2)
            started = all(runs(dag_id, "run_type=scheduled") for dag_id in SCHEDULED_ON_UNPAUSE)
            busy = runs("~", "state=queued&state=running")
            settled = settled + 1 if started and not busy else 0
    finally:
        pause(True)
    assert settled == 3, "the runs the unpausing started did not end"
    since = runs("~", "run_type=scheduled&run_type=asset_triggered")
    assert since and {run["state"] for run in since} == {"success"}, since

    mailed = [str(message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"])
              for path in sorted(set(outbox.glob("*.eml")) - before)]
    assert not [subject for subject in mailed if EARLIER_MONTH.search(subject)], mailed
