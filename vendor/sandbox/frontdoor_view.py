"""The front door's cached view of the routes (rules with their healthy targets).

`current()` answers from the cache unless it may be stale:
- `version()` moved since the view was read (the emulator's change counter, see
  vendor.sandbox.elbv2_changes): the request waits for a view read after the change, so a
  target deregistered before the request came gets none of it;
- `changed()` was called (a proxied request failed): reloaded before the next request;
- without `version`: older than `refresh` seconds (0: read for every request, the old way).
With `version`, a view older than `refresh` is reloaded in the background (a safety net for a
change the counter does not see) while requests are answered from the one in hand.
One reload at a time runs in a worker thread (`routes()` does blocking AWS calls); requests
waiting for it share it. A failed reload keeps the previous view.
"""
from __future__ import annotations

import asyncio
import sys
import time
from typing import Callable

_UNREAD = object()


class View:
    def __init__(self, read: Callable[[], list], *, version: Callable[[], object] | None = None,
                 refresh: float = 0.5):
        self._read, self._version, self.refresh = read, version, refresh
        self.routes: list = []
        self._read_version: object = _UNREAD  # the version the view was read at
        self._read_at = 0.0
        self._dirty = False
        self._loading: asyncio.Future | None = None

    def changed(self) -> None:
        self._dirty = True

    def _stale(self, version: object) -> bool:
        if self._read_version is _UNREAD or self._dirty:
            return True
        if self._version is not None and version is not None:
            return version != self._read_version
        return time.monotonic() - self._read_at >= self.refresh

    async def current(self, *, fresh: bool = False) -> list:
        version = self._version() if self._version else None
        if fresh or self._stale(version):
            for _ in range(3):  # a change during the reload: read once more (bounded)
                await self._reload()
                version = self._version() if self._version else None
                if not (self._version and version is not None and version != self._read_version):
                    break
        elif time.monotonic() - self._read_at >= self.refresh and self._loading is None:
            self._start_reload()  # the safety net: in the background, this request is not held up
        return self.routes

    def _start_reload(self) -> asyncio.Future:
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load())
        return self._loading

    async def _reload(self) -> None:
        loading = self._loading
        if loading is not None:
            await asyncio.shield(loading)  # it may have started before the change we must see
        await asyncio.shield(self._start_reload())

    async def _load(self) -> None:
        try:
            version = self._version() if self._version else None
            self._dirty = False
            try:
                routes = await asyncio.get_running_loop().run_in_executor(None, self._read)
            except Exception as e:  # noqa: BLE001 - the emulator away a moment: keep the view in hand
                print(f"front door: reading the routes failed, keeping the last view: {e}", file=sys.stderr)
                self._read_at = time.monotonic()
                if self._read_version is _UNREAD:
                    self._read_version = None
                return
            self.routes, self._read_version, self._read_at = list(routes), version, time.monotonic()
        finally:
            self._loading = None
