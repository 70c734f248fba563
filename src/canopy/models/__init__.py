"""ORM tables, one module per table."""

from canopy.models.api_token import ApiToken
from canopy.models.base import Base
from canopy.models.candidate import Candidate
from canopy.models.department import Department
from canopy.models.job import Job, JobOffice, JobStatus, JobWebsite
from canopy.models.membership import Membership, Role
from canopy.models.office import Office
from canopy.models.organization import Organization
from canopy.models.stage import Stage
from canopy.models.user import User

__all__ = [
    "ApiToken",
    "Base",
    "Candidate",
    "Department",
    "Job",
    "JobOffice",
    "JobStatus",
    "JobWebsite",
    "Membership",
    "Office",
    "Organization",
    "Role",
    "Stage",
    "User",
]
