"""Alerts by email against a real SMTP server on loopback, on SQLite and PostgreSQL.

Snapshots are written with plain SQL here so that these tests only depend on the snapshot tables.
"""

from __future__ import annotations

import io
import json
import smtplib
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from support import TODAY
from typer.testing import CliRunner

from scorecard import alerts, mail
from scorecard.mail_catcher import MailCatcher as SmtpServer
from scorecard.mail_catcher import free_port
from scorecard.model import Rejection

pytestmark = pytest.mark.integration

TEAM = "team@example.org"
SENDER = "scorecard@example.org"
C01 = "c01-stats@example.org"
C02 = "c02-stats@example.org"
P01 = "p01-office@example.org"

# unit, indicator, status, gap
SEPTEMBER = [
    ("C01", "TECH_CONTRACT", "behind", -0.05),
    ("C01", "HTE_TOTAL", "lagging", -0.20),
    ("C02", "TECH_CONTRACT", "lagging", -0.15),
    ("P01", "TECH_CONTRACT", "on_track", 0.02),
    ("CITY", "TECH_CONTRACT", "behind", -0.03),
]


@pytest.fixture(autouse=True)
def mail_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORECARD_TEAM_EMAILS", TEAM)
    monkeypatch.setenv("SCORECARD_MAIL_FROM", SENDER)


def take_snapshot(engine: sa.Engine, period: str, rows: list[tuple[str, str, str, float]]) -> int:
    """Write the next snapshot version of ``period`` holding ``rows``; its version."""
    with engine.begin() as conn:
        version = conn.execute(sa.text("select coalesce(max(version), 0) + 1 from snapshots "
                                       "where period = :p"), {"p": period}).scalar_one()
        conn.execute(sa.text("insert into snapshots (period, version, taken_at, fingerprint, threshold) "
                             "values (:p, :v, :t, :f, 0.1)"),
                     {"p": period, "v": version, "t": datetime(2026, 10, 5), "f": f"{period}-{version}"})
        snapshot_id = conn.execute(sa.text("select snapshot_id from snapshots where period = :p "
                                           "and version = :v"), {"p": period, "v": version}).scalar_one()
        conn.execute(
            sa.text("insert into snapshot_rows (snapshot_id, unit_code, indicator_code, actual, target, "
                    "completion_rate, expected_rate, gap, status, stale, rank, forecast) values "
                    "(:s, :u, :i, 60, 100, :c, 0.75, :g, :st, false, 2, 80)"),
            [{"s": snapshot_id, "u": u, "i": i, "st": st, "g": g, "c": 0.75 + g} for u, i, st, g in rows])
    return version


def log_states(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "select kind, unit_code, indicator_code, status, recipient, state from alert_log "
            "order by kind, unit_code, indicator_code, status, recipient"))]


def smtp(server: SmtpServer) -> mail.Mailer:
    return mail.SmtpUrlMailer(server.url)


def bulletin(tmp_path: Path) -> Path:
    path = tmp_path / "bulletin_2026-09.xlsx"
    book = Workbook()
    book.active["A1"] = "简报"
    book.save(path)
    return path


