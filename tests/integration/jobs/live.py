"""The platform's real processes for the fault tests (issue 19): gunicorn serving the site and
the job worker, each a subprocess of the test, against the test's own PostgreSQL database
(tests marked ``django_db(transaction=True)``, so what the test writes is committed and the
processes see it); a small HTTP client that sends a session cookie and a form's CSRF token as a
browser does; and a TCP proxy between those processes and PostgreSQL that can cut the database
away and bring it back, as a restart of the server does."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client

PYTHON = sys.executable


def wait(condition: Callable, seconds: float, what: str):
    """``condition()``'s first true value, looked for every 0.1 s for up to ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(port: int | None = None) -> str:
    """The test's database as a ``DATABASE_URL``; through ``port`` on this machine if given
    (the proxy's)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    host = "127.0.0.1" if port else (s["HOST"] or "127.0.0.1")
    return f"postgres://{auth}@{host}:{port or s['PORT'] or 5432}/{s['NAME']}"


def environment(data_dir: Path, database: str, **extra: str) -> dict[str, str]:
    """What the platform's processes run with: the test's database and secret key (so a session
    the test signs in is theirs too) and a data directory of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMISSIONING_", "GUNICORN_"))}
    return env | {
        "DATABASE_URL": database,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "COMMISSIONING_DATA_DIR": str(data_dir),
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }


@dataclass
class Process:
    proc: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None


def _start(command: list[str], env: dict[str, str], log: Path, **popen) -> Process:
    out = log.open("wb")
    proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, **popen)
    out.close()
    return Process(proc, log)


def _stop(process: Process) -> None:
    if process.alive():
        process.proc.send_signal(signal.SIGTERM)
        try:
            process.proc.wait(20)
        except subprocess.TimeoutExpired:
            process.proc.kill()
            process.proc.wait(10)


@dataclass
class Web(Process):
    port: int = 0

    def worker_pids(self) -> list[int]:
        """gunicorn's worker processes (the master's children)."""
        return children(self.pid)


@contextlib.contextmanager
def web(env: dict[str, str], log: Path, **popen) -> Iterator[Web]:
    """gunicorn as ``serve --production`` runs it (threads in a worker process), one worker."""
    port = free_port()
    command = [PYTHON, "-m", "gunicorn", "commissioning.config.wsgi",
               "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
               "--threads", "2", "--timeout", "60", "--graceful-timeout", "5",
               "--error-logfile", "-", "--no-control-socket"]  # fmt: skip
    started = _start(command, env, log, **popen)
    server = Web(started.proc, started.log, port)
    try:
        wait(lambda: answers(port) or not server.alive(), 120, "gunicorn to answer")
        assert server.alive(), server.output()
        wait(server.worker_pids, 10, "gunicorn's worker")
        yield server
    finally:
        _stop(server)


@contextlib.contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[Process]:
    """``commissioning worker`` looking for jobs five times a second."""
    command = [PYTHON, "-m", "commissioning.cli", "worker", "--interval", "0.2"]
    process = _start(command, env, log)
    try:
        yield process
    finally:
        _stop(process)


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # "pid (name) state ppid ...": the name may hold spaces, the fields after it do not
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return sorted(found)


def answers(port: int) -> bool:
    with contextlib.suppress(OSError):
        HTTP(port).get("/health/")
        return True
    return False


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    def json(self):
        return json.loads(self.text)


@dataclass
class HTTP:
    """A browser's part in a form's round trip: cookies kept, the CSRF token sent back."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30

    def request(self, method: str, path: str, body: bytes = b"", headers=None) -> Response:
        http = HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            http.request(method, path, body=body, headers=sent)
            response = http.getresponse()
            for cookie in response.msg.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return Response(response.status, dict(response.getheaders()),
                            response.read().decode("utf-8", "replace"))  # fmt: skip
        finally:
            http.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def sign_in(self, user) -> None:
        """The session of a completed sign-in (``force_login``: the sign-in pages are tested
        elsewhere), made in the database the server reads."""
        client = Client()
        client.force_login(user)
        self.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[
            settings.SESSION_COOKIE_NAME
        ].value

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        assert page.status == 200, (page.status, page.text[:500])
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, page.text[:500]
        return match[1]

    def post(self, path: str, fields: dict, files: list[tuple[str, str, bytes]] = ()) -> Response:
        """Post the form on ``path`` as a browser does: its token, then ``fields`` and
        ``files`` (field name, file name, content) as multipart/form-data."""
        body, content_type = multipart(
            {"csrfmiddlewaretoken": self.csrf_token(path), **fields}, files
        )
        return self.request("POST", path, body, {"Content-Type": content_type})


def multipart(fields: dict, files=()) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        for one in value if isinstance(value, list | tuple) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{one}\r\n".encode()
            )
    for name, filename, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Proxy:
    """A TCP proxy to PostgreSQL on this machine's port ``port``. ``cut()`` does to the
    processes behind it what a restart of the database server does: every connection is closed
    and new ones are refused. ``silence()`` is a database host that stopped answering: every
    connection is closed and new ones are accepted and never answered. ``restore()`` forwards
    again, on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.forwarding = True
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        self.forwarding = True
        self._close_connections()  # those accepted in silence
        self._listen()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        self._close_connections()

    def silence(self) -> None:
        self.forwarding = False
        self._close_connections()
        self._listen()

    def _listen(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _close_connections(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for s in sockets:
            _close(s)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed: cut
                return
            if not self.forwarding:  # held open, never answered
                with self._lock:
                    self._sockets.add(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    _close(client)
                    _close(upstream)
                    continue
                self._sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass  # a side closed or cut by the test ends the copy; both are closed below
        finally:
            for s in (source, sink):
                with self._lock:
                    self._sockets.discard(s)
                _close(s)


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()
