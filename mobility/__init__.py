"""Mobility: grant management for artist mobility between paired culture cities.

The app factory imports the app's modules inside its functions, not to dodge a cycle: importing any
`mobility.*` module runs this file first, and a migration, a benchmark or a worker importing `mobility.db`
should not load every view.
"""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSTANCE_DIR
from mobility.core.paging import RouteInteger
from mobility.core.text import JSONProvider
from mobility.core.text import lazy_gettext as _l


def create_app(config: type | dict | None = None) -> Flask:
    """config → extensions → blueprints → errors → CLI."""
    # The layout every page extends (base.html, macros, error pages) is core's; each module has its own templates.
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), template_folder="core/templates")
    app.json = JSONProvider(app)  # a lazy sentence is plain text in JSON (mobility/core/text.py)
    if config is None or isinstance(config, dict):
        app.config.from_object(CONFIGS[os.environ.get("MOBILITY_CONFIG", "development")])
    else:
        app.config.from_object(config)
    if isinstance(config, dict):
        app.config.update(config)
    if app.config.get("REQUIRE_SECRET_KEY") and len(app.config["SECRET_KEY"]) < 32:
        raise RuntimeError("Set SECRET_KEY to a random value of at least 32 characters in production.")
    if app.config.get("REQUIRE_SERVER_NAME") and not (app.config.get("SERVER_NAME") or "").strip():
        # Links in mail would otherwise follow the Host header of whoever asked for the mail.
        raise RuntimeError("Set SERVER_NAME (e.g. mobility.example.org) in production: every link in a mail "
                           "is built on it.")
    os.makedirs(app.instance_path, exist_ok=True)

    if app.config["TRUSTED_PROXY_COUNT"]:
        n = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's way to add a middleware
            app.wsgi_app, x_for=n, x_proto=n, x_host=n
        )

    _init_extensions(app)
    app.url_map.converters["int"] = RouteInteger  # before any route: ids beyond an INTEGER column are a 404
    _register_blueprints(app)

    from mobility.api import bind as api

    api.init_app(app)

    from mobility.core.errors import register_error_handlers
    from mobility.i18n.locales import accept_language_match

    register_error_handlers(app, browser_locale=accept_language_match)

    from mobility.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from mobility import models  # noqa: F401  (every table known to the metadata)
    from mobility.accounts import passwords, twofactor
    from mobility.accounts.sessions import load_user
    from mobility.core import mail, memo, security, storage, unit_of_work, urls
    from mobility.core.access import enforce_access
    from mobility.extensions import babel, csrf, db, limiter, login_manager, migrate
    from mobility.i18n import formatting
    from mobility.i18n.locales import select_locale_object, select_timezone
    from mobility.jobs import delivery
    from mobility.jobs import runner as jobs

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=select_locale_object, timezone_selector=select_timezone)
    csrf.init_app(app)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message_category = "info"
    login_manager.login_message = _l("Please sign in to see this page.")

    app.before_request(enforce_access)
    twofactor.init_app(app)  # after the access check: an anonymous visitor is sent to sign in first
    unit_of_work.init_app(app)
    mail.init_app(app)
    delivery.init_app(app)  # the mail of a committed unit of work, handed to a job (before the jobs it started)
    jobs.init_app(app)
    storage.init_app(app)
    memo.init_app(app)
    security.init_app(app)
    passwords.init_app(app)
    formatting.init_app(app)
    urls.init_app(app)
    _domain_template_helpers(app)


def _domain_template_helpers(app: Flask) -> None:
    """Template helpers that name domain values. They are registered here, by the app, because i18n (the
    formatting below every module) imports no domain module."""
    from mobility.accounts.enums import Language
    from mobility.awards.enums import LINE_TITLES

    app.jinja_env.globals.update(
        language_title=lambda value: Language(value).title,
        line_title=lambda code: str(LINE_TITLES.get(code, code)),
    )


def _register_blueprints(app: Flask) -> None:
    from mobility.accounts.views import bp as accounts_bp
    from mobility.admin.views import bp as admin_bp
    from mobility.api.docs_views import bp as api_docs_bp
    from mobility.api.token_views import bp as api_tokens_bp
    from mobility.applications.manage_views import bp as manage_applications_bp
    from mobility.applications.views import bp as applications_bp
    from mobility.awards.views import bp as awards_bp
    from mobility.calls.manage_views import bp as manage_calls_bp
    from mobility.calls.public_views import bp as calls_bp
    from mobility.cities.views import bp as cities_bp
    from mobility.home.views import bp as home_bp
    from mobility.jobs.views import bp as jobs_bp
    from mobility.privacy.views import bp as privacy_bp
    from mobility.reports.public_views import bp as open_data_bp
    from mobility.reports.views import bp as reports_bp
    from mobility.review.manage_views import bp as manage_review_bp
    from mobility.review.views import bp as review_bp

    for bp in (home_bp, accounts_bp, admin_bp, cities_bp, calls_bp, manage_calls_bp,
               applications_bp, manage_applications_bp, review_bp, manage_review_bp, awards_bp,
               reports_bp, open_data_bp, privacy_bp, api_tokens_bp, api_docs_bp, jobs_bp):
        app.register_blueprint(bp)
    if app.config.get("BENCH_ENDPOINT"):
        from mobility.core.bench import bp as bench_bp

        app.register_blueprint(bench_bp)
