"""Settings, read from ``CANOPY_*`` environment variables."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from canopy.files.fetch import parse_ports

WEAK_SECRETS = {"secret", "changeme", "change-me", "password", "canopy", "development", "dev"}
MIN_SECRET_LENGTH = 32


# The largest page an operator may allow (CANOPY_MAX_PER_PAGE): the eager loads of a page are
# sized for it.
PER_PAGE_LIMIT = 10_000


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CANOPY_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    var_dir: Path = Path("var")
    database_url: str = ""
    # PostgreSQL connections each process opens as needed and keeps (pool), and may open beyond
    # it under load, closing each as soon as it is given back (overflow). None by default: under
    # a load above the pool, overflow connections are opened and closed all the time, which
    # cost more than the statements (create candidate ran at 360–390 requests/s with 10 + 10,
    # 530–670 with 20 + 0). Size the server's max_connections for machines × workers × their
    # sum.
    database_pool_size: int = Field(default=20, ge=1, le=200)
    database_max_overflow: int = Field(default=0, ge=0, le=200)
    # Connections each process keeps for the lookups every request makes (its token, the
    # versions of a cached read), outside the pool above.
    database_lookup_pool_size: int = Field(default=4, ge=1, le=100)
    public_base_url: str = "http://127.0.0.1:8000"
    timezone: str = "Europe/Paris"
    secret_key: str = ""
    max_per_page: int = Field(default=1000, ge=1, le=PER_PAGE_LIMIT)
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_level: str = "INFO"
    # json: one JSON object per log line (for log collectors); text: for a terminal.
    log_format: Literal["json", "text"] = "json"

    # Files (§15.8).
    storage_url: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    file_url_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    max_files_per_request: int = Field(default=10, ge=1, le=100)
    max_document_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_resume_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_portfolio_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_avatar_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    # Remote fetches: private networks are refused unless listed here (comma-separated CIDRs).
    fetch_allowed_networks: str = ""
    # The ports a fetch may use on an address reached only because fetch_allowed_networks lists
    # it (public addresses take any port): comma-separated ports and inclusive ranges, e.g.
    # "80,443,8080-8089", or "*" for every port. Allowing an intranet file server's network
    # does not open the other services on its machines.
    fetch_allowed_ports: str = "80,443"
    fetch_connect_timeout: float = Field(default=5.0, gt=0)
    fetch_read_timeout: float = Field(default=15.0, gt=0)
    fetch_deadline: float = Field(default=60.0, gt=0)

    # Email delivery: smtp://user:password@host:port (smtps:// for TLS, ?starttls=true).
    smtp_url: str = ""
    smtp_timeout: float = Field(default=30.0, gt=0)

    # Rendered responses each worker keeps (canopy.cache), in bytes; 0 keeps none.
    response_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)

    # Limits (canopy.limits): a token bucket per API token (a capacity of 0 turns it off), a
    # tighter one and a concurrency cap for requests that download remote files, and how long
    # Idempotency-Key results are kept. Counters live in Redis when CANOPY_REDIS_URL is set.
    rate_limit_capacity: int = Field(default=120, ge=0)
    rate_limit_refill_per_second: float = Field(default=10.0, gt=0)
    # Most requests of a token a worker counts with one write to the shared bucket (it claims
    # up to this many units at once, never more than 1/16 of what the bucket holds); 1 counts
    # every request there.
    rate_limit_batch: int = Field(default=16, ge=1, le=1000)
    rate_limit_download_capacity: int = Field(default=30, ge=0)
    rate_limit_download_refill_per_second: float = Field(default=0.5, gt=0)
    rate_limit_download_concurrency: int = Field(default=3, ge=0, le=1000)
    rate_limit_lease_seconds: float = Field(default=30.0, ge=1)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    idempotency_lock_seconds: float = Field(default=30.0, ge=1)
    redis_url: str = ""
    redis_prefix: str = "canopy:"
    # How long a request waits to connect to Redis, and then for each answer, before the
    # limiter gives up on the counters and lets it through.
    redis_timeout: float = Field(default=1.0, gt=0, le=60)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "Europe" is a folder
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("fetch_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                try:
                    ipaddress.ip_network(part.strip(), strict=False)
                except ValueError as exc:
                    raise ValueError(f"{part.strip()!r} is not a network (CIDR)") from exc
        return value

    @field_validator("fetch_allowed_ports")
    @classmethod
    def _ports(cls, value: str) -> str:
        parse_ports(value)  # its ValueError names the bad item
        return value

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.var_dir / 'canopy.db').as_posix()}"
        if self.secret_key and self.env == "production" and is_weak_secret(self.secret_key):
            raise ValueError(
                "CANOPY_SECRET_KEY is too weak for production: use at least "
                f"{MIN_SECRET_LENGTH} random characters (e.g. `openssl rand -hex 32`)"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def allowed_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.fetch_allowed_networks.split(",")
            if part.strip()
        ]

    @property
    def max_request_bytes(self) -> int:
        """Any request body: room for the most files one request may upload."""
        return self.max_files_per_request * self.max_document_bytes + 1024 * 1024

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{(self.var_dir / 'files').resolve().as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the var folder."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            # Written whole to a private temporary file, then linked into place: processes
            # starting at once see no key or a complete one, and the first link wins.
            fd, temporary = tempfile.mkstemp(dir=self.var_dir, prefix=".secret_key.")
            try:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32))
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, path)
            finally:
                os.unlink(temporary)
        return path.read_text().strip()


def is_weak_secret(value: str) -> bool:
    return len(value) < MIN_SECRET_LENGTH or value.lower() in WEAK_SECRETS or len(set(value)) < 10


@lru_cache
def get_settings() -> Settings:
    return Settings()
