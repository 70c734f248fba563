"""ORM tables, one module per table."""

from canopy.models.api_token import ApiToken
from canopy.models.article import Article
from canopy.models.base import Base
from canopy.models.cache_version import CacheClock, CacheVersion
from canopy.models.candidate import Candidate
from canopy.models.cms_collection import CmsCollection
from canopy.models.cms_collection_category import CmsCollectionCategory
from canopy.models.comment import Comment
from canopy.models.department import Department
from canopy.models.document import Document
from canopy.models.download_lease import DownloadLease
from canopy.models.email import Delivery, Email, EmailAttachment
from canopy.models.idempotency_key import IdempotencyKey
from canopy.models.image import Image
from canopy.models.job import Job, JobOffice, JobStatus, JobWebsite
from canopy.models.job_assignment import JobAssignment
from canopy.models.membership import Membership, Role
from canopy.models.move import Move
from canopy.models.office import Office
from canopy.models.organization import Organization
from canopy.models.rate_limit_bucket import RateLimitBucket
from canopy.models.stage import Stage
from canopy.models.tool import OrganizationTool, Tool, ToolCategory
from canopy.models.user import User
from canopy.models.video import Video
from canopy.models.website import OrganizationWebsite

__all__ = [
    "ApiToken",
    "Article",
    "Base",
    "CacheClock",
    "CacheVersion",
    "Candidate",
    "CmsCollection",
    "CmsCollectionCategory",
    "Comment",
    "Delivery",
    "Department",
    "Document",
    "DownloadLease",
    "Email",
    "EmailAttachment",
    "IdempotencyKey",
    "Image",
    "Job",
    "JobAssignment",
    "JobOffice",
    "JobStatus",
    "JobWebsite",
    "Membership",
    "Move",
    "Office",
    "Organization",
    "OrganizationTool",
    "OrganizationWebsite",
    "RateLimitBucket",
    "Role",
    "Stage",
    "Tool",
    "ToolCategory",
    "User",
    "Video",
]
