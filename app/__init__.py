"""Trading Zone: departments rate each other's internal service and improve it together."""
from babel import Locale
from flask import Flask, g, has_request_context, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app import config as settings
from app.extensions import babel, csrf, db, limiter, migrate
from app.web.ids import MAX_ID


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                static_folder="../static", template_folder="../templates")
    configure(app, config)
    configure_extensions(app)
    configure_blueprints(app)
    configure_templates(app)
    configure_wsgi(app)
    return app


def configure(app: Flask, config: dict | None) -> None:
    app.config.from_object(settings.config_class())
    if config:
        app.config.update(config)
    settings.load_secret_key(app)
    settings.derive_settings(app)
    settings.check_production_settings(app)


# Parsed once: Flask-Babel parses what the selector answers on every request, unless it is a Locale already.
LOCALES = {code: Locale.parse(code) for code in ("en", "ru")}


def select_locale() -> Locale:
    if not has_request_context():
        return LOCALES["en"]  # commands and background work
    if g.get("database_down"):  # the person's own setting is in the database: the cookie will do
        code = session.get("language") or request.accept_languages.best_match(tuple(LOCALES))
    elif current_user and current_user.is_authenticated and current_user.language:
        code = current_user.language
    else:
        code = session.get("language") or request.accept_languages.best_match(tuple(LOCALES))
    return LOCALES.get(code, LOCALES["en"])


def configure_extensions(app: Flask) -> None:
    # Every model module first: metadata (and migrations) see all tables, and the models name each other by
    # name (a person's department), which resolves once both are imported; the versions' hooks with them.
    from app import versions as _versions  # noqa: F401
    from app.agreements import models as _agreements  # noqa: F401
    from app.audit import models as _audit  # noqa: F401
    from app.auth import login
    from app.auth import models as _auth  # noqa: F401
    from app.complaints import models as _complaints  # noqa: F401
    from app.database import configure_database
    from app.dimensions import models as _dimensions  # noqa: F401
    from app.loop import models as _loop  # noqa: F401
    from app.metrics import models as _metrics  # noqa: F401
    from app.notices import models as _notices  # noqa: F401
    from app.org import models as _org  # noqa: F401
    from app.projects import models as _projects  # noqa: F401
    from app.ratings import models as _ratings  # noqa: F401
    from app.themes import models as _themes  # noqa: F401
    from app.web import errors, security
    from app.web import models as _web  # noqa: F401
    from app.workshops import models as _workshops  # noqa: F401

    db.init_app(app)
    configure_database(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login.init_app(app)
    security.init_app(app)
    errors.init_app(app)


class DatabaseInteger(IntegerConverter):
    """<int:…> in every route stops at the database's integer range: a larger id is a 404, not an error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def configure_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseInteger
    from app.agreements.policies import agreement_sides
    from app.agreements.services import promises_in_force
    from app.agreements.views import bp as agreements_bp
    from app.api.views import bp as api_bp
    from app.audit.views import bp as audit_bp
    from app.auth.views import bp as auth_bp
    from app.chain.views import bp as chain_bp
    from app.cli import register_commands
    from app.complaints.views import bp as complaints_bp
    from app.dimensions.views import bp as dimensions_bp
    from app.home.views import bp as home_bp
    from app.loop.views import bp as loop_bp
    from app.metrics.views import bp as metrics_bp
    from app.notices.views import bp as notices_bp
    from app.org.views import bp as org_bp
    from app.projects.views import bp as projects_bp
    from app.ratings.services import PROMISES_IN_FORCE
    from app.ratings.views import bp as ratings_bp
    from app.replies.views import bp as replies_bp
    from app.reports.views import AGREEMENT_SIDES
    from app.reports.views import bp as reports_bp
    from app.themes.views import bp as themes_bp
    from app.web.views import bp as web_bp
    from app.workshops.views import bp as workshops_bp

    for blueprint in (web_bp, home_bp, auth_bp, notices_bp, org_bp, dimensions_bp, audit_bp, ratings_bp,
                      reports_bp, metrics_bp, projects_bp, api_bp, workshops_bp, loop_bp, chain_bp,
                      replies_bp, complaints_bp, themes_bp, agreements_bp):
        app.register_blueprint(blueprint)
    app.extensions[PROMISES_IN_FORCE] = promises_in_force  # a rating asks about agreements' promises
    app.extensions[AGREEMENT_SIDES] = agreement_sides  # the service matrix links its tensions to agreements
    csrf.exempt(api_bp)  # token-authenticated, never cookie-authenticated
    register_commands(app)


def configure_templates(app: Flask) -> None:
    from flask_babel import get_locale

    from app.agreements import policies as agreements
    from app.api import policies as api
    from app.audit import policies as audit
    from app.auth.forms import LANGUAGE_CHOICES
    from app.chain import policies as chain
    from app.complaints import policies as complaints
    from app.dimensions import policies as dimensions
    from app.loop import policies as loop
    from app.metrics import policies as metrics
    from app.notices.views import choices_form
    from app.org import policies as org
    from app.projects import policies as projects
    from app.ratings import policies as ratings
    from app.replies import policies as replies
    from app.reports import policies as reports
    from app.themes import policies as themes
    from app.web import policies as web
    from app.web.layout import hyphenate
    from app.web.numbers import number
    from app.workshops import policies as workshops

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["hyphenate"] = hyphenate
    app.jinja_env.filters["number"] = number
    app.jinja_env.globals.update(
        languages=[(choice.value, choice.label) for choice in LANGUAGE_CHOICES],
        current_locale=lambda: str(get_locale() or "en"),
        notice_choices_form=choices_form,  # the account page shows them
    )
    # Every policy, under its own name: a template asks the very predicate its view checks.
    for module in (web, audit, dimensions, org, ratings, reports, metrics, projects, api, workshops, loop,
                   chain, replies, complaints, themes, agreements):
        for name, predicate in vars(module).items():
            if callable(predicate) and getattr(predicate, "__module__", None) == module.__name__:
                assert name not in app.jinja_env.globals, f"two policies named {name}"
                app.jinja_env.globals[name] = predicate


def configure_wsgi(app: Flask) -> None:
    """The layers a request passes before the app, outermost last."""
    from app.web.security import KnownHostsOnly
    from app.workshops.poll import UnchangedPolls

    app.wsgi_app = KnownHostsOnly(app.wsgi_app, app.config)
    if app.config["PROXY_FIX_X_FOR"]:  # outside KnownHostsOnly: X-Forwarded-Host is checked too
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=1, x_host=1)
    # An unchanged workshop poll is answered here, before sessions, CSRF and the database session.
    app.wsgi_app = UnchangedPolls(app, app.wsgi_app)
