"""Times a streaming response to its last byte: time to first byte, bytes sent, and client disconnects.

The WSGI server calls the response's `close()` when it is done with it, whether the body was sent in full,
the client went away part way, or iteration never started; Django passes that call on to every closer,
ours included. So the request is recorded exactly once, in `close()`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator

from chatmon.monitoring.aggregator import StreamStats

Finish = Callable[[StreamStats], None]


class _Timed:
    def __init__(self, started: float, finish: Finish) -> None:
        self.started = started
        self.finish = finish
        self.first_byte_at: float | None = None
        self.bytes_sent = 0
        self.complete = False
        self.closed = False

    def _chunk(self, chunk: bytes) -> None:
        if self.first_byte_at is None:
            self.first_byte_at = time.perf_counter()
        self.bytes_sent += len(chunk)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        ttfb = None if self.first_byte_at is None else self.first_byte_at - self.started
        self.finish(StreamStats(ttfb_s=ttfb, bytes_sent=self.bytes_sent, disconnected=not self.complete))


class TimedStream(_Timed):
    def __init__(self, content: Iterator[bytes], started: float, finish: Finish) -> None:
        super().__init__(started, finish)
        self.content = content

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.content:
            self._chunk(chunk)
            yield chunk
        self.complete = True


class AsyncTimedStream(_Timed):
    def __init__(self, content: AsyncIterator[bytes], started: float, finish: Finish) -> None:
        super().__init__(started, finish)
        self.content = content

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.content:
            self._chunk(chunk)
            yield chunk
        self.complete = True
