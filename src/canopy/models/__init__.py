"""ORM tables, one module per table."""

from canopy.models.api_token import ApiToken
from canopy.models.base import Base
from canopy.models.department import Department
from canopy.models.membership import Membership, Role
from canopy.models.office import Office
from canopy.models.organization import Organization
from canopy.models.user import User

__all__ = [
    "ApiToken",
    "Base",
    "Department",
    "Membership",
    "Office",
    "Organization",
    "Role",
    "User",
]
