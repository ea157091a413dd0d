"""A TCP proxy in front of the broker that the faults can cut: a network partition, not a frozen broker.

The broker advertises the proxy's address, so every client (the services and the scenario's own)
reaches it through here. `cut()` stops forwarding in both directions: what clients send is held
here, never delivered. A connection whose client dies (kill -9) while the link is cut is dropped
together with whatever it had sent: a process killed during a partition loses its unsent bytes, as
a killed container does with its network namespace. (A SIGSTOPped broker does not give that window:
the kernel accepts the bytes of the killed process and the broker applies them when thawed.)
`heal()` delivers what the live connections sent meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from kaiku_devkit.infra import free_port

CHUNK = 64 * 1024


class BrokerLink:
    """127.0.0.1:`port` -> 127.0.0.1:`upstream_port`, served by a thread with its own event loop."""

    def __init__(self, upstream_port: int, port: int | None = None) -> None:
        self.upstream_port = upstream_port
        self.port = port or free_port()
        self.dropped = 0  # connections dropped with bytes held while cut
        self._loop = asyncio.new_event_loop()
        self._open = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="broker-link", daemon=True)

    def start(self) -> BrokerLink:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def cut(self) -> None:
        self._loop.call_soon_threadsafe(self._open.clear)

    def heal(self) -> None:
        self._loop.call_soon_threadsafe(self._open.set)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _serve(self) -> None:
        self._open.set()
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()

    async def _connection(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            broker_r, broker_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.transport.abort()
            return
        self._writers |= {client_w, broker_w}
        dead = asyncio.Event()
        pumps = [
            asyncio.create_task(self._pump(client_r, broker_w, dead)),
            asyncio.create_task(self._pump(broker_r, client_w, dead)),
        ]
        await dead.wait()
        for writer in (client_w, broker_w):
            writer.transport.abort()  # an RST, and nothing held is delivered
            self._writers.discard(writer)
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, dead: asyncio.Event) -> None:
        """Read always (to notice a dead peer at once); forward only while the link is open."""
        held: asyncio.Queue[bytes] = asyncio.Queue()

        async def forward() -> None:
            while True:
                chunk = await held.get()
                await self._open.wait()
                if dead.is_set():
                    return
                writer.write(chunk)
                await writer.drain()
                held.task_done()

        forwarder = asyncio.create_task(forward())
        try:
            while True:
                chunk = await reader.read(CHUNK)
                if not chunk:
                    break
                held.put_nowait(chunk)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            # the peer is gone: drop the connection, with whatever is still held
            if not held.empty() and not self._open.is_set():
                self.dropped += 1
            # let an open link flush what was read before the close
            if self._open.is_set():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(held.join(), 2)
            dead.set()
            forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError, ConnectionError):
                await forwarder
