"""Benchmark: the platform served as a service (issue 19).

Serves the demo's data in production mode (``commissioning serve --production``: gunicorn and
the job worker, DEBUG off) on PostgreSQL, signs in over HTTP as the role that uses each page
(the second step with the demo device's current code), and drives the 15 most used pages from
a second process (wrk) with 50 connections and no pause, 20 s each; then ``/health/`` the same
way, as the floor of what the framework costs on this machine. The baseline, in the same run:
Django's development server (``commissioning serve``, as ``make demo`` runs it) on the same
database, the same pages, the same load. Then a realistic load on the production server: 400
simulated users each asking for a page every 20 s for 2 minutes (about 20 requests a second,
each user at a random phase), p95 per page.

Targets: every page at least 150 requests/s and at least an eighth of the floor's; realistic
p95 under 150 ms for every page.

Needs wrk (``apt-get install wrk``) and a PostgreSQL server (the local one by default). The
database ``commissioning_bench_web`` is made and filled with the demo's data once (about a
minute; ``--fresh`` to remake it).

    .venv/bin/python benchmarks/web.py [--duration 20] [--connections 50] [--pages home,quality]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
DB = "commissioning_bench_web"
SECRET = "benchmark-only-" + "k" * 50
# The production server sits behind a proxy that ends TLS (docs/deployment.md): the benchmark
# speaks plain HTTP to it and says, as the proxy does, that the request came over HTTPS.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}

# page: (role, how to find its address). A fixed path, or (a page to look in, a pattern for a
# link on it, optionally a suffix): the first link the role is shown.
PAGES: dict[str, tuple[str, object]] = {
    "home": ("commissioner", "/"),
    "specifications": ("commissioner", "/specifications/"),
    "a specification": ("commissioner", ("/specifications/", r"/specifications/(\d+)/")),
    "a selection": ("commissioner", ("selections", r"/selection/(\d+)/")),
    "the evaluation": (
        "commissioner", ("selections", r"/selection/(\d+)/", "/selection/{}/evaluation/")),
    "the decision record": (
        "commissioner", ("selections", r"/selection/(\d+)/", "/selection/{}/record/")),
    "contracts": ("contract-manager", "/contracts/"),
    "a contract": ("contract-manager", ("/contracts/", r"/contracts/(\d+)/")),
    "quality": ("quality-lead", "/quality/"),
    "a contract's quality": (
        "quality-lead", ("/contracts/", r"/contracts/(\d+)/", "/quality/contracts/{}/")),
    "market": ("commissioner", "/market/"),
    "together": ("finance-lead", "/together/"),
    "a pool": ("finance-lead", ("/together/", r"/together/pools/(\d+)/")),
    "caseload": ("care-coordinator", "/budgets/"),
    "a person's record": ("care-coordinator", ("/budgets/", r"/budgets/people/(\d+)/")),
    "organisations": ("commissioner", "/organisations/"),
}  # fmt: skip
# Where selections are linked from (the specifications' pages and the home page).
SELECTION_SOURCES = ("/", "/specifications/")

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, '
    .. '"non2xx": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, summary.errors.status, errors))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", f"{PG}/{db}", "-qAtc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()  # fmt: skip


def environment(database: str, production: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database, DJANGO_SECRET_KEY=SECRET, LOG_LEVEL="ERROR",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        COMMISSIONING_DATA_DIR=str(REPO / "var" / "bench-web"),
        COMMISSIONING_SYNTH_DIR=str(REPO / "var" / "bench-web" / "synth"),
    )  # fmt: skip
    if production:
        env.update(COMMISSIONING_PRODUCTION="1", COMMISSIONING_BEHIND_TLS_PROXY="1")
    else:
        env.update(COMMISSIONING_DEMO="1")
    env.pop("COMMISSIONING_PRODUCTION" if not production else "COMMISSIONING_DEMO", None)
    return env


def prepare(fresh: bool) -> str:
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB}'") == "1"  # noqa: S608 (a constant)
    database = f"{PG}/{DB}"
    if exists and not fresh:
        return database
    psql(f"DROP DATABASE IF EXISTS {DB}")
    psql(f"CREATE DATABASE {DB}")
    print("Loading the demo's data into PostgreSQL (once; --fresh to do it again) ...")
    subprocess.run([PY, "-m", "commissioning.cli", "demo-setup"], check=True,
                   env=environment(database, production=False), stdout=subprocess.DEVNULL)  # fmt: skip
    # As docs/deployment.md says to after a bulk load (autovacuum would, later): PostgreSQL
    # plans with the tables' real sizes.
    psql("VACUUM ANALYZE", DB)
    return database


class Server:
    def __init__(self, database: str, production: bool) -> None:
        self.port = free_port()
        self.production = production
        command = [PY, "-m", "commissioning.cli", "serve", "--port", str(self.port)]
        if production:
            command.append("--production")
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (open while the server runs)
        self.proc = subprocess.Popen(
            command, env=environment(database, production), cwd=REPO,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/health/", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.log.seek(0)
        raise SystemExit("the server did not answer /health/:\n" + self.log.read().decode()[-3000:])

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


class BehindProxy(http.cookiejar.DefaultCookiePolicy):
    """Secure cookies go back over the plain HTTP between the proxy and the server."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Session:
    server: Server
    role: str
    jar: http.cookiejar.CookieJar = field(
        default_factory=lambda: http.cookiejar.CookieJar(policy=BehindProxy())
    )

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = dict(PROXY_HEADERS) if self.server.production else {}
        if data is not None:
            scheme = "https" if self.server.production else "http"
            headers["Referer"] = f"{scheme}://127.0.0.1:{self.server.port}{path}"
        req = urllib.request.Request(self.server.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.headers.get("Location", ""), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location", ""), e.read().decode(errors="replace")

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def csrf(self, path: str) -> str:
        _, _, page = self.request(path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not found:
            raise SystemExit(f"no form on {path}")
        return found.group(1)

    def sign_in(self) -> None:
        token = self.csrf("/sign-in/")
        status, _, _ = self.request(
            "/sign-in/", {"csrfmiddlewaretoken": token, "username": self.role,
                          "password": f"demo-{self.role}"})  # fmt: skip
        if status != 302:
            raise SystemExit(f"{self.role} could not sign in ({status})")
        if "two-step" in self.request("/")[1]:  # their first page asks for the second step
            token = self.csrf("/sign-in/two-step/")
            status, _, _ = self.request(
                "/sign-in/two-step/", {"csrfmiddlewaretoken": token, "code": current_code(self.role)}
            )  # fmt: skip
            if status != 302:
                raise SystemExit(f"{self.role}'s second step was refused ({status})")

    def header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def current_code(username: str) -> str:
    """The demo device's current code, read as its authenticator app would."""
    out = subprocess.run(
        [PY, "-c", (
            "import django; django.setup();"
            "from django_otp.oath import totp;"
            "from django_otp.plugins.otp_totp.models import TOTPDevice as D;"
            f"d = D.objects.get(user__username={username!r}, name='Demo authenticator');"
            "print(f'{totp(d.bin_key, d.step, d.t0, d.digits):06d}')")],
        env={**environment(CURRENT_DB, production=False),
             "DJANGO_SETTINGS_MODULE": "commissioning.config.settings"},
        check=True, capture_output=True, text=True)  # fmt: skip
    return out.stdout.strip()


CURRENT_DB = ""


def find_pages(sessions: dict[str, Session], wanted: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in wanted:
        role, how = PAGES[name]
        s = sessions[role]
        if isinstance(how, str):
            found[name] = how
            continue
        source, pattern, *template = how  # type: ignore[misc]
        shape = template[0] if template else pattern.replace(r"(\d+)", "{}")
        ids: list[str] = []
        for src in SELECTION_SOURCES if source == "selections" else (source,):
            _, _, page = s.request(src)
            ids += re.findall(rf'href="{pattern}"', page)
            if source == "selections":  # a specification's page links its selections
                for spec in dict.fromkeys(re.findall(r'href="/specifications/(\d+)/"', page)):
                    _, _, spage = s.request(f"/specifications/{spec}/")
                    ids += re.findall(rf'href="{pattern}"', spage)
        for pk in dict.fromkeys(ids):
            url = shape.format(pk)
            if s.request(url)[0] == 200:
                found[name] = url
                break
        else:
            raise SystemExit(f"found no address for {name!r} as {role}")
    return found


def _cpu_ticks(server: Server) -> tuple[dict[str, dict[str, int]], int, int]:
    """CPU ticks so far of each process, by whose it is (the server's session, PostgreSQL's),
    and the machine's total and idle ticks (``/proc``; Linux)."""
    by: dict[str, dict[str, int]] = {"server": {}, "postgres": {}}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        if int(fields[3]) == server.proc.pid:  # the session the server was started in
            by["server"][pid] = ticks
        elif name.startswith("postgres"):
            by["postgres"][pid] = ticks
    cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return by, sum(cpu), cpu[3] + cpu[4]  # total, idle + iowait


def _spent(before: dict[str, int], after: dict[str, int]) -> int:
    """Ticks spent between two readings by the processes alive at the second (one that ended
    in between is not counted; one that started is counted whole)."""
    return sum(t - before.get(pid, 0) for pid, t in after.items())


def wrk(server: Server, session: Session, path: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    headers = ["-H", f"Cookie: {session.header()}"] if session.role != "anonymous" else []
    if server.production:
        headers += ["-H", "X-Forwarded-Proto: https"]
    before = _cpu_ticks(server) if Path("/proc/stat").exists() else None
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name,
         *headers, server.base + path],
        capture_output=True, text=True, check=True)  # fmt: skip
    os.unlink(script.name)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / result["seconds"]
    if before is not None and result["requests"]:
        # Where the machine's CPU went, per request: the server's processes, PostgreSQL, and
        # the rest (wrk, anything else running); and how much of it stood idle. A page whose
        # requests/s fall while the server's CPU per request holds was starved by the rest.
        after = _cpu_ticks(server)
        tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
        total = after[1] - before[1]
        busy = total - (after[2] - before[2])
        ours = {k: _spent(before[0][k], after[0][k]) for k in after[0]}
        per = tick_ms / result["requests"]  # /proc counts in the same ticks
        result["cpu_ms"] = {
            "server": ours["server"] * per, "postgres": ours["postgres"] * per,
            "rest": max(busy - ours["server"] - ours["postgres"], 0) * per,
        }  # fmt: skip
        result["idle"] = 1 - busy / total if total else 0.0
    return result


def _cpu_words(result: dict) -> str:
    if "cpu_ms" not in result:
        return ""
    c = result["cpu_ms"]
    return (f"; CPU a request: server {c['server']:.1f} ms, PostgreSQL {c['postgres']:.1f} ms, "
            f"the rest {c['rest']:.1f} ms; {result['idle']:.0%} idle")  # fmt: skip


def check_page(session: Session, path: str) -> None:
    status, location, _ = session.request(path)
    if status != 200:
        raise SystemExit(f"{path} as {session.role}: {status} {location}")


def realistic(server: Server, sessions: dict[str, Session], urls: dict[str, str], users: int,
              period: float, seconds: float) -> dict[str, list[float]]:  # fmt: skip
    """Open loop: each user asks for its page every ``period`` seconds at its own phase."""
    names = list(urls)
    plan = []  # (when, page)
    rng = random.Random(19)
    for user in range(users):
        page = names[user % len(names)]
        t = rng.uniform(0, period)
        while t < seconds:
            plan.append((t, page))
            t += period
    plan.sort()
    timings: dict[str, list[float]] = {n: [] for n in names}
    failures: dict[str, int] = {n: 0 for n in names}
    lock = threading.Lock()
    headers = {n: {"Cookie": sessions[PAGES[n][0]].header(), **PROXY_HEADERS} for n in names}

    def fetch(page: str) -> None:
        req = urllib.request.Request(server.base + urls[page], headers=headers[page])  # noqa: S310
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310
                r.read()
                ok = r.status == 200
        except OSError:
            ok = False
        took = time.perf_counter() - start
        with lock:
            if ok:
                timings[page].append(took * 1000)
            else:
                failures[page] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for when, page in plan:
            delay = started + when - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fetch, page)
    for page, n in failures.items():
        if n:
            print(f"  realistic load: {n} failed requests for {page}")
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else 0.0


def main() -> None:
    global CURRENT_DB
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--pages", default="", help="comma-separated page names (default all)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the development server")
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--period", type=float, default=20.0)
    parser.add_argument("--realistic-seconds", type=float, default=120.0)
    parser.add_argument("--fresh", action="store_true", help="reload the demo's data")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    wanted = [p.strip() for p in args.pages.split(",") if p.strip()] or list(PAGES)
    for p in wanted:
        if p not in PAGES:
            raise SystemExit(f"unknown page {p!r}: one of {', '.join(PAGES)}")

    database = CURRENT_DB = prepare(args.fresh)
    rows: dict[str, dict[str, dict]] = {}
    realistic_p95: dict[str, float] = {}
    for production in (True, False) if not args.no_baseline else (True,):
        label = "production" if production else "development"
        print(f"\n{label} server: starting ...", flush=True)
        server = Server(database, production)
        try:
            sessions = {r: Session(server, r) for r in {PAGES[p][0] for p in wanted}}
            for s in sessions.values():
                s.sign_in()
            urls = find_pages(sessions, wanted)
            for name, url in urls.items():
                check_page(sessions[PAGES[name][0]], url)
            floor = wrk(server, Session(server, "anonymous"), "/health/", args.duration,
                        args.connections)  # fmt: skip
            rows.setdefault("/health/ (floor)", {})[label] = floor
            print(f"  /health/: {floor['rps']:.0f} req/s" + _cpu_words(floor), flush=True)
            for name, url in urls.items():
                result = wrk(server, sessions[PAGES[name][0]], url, args.duration,
                             args.connections)  # fmt: skip
                result["url"] = url
                rows.setdefault(name, {})[label] = result
                print(f"  {name} ({url}): {result['rps']:.0f} req/s, p50 {result['p50']:.0f} ms,"
                      f" p95 {result['p95']:.0f} ms"
                      + (f", {result['non2xx']} not 200" if result["non2xx"] else "")
                      + (f", {result['errors']} errors" if result["errors"] else "")
                      + _cpu_words(result), flush=True)  # fmt: skip
            if production:
                print(f"  realistic load: {args.users} users, a page each every {args.period:g} s,"
                      f" {args.realistic_seconds:g} s ...", flush=True)  # fmt: skip
                timings = realistic(server, sessions, urls, args.users, args.period,
                                    args.realistic_seconds)  # fmt: skip
                realistic_p95 = {n: p95(t) for n, t in timings.items()}
        finally:
            server.stop()

    floor_rps = rows["/health/ (floor)"]["production"]["rps"]
    print(f"\nPer page, {args.connections} connections, no pause, {args.duration} s each "
          f"(production: gunicorn on PostgreSQL; baseline: the development server, same run)\n")  # fmt: skip
    head = (f"{'page':<24}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'of floor':>10}"
            f"{'dev req/s':>11}{'dev p95':>9}{'× dev':>7}{'real p95':>10}")  # fmt: skip
    print(head)
    print("-" * len(head))
    failed = []
    for name, by in rows.items():
        prod = by["production"]
        dev = by.get("development")
        share = prod["rps"] / floor_rps
        real = realistic_p95.get(name)
        print(f"{name:<24}{prod['rps']:>8.0f}{prod['p50']:>8.0f}{prod['p95']:>8.0f}"
              f"{share:>9.1%} "
              + (f"{dev['rps']:>11.0f}{dev['p95']:>9.0f}{prod['rps'] / dev['rps']:>7.1f}"
                 if dev else f"{'':>27}")
              + (f"{real:>10.0f}" if real is not None else ""))  # fmt: skip
        if name != "/health/ (floor)":
            if prod["rps"] < 150 or share < 1 / 8 or prod["non2xx"] or prod["errors"]:
                failed.append(f"{name}: {prod['rps']:.0f} req/s ({share:.1%} of the floor)")
            if real is not None and real >= 150:
                failed.append(f"{name}: realistic p95 {real:.0f} ms")
    print("\nTargets: ≥ 150 req/s and ≥ 12.5% of the floor per page; realistic p95 < 150 ms.")
    print("All met." if not failed else "Not met:\n  " + "\n  ".join(failed))


if __name__ == "__main__":
    main()
