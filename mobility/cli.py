"""Command-line tools: `flask translate …`, `flask demo load`, `flask backup …`, `flask outbox send`,
`flask jobs worker`, `flask applications settle`, `flask awards expire-offers`, `flask api remind-expiring`, `flask accounts reset-two-factor`.

A command that changes rows is one unit of work, ended like a request's by `unit_of_work.finish()`: commit,
then what follows a commit (the mail it queued is handed to a delivery job, the jobs it started are queued).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask

from mobility.accounts import twofactor
from mobility.accounts.services import find_user_by_email
from mobility.api.services import send_expiry_reminders
from mobility.applications.services import settle_deadlines
from mobility.awards.services import expire_offers
from mobility.core import unit_of_work
from mobility.core.backup import BackupError, create_backup, restore_backup
from mobility.core.errors import DomainError
from mobility.core.mail import deliver
from mobility.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from mobility.i18n.catalogs import check_catalogs, missing_from_catalogs
from mobility.jobs.runner import prune_finished, recover_stalled, requeue_waiting, run_worker
from mobility.privacy.retention import forget_network_addresses, retention_days
from mobility.reports.services import send_report_reminders
from mobility.review.services import send_reminders

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"


def _pybabel(*args: str) -> None:
    command = [sys.executable, "-m", "babel.messages.frontend", *args]
    if subprocess.call(command, cwd=ROOT):
        raise click.ClickException("pybabel " + " ".join(args) + " failed")


def _base_url(app: Flask) -> str:
    """Where the links in mail sent from a command point (a command has no request of its own)."""
    return (app.config.get("PREFERRED_URL_SCHEME", "http") + "://"
            + (app.config.get("SERVER_NAME") or "localhost"))


def _remind(app, send) -> None:
    """A scheduled reminder run: one unit of work, as a request (mail links need the base URL); the mail goes
    out through the delivery job like a request's."""
    with app.test_request_context(base_url=_base_url(app)):
        count = send()
        unit_of_work.finish()
    click.echo(f"{count} reminder(s) sent")


