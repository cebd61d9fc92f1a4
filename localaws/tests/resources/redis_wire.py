"""A test's own few lines of RESP: commands on one connection to a local redis-server."""

from __future__ import annotations

import socket
from typing import Any, BinaryIO


def _encoded(*parts: str) -> bytes:
    encoded = [part.encode() for part in parts]
    return b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in encoded)


def _reply(stream: BinaryIO) -> Any:
    line = stream.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:].decode()
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else stream.read(size + 2)[:-2].decode()
    if kind == b"*":
        return [_reply(stream) for _ in range(int(rest))]
    if kind == b":":
        return int(rest)
    return line.decode()  # "+OK", "-NOPERM ...", "-WRONGPASS ..."


def session(port: int, *commands: tuple[str, ...]) -> list[Any]:
    """Send ``commands`` in order on one connection; their replies (errors as "-CODE ...")."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=2) as connection,
        connection.makefile("rwb") as stream,
    ):
        for command in commands:
            stream.write(_encoded(*command))
        stream.flush()
        return [_reply(stream) for _ in commands]
