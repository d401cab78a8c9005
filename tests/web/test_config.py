"""Start-up refuses insecure production settings; the secret key is generated once and kept."""
import pytest

from app import create_app
from app.config import InsecureSettings


@pytest.fixture
def production(monkeypatch, tmp_path):
    monkeypatch.setenv("TZ_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}", "BASE_URL": "https://tz.example.com"}


def test_secret_key_is_generated_once_and_kept(production, tmp_path, monkeypatch):
    import flask

    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    first = create_app(production).config["SECRET_KEY"]
    second = create_app(production).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_refuses_debug_in_production(production, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(InsecureSettings, match="debug"):
        create_app({**production, "DEBUG": True})


def test_refuses_insecure_cookies_under_https(production):
    with pytest.raises(InsecureSettings, match="SESSION_COOKIE_SECURE"):
        create_app({**production, "PREFERRED_URL_SCHEME": "https", "SESSION_COOKIE_SECURE": False})


def test_refuses_several_workers_without_a_secret(production, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(InsecureSettings, match="SECRET_KEY"):
        create_app(production)
    monkeypatch.setenv("SECRET_KEY", "from the environment, long and random")
    assert create_app(production).config["SECRET_KEY"].startswith("from the environment")


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("TZ_ENV", "staging")
    with pytest.raises(RuntimeError, match="TZ_ENV"):
        create_app()


def test_refuses_to_start_without_a_public_address(production):
    with pytest.raises(InsecureSettings, match="BASE_URL"):
        create_app({k: v for k, v in production.items() if k != "BASE_URL"})


@pytest.mark.parametrize("base_url", ["tz.example.com", "https://tz.example.com/app", "ftp://tz.example.com"])
def test_a_public_address_is_scheme_and_host_only(production, base_url):
    with pytest.raises(InsecureSettings, match="BASE_URL"):
        create_app({**production, "BASE_URL": base_url})


def test_behind_a_proxy_a_forged_forwarded_host_is_refused(production):
    app = create_app({**production, "BASE_URL": "https://tz.example.com", "PROXY_FIX_X_FOR": 1})
    assert app.config["TRUSTED_HOSTS"] == ["tz.example.com"]
    client = app.test_client()
    assert client.get("/static/favicon.svg", headers={"Host": "tz.example.com"}).status_code == 200
    assert client.get("/static/favicon.svg", headers={"Host": "tz.example.com",
                                           "X-Forwarded-Host": "evil.example"}).status_code == 400
