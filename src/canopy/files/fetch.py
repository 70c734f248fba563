"""The one way Canopy downloads a remote URL (contract §15.8).

Every hop is checked before it is connected to: http/https only, no credentials, the host
resolved here and every address it resolves to public (or in a network the operator allowed,
and then only on a port the operator allowed), and the connection made to that very address, so
a second DNS answer cannot redirect it (rebinding). Redirects are followed by hand and
re-checked. The body is streamed to a private temporary file under a byte cap and a wall-clock
deadline, never decompressed, and its type is taken from its bytes. Every refusal is a
`FetchError` whose reason is short, fixed text that never repeats what the remote server sent.

Fetched URLs are never logged with their query string, where presigned URLs carry their
signature. Requests go straight to an httpx transport, not through an `httpx.AsyncClient`: the
client would log every URL it fetches at INFO, and would parse each redirect's Location itself,
raising on ones this module refuses more politely. The transport's own DEBUG trace (httpcore)
lists response headers, a redirect's Location among them: its query strings are blanked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import socket
import ssl
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

import httpx

from canopy.files.sniff import OCTET_STREAM, sniff

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses it resolves to, as text, like getaddrinfo's sockaddr[0].
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

MAX_URL_LENGTH = 2048
MAX_REDIRECTS = 5
USER_AGENT = "Canopy"
# Ports, as inclusive (first, last) ranges; (1, 65535) is every port.
PortRanges = tuple[tuple[int, int], ...]

_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"\A([A-Za-z][A-Za-z0-9+.-]*):")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DIGITS = re.compile(r"[0-9]+")
_INVALID = "the URL is not valid"
_TOO_LONG = "the URL is too long"


def _networks(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


# IANA special-purpose IPv4 blocks that are not globally reachable, plus the anycast relays no
# document lives on. Written out rather than left to `ipaddress.is_global`, whose answer has
# changed between Python patch releases.
_IPV4_REFUSED = _networks(
    "0.0.0.0/8",  # "this network", including the unspecified 0.0.0.0
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",  # CGNAT (and Alibaba Cloud's metadata service)
    "127.0.0.0/8",
    "169.254.0.0/16",  # link-local, where most clouds serve instance metadata
    "192.0.0.0/24",  # IETF protocol assignments (and Oracle Cloud's metadata service)
    "192.0.2.0/24",  # documentation
    "198.51.100.0/24",
    "203.0.113.0/24",
    "192.88.99.0/24",  # the deprecated 6to4 relay anycast
    "198.18.0.0/15",  # benchmarking
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, including the broadcast 255.255.255.255
)
# Only 2000::/3 holds public unicast addresses; inside it these blocks are not public.
_IPV6_PUBLIC = ipaddress.IPv6Network("2000::/3")
_IPV6_REFUSED = _networks(
    "2001::/23",  # IETF protocol assignments (Teredo, 2001::/32, is judged by what it carries)
    "2001:db8::/32",  # documentation
    "3fff::/20",  # documentation (RFC 9637)
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")

# Instance metadata services hand out cloud credentials: never fetched, even from a network
# the operator allowed (allow-lists are coarse CIDRs: allowing 100.64.0.0/10 for a VPN must not
# open Alibaba's metadata). Azure's wire server is a public address, so it is named here too.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(text)
    for text in (
        "169.254.169.254",  # AWS, GCP, Azure, DigitalOcean, OpenStack…
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "168.63.129.16",  # Azure wire server
    )
)


class FetchError(Exception):
    """A remote file that could not be fetched; `reason` is safe to show to the client."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason)
        self.url = url
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class FetchSettings(Protocol):
    """The settings `FetchPolicy.from_settings` reads (``CANOPY_FETCH_*``)."""

    @property
    def fetch_allowed_networks(self) -> str: ...
    @property
    def fetch_allowed_ports(self) -> str: ...
    @property
    def fetch_connect_timeout(self) -> float: ...
    @property
    def fetch_read_timeout(self) -> float: ...
    @property
    def fetch_deadline(self) -> float: ...


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """What a `Downloader` permits. Times are in seconds; `deadline` bounds a whole fetch."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    # The ports of the addresses only `allowed_networks` lets through (public ones take any):
    # allowing an intranet file server must not open the other services of its network.
    allowed_ports: PortRanges = ((80, 80), (443, 443))
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    deadline: float = 60.0
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = USER_AGENT
    temp_dir: Path | None = None  # None: the system's temporary folder

    @classmethod
    def from_settings(cls, settings: FetchSettings, *, temp_dir: Path | None = None) -> Self:
        return cls(
            allowed_networks=parse_networks(settings.fetch_allowed_networks),
            allowed_ports=parse_ports(settings.fetch_allowed_ports),
            connect_timeout=settings.fetch_connect_timeout,
            read_timeout=settings.fetch_read_timeout,
            deadline=settings.fetch_deadline,
            temp_dir=temp_dir,
        )


def parse_networks(text: str | Sequence[str]) -> tuple[IPNetwork, ...]:
    """Comma-separated CIDRs (``"10.1.0.0/16, fd12::/48"``); ValueError names a bad one."""
    items = text.split(",") if isinstance(text, str) else text
    networks = []
    for item in (part.strip() for part in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item))
        except ValueError as exc:
            raise ValueError(f"{item!r} is not a network in CIDR notation: {exc}") from None
    return tuple(networks)


def parse_ports(text: str) -> PortRanges:
    """Comma-separated ports and inclusive ranges (``"80,443,8000-8099"``), or ``*`` for every
    port; ValueError names a bad item."""
    ranges = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if item == "*":
            ranges.append((1, 65535))
            continue
        first, dash, last = item.partition("-")
        try:
            low = int(first.strip())
            high = int(last.strip()) if dash else low
        except ValueError:
            raise ValueError(f"{item!r} is not a port, a range of ports or *") from None
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"{item!r} is not a port, a range of ports or * (1-65535)")
        ranges.append((low, high))
    return tuple(ranges)


def port_allowed(port: int, ranges: PortRanges) -> bool:
    return any(low <= port <= high for low, high in ranges)


def without_query(url: str) -> str:
    """A URL without its query string and fragment."""
    return url.partition("?")[0].partition("#")[0]


def display_url(url: str) -> str:
    """A URL as logs and error descriptions show it: without its query string, fragment or
    credentials, which may hold secrets (a presigned URL's signature), and at most 200
    characters."""
    base = without_query(url)
    cut, hashed = "?" in url, "#" in url
    scheme, separator, rest = base.partition("://")
    if separator:
        authority, slash, path = rest.partition("/")
        _, at, host = authority.rpartition("@")
        base = f"{scheme}://{'…@' if at else ''}{host}{slash}{path}"
    shown = base + ("?…" if cut else "#…" if hashed else "")
    return shown if len(shown) <= 200 else shown[:200] + "…"


@dataclass(frozen=True, slots=True)
class Download:
    """A fetched file: a temporary file the caller owns (move it, or `discard()` it)."""

    path: Path
    size: int
    content_type: str  # sniffed from the bytes
    url: str  # after redirects

    def discard(self) -> None:
        _remove(self.path)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.discard()


def embedded_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries: mapped, compatible, NAT64, 6to4, Teredo."""
    if isinstance(address, ipaddress.IPv4Address):
        return ()
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return (ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF),)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo
    return ()


