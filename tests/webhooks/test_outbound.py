"""The outbound HTTP seam: SSRF guard after DNS resolution, no redirects, 2 KB kept."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from dialtrail.outbound import (
    Outbound,
    OutboundFailed,
    OutboundRefused,
    OutboundResponse,
    forbidden_reason,
)
from tests.support.receiver import Answer, receiving
from tests.support.server import free_port

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Each call on a fresh loop in a thread of its own (Playwright may hold this thread's)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def send(outbound: Outbound, url: str, body: bytes = b"{}") -> OutboundResponse:
    try:
        return await outbound.send("POST", url, {"Content-Type": "application/json"}, body)
    finally:
        await outbound.close()


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("169.254.169.254", "link-local"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address checked, not bound)
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("100.100.100.200", "non-global"),  # shared address space: cloud metadata services
        ("192.0.0.8", "non-global"),
        ("198.18.0.1", "private"),
        ("fec0::1", "non-global"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("2002:808:808::", "non-global"),  # 6to4 is refused whatever it embeds
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "private"),  # Teredo, client 192.0.2.45
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::6464:64c8", "non-global"),  # NAT64 of 100.100.100.200
        ("64:ff9b:1::808:808", "reserved"),  # local-use NAT64
        ("::ffff:100.100.100.200", "non-global"),
        ("::ffff:169.254.169.254", "link-local"),
        ("93.184.215.14", None),
        ("64:ff9b::5db8:d70e", None),  # NAT64 of 93.184.215.14
        ("::ffff:93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_it_names_what_it_refuses(address: str, reason: str | None) -> None:
    assert forbidden_reason(ipaddress.ip_address(address)) == reason


def test_it_refuses_loopback_after_resolving_the_name() -> None:
    with receiving() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost") + "/hook"
        with pytest.raises(OutboundRefused, match="loopback address"):
            run(send(Outbound(allow_private=False), url))
        assert receiver.received == []


@pytest.mark.parametrize("allow_private", [False, True])
@pytest.mark.parametrize("host", ["2130706433", "127.1", "0177.0.0.1", "0x7f.1", "127.0.0.1."])
def test_it_refuses_unusual_ipv4_spellings_itself(host: str, allow_private: bool) -> None:
    """Refused before aiohttp parses the URL: aiohttp 3.13 connected to 127.0.0.1 for these,
    3.14 refuses them; Dialtrail's answer does not depend on the installed version."""
    with receiving() as receiver:
        url = receiver.url.replace("127.0.0.1", host) + "/hook"
        with pytest.raises(OutboundRefused, match="unusual spelling"):
            run(send(Outbound(allow_private=allow_private), url))
        assert receiver.received == []


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("[::ffff:7f00:1]", "loopback"),
        ("100.100.100.200", "non-global"),
        ("192.0.0.8", "non-global"),
        ("[2002:7f00:1::]", "loopback"),
        ("[64:ff9b::7f00:1]", "loopback"),
    ],
)
def test_it_refuses_addresses_written_in_the_url(host: str, reason: str) -> None:
    with pytest.raises(OutboundRefused, match=f"a {reason} address"):
        run(send(Outbound(allow_private=False), f"http://{host}:9/hook"))


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost"])
def test_it_refuses_other_schemes(url: str) -> None:
    with pytest.raises(OutboundRefused, match="only http"):
        run(send(Outbound(allow_private=True), url))


def test_allowed_private_targets_get_the_request_with_the_original_host() -> None:
    with receiving() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost") + "/hook?x=1"
        answer = run(send(Outbound(allow_private=True), url, b'{"a":1}'))

        assert answer.status_code == 200
        assert answer.body == "ok"
        (request,) = receiver.received
        assert (request.path, request.query, request.body) == ("/hook", "x=1", b'{"a":1}')
        assert request.headers["host"] == url.split("/")[2]


def test_it_does_not_follow_redirects_and_keeps_two_kilobytes() -> None:
    with receiving() as receiver:
        receiver.answer(
            Answer(302, "moved", {"Location": receiver.url + "/elsewhere"}),
            Answer(500, "x" * 10_000),
        )
        moved = run(send(Outbound(allow_private=True), receiver.url + "/hook"))
        failed = run(send(Outbound(allow_private=True), receiver.url + "/hook"))

        assert moved.status_code == 302
        assert [request.path for request in receiver.received] == ["/hook", "/hook"]
        assert (failed.status_code, len(failed.body)) == (500, 2048)


def test_a_slow_receiver_times_out_in_words() -> None:
    with receiving() as receiver:
        receiver.answer(Answer(delay=2))
        with pytest.raises(OutboundFailed) as failed:
            run(send(Outbound(allow_private=True, timeout=0.3), receiver.url + "/hook"))
    assert failed.value.words == "timed out after 0.3 s"
    assert "TimeoutError" in failed.value.detail


def test_a_closed_port_is_a_refused_connection_in_words() -> None:
    """Not aiohttp's "ClientConnectorError … ssl:default" for a plain-http URL; the raw
    exception follows on the next line."""
    port = free_port()  # nothing listens there
    with pytest.raises(OutboundFailed) as failed:
        run(send(Outbound(allow_private=True), f"http://127.0.0.1:{port}/hook"))
    words, detail = str(failed.value).split("\n")
    assert words == f"connection refused by 127.0.0.1:{port}"
    assert detail.startswith("ClientConnectorError: ")


def test_a_receiver_hanging_up_is_said_in_words() -> None:
    """A receiver that reads the request and closes the connection without a word."""
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]

        def hang_up() -> None:
            connection, _ = listening.accept()
            connection.recv(65536)
            connection.close()

        thread = threading.Thread(target=hang_up)
        thread.start()
        with pytest.raises(OutboundFailed) as failed:
            run(send(Outbound(allow_private=True), f"http://127.0.0.1:{port}/hook"))
        thread.join(timeout=10)
    assert failed.value.words == "the receiver closed the connection without answering"
