"""Delivery over SMTP (``CANOPY_SMTP_URL``), attachments read from the object store."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from canopy.files.storage import Storage
from canopy.html import render_markdown


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool
    timeout: float

    @classmethod
    def from_url(cls, url: str, timeout: float) -> SmtpConfig:
        """``smtp://[user:pass@]host[:port][?starttls=true]`` or ``smtps://…`` (TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("CANOPY_SMTP_URL must look like smtp://user:pass@host:port")
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=tls,
            start_tls=query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes"),
            timeout=timeout,
        )


@dataclass(frozen=True)
class Attachment:
    filename: str
    key: str
    content_type: str


async def build_message(
    storage: Storage,
    *,
    subject: str,
    body: str,
    from_email: str,
    to: str,
    attachments: list[Attachment],
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = from_email
    message["To"] = to
    message.set_content(body)
    message.add_alternative(render_markdown(body), subtype="html")
    for attachment in attachments:
        data = b"".join([chunk async for chunk in storage.read(attachment.key)])
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


async def send(config: SmtpConfig, message: EmailMessage) -> None:
    await aiosmtplib.send(
        message,
        hostname=config.host,
        port=config.port,
        username=config.username,
        password=config.password,
        use_tls=config.use_tls,
        start_tls=config.start_tls,
        timeout=config.timeout,
    )