def register_cli(app: Flask) -> None:
    @app.cli.group()
    def translate():
        """Translation catalogs (English is the source)."""

    @translate.command()
    def extract():
        """Collect the messages of the code and templates into messages.pot."""
        _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_pgettext", "-k", "lazy_ngettext:1,2",
                 "--no-location", "--sort-output", "--omit-header", "-o", str(POT), "mobility")

    @translate.command()
    def update():
        """extract, then merge the template into the zh_Hans, ja and ko catalogs."""
        extract.callback()
        _pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching",
                 "--ignore-obsolete")

    @translate.command()
    @click.argument("locale")
    def init(locale: str):
        """Start the catalog of a new language."""
        _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)

    @translate.command()
    def compile():
        """Compile the catalogs to .mo files."""
        _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")

    @translate.command()
    def check():
        """Fail on untranslated or fuzzy messages and placeholder or tag mismatches."""
        problems = missing_from_catalogs(ROOT) + check_catalogs(TRANSLATIONS)
        for problem in problems:
            click.echo(problem)
        if problems:
            raise click.ClickException(f"{len(problems)} problem(s) in the catalogs")
        click.echo("catalogs complete")

    @app.cli.group()
    def demo():
        """Demo data."""

    @demo.command("load")
    def demo_load():
        """Load the cities, the demo users and the demo programme (idempotent) and print the sign-ins."""
        with app.test_request_context(base_url=_base_url(app)):  # links in the programme's mail
            created = load_demo()
            unit_of_work.finish()
        click.echo(f"Demo data ready ({len(created)} user(s) added). Sign in with:")
        for user in DEMO_USERS:
            click.echo(f"  {user.role.value:<10} {user.email:<28} {DEMO_PASSWORD}")

    @app.cli.group()
    def review():
        """Review."""

    @review.command("remind")
    def review_remind():
        """Mail every juror who has unfinished reviews (run it from cron, e.g. weekly)."""
        _remind(app, send_reminders)

    @app.cli.group()
    def reports():
        """Final reports."""

    @reports.command("remind")
    def reports_remind():
        """Remind grantees of final and interim reports coming due or overdue (run it daily from cron)."""
        _remind(app, send_report_reminders)

    @app.cli.group()
    def api():
        """The JSON API's personal tokens."""

    @api.command("remind-expiring")
    def api_remind_expiring():
        """Mail the holder of every token that stops working within a week, once per token (run it daily
        from cron; a second run, or a run on another machine, sends nothing again)."""
        _remind(app, send_expiry_reminders)

    @app.cli.group()
    def accounts():
        """Accounts."""

    @accounts.command("reset-two-factor")
    @click.argument("email")
    def accounts_reset_two_factor(email: str):
        """Take the second factor off the account with EMAIL (its holder lost the device and the recovery codes,
        and no other administrator can do it from the People page). Audited; the person is mailed."""
        with app.test_request_context(base_url=_base_url(app)):
            user = find_user_by_email(email)
            if user is None:
                raise click.ClickException(f"no account has the address {email}")
            try:
                twofactor.reset(None, user)
            except DomainError as refused:
                raise click.ClickException(str(refused.message)) from refused
            unit_of_work.finish()
        click.echo(f"two-factor sign-in of {user.email} reset; every session of theirs has ended")

    @app.cli.group()
    def applications():
        """Applications."""

    @applications.command("settle")
    def applications_settle():
        """After a call's deadline, take every application reopened and not submitted again back to the version
        last submitted, which is the one reviewed; the applicant is mailed (run it from cron, e.g. every 10
        minutes; a second run finds nothing more)."""
        with app.test_request_context(base_url=_base_url(app)):
            restored = settle_deadlines()
            unit_of_work.finish()
        click.echo(f"{restored} reopened application(s) restored to their last submission")

    @app.cli.group()
    def awards():
        """Grants."""

    @awards.command("expire-offers")
    def awards_expire_offers():
        """Expire the grant offers left unanswered past their date and offer each freed grant to the next on
        the waiting list, who is mailed (run it daily from cron; a second run finds nothing more)."""
        with app.test_request_context(base_url=_base_url(app)):
            expired = expire_offers()
            unit_of_work.finish()  # the mails are sent by the delivery job, as a request's mail
        click.echo(f"{len(expired)} offer(s) expired")

    @app.cli.group()
    def backup():
        """Backups of the database and the attachment store."""

    @backup.command("create")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def backup_create(path: str):
        """Write every row and every stored file to PATH (.tar.gz), with checksums."""
        manifest = create_backup(path)
        rows = sum(t["rows"] for t in manifest.tables.values())
        click.echo(f"{path}: {rows} rows in {len(manifest.tables)} tables, {len(manifest.files)} files, "
                   f"revision {manifest.revision}")

    @backup.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def backup_restore(path: str):
        """Load PATH into this (empty, migrated) database and attachment store, checking every checksum."""
        try:
            manifest = restore_backup(path)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        rows = sum(t["rows"] for t in manifest.tables.values())
        click.echo(f"restored {rows} rows and {len(manifest.files)} files from {path}")

    @app.cli.group()
    def outbox():
        """The mail outbox."""

    @outbox.command("send")
    def outbox_send():
        """Send every queued or failed message."""
        click.echo(f"{deliver()} message(s) sent")  # deliver() is its own unit of work (core/mail.py)

    @app.cli.group()
    def jobs():
        """Background jobs (RQ on JOB_QUEUE_URL)."""

    @jobs.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def jobs_worker(burst: bool):
        """Perform queued jobs: exports, assignment runs, mail delivery (run it under systemd)."""
        if not app.config.get("JOB_QUEUE_URL"):
            raise click.ClickException("Set JOB_QUEUE_URL (e.g. redis://127.0.0.1:6379/1) to run a worker.")
        run_worker(app, burst=burst)

    @jobs.command("requeue")
    def jobs_requeue():
        """Hand back to the queue every job still waiting (Redis lost its data) or abandoned by a killed
        worker (run it from cron every 10 minutes)."""
        recovered = recover_stalled()
        unit_of_work.finish()  # the recovered jobs wait in the database before the queue hears of them
        click.echo(f"{recovered} abandoned job(s) recovered, {requeue_waiting()} job(s) queued again")

    @jobs.command("prune")
    @click.option("--days", default=30, show_default=True, help="Keep finished jobs this many days.")
    def jobs_prune(days: int):
        """Delete finished jobs (and their files) older than --days, and the network addresses recorded more
        than IP_RETENTION_DAYS ago (run it daily from cron)."""
        count = prune_finished(days)
        addresses = forget_network_addresses()
        unit_of_work.finish()  # the files of the deleted jobs go once the deletion is committed
        click.echo(f"{count} finished job(s) deleted")
        click.echo(f"{addresses} network address(es) older than {retention_days()} days removed")
