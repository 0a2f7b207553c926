"""Reading the server's settings from the environment and a .env file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bitcode_http.settings import (
    Settings,
    SettingsError,
    load_judge0_settings,
    load_settings,
)

KEY = "k" * 40
SECRETS = ("hunter2hunter2", "s3cr3t-password")


def load(tmp_path: Path, env_file: Path | None = None, **variables: str) -> Settings:
    return load_settings({"BITCODE_DATA_DIR": str(tmp_path), **variables}, env_file)


class TestDefaults:
    def test_unset_services_fall_back_to_the_embedded_defaults(
        self, tmp_path: Path
    ) -> None:
        settings = load(tmp_path)

        assert settings.env == "development"
        assert (
            settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/bitcode.sqlite3"
        )
        assert settings.redis_url is None
        assert settings.smtp is None
        assert settings.mail_folder == tmp_path / "mail"
        assert settings.auto_migrate is True
        assert settings.load_demo_bank is True

    def test_development_generates_a_secret_key_once_kept_private(
        self, tmp_path: Path
    ) -> None:
        first = load(tmp_path).secret_key

        second = load(tmp_path).secret_key

        assert first == second
        assert len(first) >= 32
        mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
        assert mode == 0o600

    def test_a_postgres_database_is_not_migrated_at_start_unless_asked(
        self, tmp_path: Path
    ) -> None:
        url = "postgres://bitcode@127.0.0.1/bitcode"

        assert load(tmp_path, DATABASE_URL=url).auto_migrate is False
        assert load(tmp_path, DATABASE_URL=url, AUTO_MIGRATE="1").auto_migrate


class TestSources:
    def test_the_environment_wins_over_the_env_file(self, tmp_path: Path) -> None:
        env_file = tmp_path / ".env"
        env_file.write_text(
            "PUBLIC_URL=https://from-file.example\nLOG_FORMAT=console\n"
        )

        settings = load(tmp_path, env_file, PUBLIC_URL="https://from-env.example/")

        assert settings.public_url == "https://from-env.example"
        assert settings.log_format == "console"

    def test_the_old_django_secret_key_name_still_works(self, tmp_path: Path) -> None:
        settings = load(tmp_path, BITCODE_ENV="production", DJANGO_SECRET_KEY=KEY)

        assert settings.secret_key == KEY

    def test_secret_key_wins_over_its_old_alias(self, tmp_path: Path) -> None:
        settings = load(tmp_path, SECRET_KEY=KEY, DJANGO_SECRET_KEY="d" * 40)

        assert settings.secret_key == KEY

    def test_smtp_url_gives_host_port_credentials_and_starttls(
        self, tmp_path: Path
    ) -> None:
        url = "smtp://mailer:p%40ss@mail.example:2525?starttls=1"

        smtp = load(tmp_path, SMTP_URL=url).smtp

        assert smtp is not None
        assert (smtp.host, smtp.port, smtp.starttls, smtp.tls) == (
            "mail.example",
            2525,
            True,
            False,
        )
        assert (smtp.username, smtp.password) == ("mailer", "p@ss")

    def test_allowed_origins_are_a_comma_separated_list(self, tmp_path: Path) -> None:
        settings = load(
            tmp_path, ALLOWED_ORIGINS="https://a.example, http://localhost:3000/"
        )

        assert settings.allowed_origins == (
            "https://a.example",
            "http://localhost:3000",
        )


class TestGoogleSignIn:
    def test_it_is_off_until_a_client_id_is_set(self, tmp_path: Path) -> None:
        settings = load(tmp_path)

        assert settings.google_client_id is None
        assert not settings.google_browser_flow
        assert settings.google_discovery_url.startswith("https://accounts.google.com/")

    def test_a_client_id_alone_serves_the_token_flow(self, tmp_path: Path) -> None:
        settings = load(tmp_path, GOOGLE_CLIENT_ID="id.apps")

        assert settings.google_client_id == "id.apps"
        assert not settings.google_browser_flow
        assert settings.google_redirect_uri is None

    def test_the_browser_flow_returns_to_the_configured_frontends(
        self, tmp_path: Path
    ) -> None:
        settings = load(
            tmp_path,
            GOOGLE_CLIENT_ID="id.apps",
            GOOGLE_CLIENT_SECRET="shh",  # noqa: S106 - not a real one
            PUBLIC_URL="https://api.example/",
            FRONTEND_URL="https://app.example/signed-in, http://localhost:5173/cb",
        )

        assert settings.google_browser_flow
        assert settings.google_redirect_uri == (
            "https://api.example/auth/google/callback"
        )
        assert settings.frontend_urls == (
            "https://app.example/signed-in",
            "http://localhost:5173/cb",
        )

    def test_a_loopback_provider_may_speak_http(self, tmp_path: Path) -> None:
        url = "http://127.0.0.1:9999/.well-known/openid-configuration"

        settings = load(tmp_path, GOOGLE_DISCOVERY_URL=url)

        assert settings.google_discovery_url == url

    @pytest.mark.parametrize(
        ("variables", "named"),
        [
            pytest.param(
                {"GOOGLE_CLIENT_SECRET": "shh", "FRONTEND_URL": "https://a.example"},
                "GOOGLE_CLIENT_ID",
                id="secret-without-client-id",
            ),
            pytest.param(
                {"GOOGLE_CLIENT_ID": "id.apps", "GOOGLE_CLIENT_SECRET": "shh"},
                "FRONTEND_URL",
                id="browser-flow-without-frontend",
            ),
        ],
    )
    def test_a_half_configured_browser_flow_stops_start_up(
        self, tmp_path: Path, variables: dict[str, str], named: str
    ) -> None:
        with pytest.raises(SettingsError) as raised:
            load(tmp_path, **variables)

        assert raised.value.variable == named


class TestJudge0:
    def test_without_a_url_the_local_sandbox_judges(self, tmp_path: Path) -> None:
        assert load(tmp_path).judge0 is None

    def test_the_url_brings_judge0s_settings_with_their_defaults(
        self, tmp_path: Path
    ) -> None:
        judge0 = load(
            tmp_path,
            JUDGE0_API_URL="http://judge0:2358",
            PUBLIC_URL="https://bitcode.example/",
            JUDGE0_CALLBACKS="yes",
            JUDGE0_AUTH_TOKEN=SECRETS[0],
        ).judge0

        assert judge0 is not None
        assert judge0.api_url == "http://judge0:2358"
        assert judge0.callbacks
        assert judge0.callback_url == "https://bitcode.example"
        assert (judge0.timeout_s, judge0.give_up_s, judge0.unhealthy_after) == (
            10,
            300,
            3,
        )
        assert "hunter2" not in repr(judge0)

    def test_the_cli_reads_the_judge0_variables_alone(self, tmp_path: Path) -> None:
        judge0 = load_judge0_settings(
            {"JUDGE0_API_URL": "http://j", "JUDGE0_GIVE_UP_SECONDS": "30"}, None
        )

        assert judge0 is not None
        assert judge0.give_up_s == 30
        assert load_judge0_settings({}, None) is None


class TestRefusals:
    def test_production_needs_a_secret_key(self, tmp_path: Path) -> None:
        with pytest.raises(SettingsError, match="SECRET_KEY"):
            load(tmp_path, BITCODE_ENV="production")

    @pytest.mark.parametrize(
        ("variable", "value"),
        [
            pytest.param("BITCODE_ENV", "staging", id="env"),
            pytest.param("SECRET_KEY", "short", id="short-secret-key"),
            pytest.param("DATABASE_URL", "mysql://x@y/z", id="database-scheme"),
            pytest.param("REDIS_URL", "http://127.0.0.1:6379", id="redis-scheme"),
            pytest.param("REDIS_URL", "redis://127.0.0.1:notaport", id="redis-port"),
            pytest.param("JUDGE0_API_URL", "judge0.local", id="judge0"),
            pytest.param("JUDGE0_CALLBACKS", "maybe", id="judge0-callbacks"),
            pytest.param("JUDGE0_CALLBACK_URL", "ftp://b.example", id="judge0-cb-url"),
            pytest.param("JUDGE0_TIMEOUT_SECONDS", "0", id="judge0-timeout"),
            pytest.param("JUDGE0_GIVE_UP_SECONDS", "soon", id="judge0-give-up"),
            pytest.param("JUDGE0_UNHEALTHY_AFTER", "0", id="judge0-unhealthy"),
            pytest.param("JUDGE0_AUTH_TOKEN", "two words", id="judge0-token"),
            pytest.param("IMAGEKIT_URL_ENDPOINT", "http://ik.example", id="imagekit"),
            pytest.param("GOOGLE_CLIENT_ID", "has spaces", id="google-id"),
            pytest.param(
                "GOOGLE_DISCOVERY_URL",
                "http://accounts.example/.well-known/openid-configuration",
                id="google-discovery-over-http",
            ),
            pytest.param("GOOGLE_DISCOVERY_URL", "accounts.example", id="discovery"),
            pytest.param("FRONTEND_URL", "app.example", id="frontend-url"),
            pytest.param("PUBLIC_URL", "ftp://x.example", id="public-url"),
            pytest.param("SMTP_URL", "smtp://host?starttls=maybe", id="smtp-starttls"),
            pytest.param("SMTP_URL", "imap://host", id="smtp-scheme"),
            pytest.param("MAIL_FROM", "nobody", id="mail-from"),
            pytest.param("ALLOWED_ORIGINS", "example.com", id="origins"),
            pytest.param("ACCESS_TOKEN_TTL_SECONDS", "forever", id="ttl-not-a-number"),
            pytest.param("ACCESS_TOKEN_TTL_SECONDS", "5", id="ttl-too-short"),
            pytest.param("LOAD_DEMO_BANK", "perhaps", id="boolean"),
            pytest.param("LOG_FORMAT", "xml", id="log-format"),
            pytest.param("IMAGEKIT_BASE_URL", "ftp://ik.test", id="imagekit-base"),
            pytest.param("IMAGEKIT_TIMEOUT_SECONDS", "soon", id="imagekit-timeout"),
            pytest.param("IMAGEKIT_TIMEOUT_SECONDS", "0", id="imagekit-no-timeout"),
            pytest.param("MEDIA_MAX_BYTES", "12", id="media-max-too-small"),
            pytest.param("MEDIA_MAX_BYTES", "5MB", id="media-max-not-a-number"),
        ],
    )
    def test_a_malformed_value_stops_start_up_naming_the_variable(
        self, tmp_path: Path, variable: str, value: str
    ) -> None:
        with pytest.raises(SettingsError) as raised:
            load(tmp_path, **{variable: value})

        assert raised.value.variable == variable
        assert str(raised.value).startswith(f"{variable}: ")

    @pytest.mark.parametrize(
        ("variable", "value"),
        [
            pytest.param("DATABASE_URL", "mysql://u:{}@db/x", id="database"),
            pytest.param("REDIS_URL", "http://u:{}@cache", id="redis"),
            pytest.param("SMTP_URL", "smtp://u:{}@mail?starttls=x", id="smtp"),
            pytest.param("SECRET_KEY", "{}", id="secret-key"),
        ],
    )
    def test_a_refused_value_never_echoes_a_secret(
        self, tmp_path: Path, variable: str, value: str
    ) -> None:
        for secret in SECRETS:
            with pytest.raises(SettingsError) as raised:
                load(tmp_path, **{variable: value.format(secret)})

            assert secret not in str(raised.value)

    def test_the_settings_repr_shows_no_secret(self, tmp_path: Path) -> None:
        settings = load(
            tmp_path,
            SECRET_KEY=KEY,
            DATABASE_URL="postgresql://u:hunter2@db/x",
            SMTP_URL="smtp://u:hunter2@mail",
        )

        assert KEY not in repr(settings)
        assert "hunter2" not in repr(settings)


class TestMediaSettings:
    def test_without_imagekit_media_go_to_the_data_folder(self, tmp_path: Path) -> None:
        settings = load(tmp_path)

        assert not settings.imagekit
        assert settings.media_folder == tmp_path / "media"
        assert settings.media_max_bytes == 5 * 1024 * 1024

    def test_the_three_imagekit_keys_choose_imagekit(self, tmp_path: Path) -> None:
        settings = load(
            tmp_path,
            IMAGEKIT_PUBLIC_KEY="public_x=",
            IMAGEKIT_PRIVATE_KEY="private_hunter2=",
            IMAGEKIT_URL_ENDPOINT="https://ik.imagekit.io/bitcode",
            IMAGEKIT_BASE_URL="http://127.0.0.1:9999",
            IMAGEKIT_TIMEOUT_SECONDS="2.5",
        )

        assert settings.imagekit
        assert settings.imagekit_base_url == "http://127.0.0.1:9999"
        assert settings.imagekit_timeout_s == 2.5
        assert "hunter2" not in repr(settings)

    @pytest.mark.parametrize(
        ("given", "missing"),
        [
            pytest.param(("IMAGEKIT_PUBLIC_KEY",), "IMAGEKIT_PRIVATE_KEY", id="public"),
            pytest.param(
                ("IMAGEKIT_PRIVATE_KEY", "IMAGEKIT_PUBLIC_KEY"),
                "IMAGEKIT_URL_ENDPOINT",
                id="no-endpoint",
            ),
        ],
    )
    def test_some_imagekit_keys_without_the_others_stop_start_up(
        self, tmp_path: Path, given: tuple[str, ...], missing: str
    ) -> None:
        values = {
            "IMAGEKIT_PUBLIC_KEY": "public_x=",
            "IMAGEKIT_PRIVATE_KEY": "private_hunter2=",
        }

        with pytest.raises(SettingsError) as raised:
            load(tmp_path, **{name: values[name] for name in given})

        assert raised.value.variable == missing
        assert "hunter2" not in str(raised.value)
