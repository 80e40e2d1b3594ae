"""The scorecard's pages in Airflow: the plugin loaded by Airflow's own API server app, its real login (the
simple auth manager, a token from ``POST /auth/token``), a warehouse filled by the real pipeline on SQLite
and PostgreSQL. Pages, JSON and downloads against the warehouse; every route refused without the login;
no file served but those the warehouse knows, by id."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from support import REPO, TODAY
from support.databases import scratch_postgres

from scorecard import ingest, parsing, receiving, reports, samples, snapshots, targets, validation, warehouse

pytestmark = pytest.mark.integration

PERIOD = "2026-10"
INGEST_RUN = "scheduled__2026-11-03T01:00:00+00:00"
LATE_RUN = "manual__2026-11-20T02:30:00+00:00"
SNAPSHOT_RUN = "scheduled__2026-11-04T22:00:00+00:00"
USER, PASSWORD = "analyst", "s3cret-analyst"


def _clear_plugin_caches() -> None:
    from airflow import plugins_manager

    for cached in (plugins_manager._get_plugins, plugins_manager._get_ui_plugins,
                   plugins_manager.get_fastapi_plugins, plugins_manager.get_flask_plugins):
        cached.cache_clear()


@pytest.fixture(scope="module")
def airflow_app(airflow_db, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Airflow's API server app (``airflow.api_fastapi.app.create_app``) with the repository's plugins
    folder and one user of the simple auth manager, a viewer."""
    passwords = tmp_path_factory.mktemp("auth") / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD}))
    with pytest.MonkeyPatch.context() as patch:
        from airflow import settings
        from airflow.api_fastapi.app import create_app, purge_cached_app

        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", f"{USER}:viewer")
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(passwords))
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))  # as a deployment sets it
        patch.setattr(settings, "PLUGINS_FOLDER", str(REPO / "plugins"))
        _clear_plugin_caches()
        try:
            yield create_app()
        finally:
            purge_cached_app()
            _clear_plugin_caches()


@pytest.fixture(scope="module")
def client(airflow_app) -> TestClient:
    return TestClient(airflow_app)