def test_run_sends_one_digest_and_each_unit_its_own(engine, smtp_server, tmp_path) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    answer = alerts.run(engine, "2026-09", smtp(smtp_server), bulletin_path=bulletin(tmp_path))

    assert answer["period"] == "2026-09" and answer["version"] == 1 and answer["sent"] is True
    by_key = {(a["unit_code"], a["indicator_code"]): a for a in answer["alerts"]}
    assert set(by_key) == {("C01", "TECH_CONTRACT"), ("C01", "HTE_TOTAL"), ("C02", "TECH_CONTRACT"),
                           ("CITY", "TECH_CONTRACT")}
    assert by_key["C01", "HTE_TOTAL"] == {"unit_code": "C01", "indicator_code": "HTE_TOTAL",
                                                "status": "lagging", "gap": -0.20,
                                                "recipients": [C01, TEAM]}
    assert by_key["CITY", "TECH_CONTRACT"]["recipients"] == [TEAM]

    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted([TEAM, C01, C02])
    [digest] = smtp_server.to(TEAM)
    assert digest.mail_from == SENDER
    assert digest.subject == "【科技指标监测】2026-09 进度预警汇总（快照第1版）：严重滞后 2 项、略有滞后 2 项"
    for body in (digest.body("plain"), digest.body("html")):
        assert "全市" in body and "东城区" in body and "西山区" in body
        assert "-20.0" in body and "75.0%" in body  # gap in points and 序时进度
        assert "P01" not in body.split("与上月")[0]  # on_track rows are not alerts
    assert "cid:" in digest.body("html")
    related = [p for p in digest.message.walk() if p.get_content_type() == "image/png"]
    assert len(related) == 1 and related[0]["Content-ID"].strip("<>") in digest.body("html")
    assert related[0].get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(digest.attachments()) == ["bulletin_2026-09.xlsx"]

    [c01] = smtp_server.to(C01)
    assert c01.subject == "【科技指标监测】东城区 2026-09 指标进度预警（2 项）"
    for body in (c01.body("plain"), c01.body("html")):
        assert "TECH_CONTRACT" in body and "HTE_TOTAL" in body and "严重滞后" in body
        assert "西山区" not in body and "C02" not in body
    assert not c01.attachments()
    [c02] = smtp_server.to(C02)
    assert "HTE_TOTAL" not in c02.body("plain")
    assert smtp_server.to(P01) == []
    assert {s for *_, s in log_states(engine)} == {"sent"}


def test_reruns_and_unchanged_versions_send_nothing_but_worsening_is_sent(engine, smtp_server) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    alerts.run(engine, "2026-09", smtp(smtp_server))
    alerts.run(engine, "2026-09", smtp(smtp_server))
    take_snapshot(engine, "2026-09", SEPTEMBER)
    again = alerts.run(engine, "2026-09", smtp(smtp_server))
    assert again["version"] == 2 and again["sent"] is True and len(again["alerts"]) == 4
    assert len(smtp_server.received) == 3

    worse = [("C01", "TECH_CONTRACT", "lagging", -0.12), *SEPTEMBER[1:]]
    take_snapshot(engine, "2026-09", worse)
    alerts.run(engine, "2026-09", smtp(smtp_server))
    assert len(smtp_server.received) == 5
    [_, c01] = smtp_server.to(C01)
    assert c01.subject.endswith("指标进度预警（1 项）")
    assert "TECH_CONTRACT" in c01.body("plain") and "HTE_TOTAL" not in c01.body("plain")
    [_, digest] = smtp_server.to(TEAM)
    assert "第3版" in digest.subject
    assert digest.body("html").count("<strong>新</strong>") == 1

    improved = [("C01", "TECH_CONTRACT", "behind", -0.05), *SEPTEMBER[1:]]
    take_snapshot(engine, "2026-09", improved)
    alerts.run(engine, "2026-09", smtp(smtp_server))
    assert len(smtp_server.received) == 5  # lagging was reported: an improvement to behind is not news


def test_changes_since_previous_month(engine, smtp_server) -> None:
    take_snapshot(engine, "2026-08", [("C01", "TECH_CONTRACT", "on_track", 0.01),
                                      ("C01", "HTE_TOTAL", "behind", -0.05),
                                      ("C03", "TECH_CONTRACT", "lagging", -0.30)])
    take_snapshot(engine, "2026-09", [*SEPTEMBER, ("C03", "TECH_CONTRACT", "achieved", 0.3)])
    alerts.run(engine, "2026-09", smtp(smtp_server))
    [digest] = smtp_server.to(TEAM)
    changes = digest.body("plain").split("与上月")[1]
    assert "2026-08，第1版" in changes
    newly, worsened, recovered = changes.split("\n- ")[1:4]
    assert "C01/TECH_CONTRACT" in newly and "C02/TECH_CONTRACT" in newly and "HTE_TOTAL" not in newly
    assert "C01/HTE_TOTAL" in worsened
    assert "C03/TECH_CONTRACT（已完成）" in recovered


