"""What the audit trail needs to know about the request a change comes from: its id,
the client's address and user agent, and who is acting. Set by the request middleware
and the authentication dependency; empty outside requests (commands, workers)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from starlette.types import Scope

Network = IPv4Network | IPv6Network


@dataclass
class RequestContext:
    request_id: str
    client_ip: str | None = None
    user_agent: str | None = None
    https: bool = False
    user_id: int | None = None
    api_key_id: int | None = None
    org_id: int | None = None


_current: ContextVar[RequestContext | None] = ContextVar("shiftplanner_request", default=None)


def current_request() -> RequestContext | None:
    return _current.get()


def bind_request(context: RequestContext) -> None:
    _current.set(context)


def unbind_request() -> None:
    _current.set(None)


def parse_networks(entries: list[str]) -> tuple[Network, ...]:
    return tuple(ip_network(entry, strict=False) for entry in entries)


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value from the ASGI scope (`name` in lower case)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def in_networks(address: str | None, proxies: tuple[Network, ...]) -> bool:
    if address is None or not proxies:
        return False
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def client_address(scope: Scope, proxies: tuple[Network, ...]) -> str | None:
    """The client's IP address. `X-Forwarded-For` counts only when the connection comes
    from a trusted proxy; then the nearest address not itself a trusted proxy is the
    client (anything further left is whatever the client claimed)."""
    peer = scope.get("client")
    address: str | None = peer[0] if peer else None
    if not in_networks(address, proxies):
        return address
    forwarded = header(scope, b"x-forwarded-for")
    if not forwarded:
        return address
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        try:
            ip_address(hop)
        except ValueError:
            return address  # a malformed chain: trust only the proxy itself
        if not in_networks(hop, proxies):
            return hop
    return address


def is_https(scope: Scope, proxies: tuple[Network, ...]) -> bool:
    if scope.get("scheme") == "https":
        return True
    peer = scope.get("client")
    if peer and in_networks(peer[0], proxies):
        return (header(scope, b"x-forwarded-proto") or "").lower() == "https"
    return False


def user_agent(scope: Scope) -> str | None:
    agent = header(scope, b"user-agent")
    return agent[:500] if agent else None
