"""HTTP through the frontend's published port: single requests and a steady stream of them.

Every request opens its own connection, as separate browser tabs would, so nginx chooses a
backend replica for each one."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    method: str
    path: str
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    headers: dict[str, str]
    body: bytes
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def is_json(self) -> bool:
        try:
            self.json()
        except (ValueError, UnicodeDecodeError):
            return False
        return True

    def describe(self) -> str:
        if self.status is None:
            return f"{self.method} {self.path}: no answer ({self.error})"
        return f"{self.method} {self.path}: HTTP {self.status}"


class Client:
    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.host = host
        self.port = port
        self.timeout = timeout

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(self, method: str, path: str, body: Any = None, timeout: float | None = None) -> Response:
        headers = {"Accept": "application/json", "Connection": "close"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        start = time.monotonic()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            payload = r.read(4 * 1024 * 1024)
            return Response(
                method, path, r.status, {k.lower(): v for k, v in r.getheaders()}, payload, time.monotonic() - start
            )
        except (OSError, http.client.HTTPException) as e:
            return Response(
                method, path, None, {}, b"", time.monotonic() - start, f"{e.__class__.__name__}: {e}".rstrip(": ")
            )
        finally:
            conn.close()

    def get(self, path: str, timeout: float | None = None) -> Response:
        return self.request("GET", path, timeout=timeout)

    def post(self, path: str, body: Any) -> Response:
        return self.request("POST", path, body)


@dataclass
class LoadTally:
    sent: int = 0
    succeeded: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return self.sent - self.succeeded

    @property
    def success_rate(self) -> float:
        return self.succeeded / self.sent if self.sent else 0.0


class SteadyLoad:
    """GET requests in a background thread, one after another with a short pause, until stopped:
    what users keep doing while replicas come and go."""

    def __init__(self, client: Client, path: str, pause: float = 0.02, workers: int = 2):
        self.client = client
        self.path = path
        self.pause = pause
        self.tally = LoadTally()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(workers)]

    def _loop(self) -> None:
        while not self._stop.is_set():
            r = self.client.get(self.path)
            with self._lock:
                self.tally.sent += 1
                if r.ok:
                    self.tally.succeeded += 1
                else:
                    self.tally.failures[r.describe()] += 1
            self._stop.wait(self.pause)

    def __enter__(self) -> SteadyLoad:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt()

    def halt(self) -> None:
        """Send no new request; those in flight finish on their own (stop() waits for them)."""
        self._stop.set()

    def stop(self) -> LoadTally:
        self._stop.set()
        for t in self._threads:
            if t.is_alive():
                t.join(self.client.timeout + 5)
        return self.tally