def is_public(address: IPAddress) -> bool:
    """Whether an address may be fetched from without the operator's say-so."""
    if address in METADATA_ADDRESSES:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return not (
            any(address in network for network in _IPV4_REFUSED)
            or address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
            or not address.is_global
        )
    if address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)  # a socket connects to the IPv4 address itself
    if address in _IPV4_COMPATIBLE:
        return False  # deprecated (RFC 4291) and routed nowhere; also holds :: and ::1
    if address in _NAT64 or address.sixtofour is not None or address.teredo is not None:
        # Translated or tunnelled to IPv4: only as public as the addresses it carries.
        return all(is_public(carried) for carried in embedded_ipv4(address))
    return not (
        address not in _IPV6_PUBLIC
        or any(address in network for network in _IPV6_REFUSED)
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_site_local
        or address.is_multicast
        or address.is_unspecified
    )


def address_allowed(address: IPAddress, allowed_networks: Collection[IPNetwork] = ()) -> bool:
    """Whether a fetch may connect to `address` under an operator's allowed networks."""
    address = _unmapped(address)
    if any(carried in METADATA_ADDRESSES for carried in (address, *embedded_ipv4(address))):
        return False
    if any(
        address.version == network.version and address in network for network in allowed_networks
    ):
        return True
    return is_public(address)