def test_smtp_down_then_up_delivers_pending_mail_exactly_once(engine) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    port = free_port()
    mailer = mail.SmtpUrlMailer(f"smtp://127.0.0.1:{port}?timeout=5")
    answer = alerts.run(engine, "2026-09", mailer)
    assert answer["sent"] is False and answer["delivery"] == {"sent": 0, "failed": 7, "pending": 7}
    states = log_states(engine)
    assert len(states) == 7 and {s for *_, s in states} == {"failed"}  # team 4, C01 2, C02 1
    with engine.connect() as conn:
        errors = conn.execute(sa.text("select last_error from alert_log where recipient = :r"), {"r": C02})
        assert [e for (e,) in errors] == ["not tried: ConnectionRefusedError: [Errno 111] Connection refused"]

    with SmtpServer(port) as server:
        alerts.run(engine, "2026-09", mailer)
        alerts.run(engine, "2026-09", mailer)
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted([TEAM, C01, C02])
    assert {s for *_, s in log_states(engine)} == {"sent"}
    with engine.connect() as conn:
        attempts = conn.execute(sa.text("select min(attempts), max(attempts) from alert_log")).one()
    assert tuple(attempts) == (2, 2)


def test_undelivered_alert_that_recovered_is_not_sent(engine) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    alerts.run(engine, "2026-09", mail.SmtpUrlMailer(f"smtp://127.0.0.1:{free_port()}?timeout=5"))
    take_snapshot(engine, "2026-09", [("C01", "TECH_CONTRACT", "on_track", 0.0), *SEPTEMBER[1:]])
    with SmtpServer() as server:
        alerts.run(engine, "2026-09", smtp(server))
    [c01] = server.to(C01)
    assert "TECH_CONTRACT" not in c01.body("plain")
    assert ("status", "C01", "TECH_CONTRACT", "behind", C01, "superseded") in log_states(engine)


def test_dry_run_sends_and_records_nothing(engine, smtp_server) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    answer = alerts.run(engine, "2026-09", smtp(smtp_server), dry_run=True)
    assert answer["sent"] is False and len(answer["alerts"]) == 4
    assert smtp_server.received == [] and log_states(engine) == []


def test_period_without_snapshot_is_a_clear_error(engine, smtp_server) -> None:
    with pytest.raises(alerts.NoSnapshotError, match="2026-09"):
        alerts.run(engine, "2026-09", smtp(smtp_server))


def test_header_and_markup_injection_is_neutralised(engine, smtp_server) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("update units set name_zh = :n where unit_code = 'C01'"),
                     {"n": "东城区\r\nBcc: evil@example.net\r\nX-Evil: 1"})
        conn.execute(sa.text("update units set contact_email = :e where unit_code = 'C02'"),
                     {"e": "c02@example.org\r\nBcc: evil@example.net"})
        conn.execute(sa.text("update indicators set name_zh = :n where indicator_code = 'TECH_CONTRACT'"),
                     {"n": "<script>alert(1)</script>研发"})
    take_snapshot(engine, "2026-09", SEPTEMBER)
    answer = alerts.run(engine, "2026-09", smtp(smtp_server))

    c02_alert = next(a for a in answer["alerts"] if a["unit_code"] == "C02")
    assert c02_alert["recipients"] == [TEAM]
    assert all("evil@example.net" not in r.rcpt_tos for r in smtp_server.received)
    [c01] = smtp_server.to(C01)
    assert c01.message["Bcc"] is None and c01.message["X-Evil"] is None
    assert "\n" not in c01.subject and "Bcc: evil@example.net" in c01.subject
    for received in smtp_server.received:
        assert "<script>" not in received.body("html")
        assert "&lt;script&gt;" in received.body("html")


def write_accepted_submission(engine: sa.Engine, unit_code: str, period: str,
                              values: dict[str, float] | None = None) -> None:
    now = datetime(2026, 10, 2)
    with engine.begin() as conn:
        file_id = conn.execute(sa.text(
            "insert into received_files (uri, sha256, size_bytes, received_at, outcome) "
            "values (:u, :h, 1, :t, 'accepted') returning file_id"),
            {"u": f"{unit_code}.xlsx", "h": unit_code.ljust(64, "0"), "t": now}).scalar_one()
        submission_id = conn.execute(sa.text(
            "insert into submissions (file_id, unit_code, period, year, month, received_at, status, "
            "in_force, errors, warnings) values (:f, :u, :p, 2026, 9, :t, 'accepted', true, '[]', '[]') "
            "returning submission_id"),
            {"f": file_id, "u": unit_code, "p": period, "t": now}).scalar_one()
        if values:
            conn.execute(sa.text("insert into reported_values (submission_id, indicator_code, value) "
                                 "values (:s, :i, :v)"),
                         [{"s": submission_id, "i": code, "v": v} for code, v in values.items()])


