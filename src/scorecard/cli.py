"""The ``scorecard`` command line (contract §5): the front door to the package.

Every command takes the warehouse as ``--db URL`` (else ``SCORECARD_DB_URL``, else the SQLite file in
the project's data folder). With ``--json`` it prints exactly one JSON document on stdout and sends
everything else to stderr. It exits 0 whenever it could give its answer (a rejected file is an
answer), 1 when ``load-targets`` refused a file, 2 when it could not run (a missing file, a malformed
argument, a fault of the environment: an unreachable warehouse, a quarantine that cannot be written,
a mail server that took no message), always with a message rather than a traceback.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from scorecard import faults
from scorecard.console import checked_period, emit, fail, open_warehouse, print_verdict, say


class _Commands(TyperGroup):
    """Every command, with the faults of the environment turned into one line and exit status 2."""

    def invoke(self, ctx: Any) -> Any:
        as_json = "--json" in [*getattr(ctx, "_protected_args", ()), *ctx.args]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            message = faults.describe(exc)
            if message is None:
                raise
            fail(message, as_json)


class _Script(typer.Typer):
    """The ``scorecard`` console script: a process that ends with its command."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        finally:
            # The interpreter's last garbage collections would walk every object of the libraries the command
            # imported (0.6 s after Great Expectations) to free memory the exit frees anyway. Not done for
            # commands invoked in-process (typer's CliRunner), whose process goes on.
            gc.freeze()


app = _Script(
    cls=_Commands,
    help="sti-scorecard: submissions, validation, warehouse, snapshots, bulletins and alerts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="SCORECARD_DB_URL", help="Warehouse SQLAlchemy URL."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


@app.command("init-db")
def init_db(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Create or upgrade the warehouse and load the catalogs."""
    from scorecard import warehouse
    from scorecard.catalog import CatalogError

    eng = open_warehouse(db, as_json, create=False)
    try:
        cat = warehouse.init_db(eng)
    except CatalogError as exc:
        fail(str(exc), as_json)
    result = {"database": eng.url.render_as_string(hide_password=True),
              "units": len(cat.units), "indicators": len(cat.indicators)}
    if as_json:
        emit(result)
    else:
        say(f"warehouse ready at {result['database']}: "
            f"{result['units']} units, {result['indicators']} indicators")


@app.command("load-targets")
def load_targets(
    file: Annotated[Path, typer.Argument(help="Target file: CSV or xlsx with year, unit_code, "
                                              "indicator_code, target.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load an annual target file; a file with any faulty row is rejected whole."""
    from scorecard import targets, warehouse

    if not file.is_file():
        fail(f"{file}: no such file", as_json)
    eng = open_warehouse(db, as_json)
    with eng.begin() as conn:
        try:
            checked = targets.read(file, warehouse.read_catalog(conn))
        except targets.TargetFileError as exc:
            fail(str(exc), as_json)
        if checked.ok:
            targets.load(conn, checked)
    verdict = checked.verdict()
    if as_json:
        emit(verdict)
    elif checked.ok:
        say(f"{file}: {verdict['targets']} targets loaded")
    else:
        say(f"{file}: rejected, nothing loaded")
        for error in checked.errors:
            say(f"  row {error['row']}: {error['message']}")
    if not checked.ok:
        raise typer.Exit(1)


def _print_verdict(verdict: dict[str, Any]) -> None:
    where = ", ".join(v for v in (verdict["unit_code"], verdict["period"]) if v)
    say(f"{verdict['file']}: {verdict['status']}" + (f" ({where})" if where else ""))
    for kind, problems in (("error", verdict["errors"]), ("warning", verdict["warnings"])):
        for p in problems:
            place = p["cell"] or (f"line {p['line']}" if p["line"] else "")
            label = " ".join(x for x in (place, p["indicator_code"] or "") if x)
            say(f"  {kind} [{p['rule']}] {label + ': ' if label else ''}{p['message']}")


def _validation_warehouse(db: str | None) -> str | None:
    """The warehouse to check history against: the one named, or the default one if it exists."""
    from scorecard import config

    if db:
        return db
    return config.default_db_url() if (config.data_dir() / "warehouse.db").exists() else None


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="A submission workbook (.xlsx) or CSV file.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the text output: zh (default) or en. "
                                                     "The JSON's messages stay in both.")] = "zh",
) -> None:
    """Give the verdict the pipeline would give FILE, loading nothing.

    Without a warehouse it uses the default catalogs and skips the checks that need history. With
    SCORECARD_VALIDATOR_URL and no --db, the scorecard app on the Airflow API server answers at once, as its
    pipeline would (its warehouse's catalog and history), rather than starting the checks here.
    """
    from scorecard import labels, parsing

    if lang not in labels.LANGUAGES:
        fail(f"--lang 只能是 zh 或 en / --lang must be zh or en, not {lang!r}", as_json)
    if not file.is_file():
        fail(f"{file}: {labels.NO_SUCH_FILE.said_in(lang)}", as_json)
    validator = os.environ.get("SCORECARD_VALIDATOR_URL")
    # A file over the size limit is answered here, unread and without Great Expectations: why upload it?
    if validator and db is None and file.stat().st_size <= parsing.max_file_bytes():
        from scorecard import validator_client

        document = validator_client.validate(validator, file)
    else:
        document = _validate_here(file, db, as_json)
    if as_json:
        emit(document)
    else:
        for verdict in document.get("submissions", [document]):
            print_verdict(verdict, lang)


