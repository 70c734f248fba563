"""Signed, expiring file URLs (§15.8): usable without the API token, like presigned URLs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from canopy.errors import ApiError

SALT = "canopy.file-url"


@dataclass(frozen=True)
class FileRef:
    key: str
    filename: str
    content_type: str
    size: int


class FileSigner:
    def __init__(self, secret_key: str, public_base_url: str, ttl_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
        self._base = public_base_url.rstrip("/")
        self.ttl_seconds = ttl_seconds

    def url(self, ref: FileRef) -> str:
        """An absolute URL that serves the object until it expires."""
        token = self._serializer.dumps([ref.key, ref.filename, ref.content_type, ref.size])
        return f"{self._base}/files/{token}/{quote(ref.filename, safe='')}"

    def verify(self, token: str) -> FileRef:
        """The reference inside a token; 403 when it is tampered with or expired."""
        try:
            key, filename, content_type, size = self._serializer.loads(
                token, max_age=self.ttl_seconds
            )
        except SignatureExpired as exc:
            raise ApiError(403, "This file link has expired", code="forbidden") from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise ApiError(403, "This file link is not valid", code="forbidden") from exc
        return FileRef(
            key=str(key), filename=str(filename), content_type=str(content_type), size=int(size)
        )