def test_alerts_follow_a_snapshot_taken_by_the_snapshot_module(engine, smtp_server) -> None:
    from scorecard import snapshots

    # C01's year-to-date figures at September against 2026 targets: 序时进度 is 75 % on linear flows.
    write_accepted_submission(engine, "C01", "2026-09", {"HTE_APPLY": 8, "TECH_CONTRACT": 30000,
                                                         "CREDIT_LOAN": 1300})
    snap = snapshots.take_and_load(engine, "2026-09", today=TODAY)
    expected = {(r.unit_code, r.indicator_code): r.status for r in snap.rows
                if r.status in ("behind", "lagging")}
    answer = alerts.run(engine, "2026-09", smtp(smtp_server))
    assert answer["version"] == snap.version
    assert {(a["unit_code"], a["indicator_code"]): a["status"] for a in answer["alerts"]} == expected
    assert ("C01", "TECH_CONTRACT") in expected
    [c01] = smtp_server.to(C01)
    assert "技术合同登记额" in c01.body("plain")


def test_missing_reports_reminded_from_the_deadline_once(engine, smtp_server) -> None:
    write_accepted_submission(engine, "C01", "2026-09")
    early = alerts.remind_missing(engine, None, smtp(smtp_server), today=date(2026, 10, 2))
    assert early["period"] == "2026-09" and early["due"] is False and smtp_server.received == []

    answer = alerts.remind_missing(engine, "2026-09", smtp(smtp_server), today=date(2026, 10, 3))
    assert answer["due"] is True and answer["deadline"] == "2026-10-03"
    assert answer["missing_units"] == ["C02", "C03", "C04", "C05", "P01", "P02", "P03", "P04"]
    assert answer["reminded"] == answer["missing_units"]
    assert smtp_server.to(C01) == []
    [c02] = smtp_server.to(C02)
    assert c02.subject == "【科技指标监测】请尽快报送 2026-09 月度数据（西山区）"
    assert "2026-10-03" in c02.body("plain") and "2026-10-03" in c02.body("html")
    [team] = smtp_server.to(TEAM)
    assert team.subject.endswith("未报送单位 8 家")
    assert "P04" in team.body("plain") and "C01" not in team.body("plain")

    again = alerts.remind_missing(engine, "2026-09", smtp(smtp_server), today=date(2026, 10, 4))
    assert again["reminded"] == [] and len(smtp_server.received) == 9


def test_missing_deadline_is_configurable(engine, smtp_server, monkeypatch) -> None:
    monkeypatch.setenv("SCORECARD_REPORTING_DEADLINE_DAY", "5")
    answer = alerts.remind_missing(engine, "2026-09", smtp(smtp_server), today=date(2026, 10, 4))
    assert answer["deadline"] == "2026-10-05" and answer["due"] is False and smtp_server.received == []


ERRORS = [
    {"rule": "missing_value", "cell": None, "line": None, "indicator_code": "TECH_CONTRACT",
     "message": "必报指标 TECH_CONTRACT 未填报 / required indicator TECH_CONTRACT not reported"},
    {"rule": "not_a_number", "cell": "D12", "line": None, "indicator_code": "HTE_TOTAL",
     "message": "数值“十二”不是数字 / value is not a number"},
]


