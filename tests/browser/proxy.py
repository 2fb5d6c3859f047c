"""An HTTP forwarder that refuses WebSocket upgrades (502), like a proxy without WebSocket
support: the page loads and REST works, the live socket never opens."""

from __future__ import annotations

import contextlib
import socket
import threading

REFUSAL = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class NoUpgradeProxy:
    """Forwards 127.0.0.1:<port> to ``target``; answers 502 to every upgrade request."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.refused = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            self._closed = True
            sockets, self._open = self._open, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _track(self, *socks: socket.socket) -> bool:
        """Remembers sockets to close; closes them at once (False) when the proxy is closed."""
        with self._lock:
            if not self._closed:
                self._open.update(socks)
                return True
        for sock in socks:
            sock.close()
        return False

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._track(client):
                threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        head = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            if b"upgrade: websocket" in head.lower():
                self.refused += 1
                client.sendall(REFUSAL)
                client.shutdown(socket.SHUT_RDWR)
                return
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
            if not self._track(upstream):
                return
            upstream.sendall(head)
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
            self._pipe(client, upstream)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
