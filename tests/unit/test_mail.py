"""Mail composition, header safety, templates, mailer selection, the words shown and the pure alert rules."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import pytest

from scorecard import catalog, labels, mail, snapshots
from scorecard.alerts import progress, rejections, reminders, sending
from scorecard.vocabulary import Rule, Status, UnitType


@pytest.mark.parametrize(("raw", "safe"), [
    ("东城区", "东城区"),
    ("东城区\r\nBcc: evil@example.net", "东城区 Bcc: evil@example.net"),
    ("a\nb\rc\x00d\x7fe", "a b c d e"),
    ("x\u2028y\x85z", "x y z"),
    ("  多   空格 ", "多 空格"),
    (12.5, "12.5"),
])
def test_header_text_removes_line_breaks_and_controls(raw: object, safe: str) -> None:
    assert mail.header_text(raw) == safe


def test_header_text_truncates() -> None:
    assert mail.header_text("长" * 300, limit=10) == "长" * 9 + "…"


@pytest.mark.parametrize(("address", "valid"), [
    ("c01-stats@example.org", True),
    ("first.last+tag@sub.example.org", True),
    ("scorecard@localhost", True),
    ("", False),
    (None, False),
    ("no-at-sign.example.org", False),
    ("a@b@example.org", False),
    ("c02@example.org\r\nBcc: evil@example.net", False),
    ("Name <c01@example.org>", False),
    ("a b@example.org", False),
    ("a@-bad-.org", False),
])
def test_is_address(address: object, valid: bool) -> None:
    assert mail.is_address(address) is valid


@pytest.mark.parametrize(("func", "value", "text"), [
    (mail.format_pct, 0.853, "85.3%"),
    (mail.format_pct, None, "—"),
    (mail.format_points, -0.123, "-12.3"),
    (mail.format_points, 0.05, "+5.0"),
    (mail.format_num, 1234.5, "1,234.5"),
    (mail.format_num, 80.0, "80"),
    (mail.format_num, None, "—"),
])
def test_formats(func, value, text: str) -> None:
    assert func(value) == text


def compose_sample() -> bytes:
    image = mail.InlineImage(mail.new_cid(), b"\x89PNG\r\n\x1a\nfake")
    message = mail.compose(
        sender="scorecard@example.org", to=["team@example.org"], subject="2026-09 进度预警\r\nBcc: x@y.org",
        text="纯文本", html=f'<p>网页</p><img src="cid:{image.cid}">', images=[image],
        attachments=[mail.Attachment("简报.xlsx", b"PK\x03\x04", mail.XLSX_MIME)])
    return message.as_bytes()


def test_compose_builds_alternative_related_and_attachment() -> None:
    raw = compose_sample()
    parsed = message_from_bytes(raw, policy=policy.default)
    types = [p.get_content_type() for p in parsed.walk()]
    assert types == ["multipart/mixed", "multipart/alternative", "text/plain", "multipart/related",
                     "text/html", "image/png", mail.XLSX_MIME]
    assert parsed.get_body(("plain",)).get_content().strip() == "纯文本"
    assert "网页" in parsed.get_body(("html",)).get_content()
    [attachment] = parsed.iter_attachments()
    assert attachment.get_filename() == "简报.xlsx" and attachment.get_content() == b"PK\x03\x04"


def test_compose_encodes_chinese_subject_on_one_safe_line() -> None:
    raw = compose_sample()
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii()
    assert b"\r\nBcc:" not in headers
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "2026-09 进度预警 Bcc: x@y.org"
    assert parsed["Bcc"] is None


@pytest.mark.parametrize(("sender", "to"), [
    ("scorecard@example.org", ["team@example.org\r\nBcc: evil@example.net"]),
    ("scorecard@example.org\nX: 1", ["team@example.org"]),
    ("scorecard@example.org", []),
])
def test_compose_refuses_unsafe_addresses(sender: str, to: list[str]) -> None:
    with pytest.raises(mail.MailError):
        mail.compose(sender=sender, to=to, subject="s", text="t", html="h")


def row(**overrides) -> snapshots.Row:
    values = dict(unit_code="C01", indicator_code="TECH_CONTRACT", actual=60.0, target=100.0,
                  completion_rate=0.6, expected_rate=0.75, gap=-0.15, status="lagging", stale=False, rank=3,
                  forecast=80.0)
    return snapshots.Row(**{**values, **overrides})


def units(*contacts: tuple[str, str | None]) -> catalog.Catalog:
    return catalog.build([], [catalog.Unit(code, f"单位{code}", f"Unit {code}", UnitType.COUNTY, address)
                              for code, address in contacts])


def test_templates_escape_html_but_not_text() -> None:
    evil = {**labels.named(row(), units()), "indicator_name": "<script>alert(1)</script>", "rank_of": "3/9"}
    text, html = mail.render("status_unit", period="2026-09", version=1, unit_name="东城区", rows=[evil],
                             next_period="2026-10", action=sending.action(date(2026, 11, 3)))
    assert "<script>" in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "60.0%" in html and "-15.0" in html and "严重滞后" in html


def test_every_status_and_field_shown_has_its_words() -> None:
    assert set(labels.STATUSES) == set(Status)
    assert set(snapshots.JSON_FIELDS) <= set(labels.FIELDS)
    assert all(w.zh and w.en for w in [*labels.STATUSES.values(), *labels.FIELDS.values()])


@pytest.mark.parametrize(("code", "lang", "name"), [
    ("C01", "zh", "单位C01"), ("C01", "en", "Unit C01"), ("CITY", "zh", "全市"), ("CITY", "en", "City"),
    ("ZZ9", "zh", "ZZ9"),
])
def test_unit_names(code: str, lang: str, name: str) -> None:
    assert labels.unit_name(units(("C01", None)), code, lang) == name


@pytest.mark.parametrize(("url", "kind", "attrs"), [
    ("smtp://127.0.0.1:2525", mail.SmtpUrlMailer,
     {"host": "127.0.0.1", "port": 2525, "ssl": False, "starttls": False, "user": None}),
    ("smtp://u%40x:p%2Fw@mail.example.org:587?starttls=1&timeout=5", mail.SmtpUrlMailer,
     {"port": 587, "starttls": True, "user": "u@x", "password": "p/w", "timeout": 5.0}),
    ("smtps://mail.example.org", mail.SmtpUrlMailer, {"port": 465, "ssl": True}),
    ("airflow://", mail.AirflowSmtpMailer, {"conn_id": "smtp_default"}),
    ("airflow://smtp_bureau", mail.AirflowSmtpMailer, {"conn_id": "smtp_bureau"}),
    ("outbox:///tmp/outbox", mail.OutboxMailer, {}),
])
def test_mailer_from_url(url: str, kind: type, attrs: dict) -> None:
    mailer = mail.mailer_from_url(url)
    assert isinstance(mailer, kind)
    assert {k: getattr(mailer, k) for k in attrs} == attrs


@pytest.mark.parametrize("url", ["http://example.org", "smtp://", "mailto:a@b.org"])
def test_mailer_from_url_refuses_unknown(url: str) -> None:
    with pytest.raises(mail.MailError):
        mail.mailer_from_url(url)


def test_every_rule_has_a_hint() -> None:
    assert set(rejections.RULE_HINTS) == set(Rule)


@pytest.mark.parametrize(("period", "deadline"), [
    ("2026-09", date(2026, 10, 3)), ("2026-01", date(2026, 2, 3)), ("2026-12", date(2027, 1, 3)),
])
def test_the_reporting_deadline_falls_in_the_month_after(period: str, deadline: date) -> None:
    assert reminders.deadline(period, 3) == deadline


@pytest.mark.parametrize(("before", "now", "change"), [
    (None, "behind", "newly"),
    ("on_track", "lagging", "newly"),
    ("behind", "lagging", "worsened"),
    ("lagging", "on_track", "recovered"),
    ("behind", "achieved", "recovered"),
    ("lagging", "behind", None),
    ("behind", "behind", None),
    ("behind", "no_data", None),
])
def test_compare(before: str | None, now: str, change: str | None) -> None:
    previous = {} if before is None else {("C01", "TECH_CONTRACT"): row(status=before)}
    changes = progress.compare({("C01", "TECH_CONTRACT"): row(status=now)}, previous, "2026-08", 1)
    found = [name for name in ("newly", "worsened", "recovered") if getattr(changes, name)]
    assert found == ([change] if change else [])


@pytest.mark.parametrize(("sent", "status", "due"), [
    ([], "behind", True),
    ([("behind", "sent")], "behind", False),
    ([("behind", "sent")], "lagging", True),
    ([("lagging", "sent")], "behind", False),
    ([("behind", "failed")], "behind", True),
    ([("behind", "sent", "other@example.org")], "behind", True),
])
def test_due_only_when_more_severe_than_what_was_sent(sent: list[tuple], status: str, due: bool) -> None:
    log_rows = [{"unit_code": "C01", "indicator_code": "TECH_CONTRACT", "status": s[0], "state": s[1],
                 "recipient": s[2] if len(s) > 2 else "c01@example.org"} for s in sent]
    assert bool(progress.due_rows([row(status=status)], "c01@example.org", log_rows)) is due


@pytest.mark.parametrize(("code", "own"), [
    ("C01", ["c01@example.org"]),
    ("C02", []),
    ("C03", []),
    ("CITY", []),
])
def test_recipients(code: str, own: list[str]) -> None:
    team = ["team@example.org", "boss@example.org"]
    cat = units(("C01", "c01@example.org"), ("C02", "bad\r\nBcc: x@y.org"), ("C03", None))
    assert progress.recipients(progress.unit_contact(cat, code), team) == [*own, *team]


def test_team_addresses_that_are_not_plain_addresses_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORECARD_TEAM_EMAILS", "team@example.org, bad\nBcc: x@y.org ,,Boss <b@example.org>")
    assert sending.mail_settings().team == ["team@example.org"]


def test_log_ref_fits_the_column_and_keeps_long_refs_apart() -> None:
    long_a, long_b = "s3://inbox/" + "a" * 300 + "/x.xlsx", "s3://inbox/" + "a" * 300 + "/y.xlsx"
    assert sending.log_ref("C01.xlsx") == "C01.xlsx"
    assert len(sending.log_ref(long_a)) == 255 and sending.log_ref(long_a) != sending.log_ref(long_b)


@pytest.mark.parametrize(("status", "gap", "tolerance", "mailed"), [
    ("behind", -0.0, 1.0, False),
    ("behind", -0.004, 1.0, False),
    ("behind", -0.01, 1.0, True),
    ("behind", -0.05, 1.0, True),
    ("behind", -0.004, 0.0, True),
    ("lagging", -0.12, 50.0, True),
])
def test_units_are_mailed_only_material_gaps(status: str, gap: float, tolerance: float, mailed: bool) -> None:
    assert progress.material(row(status=status, gap=gap), tolerance) is mailed


def test_rows_by_severity_then_gap() -> None:
    rows = [row(unit_code="C01", status="behind", gap=-0.02), row(unit_code="C02", gap=-0.11),
            row(unit_code="C03", status="behind", gap=-0.08), row(unit_code="C04", gap=-0.3)]
    assert [r.unit_code for r in progress.by_severity(rows)] == ["C04", "C02", "C03", "C01"]


def test_rank_has_its_denominator() -> None:
    rows = [row(unit_code=c, rank=i) for i, c in enumerate(["C01", "C02", "C03"], 1)]
    rows += [row(unit_code="CITY", rank=None), row(unit_code="C04", rank=None)]
    counts = progress.ranked_counts(rows)
    assert counts == {"TECH_CONTRACT": 3}
    assert labels.rank_of(2, counts["TECH_CONTRACT"]) == "2/3" and labels.rank_of(None, 3) == "—"


@pytest.mark.parametrize(("message", "shown"), [
    ("单元格 D9：单元格 D9：数值“x”不是数字 / cell D9: cell D9: not a number",
     "数值“x”不是数字 / not a number"),
    ("单元格 D9：数值“x”不是数字 / cell D9: 'x' is not a number", "数值“x”不是数字 / 'x' is not a number"),
    ("第 12 行：缺少数值 / line 12: no value", "缺少数值 / no value"),
])
def test_rejection_text_names_the_place_once(message: str, shown: str) -> None:
    cell = "D9" if "D9" in message else None
    [explained] = rejections.explain([{"rule": "not_a_number", "cell": cell, "line": None if cell else 12,
                                       "message": message}])
    assert explained["where"] in ("单元格 D9", "第 12 行")
    assert explained["message"] == shown
    assert not explained["hint"].startswith("数值不是数字")


def test_compose_sets_reply_to_and_refuses_a_bad_one() -> None:
    message = mail.compose(sender="s@example.org", to=["a@example.org"], subject="s", text="t",
                           html="<p>t</p>", reply_to="team@example.org")
    assert message["Reply-To"] == "team@example.org"
    with pytest.raises(mail.MailError):
        mail.compose(sender="s@example.org", to=["a@example.org"], subject="s", text="t", html="t",
                     reply_to="x@example.org\r\nBcc: y@example.org")


def test_reply_to_defaults_to_the_first_team_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORECARD_TEAM_EMAILS", "team@example.org,boss@example.org")
    monkeypatch.delenv("SCORECARD_REPLY_TO", raising=False)
    assert sending.action(None).reply_to == "team@example.org"
    monkeypatch.setenv("SCORECARD_REPLY_TO", "data@example.org")
    monkeypatch.setenv("SCORECARD_CONTACT", "王工 0571-0000")
    todo = sending.action(date(2026, 10, 3))
    assert (todo.reply_to, todo.contact, todo.deadline) == ("data@example.org", "王工 0571-0000",
                                                            date(2026, 10, 3))


def test_attachment_from_location_reads_through_the_storage_layer(tmp_path, caplog) -> None:
    (tmp_path / "b.xlsx").write_bytes(b"PK workbook")
    found = mail.Attachment.from_location(str(tmp_path / "b.xlsx"))
    assert found == mail.Attachment("b.xlsx", b"PK workbook", mail.XLSX_MIME)
    assert mail.Attachment.from_location(str(tmp_path / "gone.xlsx")) is None
    assert "gone.xlsx not attached: not found" in caplog.text
