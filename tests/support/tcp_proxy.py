"""A TCP forwarder on loopback that a test can cut and restore, to make a server unreachable."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

from tests.support.servers import abort, free_port


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``cut`` drops every connection and refuses new.

    ``cut(one_sided=True)`` resets only the client's end of every connection and leaves the
    server's end open and silent (the server does not notice); ``close`` ends those too."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []  # (client, upstream)
        self._ghosts: set[socket.socket] = set()  # server ends kept open by one-sided cuts
        self._lock = threading.Lock()
        self.port = free_port()

    def start(self) -> None:
        """Listens (again) on the proxy's port."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self, *, one_sided: bool = False) -> None:
        """Stops listening and resets every forwarded connection; ``one_sided``: only the
        client's end, as a firewall or a timed-out kernel does, and the server's end is kept."""
        listener, self._listener = self._listener, None
        if listener is not None:
            abort(listener)
        with self._lock:
            pairs, self._pairs = self._pairs, []
            if one_sided:
                self._ghosts.update(upstream for _, upstream in pairs)
        for client, upstream in pairs:
            if one_sided:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()  # linger 0: a reset
            else:
                abort(client)
                abort(upstream)

    def close(self) -> None:
        """Cuts, and ends the server's ends that one-sided cuts kept open."""
        self.cut()
        with self._lock:
            ghosts, self._ghosts = self._ghosts, set()
        for sock in ghosts:
            abort(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.append((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:  # a ghost's server end stays open: the server must not notice
                ghosts = self._ghosts
            for sock in (source, sink):
                if sock not in ghosts:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
