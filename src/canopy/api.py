"""The one list of routers."""

from __future__ import annotations

from fastapi import APIRouter

from canopy.articles.router import router as articles
from canopy.candidates.router import router as candidates
from canopy.comments.router import router as comments
from canopy.departments.router import router as departments
from canopy.documents.router import router as documents
from canopy.emails.router import router as emails
from canopy.embed.router import router as embed
from canopy.files.router import router as files
from canopy.images.router import router as images
from canopy.jobs.router import router as jobs
from canopy.moves.router import router as moves
from canopy.offices.router import router as offices
from canopy.ops.router import router as ops
from canopy.organizations.router import router as organizations
from canopy.reference.router import router as reference
from canopy.tools.router import router as tools
from canopy.users.router import router as users
from canopy.videos.router import router as videos

# Order matters where paths overlap: /jobs/dependencies and /jobs/all before /jobs/{reference}.
ROUTERS: list[APIRouter] = [
    reference,
    jobs,
    departments,
    offices,
    candidates,
    comments,
    documents,
    emails,
    moves,
    users,
    organizations,
    images,
    videos,
    tools,
    articles,
    embed,
    files,
    ops,
]
