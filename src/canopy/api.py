"""The one list of routers."""

from __future__ import annotations

from fastapi import APIRouter

from canopy.departments.router import router as departments
from canopy.offices.router import router as offices
from canopy.reference.router import router as reference
from canopy.users.router import router as users

ROUTERS: list[APIRouter] = [reference, departments, offices, users]
