"""The one list of routers."""

from __future__ import annotations

from fastapi import APIRouter

from canopy.departments.router import router as departments
from canopy.jobs.router import router as jobs
from canopy.offices.router import router as offices
from canopy.reference.router import router as reference
from canopy.users.router import router as users

# Order matters where paths overlap: /jobs/dependencies and /jobs/all before /jobs/{reference}.
ROUTERS: list[APIRouter] = [reference, jobs, departments, offices, users]
