"""Settings: ``CANOPY_*`` variables, their defaults and their refusals."""

from __future__ import annotations

import os
import re
import stat
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from canopy.config import Settings
from canopy.main import create_app
from tests.fixtures.builders import Actor

STRONG_KEY = "b3f1c0d9a8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3"


@pytest.fixture(autouse=True)
def _no_canopy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets the variables it is about, and only those."""
    for name in [n for n in os.environ if n.startswith("CANOPY_")]:
        monkeypatch.delenv(name)


def test_settings_read_canopy_prefixed_variables_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CANOPY_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CANOPY_DATABASE_URL", "postgresql+asyncpg://canopy@db/canopy")
    monkeypatch.setenv("CANOPY_TIMEZONE", "America/New_York")
    monkeypatch.setenv("CANOPY_PUBLIC_BASE_URL", "https://jobs.example.com/")
    monkeypatch.setenv("CANOPY_MAX_PER_PAGE", "25")
    monkeypatch.setenv("CANOPY_ENV", "production")
    monkeypatch.setenv("CANOPY_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("TIMEZONE", "Asia/Tokyo")  # unprefixed: not ours
    monkeypatch.setenv("MAX_PER_PAGE", "7")

    settings = Settings()

    assert settings.var_dir == tmp_path
    assert settings.database_url == "postgresql+asyncpg://canopy@db/canopy"
    assert not settings.is_sqlite
    assert settings.timezone == "America/New_York"
    assert settings.tz.key == "America/New_York"
    assert settings.public_base_url == "https://jobs.example.com"
    assert settings.max_per_page == 25
    assert settings.env == "production"
    assert settings.resolved_secret_key() == STRONG_KEY
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_a_sqlite_file_under_var_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CANOPY_VAR_DIR", str(tmp_path / "var"))

    settings = Settings()

    assert settings.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'var').as_posix()}/canopy.db"
    assert settings.is_sqlite
    assert Settings(var_dir=Path("var")).database_url == "sqlite+aiosqlite:///var/canopy.db"


def test_missing_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"  # not there yet

    key = Settings(var_dir=var_dir).resolved_secret_key()

    assert re.fullmatch(r"[0-9a-f]{64}", key)
    path = var_dir / "secret_key"
    assert path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings(var_dir=var_dir).resolved_secret_key() == key
    assert Settings(var_dir=var_dir).resolved_secret_key() == key
    assert sorted(p.name for p in var_dir.iterdir()) == ["secret_key"]


def _resolve_together(var_dir: Path, processes: int) -> list[str]:
    start = threading.Barrier(processes)
    keys: list[str] = []

    def resolve() -> None:
        settings = Settings(var_dir=var_dir)
        start.wait(timeout=10)
        keys.append(settings.resolved_secret_key())

    threads = [threading.Thread(target=resolve) for _ in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return keys


def test_processes_starting_together_agree_on_one_generated_secret_key(tmp_path: Path) -> None:
    # Workers started at once must neither read a half-written key nor keep one each.
    for attempt in range(20):
        var_dir = tmp_path / f"var{attempt}"

        keys = _resolve_together(var_dir, 8)

        assert len(keys) == 8
        assert len(set(keys)) == 1, keys
        assert re.fullmatch(r"[0-9a-f]{64}", keys[0])
        assert (var_dir / "secret_key").read_text().strip() == keys[0]
        assert stat.S_IMODE((var_dir / "secret_key").stat().st_mode) == 0o600
        assert sorted(p.name for p in var_dir.iterdir()) == ["secret_key"]


@pytest.mark.parametrize(
    "key", ["changeme", "secret", "short-but-random-9f8e7d", "a" * 64, "ab" * 32]
)
def test_weak_secret_key_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str
) -> None:
    monkeypatch.setenv("CANOPY_ENV", "production")
    monkeypatch.setenv("CANOPY_SECRET_KEY", key)

    with pytest.raises(ValidationError, match="CANOPY_SECRET_KEY is too weak for production"):
        Settings(var_dir=tmp_path)


def test_weak_secret_key_is_tolerated_outside_production(tmp_path: Path) -> None:
    assert Settings(env="development", secret_key="dev", var_dir=tmp_path).secret_key == "dev"
    assert Settings(env="test", secret_key="changeme", var_dir=tmp_path).secret_key == "changeme"
    strong = Settings(env="production", secret_key=STRONG_KEY, var_dir=tmp_path)
    assert strong.resolved_secret_key() == STRONG_KEY


def test_production_without_a_secret_key_generates_a_strong_one(tmp_path: Path) -> None:
    key = Settings(env="production", var_dir=tmp_path).resolved_secret_key()
    assert len(key) == 64


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "Europe", "europe/paris ", "../../etc/passwd", "", "Paris"]
)
def test_unknown_timezone_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, zone: str
) -> None:
    monkeypatch.setenv("CANOPY_TIMEZONE", zone)

    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(var_dir=tmp_path)


@pytest.mark.parametrize("value", ["0", "-5", "many", "10001"])
def test_max_per_page_out_of_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.setenv("CANOPY_MAX_PER_PAGE", value)

    with pytest.raises(ValidationError, match="max_per_page"):
        Settings(var_dir=tmp_path)


@pytest.fixture
async def capped(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The API on the suite's database, built from ``CANOPY_MAX_PER_PAGE=3``."""
    monkeypatch.setenv("CANOPY_MAX_PER_PAGE", "3")
    capped_settings = Settings(**settings.model_dump(exclude={"max_per_page"}))
    assert capped_settings.max_per_page == 3
    application = create_app(capped_settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_max_per_page_bounds_every_page_and_refuses_a_larger_one(
    app: object, admin: Actor, capped: httpx.AsyncClient
) -> None:
    for n in range(5):
        response = await capped.post(
            "/api/v1/external/departments",
            json={"organization_reference": admin.org, "name": f"Team {n}"},
            headers=admin.headers,
        )
        assert response.status_code == 201, response.text

    params = {"organization_reference": admin.org}
    # The default page (100) shrinks to the operator's maximum: nobody asked for more.
    response = await capped.get(
        "/api/v1/external/departments", params=params, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert len(response.json()) == 3
    assert response.headers["X-Per-Page"] == "3"
    assert response.headers["X-Total"] == "5"
    assert response.headers["X-Total-Pages"] == "2"

    response = await capped.get(
        "/api/v1/external/departments", params={**params, "per_page": "3"}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert len(response.json()) == 3

    # A larger page than the maximum is refused rather than silently cut short.
    response = await capped.get(
        "/api/v1/external/departments", params={**params, "per_page": "50"}, headers=admin.headers
    )
    assert response.status_code == 400, response.text
    assert response.json() == {
        "error": "validation_failed",
        "error_description": "per_page is invalid: must be at most 3",
    }