def _validate_here(file: Path, db: str | None, as_json: bool) -> dict[str, Any]:
    from scorecard import catalog as catalog_mod
    from scorecard import validation

    url = _validation_warehouse(db)
    if url is None:
        subs = validation.validate_file(str(file), catalog_mod.load_files())
    else:
        from scorecard import warehouse

        eng = open_warehouse(url, as_json)
        with eng.connect() as conn:
            subs = validation.validate_file(str(file), warehouse.read_catalog(conn), conn)
    return validation.answer(str(file), subs)


@app.command()
def ingest(
    inbox: Annotated[str, typer.Argument(help="Inbox folder or ObjectStoragePath URL (s3://…, sftp://…).")],
    workers: Annotated[int | None, typer.Option(
        "--workers", envvar="SCORECARD_WORKERS", min=1,
        help="Processes reading, parsing and checking files side by side (default: one per core).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Receive every file of INBOX not yet received, in path order: validate, load or quarantine."""
    from scorecard import ingest as ingest_mod
    from scorecard import receiving, sources, targets

    if not sources.is_url(inbox) and not Path(inbox).is_dir():
        fail(f"{inbox}: no such folder", as_json)
    eng = open_warehouse(db, as_json)
    target_verdicts = targets.load_dropped(eng, inbox)
    pending = receiving.pending_files(eng, inbox)
    with typer.progressbar(length=len(pending), label="ingesting", file=sys.stderr) as bar:
        outcome = ingest_mod.ingest_files(eng, pending, progress=bar.update,
                                          workers=workers or os.cpu_count() or 1)
    if as_json:
        emit(outcome.as_json())
        return
    for target in target_verdicts:
        say(f"{target['file']}: targets {target['status']}")
    for entry in outcome.entries:
        _print_verdict(entry)
    counts = outcome.counts()
    say(f"{len(pending)} files: " + ", ".join(f"{n} {status}" for status, n in counts.items()))


@app.command()
def template(
    unit: Annotated[str, typer.Option("--unit", help="Unit code, such as C03.")],
    period: Annotated[str, typer.Option("--period", help="Report month, YYYY-MM.")],
    out: Annotated[Path | None, typer.Option("--out", help="Workbook to write "
                                                          "(default ./<unit>_<period>.xlsx).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the text output: zh (default) "
                                                     "or en.")] = "zh",
) -> None:
    """Write the blank submission form of one unit for one month."""
    from scorecard import forms, labels, warehouse

    if lang not in labels.LANGUAGES:
        fail(f"--lang 只能是 zh 或 en / --lang must be zh or en, not {lang!r}", as_json)
    month = checked_period(period, as_json)
    eng = open_warehouse(db, as_json)
    with eng.connect() as conn:
        cat = warehouse.read_catalog(conn)
    try:
        indicators = forms.template_indicators(cat, unit)
        path = forms.write_template(cat, unit, month, out or Path(f"{unit}_{month}.xlsx"))
    except (ValueError, OSError) as exc:
        fail(str(exc), as_json)
    if as_json:
        emit({"file": str(path), "unit_code": unit, "period": month,
              "indicators": [i.code for i in indicators]})
    elif lang == "en":
        say(f"{path}: blank form for {unit}, {month}, {len(indicators)} indicators")
    else:
        say(f"{path}：{unit} {month} 空白填报表，共 {len(indicators)} 个指标")


@app.command("snapshot")
def snapshot(
    period: Annotated[str, typer.Option("--period", help="Month to snapshot, YYYY-MM.")],
    show_diff: Annotated[bool, typer.Option("--diff", help="Print what changed between the last two "
                                                           "versions instead.")] = False,
    threshold: Annotated[float | None, typer.Option("--threshold", help="Gap below -X is lagging "
                                                                        "(default 0.10).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take the snapshot of a month (or return its unchanged latest version) and print it."""
    from scorecard import snapshots

    eng = open_warehouse(db, as_json)
    try:
        if show_diff:
            taken = snapshots.take(eng, period, threshold)
            with eng.connect() as conn:
                changes = snapshots.diff(conn, taken.period)
        else:
            snap = snapshots.take_and_load(eng, period, threshold)
    except snapshots.SnapshotError as exc:
        fail(str(exc), as_json)
    if show_diff:
        if as_json:
            emit(changes)
        else:
            since = f"v{changes['from_version']}" if changes["from_version"] else "nothing (first version)"
            say(f"{changes['period']}: {since} -> v{changes['to_version']}, "
                f"{len(changes['changes'])} rows changed")
            for change in changes["changes"]:
                before, after = change["before"] or {}, change["after"] or {}
                say(f"  {change['unit_code']} {change['indicator_code']}: "
                    f"{before.get('actual')} ({before.get('status')}) -> {after.get('actual')} "
                    f"({after.get('status')})")
        return
    if as_json:
        emit(snap.as_json())
    else:
        behind = sum(r.status in ("behind", "lagging") for r in snap.rows)
        say(f"snapshot {snap.period} v{snap.version}: {len(snap.rows)} rows, {behind} behind or lagging, "
            f"missing units: {', '.join(snap.missing_units) or 'none'}")


@app.command("report")
def report(
    period: Annotated[str, typer.Option("--period", help="Month of the bulletin, YYYY-MM.")],
    version: Annotated[int | None, typer.Option("--version", help="Snapshot version (default: "
                                                                  "the latest).")] = None,
    out: Annotated[str | None, typer.Option("--out", help="Output folder or URL.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh or en.")] = "zh",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the bulletin (Excel workbook and HTML page) of a month's snapshot."""
    from scorecard import reports, snapshots

    eng = open_warehouse(db, as_json)
    try:
        files = reports.write_bulletin(eng, period, version, out, lang)
    except (snapshots.SnapshotError, reports.ReportError) as exc:
        fail(str(exc), as_json)
    if as_json:
        emit({"period": period, "files": files})
    else:
        for name in files:
            say(f"wrote {name}")


@app.command("alerts")
def alerts(
    period: Annotated[str, typer.Option("--period", help="Month whose latest snapshot to alert on, "
                                                         "YYYY-MM.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the alerts; send and record "
                                                            "nothing.")] = False,
    smtp_url: Annotated[str | None, typer.Option("--smtp-url", envvar="SCORECARD_SMTP_URL",
                                                 help="smtp://user:pass@host:port?starttls=1, smtps://…, "
                                                      "or outbox:///folder.")] = None,
    bulletin: Annotated[Path | None, typer.Option("--bulletin", help="Bulletin workbook to attach to "
                                                                     "the team's digest.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Email the behind and lagging rows of a month's latest snapshot to the units and the data team.

    Each (unit, indicator, status) reaches each recipient once; a failed send is retried by the next run.
    """
    from scorecard import alerts as alerts_mod
    from scorecard import mail
    month = checked_period(period, as_json)
    eng = open_warehouse(db, as_json)
    try:
        mailer = mail.mailer_from_url(smtp_url)
        answer = alerts_mod.run(eng, month, mailer, dry_run=dry_run, bulletin_path=bulletin)
    except (alerts_mod.NoSnapshotError, mail.MailError) as exc:
        fail(str(exc), as_json)
    if as_json:
        emit(answer)
    else:
        for alert in answer["alerts"]:
            say(f"{alert['unit_code']} {alert['indicator_code']}: {alert['status']} "
                f"(gap {alert['gap']:+.3f}) -> {', '.join(alert['recipients'])}")
        counts = answer.get("delivery")
        say(f"{month} v{answer['version']}: {len(answer['alerts'])} alerts, " + (
            "dry run, nothing sent" if counts is None else
            f"{counts['sent']} sent now, {counts['failed']} failed, {counts['pending']} still pending"))
    if answer.get("delivery") and answer["delivery"]["failed"] and not answer["delivery"]["sent"]:
        say("error: the mail server took no message: they stay in the alert log, retried by the next run")
        raise typer.Exit(2)


@app.command("demo")
def demo() -> None:
    """Run the whole pipeline on the sample city's year as real Airflow DAG runs (SQLite, local mail catcher).

    Harmless to run again: nothing is received, snapshotted or sent twice.
    """
    from scorecard import demo as demo_mod

    try:
        text = demo_mod.run(progress=say)
    except demo_mod.DemoError as exc:
        fail(str(exc))
    typer.echo(text)


@app.command("airflow")
def airflow() -> None:
    """Start Airflow (standalone) on 127.0.0.1 with the project's DAGs and the demo's warehouse, until Ctrl-C.

    The port is AIRFLOW__API__PORT (default 8080); mail goes to the demo's catcher (data/outbox/).
    """
    from scorecard import demo as demo_mod

    try:
        code = demo_mod.serve(progress=say, announce=typer.echo)
    except demo_mod.DemoError as exc:
        fail(str(exc))
    raise typer.Exit(code)
