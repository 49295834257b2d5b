"""Where a PBX connection may go: only to addresses in the networks the operator allows
(``DIALTRAIL_PBX_ALLOWED_NETWORKS``; private ranges by default), checked after DNS
resolution and connected to by the address checked, so that a project owner's host and port,
and *Check connection* with them, cannot make the server probe its own host (loopback), a
cloud's metadata service (link-local) or any address the operator did not mean PBXs to be on
(docs/telephony.md, "Which addresses a PBX may be on")."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
VARIABLE = "DIALTRAIL_PBX_ALLOWED_NETWORKS"


def address_of(text: str) -> Address | None:
    """The IP address ``text`` spells, IPv4 inside IPv6 as IPv4; None for a host name."""
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_allowed(address: Address, networks: Sequence[Network]) -> bool:
    return any(address in network for network in networks)


def refusal(address: str, networks: Sequence[Network]) -> str:
    """Pure: the message for an address outside the allowed networks (the address, never
    what answers there)."""
    allowed = ", ".join(str(network) for network in networks) or "none"
    return (
        f"{address} is not on a network PBXs may be reached on ({VARIABLE}: {allowed}); "
        "the server's operator can add it"
    )


def literal_refusal(host: str, networks: Sequence[Network]) -> str | None:
    """For a host given as an IP address: the refusal when it is not allowed; None for an
    allowed address or a host name (checked when connecting, after resolution)."""
    address = address_of(host)
    if address is None or is_allowed(address, networks):
        return None
    return refusal(str(address), networks)


async def allowed_addresses(host: str, port: int, networks: Sequence[Network]) -> list[str]:
    """Every address ``host`` resolves to, if all are allowed. Raises socket.gaierror for an
    unknown host and PermissionError(message) for an address outside the networks: a name
    that resolves to one allowed and one refused address is refused whole."""
    literal = address_of(host)
    if literal is not None:
        found = [literal]
    else:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        found = [a for a in (address_of(str(info[4][0])) for info in infos) if a is not None]
    for address in found:
        if not is_allowed(address, networks):
            raise PermissionError(refusal(str(address), networks))
    return [str(address) for address in dict.fromkeys(found)]
