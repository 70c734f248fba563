"""The safe downloader against a real HTTP server on 127.0.0.1: hostile URLs and servers are
refused with a short reason and leave no file behind; real files arrive byte for byte."""

from __future__ import annotations

import gzip
import ipaddress
import re
import socket
import ssl
import stat
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import pytest
import trustme

from canopy.files import sniff as types
from canopy.files.fetch import (
    Downloader,
    FetchError,
    FetchPolicy,
    address_allowed,
    embedded_ipv4,
    parse_networks,
    parse_ports,
    resolve_system,
)
from tests.fixtures import remote as samples
from tests.fixtures.remote import RemoteServer, Reply

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
CAP = 4096  # bytes: "the file is larger than 4 KB"
PUBLIC = "93.184.215.14"  # never connected to: refused or guarded before any packet leaves


# -- the world as the tests define it --------------------------------------------------------


@dataclass
class Names:
    """A resolver answering from a table; each entry is a list of answers, one per lookup
    (the last repeats). Only "localhost" and numeric spellings reach the system resolver, so no
    test waits on real DNS."""

    table: dict[str, list[list[str]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def add(self, host: str, *answers: list[str]) -> None:
        self.table[host] = list(answers)

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answers = self.table.get(host)
        if answers is not None:
            return answers.pop(0) if len(answers) > 1 else answers[0]
        if host == "localhost" or all(c in "0123456789abcdefx." for c in host.lower()):
            return await resolve_system(host, port)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture(autouse=True)
def _only_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """No connection leaves the machine whatever the code under test does: a regression shows
    up as a failed test, not as traffic to a private or public address."""
    connect = anyio.connect_tcp

    async def guarded(remote_host: Any, remote_port: int, **kwargs: Any) -> Any:
        if not ipaddress.ip_address(str(remote_host)).is_loopback:
            raise OSError(f"test guard: refusing to connect to {remote_host}")
        return await connect(remote_host, remote_port, **kwargs)

    monkeypatch.setattr(anyio, "connect_tcp", guarded)


@pytest.fixture
def temp_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def names() -> Names:
    return Names()


Make = Callable[..., Downloader]


@pytest.fixture(scope="module")
def default_tls() -> ssl.SSLContext:
    """The client's default trust, loaded once: loading it costs ~90 ms per Downloader."""
    return httpx.create_ssl_context()


@pytest.fixture
async def make(temp_dir: Path, names: Names, default_tls: ssl.SSLContext) -> AsyncIterator[Make]:
    """Downloaders with short timeouts; "lab" ones allow the loopback range, as tests must."""
    made: list[Downloader] = []

    def build(
        *,
        lab: bool = True,
        allowed: Sequence[str] = (),
        verify: ssl.SSLContext | None = None,
        ports: str = "1024-65535",
        **timing: float,
    ) -> Downloader:
        networks = (LOOPBACK,) if lab else ()
        policy = FetchPolicy(
            allowed_networks=networks + parse_networks(list(allowed)),
            # The test servers listen on ports the system picks.
            allowed_ports=parse_ports(ports),
            connect_timeout=timing.get("connect_timeout", 2.0),
            read_timeout=timing.get("read_timeout", 2.0),
            deadline=timing.get("deadline", 5.0),
            temp_dir=temp_dir,
        )
        downloader = Downloader(policy, resolver=names, verify=verify or default_tls)
        made.append(downloader)
        return downloader

    yield build
    for downloader in made:
        await downloader.aclose()


def _left(temp_dir: Path) -> list[str]:
    return sorted(p.name for p in temp_dir.iterdir())


# -- the hostile table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    """A URL (built against the server and the resolver) and the refusal it must meet."""

    url: Callable[[RemoteServer, Names], str]
    reason: str | tuple[str, ...]
    lab: bool = False  # False: no network allowed, so loopback counts as hostile too
    max_bytes: int = CAP
    allowed: frozenset[str] | None = types.DOCUMENT_TYPES
    timing: dict[str, float] = field(default_factory=dict)


NOT_ALLOWED = "the host is not allowed"
SCHEME = "only http and https URLs are allowed"
CREDENTIALS = "URLs with a user name or password are not allowed"
TOO_LARGE = "the file is larger than 4 KB"


def at(url: str) -> Callable[[RemoteServer, Names], str]:
    """A fixed URL; "{port}" becomes the test server's port (where a slip would connect)."""
    return lambda remote, _: url.replace("{port}", str(remote.port))


def named(host: str, *answers: list[str], path: str = "/") -> Callable[[RemoteServer, Names], str]:
    """A DNS name the resolver maps to `answers` (one list per lookup)."""

    def build(remote: RemoteServer, names: Names) -> str:
        names.add(host, *answers)
        return remote.url(path, host=host)

    return build


def served(path: str, reply: Reply) -> Callable[[RemoteServer, Names], str]:
    def build(remote: RemoteServer, _: Names) -> str:
        return remote.add(path, reply)

    return build


def redirect(
    location: str, name: tuple[str, list[str]] | None = None
) -> Callable[[RemoteServer, Names], str]:
    """A redirect from the (allowed) server to `location`, with `name` added to the resolver."""

    def build(remote: RemoteServer, names: Names) -> str:
        if name is not None:
            names.add(*name)
        return remote.redirect("/jump", location)

    return build


def chain(length: int) -> Callable[[RemoteServer, Names], str]:
    """`length` redirects, then a PDF."""

    def build(remote: RemoteServer, _: Names) -> str:
        remote.file("/end.pdf", samples.pdf())
        for hop in range(length):
            remote.redirect(f"/hop{hop}", f"/hop{hop + 1}" if hop + 1 < length else "/end.pdf")
        return remote.url("/hop0")

    return build


def rebinding(remote: RemoteServer, names: Names) -> str:
    """First lookup: the (allowed) server; second lookup, for the redirect: a private address."""
    names.add("rebind.example", ["127.0.0.1"], ["10.0.0.1"])
    remote.redirect("/first", "/second")
    remote.file("/second", samples.pdf())
    return remote.url("/first", host="rebind.example")


def teredo(server: str, client: str) -> str:
    """A Teredo address: 2001:0::/32, the server's IPv4, and the client's IPv4 inverted."""
    value = (0x2001_0000 << 96) | (int(ipaddress.IPv4Address(server)) << 64)
    value |= ~int(ipaddress.IPv4Address(client)) & 0xFFFF_FFFF
    return str(ipaddress.IPv6Address(value))


HTML_PAGE = b"<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>"
BIG = samples.pdf() + b"%" * (CAP * 3)
DRIP = Reply(body=samples.pdf(), chunk_size=8, drip_interval=0.05)  # ~4 s for the whole file

HOSTILE: dict[str, Hostile] = {
    # Loopback, in every spelling the resolver turns into 127.0.0.1 or ::1.
    "loopback": Hostile(at("http://127.0.0.1:{port}/"), NOT_ALLOWED),
    "loopback-decimal": Hostile(at("http://2130706433:{port}/"), NOT_ALLOWED),
    "loopback-hex": Hostile(at("http://0x7f.1:{port}/"), NOT_ALLOWED),
    "loopback-short": Hostile(at("http://127.1:{port}/"), NOT_ALLOWED),
    "loopback-octal": Hostile(
        at("http://0177.0.0.1:{port}/"), (NOT_ALLOWED, "the URL is not valid")
    ),
    "loopback-other": Hostile(at("http://127.255.255.254:{port}/"), NOT_ALLOWED),
    "loopback-ipv6": Hostile(at("http://[::1]:{port}/"), NOT_ALLOWED),
    "loopback-ipv4-mapped": Hostile(at("http://[::ffff:127.0.0.1]:{port}/"), NOT_ALLOWED),
    "loopback-ipv4-mapped-hex": Hostile(at("http://[::ffff:7f00:1]:{port}/"), NOT_ALLOWED),
    "loopback-ipv4-compatible": Hostile(at("http://[::127.0.0.1]:{port}/"), NOT_ALLOWED),
    "loopback-localhost": Hostile(at("http://localhost:{port}/"), NOT_ALLOWED),
    "loopback-localhost-uppercase": Hostile(at("http://LOCALHOST:{port}/"), NOT_ALLOWED),
    "loopback-name": Hostile(named("loop.example", ["127.0.0.2"]), NOT_ALLOWED),
    "loopback-name-ipv6": Hostile(named("loop6.example", ["::1"]), NOT_ALLOWED),
    # Private networks (RFC 1918, unique local IPv6).
    "private-10": Hostile(at("http://10.0.0.1/"), NOT_ALLOWED),
    "private-172": Hostile(at("http://172.16.5.4/"), NOT_ALLOWED),
    "private-192": Hostile(at("http://192.168.1.1/"), NOT_ALLOWED),
    "private-name": Hostile(named("internal.example", ["192.168.0.10"]), NOT_ALLOWED),
    "private-ula": Hostile(at("http://[fd12:3456::1]/"), NOT_ALLOWED),
    "private-ula-name": Hostile(named("ula.example", ["fc00::1"]), NOT_ALLOWED),
    "private-mixed-answer": Hostile(named("mixed.example", [PUBLIC, "10.0.0.1"]), NOT_ALLOWED),
    # Link-local, CGNAT, cloud metadata.
    "link-local": Hostile(at("http://169.254.1.1/"), NOT_ALLOWED),
    "link-local-ipv6": Hostile(at("http://[fe80::1]/"), NOT_ALLOWED),
    "link-local-ipv6-zone": Hostile(at("http://[fe80::1%25eth0]/"), NOT_ALLOWED),
    "cgnat": Hostile(at("http://100.64.0.1/"), NOT_ALLOWED),
    "metadata-aws": Hostile(at("http://169.254.169.254/latest/meta-data/"), NOT_ALLOWED),
    "metadata-aws-ipv6": Hostile(at("http://[fd00:ec2::254]/latest/meta-data/"), NOT_ALLOWED),
    "metadata-alibaba": Hostile(at("http://100.100.100.200/latest/meta-data/"), NOT_ALLOWED),
    "metadata-azure-wire-server": Hostile(at("http://168.63.129.16/machine"), NOT_ALLOWED),
    "metadata-name": Hostile(named("metadata.example", ["169.254.169.254"]), NOT_ALLOWED),
    "metadata-nat64": Hostile(at("http://[64:ff9b::a9fe:a9fe]/"), NOT_ALLOWED),
    "metadata-ipv4-mapped": Hostile(at("http://[::ffff:169.254.169.254]/"), NOT_ALLOWED),
    # Multicast, reserved, broadcast, unspecified, documentation, benchmarking.
    "multicast": Hostile(at("http://224.0.0.1/"), NOT_ALLOWED),
    "multicast-ipv6": Hostile(at("http://[ff02::1]/"), NOT_ALLOWED),
    "reserved": Hostile(at("http://240.0.0.1/"), NOT_ALLOWED),
    "broadcast": Hostile(at("http://255.255.255.255/"), NOT_ALLOWED),
    "unspecified": Hostile(at("http://0.0.0.0:{port}/"), NOT_ALLOWED),
    "unspecified-short": Hostile(at("http://0:{port}/"), NOT_ALLOWED),
    "unspecified-ipv6": Hostile(at("http://[::]:{port}/"), NOT_ALLOWED),
    "documentation": Hostile(at("http://192.0.2.10/"), NOT_ALLOWED),
    "documentation-ipv6": Hostile(at("http://[2001:db8::1]/"), NOT_ALLOWED),
    "benchmarking": Hostile(at("http://198.18.0.1/"), NOT_ALLOWED),
    "benchmarking-name": Hostile(named("bench.example", ["198.19.255.1"]), NOT_ALLOWED),
    # IPv6 forms carrying a forbidden IPv4 address.
    "6to4-private": Hostile(at("http://[2002:c0a8:101::1]/"), NOT_ALLOWED),
    "6to4-loopback-name": Hostile(named("tunnel.example", ["2002:7f00:1::1"]), NOT_ALLOWED),
    "nat64-loopback": Hostile(at("http://[64:ff9b::7f00:1]:{port}/"), NOT_ALLOWED),
    "nat64-private-name": Hostile(named("nat64.example", ["64:ff9b::10.0.0.1"]), NOT_ALLOWED),
    "nat64-local-use": Hostile(at("http://[64:ff9b:1::a00:1]/"), NOT_ALLOWED),
    "teredo-private-client": Hostile(
        at(f"http://[{teredo('65.54.227.120', '10.0.0.1')}]/"), NOT_ALLOWED
    ),
    "teredo-loopback-server": Hostile(
        named("teredo.example", [teredo("127.0.0.1", PUBLIC)]), NOT_ALLOWED
    ),
    # Redirects: every hop is checked again.
    "redirect-to-private": Hostile(redirect("http://10.0.0.1/x.pdf"), NOT_ALLOWED, lab=True),
    "redirect-to-metadata": Hostile(
        redirect("http://169.254.169.254/latest/meta-data/"), NOT_ALLOWED, lab=True
    ),
    "redirect-to-private-name": Hostile(
        redirect("//internal.example/x.pdf", ("internal.example", ["192.168.0.10"])),
        NOT_ALLOWED,
        lab=True,
    ),
    "redirect-to-file": Hostile(redirect("file:///etc/passwd"), SCHEME, lab=True),
    "redirect-to-gopher": Hostile(redirect("gopher://127.0.0.1:6379/_INFO"), SCHEME, lab=True),
    "redirect-with-credentials": Hostile(
        redirect("http://user:secret@127.0.0.1/x"), CREDENTIALS, lab=True
    ),
    "redirect-invalid": Hostile(
        redirect("http://[::1"),
        ("the server redirected to an invalid URL", "the server sent an invalid response"),
        lab=True,
    ),
    "dns-rebinding-between-hops": Hostile(rebinding, NOT_ALLOWED, lab=True),
    "too-many-redirects": Hostile(chain(6), "too many redirects", lab=True),
    "redirect-loop": Hostile(redirect("/jump"), "too many redirects", lab=True),
    # Schemes, credentials, malformed.
    "scheme-file": Hostile(at("file:///etc/passwd"), SCHEME),
    "scheme-ftp": Hostile(at("ftp://example.com/resume.pdf"), SCHEME),
    "scheme-gopher": Hostile(at("gopher://127.0.0.1:{port}/_GET"), SCHEME),
    "scheme-data": Hostile(at("data:application/pdf;base64,JVBERi0="), SCHEME),
    "scheme-javascript": Hostile(at("javascript:alert(1)"), SCHEME),
    "scheme-dict": Hostile(at("dict://127.0.0.1:11211/stats"), SCHEME),
    "credentials": Hostile(at("http://user:pass@example.com/resume.pdf"), CREDENTIALS),
    "credentials-user-only": Hostile(at("http://user@127.0.0.1:{port}/"), CREDENTIALS),
    "credentials-backslash": Hostile(at("http://example.com\\@127.0.0.1:{port}/"), CREDENTIALS),
    "no-scheme": Hostile(at("//example.com/resume.pdf"), "the URL is not valid"),
    "no-host": Hostile(at("http:///resume.pdf"), "the URL is not valid"),
    "bad-port": Hostile(at("http://example.com:99999/"), "the URL is not valid"),
    "control-character": Hostile(
        at("http://example.com/\r\nX-Injected: 1"), "the URL is not valid"
    ),
    "too-long": Hostile(at("http://example.com/" + "a" * 2048), "the URL is too long"),
    "unknown-host": Hostile(at("http://nowhere.invalid/"), "the host could not be found"),
    # Hostile servers.
    "oversize-content-length": Hostile(served("/big", Reply(body=BIG)), TOO_LARGE, lab=True),
    "oversize-announced-refused-before-the-body": Hostile(
        # The body would take minutes to arrive: only a refusal on the header beats the deadline.
        served("/big", Reply(body=BIG, chunk_size=64, drip_interval=1.0)),
        TOO_LARGE,
        lab=True,
        timing={"deadline": 2.0},
    ),
    "oversize-chunked": Hostile(
        served("/big", Reply(body=BIG, framing="chunked", chunk_size=1000)), TOO_LARGE, lab=True
    ),
    "oversize-no-length": Hostile(
        served("/big", Reply(body=BIG, framing="close")), TOO_LARGE, lab=True
    ),
    "content-length-understated-chunked": Hostile(
        served(
            "/big",
            Reply(body=BIG, framing="chunked", headers=[("Content-Length", "100")]),
        ),
        TOO_LARGE,
        lab=True,
    ),
    "content-length-overstated": Hostile(
        served("/short", Reply(body=samples.pdf(), declared_length=CAP - 1)),
        "the server sent an invalid response",
        lab=True,
    ),
    "gzip-bomb": Hostile(
        served(
            "/bomb.pdf",
            Reply(
                body=gzip.compress(b"%PDF-1.7\n" + b"\0" * 20_000_000),
                content_type="application/pdf",
                headers=[("Content-Encoding", "gzip")],
            ),
        ),
        "the server sent a compressed file",
        lab=True,
        max_bytes=1024 * 1024,
    ),
    "content-encoding-listed": Hostile(
        served(
            "/x.pdf",
            Reply(body=samples.pdf(), headers=[("Content-Encoding", "identity, BR")]),
        ),
        "the server sent a compressed file",
        lab=True,
    ),
    "slow-drip-past-deadline": Hostile(
        served("/slow.pdf", DRIP),
        "the download took too long",
        lab=True,
        timing={"deadline": 0.5, "read_timeout": 2.0},
    ),
    "stalled-past-read-timeout": Hostile(
        served("/stall.pdf", Reply(body=samples.pdf(), chunk_size=16, drip_interval=3.0)),
        "the server did not answer in time",
        lab=True,
        timing={"read_timeout": 0.3},
    ),
    "html-served-as-pdf": Hostile(
        served("/resume.pdf", Reply(body=HTML_PAGE, content_type="application/pdf")),
        "the file type is not allowed (found text/html)",
        lab=True,
        allowed=types.RESUME_TYPES,
    ),
    "png-as-portfolio": Hostile(
        served("/portfolio.pdf", Reply(body=samples.image("PNG"), content_type="application/pdf")),
        "the file type is not allowed (found image/png)",
        lab=True,
        allowed=types.PORTFOLIO_TYPES,
    ),
    "unknown-binary-as-resume": Hostile(
        served("/x.bin", Reply(body=bytes(range(256)))),
        "the file type is not allowed (found an unknown type)",
        lab=True,
        allowed=types.RESUME_TYPES,
    ),
    "empty": Hostile(served("/empty.pdf", Reply(body=b"")), "the file is empty", lab=True),
    "not-found": Hostile(
        at("http://127.0.0.1:{port}/missing.pdf"), "the server answered 404", lab=True
    ),
    "server-error": Hostile(
        lambda remote, _: remote.status("/error", 500, b"Traceback: secret"),
        "the server answered 500",
        lab=True,
    ),
    "redirect-without-location": Hostile(
        served("/moved", Reply(status=302)), "the server answered 302", lab=True
    ),
    "connection-refused": Hostile(
        lambda remote, _: f"http://127.0.0.1:{_closed_port()}/x.pdf",
        "the server could not be reached",
        lab=True,
    ),
}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_hostile_table_is_exhaustive() -> None:
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
async def test_fetch_refuses_hostile_urls_and_leaves_no_file(
    case: Hostile, remote: RemoteServer, names: Names, make: Make, temp_dir: Path
) -> None:
    url = case.url(remote, names)
    downloader = make(lab=case.lab, **case.timing)
    with pytest.raises(FetchError) as refused:
        await downloader.fetch(url, max_bytes=case.max_bytes, allowed_types=case.allowed)
    expected = case.reason if isinstance(case.reason, tuple) else (case.reason,)
    assert refused.value.reason in expected
    assert refused.value.url == url
    assert str(refused.value) == refused.value.reason
    assert _left(temp_dir) == []


async def test_refused_download_never_echoes_the_server(remote: RemoteServer, make: Make) -> None:
    remote.add(
        "/leak",
        Reply(status=403, body=b"SECRET-BODY", headers=[("X-Secret", "SECRET-HEADER")]),
    )
    with pytest.raises(FetchError) as refused:
        await make().fetch(remote.url("/leak"), max_bytes=CAP, allowed_types=types.DOCUMENT_TYPES)
    assert "SECRET" not in str(refused.value)
    assert "SECRET" not in repr(refused.value.args)


# -- real files -------------------------------------------------------------------------------

POSITIVE = {
    "application/pdf": "resume.pdf",
    "application/msword": "resume.doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "resume.docx",
    "application/vnd.oasis.opendocument.text": "resume.odt",
    "application/rtf": "letter.rtf",
    "text/plain": "notes.txt",
    "image/png": "photo.png",
    "image/jpeg": "photo.jpg",
    "image/gif": "photo.gif",
    "image/webp": "photo.webp",
}


@pytest.mark.parametrize(("kind", "name"), POSITIVE.items(), ids=POSITIVE.values())
async def test_fetch_downloads_real_files_byte_for_byte(
    kind: str, name: str, remote: RemoteServer, make: Make, temp_dir: Path
) -> None:
    body = samples.SAMPLES[kind]()
    url = remote.file(f"/files/{name}", body, "application/octet-stream")  # the header is ignored
    download = await make().fetch(url, max_bytes=CAP, allowed_types=types.DOCUMENT_TYPES)
    assert download.path.read_bytes() == body
    assert download.size == len(body)
    assert download.content_type == kind
    assert download.url == url
    assert download.path.parent == temp_dir
    assert stat.S_IMODE(download.path.stat().st_mode) == 0o600
    download.discard()
    assert _left(temp_dir) == []


@pytest.mark.parametrize(
    ("framing", "chunk_size"), [("chunked", 100), ("close", 64), ("length", 1)]
)
async def test_fetch_streams_every_framing(
    framing: Any, chunk_size: int, remote: RemoteServer, make: Make
) -> None:
    body = samples.docx()
    url = remote.add("/doc", Reply(body=body, framing=framing, chunk_size=chunk_size))
    async with await make().fetch(url, max_bytes=CAP, allowed_types=types.RESUME_TYPES) as got:
        assert got.path.read_bytes() == body
        assert got.content_type == types.DOCX


async def test_fetch_follows_a_chain_of_five_redirects(
    remote: RemoteServer, make: Make, names: Names
) -> None:
    names.add("files.example", ["127.0.0.1"])
    remote.file("/end.pdf", samples.pdf())
    remote.redirect("/r0", "/r1", status=301)  # absolute path
    remote.redirect("/r1", "r2", status=302)  # relative to the current path
    remote.redirect("/r2", f"//files.example:{remote.port}/r3", status=303)  # no scheme
    remote.redirect("/r3", remote.url("/dir/r4", host="files.example"), status=307)
    remote.redirect("/dir/r4", "../end.pdf", status=308)
    start = remote.url("/r0", host="files.example")
    async with await make().fetch(start, max_bytes=CAP, allowed_types=types.RESUME_TYPES) as got:
        assert got.url == remote.url("/end.pdf", host="files.example")
        assert got.path.read_bytes() == samples.pdf()
    assert [seen.path for seen in remote.requests] == [
        "/r0",
        "/r1",
        "/r2",
        "/r3",
        "/dir/r4",
        "/end.pdf",
    ]
    assert names.calls == ["files.example"] * 6  # one lookup per hop


async def test_fetch_pins_the_connection_to_the_checked_address(
    remote: RemoteServer, make: Make, names: Names
) -> None:
    # The name exists only in this resolver, whose second answer is forbidden: a download that
    # looked the name up again, or let the HTTP client do so, would not reach the server.
    names.add("rebind.example", ["127.0.0.1"], ["10.0.0.1"])
    remote.file("/cv.pdf", samples.pdf())
    url = remote.url("/cv.pdf?v=2", host="rebind.example")
    async with await make(lab=False, allowed=["127.0.0.1/32"]).fetch(
        url, max_bytes=CAP, allowed_types=types.RESUME_TYPES
    ) as got:
        assert got.content_type == types.PDF
    assert names.calls == ["rebind.example"]
    [seen] = remote.requests
    assert seen.local_address == "127.0.0.1"
    assert seen.target == "/cv.pdf?v=2"
    assert seen.headers["host"] == f"rebind.example:{remote.port}"
    assert seen.headers["accept-encoding"] == "identity"
    assert seen.headers["user-agent"] == "Canopy"
    assert "cookie" not in seen.headers


async def test_fetch_tries_the_next_checked_address_when_one_refuses(
    remote: RemoteServer, make: Make, names: Names
) -> None:
    # The server listens on 127.0.0.1 only, so 127.0.0.2 refuses the connection.
    names.add("two.example", ["127.0.0.2", "::ffff:127.0.0.1"])
    url = remote.file("/cv.pdf", samples.pdf()).replace("127.0.0.1", "two.example")
    async with await make().fetch(url, max_bytes=CAP, allowed_types={types.PDF}) as got:
        assert got.content_type == types.PDF
    assert names.calls == ["two.example"]
    assert [seen.local_address for seen in remote.requests] == ["127.0.0.1"]


async def test_fetch_refuses_when_no_checked_address_accepts(
    make: Make, names: Names, temp_dir: Path
) -> None:
    port = _closed_port()
    names.add("down.example", ["127.0.0.2", "127.0.0.3"])
    with pytest.raises(FetchError, match="the server could not be reached"):
        await make().fetch(f"http://down.example:{port}/", max_bytes=CAP, allowed_types={types.PDF})
    assert _left(temp_dir) == []


async def test_fetch_rechecks_a_rebinding_name_on_every_hop(
    remote: RemoteServer, make: Make, names: Names, temp_dir: Path
) -> None:
    names.add("rebind.example", ["127.0.0.1"], ["127.0.0.1"], ["169.254.169.254"])
    remote.redirect("/a", "/b")
    remote.redirect("/b", "/c")
    remote.file("/c", samples.pdf())
    with pytest.raises(FetchError, match="the host is not allowed"):
        await make().fetch(
            remote.url("/a", host="rebind.example"), max_bytes=CAP, allowed_types=types.RESUME_TYPES
        )
    assert names.calls == ["rebind.example"] * 3
    assert [seen.path for seen in remote.requests] == ["/a", "/b"]  # /c never asked for
    assert _left(temp_dir) == []


async def test_fetch_sends_the_host_name_to_a_computed_route(
    remote: RemoteServer, make: Make, names: Names
) -> None:
    names.add("echo.example", ["127.0.0.1"])
    remote.add("/echo", lambda seen: Reply(body=samples.txt(seen.headers["host"])))
    url = remote.url("/echo", host="echo.example")
    async with await make().fetch(url, max_bytes=CAP, allowed_types={types.TXT}) as got:
        assert got.path.read_text() == f"echo.example:{remote.port}"


async def test_fetch_accepts_a_file_of_exactly_the_cap(remote: RemoteServer, make: Make) -> None:
    body = samples.txt("x" * 100)
    url = remote.file("/exact.txt", body)
    async with await make().fetch(url, max_bytes=len(body), allowed_types={types.TXT}) as got:
        assert got.size == len(body)
    with pytest.raises(FetchError, match="larger than 99 bytes"):
        await make().fetch(url, max_bytes=len(body) - 1, allowed_types={types.TXT})


async def test_fetch_reads_no_further_than_an_understated_content_length(
    remote: RemoteServer, make: Make
) -> None:
    url = remote.add("/liar.txt", Reply(body=b"A" * 100 + b"B" * 50_000, declared_length=100))
    async with await make().fetch(url, max_bytes=CAP, allowed_types={types.TXT}) as got:
        assert got.path.read_bytes() == b"A" * 100


async def test_download_context_manager_removes_the_file(
    remote: RemoteServer, make: Make, temp_dir: Path
) -> None:
    url = remote.file("/a.png", samples.image("PNG"))
    async with await make().fetch(url, max_bytes=CAP, allowed_types=types.IMAGE_TYPES) as got:
        assert got.path.exists()
    assert not got.path.exists()
    got.discard()  # twice is fine
    assert _left(temp_dir) == []


async def test_fetch_keeps_no_cookies_between_sites(
    remote: RemoteServer, make: Make, names: Names
) -> None:
    names.add("a.example", ["127.0.0.1"])
    names.add("b.example", ["127.0.0.1"])
    remote.add("/set", Reply(body=samples.pdf(), headers=[("Set-Cookie", "session=abc; Path=/")]))
    remote.file("/get.pdf", samples.pdf())
    downloader = make()
    async with await downloader.fetch(
        remote.url("/set", host="a.example"), max_bytes=CAP, allowed_types={types.PDF}
    ):
        pass
    for host in ("a.example", "b.example"):
        async with await downloader.fetch(
            remote.url("/get.pdf", host=host), max_bytes=CAP, allowed_types={types.PDF}
        ):
            pass
    assert [seen.headers.get("cookie") for seen in remote.seen("/get.pdf")] == [None, None]


async def test_fetch_ignores_proxy_settings(
    remote: RemoteServer, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy would resolve the host name itself, after the check; this one is not even there.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url = remote.file("/cv.pdf", samples.pdf())
    async with await make().fetch(url, max_bytes=CAP, allowed_types={types.PDF}) as got:
        assert got.content_type == types.PDF


async def test_fetch_refuses_a_non_positive_cap(make: Make) -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        await make().fetch("http://example.com/", max_bytes=0, allowed_types={types.PDF})


# -- https: the checked address, the original name for SNI and the certificate ---------------


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_remote(authority: trustme.CA) -> Iterator[RemoteServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("files.example").configure_cert(context)
    with RemoteServer(ssl_context=context) as server:
        yield server


@pytest.fixture
def trusting(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


async def test_https_sends_the_name_for_sni_and_checks_its_certificate(
    tls_remote: RemoteServer, trusting: ssl.SSLContext, make: Make, names: Names
) -> None:
    tls_remote.reset()
    names.add("files.example", ["127.0.0.1"])
    tls_remote.file("/cv.pdf", samples.pdf())
    url = tls_remote.url("/cv.pdf", host="files.example")
    downloader = make(verify=trusting)
    async with await downloader.fetch(url, max_bytes=CAP, allowed_types={types.PDF}) as got:
        assert got.path.read_bytes() == samples.pdf()
    [seen] = tls_remote.requests
    assert seen.tls_server_name == "files.example"
    assert seen.headers["host"] == f"files.example:{tls_remote.port}"
    assert seen.local_address == "127.0.0.1"


async def test_https_refuses_a_certificate_for_another_name(
    tls_remote: RemoteServer, trusting: ssl.SSLContext, make: Make, names: Names, temp_dir: Path
) -> None:
    tls_remote.reset()
    names.add("other.example", ["127.0.0.1"])
    tls_remote.file("/cv.pdf", samples.pdf())
    url = tls_remote.url("/cv.pdf", host="other.example")
    with pytest.raises(FetchError, match="the server's certificate is not valid"):
        await make(verify=trusting).fetch(url, max_bytes=CAP, allowed_types={types.PDF})
    assert tls_remote.requests == []
    assert _left(temp_dir) == []


async def test_https_refuses_an_untrusted_certificate(
    tls_remote: RemoteServer, make: Make, names: Names
) -> None:
    names.add("files.example", ["127.0.0.1"])
    url = tls_remote.url("/cv.pdf", host="files.example")
    with pytest.raises(FetchError, match="the server's certificate is not valid"):
        await make().fetch(url, max_bytes=CAP, allowed_types={types.PDF})


# -- the address rules, one address at a time -------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        PUBLIC,
        "2606:4700:4700::1111",
        "2a00:1450:4007:80e::200e",
        "::ffff:8.8.8.8",  # mapped: the IPv4 address itself
        "64:ff9b::808:808",  # NAT64 of a public address (IPv6-only hosts with DNS64)
        "2002:808:808::1",  # 6to4 of a public address
        teredo("65.54.227.120", "8.8.4.4"),
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "0.0.0.0",  # noqa: S104 (an address to judge, not to bind)
        "0.1.2.3",
        "10.255.255.255",
        "100.127.255.254",
        "127.0.0.1",
        "169.254.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.88.99.1",
        "192.168.0.1",
        "198.18.0.1",
        "198.51.100.1",
        "203.0.113.1",
        "224.0.0.251",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "168.63.129.16",
        "::",
        "::1",
        "::127.0.0.1",
        "::8.8.8.8",  # IPv4-compatible: deprecated, routed nowhere
        "::ffff:10.0.0.1",
        "64:ff9b::192.168.0.1",
        "64:ff9b:1::8.8.8.8",  # local-use NAT64: its layout is the operator's
        "2002:a00:1::",
        "2002:a9fe:a9fe::1",
        teredo("65.54.227.120", "192.168.1.1"),
        teredo("10.0.0.1", "8.8.4.4"),
        "100::1",  # discard-only
        "2001:2::1",  # benchmarking
        "2001:10::1",  # ORCHID
        "2001:db8::1",
        "3fff::1",
        "fc00::1",
        "fd00:ec2::254",
        "fe80::1",
        "fec0::1",  # deprecated site-local
        "ff02::1",
        "4000::1",  # outside the global unicast block
    ],
)
def test_special_addresses_are_refused(address: str) -> None:
    assert not address_allowed(ipaddress.ip_address(address))


def test_allowed_networks_open_private_ranges_but_never_metadata() -> None:
    allowed = parse_networks("10.0.0.0/8, 169.254.0.0/16, 100.64.0.0/10, 64:ff9b::/96, fd00::/8")
    assert address_allowed(ipaddress.ip_address("10.1.2.3"), allowed)
    assert address_allowed(ipaddress.ip_address("::ffff:10.1.2.3"), allowed)
    assert address_allowed(ipaddress.ip_address("169.254.1.1"), allowed)
    assert address_allowed(ipaddress.ip_address("fd12::1"), allowed)
    assert not address_allowed(ipaddress.ip_address("172.16.0.1"), allowed)
    for metadata in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254", "64:ff9b::a9fe:a9fe"):
        assert not address_allowed(ipaddress.ip_address(metadata), allowed), metadata


def test_embedded_ipv4_reads_every_form() -> None:
    def embedded(text: str) -> list[str]:
        return [str(a) for a in embedded_ipv4(ipaddress.ip_address(text))]

    assert embedded("::ffff:127.0.0.1") == ["127.0.0.1"]
    assert embedded("::127.0.0.1") == ["127.0.0.1"]
    assert embedded("64:ff9b::7f00:1") == ["127.0.0.1"]
    assert embedded("2002:7f00:1::") == ["127.0.0.1"]
    assert embedded(teredo("65.54.227.120", "127.0.0.1")) == ["65.54.227.120", "127.0.0.1"]
    assert embedded("2606:4700::1") == []
    assert embedded("127.0.0.1") == []


def test_parse_networks_reads_the_setting() -> None:
    assert parse_networks("") == ()
    assert parse_networks(" 10.0.0.0/8 ,fd00::/8,") == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("fd00::/8"),
    )
    assert parse_networks(["127.0.0.1"]) == (ipaddress.ip_network("127.0.0.1/32"),)
    with pytest.raises(ValueError, match=re.escape("'10.0.0.1/8'")):
        parse_networks("10.0.0.1/8")
    with pytest.raises(ValueError, match="'intranet'"):
        parse_networks("intranet")


def test_policy_from_settings(tmp_path: Path) -> None:
    settings = SimpleNamespace(
        fetch_allowed_networks="192.168.10.0/24",
        fetch_allowed_ports="80, 8000-8099",
        fetch_connect_timeout=1.5,
        fetch_read_timeout=7.0,
        fetch_deadline=30.0,
    )
    policy = FetchPolicy.from_settings(settings, temp_dir=tmp_path)
    assert policy.allowed_networks == (ipaddress.ip_network("192.168.10.0/24"),)
    assert policy.allowed_ports == ((80, 80), (8000, 8099))
    assert (policy.connect_timeout, policy.read_timeout, policy.deadline) == (1.5, 7.0, 30.0)
    assert (policy.max_redirects, policy.user_agent) == (5, "Canopy")
    assert policy.temp_dir == tmp_path
    assert FetchPolicy().allowed_networks == ()
    assert FetchPolicy().allowed_ports == ((80, 80), (443, 443))


async def test_system_resolver_resolves_localhost() -> None:
    addresses = {ipaddress.ip_address(a) for a in await resolve_system("localhost", 80)}
    assert addresses
    assert all(a.is_loopback for a in addresses)