def test_rejection_notice_with_feedback_workbook_once(engine, smtp_server, tmp_path) -> None:
    feedback = tmp_path / "C01_2026-09_feedback.xlsx"
    Workbook().save(feedback)
    rejection = Rejection("/inbox/C01_2026-09.xlsx", "ab" * 32, "C01", "2026-09", ERRORS, str(feedback))
    first = alerts.notify_rejection(engine, smtp(smtp_server), rejection)
    second = alerts.notify_rejection(engine, smtp(smtp_server), rejection)
    assert (first, second) == ("sent", "already_sent")
    [notice] = smtp_server.received
    assert notice.rcpt_tos == [C01]
    assert notice.subject == "【科技指标监测】东城区 2026-09 报送文件未通过校验：C01_2026-09.xlsx"
    for body in (notice.body("plain"), notice.body("html")):
        assert "单元格 D12" in body and "TECH_CONTRACT" in body and "请补充填报" in body
    assert list(notice.attachments()) == ["C01_2026-09_feedback.xlsx"]


def test_failed_rejection_notice_is_retried(engine, smtp_server) -> None:
    down = mail.SmtpUrlMailer(f"smtp://127.0.0.1:{free_port()}?timeout=5")
    rejection = Rejection("/inbox/bad\r\nBcc: x@example.net.csv", "cd" * 32, "ZZ9", None, ERRORS, None)
    assert alerts.notify_rejection(engine, down, rejection) == "failed"
    assert alerts.retry_rejections(engine, smtp(smtp_server)) == 1
    assert alerts.retry_rejections(engine, smtp(smtp_server)) == 0
    [notice] = smtp_server.received
    assert notice.rcpt_tos == [TEAM]  # unknown unit: nobody else to tell
    assert notice.message["Bcc"] is None and "bad Bcc: x@example.net.csv" in notice.subject


def test_cli_alerts_json(engine, smtp_server) -> None:
    from scorecard.cli import app

    take_snapshot(engine, "2026-09", SEPTEMBER)
    db = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    dry = runner.invoke(app, ["alerts", "--period", "2026-09", "--dry-run", "--json", "--db", db,
                              "--smtp-url", smtp_server.url])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["sent"] is False and smtp_server.received == []
    real = runner.invoke(app, ["alerts", "--period", "2026-09", "--json", "--db", db,
                               "--smtp-url", smtp_server.url])
    assert real.exit_code == 0, real.output
    document = json.loads(real.stdout)
    assert document["sent"] is True and len(document["alerts"]) == 4 and len(smtp_server.received) == 3
    assert document["delivery"] == {"sent": 7, "failed": 0, "pending": 0}
    missing = runner.invoke(app, ["alerts", "--period", "2026-08", "--json", "--db", db])
    assert missing.exit_code == 2 and "2026-08" in json.loads(missing.stdout)["error"]


def test_cli_alerts_exits_2_when_the_server_took_nothing(engine) -> None:
    from scorecard.cli import app

    take_snapshot(engine, "2026-09", SEPTEMBER)
    down = f"smtp://127.0.0.1:{free_port()}?timeout=5"
    result = CliRunner().invoke(app, ["alerts", "--period", "2026-09", "--json", "--smtp-url", down,
                                      "--db", engine.url.render_as_string(hide_password=False)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    document = json.loads(result.stdout)
    assert document["sent"] is False and document["delivery"] == {"sent": 0, "failed": 7, "pending": 7}
    assert "the mail server took no message" in result.stderr


def test_outbox_mailer_writes_eml(engine, tmp_path) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    alerts.run(engine, "2026-09", mail.mailer_from_url(f"outbox://{tmp_path / 'outbox'}"))
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 3 and all(b"Subject: =?utf-8?" in f.read_bytes() for f in files)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_url_mailer_logs_in_with_the_url_credentials() -> None:
    message = mail.compose(sender=SENDER, to=[TEAM], subject="登录", text="正文", html="<p>正文</p>")
    with SmtpServer(login="bureau@example.org", password="p/w:1") as server:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            mail.SmtpUrlMailer(f"smtp://bureau%40example.org:wrong@127.0.0.1:{server.port}").send(message)
        mail.SmtpUrlMailer(f"smtp://bureau%40example.org:p%2Fw%3A1@127.0.0.1:{server.port}").send(message)
    assert [r.subject for r in server.received] == ["登录"]


def test_airflow_smtp_mailer_uses_the_smtp_default_connection(smtp_server, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp_server.port,
        "extra": {"disable_ssl": True, "disable_tls": True, "retry_limit": 0}}))
    message = mail.compose(sender=SENDER, to=[TEAM], subject="测试 Airflow", text="正文", html="<p>正文</p>")
    mail.mailer_from_url("airflow://smtp_default").send(message)
    [received] = smtp_server.received
    assert received.subject == "测试 Airflow" and received.body("plain").strip() == "正文"