async def resolve_system(host: str, port: int) -> list[str]:
    """The system resolver's answers for a host, as getaddrinfo gives them."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


# A query string inside a logged message: up to the end of the quoted value or the word.
_QUERY = re.compile(r"\?[^\s'\"<>]*")
_TRACE_LOGGERS = ("httpcore.connection", "httpcore.http11", "httpcore.http2")


class _BlankQueries(logging.Filter):
    """Blanks the query strings of a (preformatted) log message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and not record.args and "?" in record.msg:
            record.msg = _QUERY.sub("?…", record.msg)
        return True


def _blank_trace_queries() -> None:
    for name in _TRACE_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _BlankQueries) for f in logger.filters):
            logger.addFilter(_BlankQueries())


class Downloader:
    """Fetches remote files under one policy through one HTTP transport; `aclose()` it."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        resolver: Resolver | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.policy = policy
        self._resolve = resolver or resolve_system
        _blank_trace_queries()
        # No cookies either: requests go to IP literals, so a cookie set by one site would be
        # sent to every other site on the same address.
        self._transport = httpx.AsyncHTTPTransport(
            verify=verify,
            # A proxy would resolve the name itself, undoing the address check.
            trust_env=False,
            # A pooled TLS connection was verified for the first host name that used it; reusing
            # it for another name on the same address would skip that name's certificate check.
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self._headers = {
            "User-Agent": policy.user_agent,
            "Accept": "*/*",
            # Compressed bodies are refused: a few KB of gzip can inflate to gigabytes.
            "Accept-Encoding": "identity",
        }
        self._timeout = httpx.Timeout(
            policy.read_timeout, connect=policy.connect_timeout, pool=policy.connect_timeout
        ).as_dict()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def fetch(
        self, url: str, *, max_bytes: int, allowed_types: Collection[str] | None
    ) -> Download:
        """Download `url` to a temporary file, or raise `FetchError` leaving no file behind.

        `allowed_types` None takes any file, one of no recognised type as
        ``application/octet-stream``."""
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        try:
            async with asyncio.timeout(self.policy.deadline):
                download = await self._download(url, max_bytes)
        except TimeoutError:
            raise FetchError(url, "the download took too long") from None
        try:
            if download.size == 0:
                raise FetchError(url, "the file is empty")
            # zipfile reads the archive directory: kept off the event loop.
            found = await asyncio.to_thread(sniff, download.path)
            if allowed_types is None:
                found = found or OCTET_STREAM
            elif found is None or found not in allowed_types:
                raise FetchError(
                    url, f"the file type is not allowed (found {found or 'an unknown type'})"
                )
        except BaseException:
            download.discard()
            raise
        return replace(download, content_type=found)

    async def _download(self, url: str, max_bytes: int) -> Download:
        target = _parse(url, url)
        for hop in range(self.policy.max_redirects + 1):
            addresses = await self._checked_addresses(url, target)
            async with self._get(url, target, addresses) as response:
                status = response.status_code
                if status in _REDIRECTS and "location" in response.headers:
                    if hop == self.policy.max_redirects:
                        break
                    target = _redirect_target(url, target, _location(url, response))
                    continue
                if not 200 <= status < 300:
                    raise FetchError(url, f"the server answered {status}")
                _check_headers(url, response, max_bytes)
                return await self._save(url, response, max_bytes, final_url=str(target))
        raise FetchError(url, "too many redirects")

    async def _checked_addresses(self, url: str, target: httpx.URL) -> list[IPAddress]:
        """The addresses to connect to, once every address of the host has passed."""
        host = target.raw_host.decode("ascii")
        literal = _ip_literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                answers = await self._resolve(host, target.port or _PORTS[target.scheme])
            except (OSError, UnicodeError, ValueError):
                raise FetchError(url, "the host could not be found") from None
            parsed = [_ip_literal(answer) for answer in answers]
            addresses = [address for address in parsed if address is not None]
            if not addresses or len(addresses) != len(parsed):
                raise FetchError(url, "the host could not be found")
        # Every one, not just the first: any may be connected to, and a mixed answer is itself
        # a sign of rebinding.
        if not all(address_allowed(a, self.policy.allowed_networks) for a in addresses):
            raise FetchError(url, "the host is not allowed")
        port = target.port or _PORTS[target.scheme]
        if not all(is_public(_unmapped(a)) for a in addresses) and not port_allowed(
            port, self.policy.allowed_ports
        ):
            raise FetchError(url, f"the port {port} is not allowed")
        return list(dict.fromkeys(_unmapped(address) for address in addresses))

    @asynccontextmanager
    async def _get(
        self, url: str, target: httpx.URL, addresses: Sequence[IPAddress]
    ) -> AsyncIterator[httpx.Response]:
        """GET `target` from the checked addresses themselves, in order until one accepts the
        connection: the host name goes only in Host and, for TLS, in SNI and the certificate
        check."""
        response: httpx.Response | None = None
        for index, address in enumerate(addresses):
            extensions: dict[str, object] = {"timeout": self._timeout}
            if target.scheme == "https":
                extensions["sni_hostname"] = target.raw_host.decode("ascii")
            try:
                request = httpx.Request(
                    "GET",
                    target.copy_with(host=str(address)),
                    headers={**self._headers, "Host": target.netloc.decode("ascii")},
                    extensions=extensions,
                )
            except (httpx.InvalidURL, UnicodeError, ValueError):
                raise FetchError(url, _INVALID) from None
            try:
                response = await self._transport.handle_async_request(request)
                break
            except httpx.ConnectError as exc:
                # A refused or unreachable address (an IPv6 one on an IPv4-only host, say) gives
                # way to the next; a TLS failure does not, the next address would be no better.
                if index + 1 == len(addresses) or _cause(exc, ssl.SSLError) is not None:
                    raise FetchError(url, _describe(exc)) from None
            except httpx.HTTPError as exc:
                raise FetchError(url, _describe(exc)) from None
        assert response is not None  # the loop either broke with one or raised
        try:
            yield response
        except httpx.HTTPError as exc:
            raise FetchError(url, _describe(exc)) from None
        finally:
            await response.aclose()

    async def _save(
        self, url: str, response: httpx.Response, max_bytes: int, *, final_url: str
    ) -> Download:
        """Stream the raw body to a new private (0600) temporary file."""
        fd, name = tempfile.mkstemp(prefix="canopy-fetch-", dir=self.policy.temp_dir)
        path = Path(name)
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(url, _too_large(max_bytes))
                    # A blocking write of at most 64 KB to the page cache costs less than a
                    # thread hop per chunk.
                    out.write(chunk)
        except BaseException:
            _remove(path)
            raise
        return Download(path=path, size=size, content_type="", url=final_url)


def _parse(text: str, url: str) -> httpx.URL:
    if len(text) > MAX_URL_LENGTH:
        raise FetchError(url, _TOO_LONG)
    scheme = _SCHEME.match(text)
    if scheme is None:
        raise FetchError(url, _INVALID)
    if scheme[1].lower() not in _PORTS:
        raise FetchError(url, "only http and https URLs are allowed")
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise FetchError(url, _INVALID) from None
    if parsed.userinfo:
        raise FetchError(url, "URLs with a user name or password are not allowed")
    if not parsed.raw_host or (parsed.port is not None and not 0 < parsed.port < 65536):
        raise FetchError(url, _INVALID)
    return parsed


def _redirect_target(url: str, current: httpx.URL, location: str) -> httpx.URL:
    """The next hop's URL; relative locations are resolved against the current one."""
    scheme = _SCHEME.match(location)
    if scheme is not None and scheme[1].lower() not in _PORTS:
        raise FetchError(url, "only http and https URLs are allowed")
    try:
        joined = str(current.join(location))
    except (httpx.InvalidURL, ValueError, TypeError):
        raise FetchError(url, "the server redirected to an invalid URL") from None
    try:
        return _parse(joined, url)
    except FetchError as exc:
        if exc.reason in (_INVALID, _TOO_LONG):
            raise FetchError(url, "the server redirected to an invalid URL") from None
        raise


