"""Where notification HTTP may connect, against server-side request forgery: an
organization's admin chooses the Slack and webhook URLs, so without a rule they could
make the server post into its own network (an internal service, a cloud provider's
metadata address, 169.254.169.254). Addresses outside the public internet are reached
only inside the networks the operator allows; development also reaches loopback.

One rule serves both moments: when a URL is saved (a clear 422), and when it is used,
because by then its name may resolve elsewhere (DNS rebinding), so the sender resolves
it again, checks every address and connects to a checked one (`http.OutboundHttp`)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

from shiftplanner.config import Environment, Settings
from shiftplanner.security.context import Network, parse_networks

IPAddress = IPv4Address | IPv6Address

# Python's `is_private` leaves carrier-grade NAT space out, yet it is nobody's public
# address and often a provider's internal network (RFC 6598).
SHARED_ADDRESS_SPACE = ip_network("100.64.0.0/10")
# IPv6 addresses that carry an IPv4 address and reach it: NAT64 (RFC 6052) translates
# them; mapped and 6to4 ones are read by their own properties.
NAT64_PREFIX = ip_network("64:ff9b::/96")
ALLOWED_SETTING = "SHIFTPLANNER_WEBHOOK_ALLOWED_NETWORKS"
NOT_PUBLIC = (
    "an address outside the public internet (loopback, private, link-local, shared, "
    f"reserved or multicast), which is refused unless {ALLOWED_SETTING} allows its network"
)


class Refused(Exception):
    """Why a host may not be reached, worded to follow a URL ("… does not resolve") and
    free of the URL's path, which is a secret. `address` is the refused one, if any (for
    the operator's log: the organization is not told what an internal name resolves to)."""

    def __init__(self, reason: str, address: IPAddress | None = None) -> None:
        super().__init__(reason)
        self.address = address


def carried(address: IPAddress) -> IPAddress:
    """The IPv4 address that an IPv6 address carries and reaches (IPv4-mapped, NAT64,
    6to4), or the address itself: `::ffff:127.0.0.1` is loopback, whatever its form."""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64_PREFIX:
            return IPv4Address(int(address) & 0xFFFF_FFFF)
        if address.sixtofour is not None:
            return address.sixtofour
    return address


def is_public(address: IPAddress) -> bool:
    """Neither loopback, private, link-local, shared, reserved, multicast nor unspecified
    (nor IPv6 site-local, the deprecated private range)."""
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or address in SHARED_ADDRESS_SPACE
        or (isinstance(address, IPv6Address) and address.is_site_local)
    )


def _literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses notification HTTP may reach: public ones, those in `networks`,
    and loopback where `loopback` (development, where a developer tries a channel against
    a receiver on their machine; other private ranges are refused there too, so that
    development shows what production will refuse)."""

    networks: tuple[Network, ...] = ()
    loopback: bool = False
    lookup_timeout_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressPolicy:
        return cls(
            networks=parse_networks(settings.webhook_allowed_networks),
            loopback=settings.env is Environment.DEVELOPMENT,
            lookup_timeout_seconds=settings.notification_timeout_seconds,
        )

    def permits(self, address: IPAddress) -> bool:
        reached = carried(address)
        if is_public(reached) or (self.loopback and reached.is_loopback):
            return True
        return any(form in network for form in (address, reached) for network in self.networks)

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """`host`'s addresses, in the resolver's order of preference (a literal address
        is its own), every one of them permitted; `Refused` otherwise. All must pass, not
        one: which one a connection ends up using is not ours to choose."""
        literal = _literal(host)
        if literal is not None:
            if not self.permits(literal):
                raise Refused(f"points at {literal}, {NOT_PUBLIC}", literal)
            return [literal]
        found = await self._lookup(host, port)
        for address in found:
            if not self.permits(address):
                raise Refused(f"resolves to {NOT_PUBLIC}", address)
        return found

    async def _lookup(self, host: str, port: int) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.lookup_timeout_seconds):
                found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            raise Refused(
                f"does not resolve: looking up {host} took over "
                f"{self.lookup_timeout_seconds:g} seconds"
            ) from None
        except OSError as error:
            raise Refused(
                f"does not resolve: {host} has no address ({error.strerror or error})"
            ) from None
        except UnicodeError:
            # The lookup encodes the name, and refuses a label over 63 characters.
            raise Refused(f"does not resolve: {host} is not a valid host name") from None
        addresses = list(dict.fromkeys(ip_address(sockaddr[0]) for *_, sockaddr in found))
        if not addresses:
            raise Refused(f"does not resolve: {host} has no address")
        return addresses