def write_bulletin_row(engine: sa.Engine, period: str, location: str) -> None:
    """Record ``location`` as the Chinese bulletin workbook of the period's latest snapshot version."""
    with engine.begin() as conn:
        snapshot_id = conn.execute(sa.text("select max(snapshot_id) from snapshots where period = :p"),
                                   {"p": period}).scalar_one()
        conn.execute(sa.text("insert into bulletins (snapshot_id, lang, format, location, written_at) "
                             "values (:s, 'zh', 'xlsx', :l, :t)"),
                     {"s": snapshot_id, "l": location, "t": datetime(2026, 10, 5)})


def test_every_email_says_what_to_do_by_when_and_whom_to_reply_to(engine, smtp_server, tmp_path) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    alerts.run(engine, "2026-09", smtp(smtp_server))
    feedback = tmp_path / "C01_2026-09_feedback.xlsx"
    Workbook().save(feedback)
    alerts.notify_rejection(engine, smtp(smtp_server), Rejection(
        "/inbox/C01_2026-09.xlsx", "ab" * 32, "C01", "2026-09", ERRORS, str(feedback)))
    alerts.remind_missing(engine, "2026-09", smtp(smtp_server), today=date(2026, 10, 3))

    assert len(smtp_server.received) == 3 + 1 + 10
    for received in smtp_server.received:
        assert received.message["Reply-To"] == TEAM and received.mail_from == SENDER
    for received in [*smtp_server.to(C01), *smtp_server.to(C02)]:
        for body in (received.body("plain"), received.body("html")):
            assert "需要您做的" in body and "报送方式" in body and "联系人" in body, received.subject
            assert "2026-10-03" in body or "2026-11-03" in body, received.subject  # the deadline


def test_reply_to_is_configurable(engine, smtp_server, monkeypatch) -> None:
    monkeypatch.setenv("SCORECARD_REPLY_TO", "data-desk@example.org")
    monkeypatch.setenv("SCORECARD_CONTACT", "数据组王工 0571-8700 0000")
    take_snapshot(engine, "2026-09", SEPTEMBER)
    alerts.run(engine, "2026-09", smtp(smtp_server))
    [c01] = smtp_server.to(C01)
    assert c01.message["Reply-To"] == "data-desk@example.org"
    assert "数据组王工 0571-8700 0000" in c01.body("plain")


def test_unit_alerts_are_sorted_by_severity_with_rank_out_of_all_ranked(engine, smtp_server) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    alerts.run(engine, "2026-09", smtp(smtp_server))
    [c01] = smtp_server.to(C01)
    for body in (c01.body("plain"), c01.body("html")):
        assert body.index("HTE_TOTAL") < body.index("TECH_CONTRACT")  # lagging first
        assert "2/2" in body or "2/3" in body
    [digest] = smtp_server.to(TEAM)
    table = digest.body("plain").split("与上月")[0]
    assert table.index("C01)") < table.index("C02)") < table.index("全市")  # -20, -15 lagging, then behind
    assert "2/3" in table  # TECH_CONTRACT ranks C01, C02 and P01