def _location(url: str, response: httpx.Response) -> str:
    """The redirect's target as sent; one that is blank or not text is refused."""
    raw = response.headers.raw
    values = [value for name, value in raw if name.lower() == b"location"]
    if len(values) != 1:
        raise FetchError(url, "the server redirected to an invalid URL")
    try:
        location = values[0].decode("ascii").strip()
    except UnicodeDecodeError:
        # Some servers send a raw UTF-8 Location; browsers follow it, so does this.
        try:
            location = values[0].decode("utf-8").strip()
        except UnicodeDecodeError:
            raise FetchError(url, "the server redirected to an invalid URL") from None
    if not location:
        raise FetchError(url, "the server redirected to an invalid URL")
    return location


def _check_headers(url: str, response: httpx.Response, max_bytes: int) -> None:
    encodings = {
        coding.strip().lower()
        for value in response.headers.get_list("content-encoding")
        for coding in value.split(",")
    }
    if encodings - {"", "identity"}:
        raise FetchError(url, "the server sent a compressed file")
    # Refused early when announced; the stream is counted all the same, as this may lie.
    length = response.headers.get("content-length", "").strip()
    if _DIGITS.fullmatch(length) and int(length) > max_bytes:
        raise FetchError(url, _too_large(max_bytes))


def _ip_literal(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.partition("%")[0])  # without an IPv6 zone ("%eth0")
    except ValueError:
        return None


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _remove(path: Path) -> None:
    # Synchronous on purpose: unlinking is one metadata operation, and cleanup must also run
    # while the task is being cancelled, when awaiting a thread is no longer possible.
    path.unlink(missing_ok=True)


def _too_large(max_bytes: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if max_bytes >= factor and max_bytes % factor == 0:
            return f"the file is larger than {max_bytes // factor} {unit}"
    return f"the file is larger than {max_bytes} bytes"


def _describe(exc: httpx.HTTPError) -> str:
    """A fixed reason for a transport failure: the exception's own text may quote the server."""
    if isinstance(exc, httpx.TimeoutException):
        return "the server did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        cause = _cause(exc, ssl.SSLError)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return "the server's certificate is not valid"
        if cause is not None:
            return "the secure connection failed"
        return "the server could not be reached"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server sent an invalid response"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "only http and https URLs are allowed"
    if isinstance(exc, httpx.LocalProtocolError):
        return _INVALID
    if isinstance(exc, httpx.TransportError):
        return "the connection failed"
    return "the download failed"


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    for _ in range(10):  # bounded: a cycle in __cause__/__context__ is possible
        if seen is None or isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
