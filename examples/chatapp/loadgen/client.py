"""One simulated client: a requests session that records the outcome of every request it makes."""

from __future__ import annotations

import json
import threading
from collections import Counter

import requests
import sseclient

BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
SCRIPTED_AGENTS = ("python-requests/2.32.5", "curl/8.14.1")
TIMEOUT = 30
NETWORK_ERROR = "connection error"


class Recorder:
    """Counts requests by (action, outcome); shared by every client thread."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def record(self, action: str, outcome: str) -> None:
        with self._lock:
            self.counts[(action, outcome)] += 1

    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def snapshot(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self.counts)


class Client:
    def __init__(self, *, base_url: str, chat_path: str, recorder: Recorder, user_agent: str, address: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.chat_path = chat_path
        self.recorder = recorder
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        # Every request comes from this machine; the header tells a server that trusts one proxy hop
        # (TRUSTED_PROXIES=1) which simulated client it is, so per-IP limits and bans tell them apart.
        self.session.headers["X-Forwarded-For"] = address
        self.last_reply: dict | None = None  # the last chat's final event: its conversation and reply ids

    def call(self, action: str, method: str, path: str, data: dict | None = None) -> requests.Response | None:
        """One JSON request; None when the connection failed (recorded as such)."""
        try:
            response = self.session.request(method, self.base_url + path, json=data, timeout=TIMEOUT)
        except requests.RequestException:
            self.recorder.record(action, NETWORK_ERROR)
            return None
        self.recorder.record(action, str(response.status_code))
        return response

    def chat(self, action: str, data: dict, *, abort_after: int | None = None) -> str:
        """Stream one chat reply and return its outcome: "200 complete", "200 sse error", "429", ...

        `abort_after` closes the connection after that many text chunks, as a user closing the tab does.
        """
        url = self.base_url + self.chat_path
        self.last_reply = None
        try:
            response = self.session.post(url, json=data, timeout=TIMEOUT, stream=True)
        except requests.RequestException:
            self.recorder.record(action, NETWORK_ERROR)
            return NETWORK_ERROR
        with response:
            if response.headers.get("Content-Type", "").startswith("text/event-stream"):
                outcome = self._consume(response, abort_after)
            else:
                outcome = str(response.status_code)
        self.recorder.record(action, outcome)
        return outcome

    def _consume(self, response: requests.Response, abort_after: int | None) -> str:
        chunks = 0
        try:
            for event in sseclient.SSEClient(response.iter_content(chunk_size=None)).events():
                data = json.loads(event.data)
                if event.event == "error":
                    return f"{response.status_code} sse error"
                if data.get("final"):
                    self.last_reply = data
                    return f"{response.status_code} complete"
                chunks += "text" in data
                if abort_after is not None and chunks >= abort_after:
                    return f"{response.status_code} aborted"
        except (requests.RequestException, ValueError):
            return NETWORK_ERROR
        return f"{response.status_code} incomplete"