def test_gaps_within_the_tolerance_are_not_mailed_to_units(engine, smtp_server, monkeypatch) -> None:
    rows = [("C01", "TECH_CONTRACT", "behind", -0.004), ("C01", "HTE_TOTAL", "behind", -0.0),
            ("C02", "TECH_CONTRACT", "lagging", -0.15), ("C02", "HTE_TOTAL", "behind", -0.009)]
    take_snapshot(engine, "2026-09", rows)
    monkeypatch.setenv("SCORECARD_ALERT_TOLERANCE_PP", "1.0")
    answer = alerts.run(engine, "2026-09", smtp(smtp_server))
    assert len(answer["alerts"]) == 4  # the JSON lists every behind/lagging row, addressed as §5 says
    assert {(a["unit_code"], a["indicator_code"]): a["recipients"] for a in answer["alerts"]} == {
        ("C01", "HTE_TOTAL"): [C01, TEAM], ("C01", "TECH_CONTRACT"): [C01, TEAM],
        ("C02", "HTE_TOTAL"): [C02, TEAM], ("C02", "TECH_CONTRACT"): [C02, TEAM]}
    assert smtp_server.to(C01) == []
    [c02] = smtp_server.to(C02)
    assert "TECH_CONTRACT" in c02.body("plain") and "HTE_TOTAL" not in c02.body("plain")
    [digest] = smtp_server.to(TEAM)
    assert digest.body("plain").count("*~ ") == 3 and "容差内" in digest.body("html")

    monkeypatch.setenv("SCORECARD_ALERT_TOLERANCE_PP", "0")
    take_snapshot(engine, "2026-10", rows)
    alerts.run(engine, "2026-10", smtp(smtp_server))
    [c01] = smtp_server.to(C01)
    assert c01.subject.endswith("2026-10 指标进度预警（2 项）")


def test_only_the_latest_period_is_mailed_to_units(engine, smtp_server) -> None:
    for period in ("2026-01", "2026-02", "2026-09"):
        take_snapshot(engine, period, SEPTEMBER)
    for period in ("2026-01", "2026-02"):  # the alerts DAG after a catch-up or a re-take
        answer = alerts.run(engine, period, smtp(smtp_server), by_hand=False)
        assert answer["sent"] is True and len(answer["alerts"]) == 4
        assert sum(answer["delivery"].values()) == 0
    assert smtp_server.received == []

    alerts.run(engine, "2026-02", smtp(smtp_server))  # by hand: the month asked, as contract §5 says
    assert sorted(m.rcpt_tos[0] for m in smtp_server.received) == sorted([TEAM, C01, C02])
    mailed = len(smtp_server.received)

    take_snapshot(engine, "2026-02", SEPTEMBER)  # a re-take of an earlier period: history in the digest
    alerts.run(engine, "2026-09", smtp(smtp_server))
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received[mailed:]) == sorted([TEAM, C01, C02])
    latest = smtp_server.to(TEAM)[-1]
    assert "往期快照重算" in latest.body("plain") and "2026-02 第2版：无变化" in latest.body("plain")


def test_a_retake_that_changed_nothing_alerts_no_unit_and_says_no_change(engine, smtp_server) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    take_snapshot(engine, "2026-09", SEPTEMBER)  # e.g. the alerts of version 1 never ran
    answer = alerts.run(engine, "2026-09", smtp(smtp_server))
    assert answer["version"] == 2 and len(answer["alerts"]) == 4
    [digest] = smtp_server.received
    assert digest.rcpt_tos == [TEAM] and "（无变化）" in digest.subject
    assert "本版与第1版相同（无变化）" in digest.body("plain")


def test_a_period_run_attaches_the_bulletin_the_warehouse_recorded(engine, smtp_server, tmp_path) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    write_bulletin_row(engine, "2026-09", str(bulletin(tmp_path)))
    alerts.run(engine, "2026-09", smtp(smtp_server))
    [digest] = smtp_server.to(TEAM)
    assert list(digest.attachments()) == ["bulletin_2026-09.xlsx"]
    assert "本期简报尚未生成" not in digest.body("plain")


def test_a_missing_attachment_is_said_and_logged(engine, smtp_server, tmp_path, caplog) -> None:
    take_snapshot(engine, "2026-09", SEPTEMBER)
    write_bulletin_row(engine, "2026-09", str(tmp_path / "gone" / "bulletin_2026-09_v1.xlsx"))
    alerts.run(engine, "2026-09", smtp(smtp_server))
    [digest] = smtp_server.to(TEAM)
    assert digest.attachments() == {}
    assert "无法读取，本邮件未附简报" in digest.body("plain") and "无法读取" in digest.body("html")
    rejection = Rejection("/inbox/C01_2026-09.xlsx", "ab" * 32, "C01", "2026-09", ERRORS,
                          str(tmp_path / "quarantine" / "gone_feedback.xlsx"))
    alerts.notify_rejection(engine, smtp(smtp_server), rejection)
    [notice] = [m for m in smtp_server.to(C01) if "未通过校验" in m.subject]
    assert notice.attachments() == {} and "本邮件未附该文件的反馈表" in notice.body("plain")
    assert "bulletin_2026-09_v1.xlsx not attached" in caplog.text
    assert "gone_feedback.xlsx not attached" in caplog.text


