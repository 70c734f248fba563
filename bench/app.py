"""The application ``make bench`` serves: Canopy's, as ``canopy serve`` builds it from the
``CANOPY_*`` environment, with the floors (:mod:`bench.floors`) mounted beside its routes.

    .venv/bin/python -m bench.app [--host 127.0.0.1] [--port 8000] [--workers 1]

Served by Canopy's own uvicorn runner, so that workers, graceful stops and log levels are
those of ``canopy serve``; only the application differs.
"""

from __future__ import annotations

import argparse

from fastapi import FastAPI

from bench import floors
from canopy import migrate, serving
from canopy.config import Settings, get_settings
from canopy.main import create_app

FACTORY = "bench.app:create"


def create(settings: Settings | None = None) -> FastAPI:
    """uvicorn calls it with no argument: the settings come from the environment."""
    app = create_app(settings or get_settings())
    app.include_router(floors.router)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    settings = get_settings()
    # As `canopy serve`: a stale schema is refused, and the secret key is created once here
    # rather than by workers racing for it.
    if migrate.pending(settings):
        raise SystemExit("the database is behind the code: run `canopy db upgrade`")
    settings.resolved_secret_key()
    serving.run(
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        app=FACTORY,
    )


if __name__ == "__main__":
    main()
