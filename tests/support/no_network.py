"""pytest plugin: tests may only open sockets to loopback (127.0.0.0/8, ::1) or unix sockets.

Registered from ``tests/conftest.py`` (``pytest_plugins``). A connect to any other address raises
`NetworkBlocked` (an ``OSError``, so libraries fail the way they would offline) and fails the test
even if the library swallows the error, so no test can quietly depend on the internet.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo
_attempts: list[str] = []


class NetworkBlocked(OSError):
    """A test tried to reach a non-loopback address."""


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(sock: socket.socket, address: object) -> None:
    if sock.family == getattr(socket, "AF_UNIX", object()):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not _is_loopback(host):
        _attempts.append(f"{host!r}")
        raise NetworkBlocked(f"Tests must not use the network: connect to {address!r} blocked (loopback only).")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


def _needs_dns(host: str) -> bool:
    if host in ("", "0.0.0.0", "::", socket.gethostname()) or _is_loopback(host):
        return False
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return True
    return False  # a numeric address resolves locally; connect() decides whether it is allowed


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    # A name other than loopback/own host needs a DNS query (network): refuse before asking.
    if host is not None and _needs_dns(host if isinstance(host, str) else str(host, "ascii", "ignore")):
        _attempts.append(f"{host!r} (DNS)")
        raise NetworkBlocked(f"Tests must not use the network: DNS lookup of {host!r} blocked.")
    return _real_getaddrinfo(host, *args, **kwargs)


def install() -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


def uninstall() -> None:
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


def pytest_configure(config: pytest.Config) -> None:
    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    uninstall()


@pytest.fixture(autouse=True)
def _no_network_attempts() -> Iterator[None]:
    """Fail a test that tried the network even when the code under test swallowed the error.

    A test that provokes blocked attempts on purpose checks them and then calls `forget_attempts()`.
    """
    _attempts.clear()
    yield
    if _attempts:
        found = ", ".join(sorted(set(_attempts)))
        _attempts.clear()
        pytest.fail(f"test tried to reach the network: {found}", pytrace=False)


def blocked_attempts() -> list[str]:
    return list(_attempts)


def forget_attempts() -> None:
    _attempts.clear()