def test_reminder_attaches_the_units_blank_form(engine, smtp_server) -> None:
    from openpyxl import load_workbook

    alerts.remind_missing(engine, "2026-09", smtp(smtp_server), today=date(2026, 10, 3))
    [c02] = smtp_server.to(C02)
    [(name, content)] = c02.attachments().items()
    assert name == "C02_2026-09_填报模板.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    assert (sheet["B1"].value, sheet["B2"].value) == ("C02", "2026-09")
    [team] = smtp_server.to(TEAM)
    assert team.attachments() == {}


def test_rejection_names_each_place_once(engine, smtp_server) -> None:
    errors = [{"rule": "not_a_number", "cell": "D9", "line": None, "indicator_code": "HTE_TOTAL",
               "message": "单元格 D9：数值“abc”不是数字 / cell D9: 'abc' is not a number"}]
    alerts.notify_rejection(engine, smtp(smtp_server),
                            Rejection("/inbox/C01.xlsx", "ef" * 32, "C01", "2026-09", errors, None))
    [notice] = smtp_server.received
    for body in (notice.body("plain"), notice.body("html")):
        assert body.count("D9") == 1 and "数值“abc”不是数字" in body


def test_one_rejection_notice_per_unit_and_run_each_file_once(engine, smtp_server, tmp_path) -> None:
    feedback = tmp_path / "C01_a_feedback.xlsx"
    Workbook().save(feedback)
    first = Rejection("/inbox/C01_a.xlsx", "a1" * 32, "C01", "2026-09", ERRORS, str(feedback))
    second = Rejection("/inbox/C01_b.csv", "b2" * 32, "C01", "2026-08", ERRORS[1:], None)
    other = Rejection("/inbox/C02.xlsx", "c3" * 32, "C02", "2026-09", ERRORS, None)
    outcomes = alerts.notify_rejections(engine, smtp(smtp_server), [first, second, other])
    assert outcomes == ["sent", "sent", "sent"]
    [c01] = smtp_server.to(C01)
    assert c01.subject == "【科技指标监测】东城区 2026-08、2026-09 报送文件未通过校验（2 个文件）"
    assert "C01_a.xlsx" in c01.body("plain") and "C01_b.csv" in c01.body("plain")
    assert list(c01.attachments()) == ["C01_a_feedback.xlsx"]
    assert len(smtp_server.to(C02)) == 1

    third = Rejection("/inbox/C01_c.xlsx", "d4" * 32, "C01", "2026-09", ERRORS, None)
    again = alerts.notify_rejections(engine, smtp(smtp_server), [first, third])
    assert again == ["already_sent", "sent"]
    [_, c01_again] = smtp_server.to(C01)
    assert "C01_c.xlsx" in c01_again.body("plain") and "C01_a.xlsx" not in c01_again.body("plain")
    assert c01_again.subject.endswith("未通过校验：C01_c.xlsx")


def test_failed_notices_of_a_unit_are_retried_in_one_message(engine, smtp_server) -> None:
    down = mail.SmtpUrlMailer(f"smtp://127.0.0.1:{free_port()}?timeout=5")
    files = [Rejection(f"/inbox/C01_{n}.xlsx", f"{n}e" * 32, "C01", "2026-09", ERRORS, None) for n in (1, 2)]
    assert alerts.notify_rejections(engine, down, files) == ["failed", "failed"]
    assert alerts.retry_rejections(engine, smtp(smtp_server)) == 2
    assert alerts.retry_rejections(engine, smtp(smtp_server)) == 0
    [notice] = smtp_server.received
    assert "C01_1.xlsx" in notice.body("plain") and "C01_2.xlsx" in notice.body("plain")