@pytest.fixture(scope="module")
def token(client: TestClient) -> str:
    answer = client.post("/auth/token", json={"username": USER, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return answer.json()["access_token"]


@pytest.fixture(scope="module")
def logged_in(client: TestClient, token: str) -> TestClient:
    """The client with the user's token on every request."""
    return TestClient(client.app, headers={"Authorization": f"Bearer {token}"})


@dataclass(frozen=True)
class Site:
    engine: sa.Engine
    inbox: Path
    ingested: ingest.IngestOutcome


def _late_correction(catalog, folder: Path) -> Path:
    """C03's October again, ten days later, one flow figure raised: received by another run, it makes
    October's snapshot version 2."""
    report = samples.year_reports(catalog, 2026, 10)[("C03", PERIOD)]
    figure = report.figure("TECH_TURNOVER")
    assert figure is not None and figure.value is not None
    corrected = replace(report.with_figure(replace(figure, value=figure.value + 5000)),
                        submitted_at=report.submitted_at + timedelta(days=10))
    folder.mkdir(parents=True)
    path = folder / f"{PERIOD}_C03_late.xlsx"
    path.write_bytes(samples.workbook_bytes(corrected, catalog))
    return path


def _fill(eng: sa.Engine, folder: Path, catalog) -> Site:
    """The sample year received by one ingest run, every month snapshotted, October's bulletin written
    (version 1, recorded for a snapshot run), then a late correction received by another run and
    October taken again (version 2)."""
    cat = warehouse.init_db(eng)
    with eng.begin() as conn:
        targets.load(conn, targets.read(REPO / "src" / "scorecard" / "defaults" / "targets_2026.csv", cat))
    inbox = folder / "inbox"
    samples.generate_year(inbox, catalog, 2026, 10)
    quarantine = str(folder / "quarantine")
    ingested = ingest.ingest_files(eng, receiving.pending_files(eng, str(inbox)), today=TODAY,
                                   quarantine_root=quarantine, run_id=INGEST_RUN)
    for month in range(1, 11):
        taken = snapshots.take(eng, f"2026-{month:02d}", today=TODAY)
    snapshots.record_run(eng, SNAPSHOT_RUN, taken)
    reports.write_bulletin(eng, PERIOD, version=1, out_dir=str(folder / "bulletins"))
    late = _late_correction(catalog, folder / "late")
    ingest.ingest_files(eng, [str(late)], today=TODAY, quarantine_root=quarantine, run_id=LATE_RUN)
    assert snapshots.take(eng, PERIOD, today=TODAY).version == 2
    return Site(eng, inbox, ingested)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, catalog) -> Iterator[Site]:
    """A filled warehouse, on each backend, that the app reads through ``SCORECARD_DB_URL``."""
    folder = tmp_path_factory.mktemp(f"web-{request.param}")
    with ExitStack() as stack:
        url = (stack.enter_context(scratch_postgres("scorecard_test_web")) if request.param == "postgresql"
               else f"sqlite:///{folder / 'warehouse.db'}")
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setenv("SCORECARD_DB_URL", url)
        eng = warehouse.engine(url)
        yield _fill(eng, folder, catalog)
        eng.dispose()


def scalar_rows(site: Site, query: str, **params) -> list:
    with site.engine.connect() as conn:
        return list(conn.execute(sa.text(query), params).all())


def rejected_file(site: Site, name: str) -> sa.Row:
    """The received file (and its quarantine) whose location ends in ``name``."""
    [row] = scalar_rows(site, "select f.file_id, q.stored_path, q.feedback_path from received_files f "
                              "join quarantine q on q.file_id = f.file_id where f.uri like :pattern",
                        pattern=f"%{name}")
    return row


# --- pages and JSON ------------------------------------------------------------------------------------

def test_matrix_json_is_the_snapshot_city_first(site: Site, logged_in: TestClient) -> None:
    answer = logged_in.get("/scorecard/api/matrix", params={"period": PERIOD})
    assert answer.status_code == 200
    document = answer.json()
    with site.engine.connect() as conn:
        snap = snapshots.latest(conn, PERIOD)
    assert snap is not None and snap.version == 2
    assert (document["period"], document["version"]) == (PERIOD, snap.version)
    assert document["fields"] == list(snapshots.JSON_FIELDS)
    served = [dict(zip(document["fields"], row, strict=True)) for row in document["rows"]]
    cities = [n for n, row in enumerate(served) if row["unit_code"] == "CITY"]
    assert cities == list(range(17)), "the CITY rows come first"
    assert sorted(served, key=lambda r: (r["unit_code"], r["indicator_code"])) == sorted(
        (r.as_json() for r in snap.rows), key=lambda r: (r["unit_code"], r["indicator_code"]))
    assert {r["status"] for r in served} >= {"achieved", "behind", "lagging"}

    first = logged_in.get("/scorecard/api/matrix", params={"period": PERIOD, "version": 1}).json()
    assert first["version"] == 1 and len(first["rows"]) == len(served)
    city = logged_in.get("/scorecard/api/matrix", params={"unit": "CITY"}).json()
    assert [r[0] for r in city["rows"]] == ["CITY"] * 17


def test_month_page_is_chinese_responsive_and_filtered(site: Site, logged_in: TestClient) -> None:
    page = logged_in.get("/scorecard/month").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<html lang="zh-CN">' in page and "各单位指标完成情况" in page
    assert "严重滞后" in page and "个百分点" in page and "序时" in page
    assert "快照第 2 版" in page and "未报送" in page and "P04" in page
    assert page.index(">全市</a>") < page.index(">东城区</a>") < page.index(">高新技术产业开发区</a>")
    assert "/scorecard/static/scorecard.css" in page and "localStorage" not in page  # the script does it

    parks = logged_in.get("/scorecard/month", params={"unit_type": "park", "version": 1}).text
    assert "高新技术产业开发区" in parks and "东城区" not in parks and "快照第 1 版" in parks
    lagging = logged_in.get("/scorecard/month", params={"status": "lagging", "indicator": "TECH_TURNOVER"})
    cells = re.findall(r'data-status="(\w+)"', lagging.text)
    assert lagging.status_code == 200 and "lagging" in cells and len(cells) < 10
    assert logged_in.get("/scorecard/month", params={"status": "bad"}).status_code == 422
    assert logged_in.get("/scorecard/month", params={"period": "2026-13"}).status_code == 422
    assert logged_in.get("/scorecard/month", params={"period": "2026-10", "version": 9}).status_code == 404
    latest = logged_in.get("/scorecard/month", params={"period": "2026-10", "version": ""})  # form's "latest"
    assert latest.status_code == 200 and "快照第 2 版" in latest.text


PAGES = ["/scorecard/month", "/scorecard/submissions?period=2026-10", "/scorecard/unit/P01",
         "/scorecard/unit/CITY?year=2026", "/scorecard/bulletins", "/scorecard/diff?period=2026-10",
         f"/scorecard/runs/scorecard_ingest/{quote(INGEST_RUN, safe='')}",
         f"/scorecard/runs/scorecard_monthly_snapshot/{quote(SNAPSHOT_RUN, safe='')}",
         "/scorecard/runs/scorecard_alerts/manual__1"]


def test_every_page_is_chinese_and_fits_a_phone(site: Site, logged_in: TestClient) -> None:
    for route in PAGES:
        answer = logged_in.get(route)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html"), route
        assert '<html lang="zh-CN">' in answer.text and 'name="viewport"' in answer.text, route
        assert re.search(r"<h1>[^<]*[\u4e00-\u9fff]", answer.text), route
        # the bureau's zone, which the script makes the Airflow UI's default when none was chosen
        assert 'data-zone="Asia/Shanghai"' in answer.text, route
    script = logged_in.get("/scorecard/static/scorecard.js").text
    assert 'const ZONE_KEY = "timezone"' in script and "JSON.stringify(document.body.dataset.zone)" in script


def test_submissions_list_each_rejection_with_rules_and_feedback(site: Site, logged_in: TestClient) -> None:
    page = logged_in.get("/scorecard/submissions", params={"period": PERIOD}).text
    for rule in ("not_a_number", "cumulative_decrease", "missing_value", "unknown_unit"):
        assert f'<span class="tag">{rule}</span>' in page
    kept = rejected_file(site, "2026-10_C01_bad-not_a_number.xlsx")
    assert f"/scorecard/download/feedback/{kept.file_id}" in page
    assert f"/scorecard/download/original/{kept.file_id}" in page
    assert "数值“三十”不是数字" in page and "2026-10_C01_bad-not_a_number.xlsx" in page

    document = logged_in.get("/scorecard/api/submissions", params={"period": PERIOD}).json()
    states = {u["unit_code"]: u["state"] for u in document["units"]}
    assert states["P04"] == "missing" and states["C01"] == "reported" and states["X99"] == "rejected"
    c01 = next(u for u in document["units"] if u["unit_code"] == "C01")
    rejected = [s for s in c01["submissions"] if s["status"] == "rejected"]
    assert {tuple(s["rules"]) for s in rejected} == {("cumulative_decrease",), ("not_a_number",)}
    assert all(s["feedback"] for s in rejected)
    [(received,)] = scalar_rows(site, "select received_at from submissions where file_id = :f",
                                f=rejected[0]["file_id"])
    received = datetime.fromisoformat(received) if isinstance(received, str) else received
    shanghai = received.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    assert rejected[0]["received_at"] == shanghai.isoformat(timespec="seconds")
    assert f"{shanghai:%Y-%m-%d %H:%M}" in page


def test_feedback_and_original_downloads_are_the_quarantined_bytes(site: Site, logged_in: TestClient) -> None:
    kept = rejected_file(site, "2026-10_C01_bad-not_a_number.xlsx")
    feedback = logged_in.get(f"/scorecard/download/feedback/{kept.file_id}")
    assert feedback.status_code == 200 and feedback.content == Path(kept.feedback_path).read_bytes()
    assert feedback.headers["content-type"].startswith("application/vnd.openxmlformats")
    name = Path(kept.feedback_path).name
    assert "_反馈_" in name
    assert f"filename*=UTF-8''{quote(name, safe='')}" in feedback.headers["content-disposition"]
    original = logged_in.get(f"/scorecard/download/original/{kept.file_id}")
    assert original.content == (site.inbox / "2026-10_C01_bad-not_a_number.xlsx").read_bytes()


def test_bulletins_are_downloaded_by_id(site: Site, logged_in: TestClient) -> None:
    page = logged_in.get("/scorecard/bulletins").text
    ids = [int(i) for i in re.findall(r"/scorecard/download/bulletin/(\d+)", page)]
    stored = scalar_rows(site, "select bulletin_id, location from bulletins order by bulletin_id")
    assert sorted(ids) == [b.bulletin_id for b in stored] and len(stored) == 2
    for bulletin_id, location in stored:
        answer = logged_in.get(f"/scorecard/download/bulletin/{bulletin_id}")
        assert answer.content == Path(location).read_bytes()
        assert f'filename="{Path(location).name}"' in answer.headers["content-disposition"]
    assert "/scorecard/diff" in page and "v2" in page


def test_diff_between_two_versions(site: Site, logged_in: TestClient) -> None:
    served = logged_in.get("/scorecard/api/diff", params={"period": PERIOD, "from": 1, "to": 2}).json()
    with site.engine.connect() as conn:
        assert served == json.loads(json.dumps(snapshots.diff(conn, PERIOD, 1, 2)))
    changed = {(c["unit_code"], c["indicator_code"]) for c in served["changes"]}
    assert {("C03", "TECH_TURNOVER"), ("CITY", "TECH_TURNOVER")} <= changed
    assert {indicator for _, indicator in changed} == {"TECH_TURNOVER"}  # others' ranks may move
    page = logged_in.get("/scorecard/diff", params={"period": PERIOD}).text
    assert "v1 → v2" in page and "南湖县" in page
    assert logged_in.get("/scorecard/api/diff", params={"period": PERIOD, "from": 7}).status_code == 404


def test_unit_page_ranks_history_and_submissions(site: Site, logged_in: TestClient) -> None:
    page = logged_in.get("/scorecard/unit/C03", params={"year": 2026}).text
    assert re.search(r'<td class="num">\d/\d</td>', page), "ranks as 3/9"
    assert "2026-10_C03_late.xlsx" in page and "已被更正" in page and "formula_without_value" in page
    history = logged_in.get("/scorecard/api/unit/C03", params={"year": 2026}).json()
    turnover = next(i for i in history["indicators"] if i["indicator_code"] == "TECH_TURNOVER")
    with site.engine.connect() as conn:
        months = {r["month"]: r for r in snapshots.history(conn, "C03", "TECH_TURNOVER", 2026)}
    assert turnover["completion_rate"] == [months[m]["completion_rate"] if m in months else None
                                           for m in range(1, 13)]
    assert history["latest"] == {"period": PERIOD, "version": 2}
    assert logged_in.get("/scorecard/unit/CITY").status_code == 200
    assert logged_in.get("/scorecard/unit/NOPE").status_code == 404


def test_ingest_run_view_lists_the_files_of_that_run(site: Site, logged_in: TestClient) -> None:
    page = logged_in.get(f"/scorecard/runs/scorecard_ingest/{quote(INGEST_RUN, safe='')}").text
    for path in site.inbox.glob("*.*"):
        assert path.name in page
    assert "2026-10_C03_late.xlsx" not in page
    counts = site.ingested.counts()
    assert f"<b>{counts['accepted']}</b> 份接收" in page and f"<b>{counts['rejected']}</b> 份退回" in page
    assert "C01 ×2" in page and re.search(r"2026-10 未报送 missing：P04", page)
    late = logged_in.get(f"/scorecard/runs/scorecard_ingest/{quote(LATE_RUN, safe='')}").text
    assert "2026-10_C03_late.xlsx" in late and "2026-10_C01.xlsx" not in late


def test_snapshot_run_view_shows_its_version(site: Site, logged_in: TestClient) -> None:
    page = logged_in.get(f"/scorecard/runs/scorecard_monthly_snapshot/{quote(SNAPSHOT_RUN, safe='')}").text
    assert "2026-10 第 1 版" in page and "/scorecard/month?period=2026-10&amp;version=1" in page
    assert "需关注的指标" in page and "/scorecard/download/bulletin/" in page
    with site.engine.connect() as conn:
        snap = snapshots.load(conn, PERIOD, 1)
    assert snap is not None
    totals = [int(n) for n in re.findall(r'<li class="s-\w+"><b>(\d+)</b>', page)]
    assert sum(totals) == len([r for r in snap.rows if r.unit_code != "CITY"])
    other = logged_in.get("/scorecard/runs/scorecard_alerts/manual__1").text
    assert "没有记分卡数据可显示" in other


# --- the plugin and the login --------------------------------------------------------------------------

def test_airflow_lists_the_plugin_views(logged_in: TestClient) -> None:
    answer = logged_in.get("/api/v2/plugins")
    assert answer.status_code == 200, answer.text
    plugin = next(p for p in answer.json()["plugins"] if p["name"] == "scorecard")
    assert plugin["fastapi_apps"][0]["url_prefix"] == "/scorecard"
    views = {v["destination"]: v for v in plugin["external_views"]}
    assert views["nav"]["href"] == "scorecard/month"
    assert views["dag_run"]["href"] == "scorecard/runs/{DAG_ID}/{RUN_ID}"
    assert logged_in.get("/" + views["nav"]["icon"]).headers["content-type"] == "image/svg+xml"


ROUTES = [
    "/scorecard/", "/scorecard/month", "/scorecard/submissions", "/scorecard/unit/C01",
    "/scorecard/bulletins", "/scorecard/diff", "/scorecard/runs/scorecard_ingest/x", "/scorecard/api/matrix",
    "/scorecard/api/submissions", "/scorecard/api/unit/C01", "/scorecard/api/diff",
    "/scorecard/download/original/1", "/scorecard/download/feedback/1", "/scorecard/download/bulletin/1",
    "/scorecard/static/scorecard.css", "/scorecard/static/scorecard.js", "/scorecard/static/icon.svg",
    "/scorecard/static/uPlot.iife.min.js", "/scorecard/docs", "/scorecard/openapi.json",
]


def test_every_route_needs_the_airflow_login(site: Site, airflow_app, token: str) -> None:
    anonymous = TestClient(airflow_app)
    for route in ROUTES:
        assert anonymous.get(route, follow_redirects=False).status_code in (401, 403, 404), route
        forged = anonymous.get(route, headers={"Authorization": "Bearer not.a.token"})
        assert forged.status_code in (401, 403, 404), route
    assert {anonymous.get(r).status_code for r in ROUTES if "docs" not in r and "openapi" not in r} == {401}
    browser = anonymous.get("/scorecard/month", headers={"Accept": "text/html"})
    assert browser.status_code == 401 and "请先登录 Airflow" in browser.text and "/auth/login" in browser.text

    cookie = TestClient(airflow_app, cookies={"_token": token})  # how the UI's frame is logged in
    assert cookie.get("/scorecard/month").status_code == 200
    assert cookie.get("/scorecard/api/matrix").status_code == 200


def test_downloads_serve_only_files_the_warehouse_knows(site: Site, logged_in: TestClient) -> None:
    accepted = scalar_rows(site, "select min(file_id) from received_files where outcome = 'accepted'")[0][0]
    largest = scalar_rows(site, "select max(file_id) from quarantine")[0][0]
    refused = [
        "/scorecard/download/feedback/..%2F..%2Fetc%2Fpasswd",
        "/scorecard/download/original/..%2F..%2Fetc%2Fpasswd",
        "/scorecard/download/feedback/../../etc/passwd", "/scorecard/download/original/-1",
        "/scorecard/download/bulletin/-3", "/scorecard/download/feedback/0x1",
        "/scorecard/download/bulletin/1e3",
        f"/scorecard/download/original/{accepted}", f"/scorecard/download/feedback/{accepted}",
        f"/scorecard/download/bulletin/{largest}", "/scorecard/download/bulletin/99999999",
        "/scorecard/static/..%2Fapp.py", "/scorecard/static/app.py", "/scorecard/static/%2Fetc%2Fpasswd",
    ]
    for route in refused:
        answer = logged_in.get(route)
        assert answer.status_code in (404, 422), route
        assert b"root:" not in answer.content and b"import" not in answer.content, route
    unreadable = rejected_file(site, "2026-10_C01_bad-unreadable_file.xlsx")
    assert unreadable.feedback_path is None
    assert logged_in.get(f"/scorecard/download/feedback/{unreadable.file_id}").status_code == 404
    assert logged_in.get(f"/scorecard/download/original/{unreadable.file_id}").status_code == 200


# --- the warm validator of ``scorecard validate`` ------------------------------------------------------

@pytest.fixture(scope="module")
def validator_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new warehouse the app validates against, through ``SCORECARD_DB_URL``."""
    url = f"sqlite:///{tmp_path_factory.mktemp('validator') / 'warehouse.db'}"
    warehouse.init_db(warehouse.engine(url))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCORECARD_DB_URL", url)
        yield url


@pytest.fixture(scope="module")
def served(airflow_app, validator_warehouse: str) -> Iterator[str]:
    """Airflow's API server app on a loopback port (``host:port``), for a command in another process."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(airflow_app, host="127.0.0.1", port=0, lifespan="off",
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    yield f"{host}:{port}"
    server.should_exit = True
    thread.join(30)


def _scorecard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARD_")}
    environment.update(env or {})
    return subprocess.run([str(Path(sys.executable).with_name("scorecard")), *args], capture_output=True,
                          text=True, env=environment, timeout=300)


def test_scorecard_validate_asks_the_warm_validator_with_the_airflow_login(
        served: str, validator_warehouse: str, catalog, tmp_path: Path) -> None:
    """Through ``SCORECARD_VALIDATOR_URL`` the command prints what it prints checking the file itself
    against the app's warehouse."""
    report = samples.year_reports(catalog, 2026, 10)[("C03", PERIOD)]
    stock = report.figure("HTE_TOTAL")
    assert stock is not None
    changed = report.with_figure(replace(stock, value=-3.0)).with_figure(samples.Figure("NO_SUCH", 1.0))
    file = tmp_path / f"C03_{PERIOD}.xlsx"
    file.write_bytes(samples.workbook_bytes(changed, catalog))

    here = _scorecard("validate", str(file), "--json", "--db", validator_warehouse)
    warm = _scorecard("validate", str(file), "--json",
                      env={"SCORECARD_VALIDATOR_URL": f"http://{USER}:{PASSWORD}@{served}/scorecard"})
    refused = _scorecard("validate", str(file), "--json",
                         env={"SCORECARD_VALIDATOR_URL": f"http://{USER}:wrong@{served}/scorecard"})

    assert warm.returncode == here.returncode == 0, warm.stderr + here.stderr
    assert warm.stdout == here.stdout
    assert {(e["rule"], e["indicator_code"]) for e in json.loads(warm.stdout)["errors"]} == {
        ("negative_value", "HTE_TOTAL"), ("unknown_indicator", "NO_SUCH")}
    assert refused.returncode == 2 and "HTTP 401" in json.loads(refused.stdout)["error"]
    assert "Traceback" not in refused.stderr


def test_the_warm_validator_needs_the_login_and_leaves_a_large_file_unread(
        validator_warehouse: str, airflow_app, logged_in: TestClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    anonymous = TestClient(airflow_app)
    assert anonymous.post("/scorecard/api/validate", params={"name": "c01.csv"},
                          content=b"unit_code,period\n").status_code == 401

    monkeypatch.setenv("SCORECARD_MAX_FILE_MB", "0.001")
    answer = logged_in.post("/scorecard/api/validate", params={"name": "c01.csv"}, content=b"x" * 2000)

    assert answer.status_code == 200
    assert answer.json() == validation.answer("c01.csv", parsing.refused("c01.csv", "too_large"))
