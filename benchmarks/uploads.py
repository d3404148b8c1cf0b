"""Benchmark: what one oversized upload costs the server (issue 16, finding 9).

The probe sent one request with 60 files of 10 MB to a page that takes documents and saw the
server's memory rise by about 570 MB. This script does the same to a real server process
(one process, its own SQLite database), under each of two servers: gunicorn (one sync worker,
the production server) and Django's development server (``make demo``), which after answering
reads whatever of the body the application left unread into memory at once
(``django.core.servers.basehttp.ServerHandler.close``) — a cost of that server, not of the
application, and the reason production runs gunicorn. It is signed in as a provider's
representative posting an unsolicited proposal with the files attached, and reads the
process's peak resident memory (``VmHWM``) before and after, and the time to the answer.

It runs against this tree and, for the baseline in the same run, against the commit before
issue 16 (``--baseline``, a git worktree made for the run and removed after):

    .venv/bin/python benchmarks/uploads.py [--files 60] [--size-mb 10] [--baseline a1ddd19]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "a-long-unusual-passphrase-91"  # noqa: S105  (a throwaway account of the benchmark)
SETUP = """
from commissioning.organisations.models import Membership, Organisation, User
icb = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
rje = Organisation.objects.create(code="RJE", name="Test Trust", org_type="nhs_trust")
user = User.objects.create_user(username="provider", password="{password}")
Membership.objects.create(user=user, organisation=rje, role="provider_representative")
print(icb.pk, rje.pk)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def _worker(pid: int) -> int:
    """The process that answers: gunicorn's one worker (a child of its arbiter), or the server."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else pid


def measure(tree: Path, files: int, size_mb: int, server_kind: str) -> dict:
    data = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    env = {**os.environ, "COMMISSIONING_DATA_DIR": str(data),
           "DJANGO_SETTINGS_MODULE": "commissioning.config.settings",
           "PYTHONPATH": str(tree / "src")}  # fmt: skip
    env.pop("DATABASE_URL", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=tree, env=env, check=True)
    ids = subprocess.run([python, "manage.py", "shell", "-c", SETUP.format(password=PASSWORD)],
                         cwd=tree, env=env, check=True, capture_output=True, text=True)  # fmt: skip
    icb_pk, rje_pk = ids.stdout.strip().splitlines()[-1].split()  # the shell may say more first
    port = _free_port()
    if server_kind == "gunicorn":
        command = [str(Path(python).parent / "gunicorn"), "commissioning.config.wsgi:application",
                   "--workers", "1", "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    else:
        command = [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/sign-in/", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        s = requests.Session()
        s.get(f"{base}/sign-in/")
        s.post(f"{base}/sign-in/", data={"username": "provider", "password": PASSWORD,
                                         "csrfmiddlewaretoken": s.cookies["csrftoken"]})  # fmt: skip
        form = s.get(f"{base}/proposals/new/")
        assert form.status_code == 200, form.status_code
        pid = _worker(server.pid)
        before = _peak_kb(pid)
        payload = b"%PDF-1.4\n" + b"0" * (size_mb * 1024 * 1024 - 9)
        multipart = [("documents", (f"plan-{i}.pdf", payload, "application/pdf"))
                     for i in range(files)]  # fmt: skip
        fields = {"csrfmiddlewaretoken": s.cookies["csrftoken"], "provider_id": rje_pk,
                  "addressed_to_id": icb_pk, "title": "Virtual ward", "description": "x",
                  "capacity": "10", "total_price": "1000"}  # fmt: skip
        started = time.perf_counter()
        answer = s.post(f"{base}/proposals/new/", data=fields, files=multipart,
                        headers={"Referer": f"{base}/proposals/new/"})  # fmt: skip
        seconds = time.perf_counter() - started
        after = _peak_kb(pid)
        return {"status": answer.status_code, "seconds": seconds,
                "peak_rise_mb": (after - before) / 1024}  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)


def _baseline_tree(rev: str) -> Path:
    tree = Path(tempfile.mkdtemp(prefix="bench-uploads-base-"))
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-f", "--detach", str(tree), rev],
                   check=True, capture_output=True)  # fmt: skip
    (tree / "node_modules").symlink_to(REPO / "node_modules")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--size-mb", type=int, default=10)
    parser.add_argument("--baseline", default="a1ddd19", help="the commit before issue 16")
    args = parser.parse_args()
    print(f"One request: {args.files} files of {args.size_mb} MB posted as documents of a "
          "proposal, to a real server process")  # fmt: skip
    base_tree = _baseline_tree(args.baseline)
    results = {}
    try:
        for server in ("gunicorn", "runserver"):
            results[server] = (measure(base_tree, args.files, args.size_mb, server),
                               measure(REPO, args.files, args.size_mb, server))  # fmt: skip
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base_tree)],
                       check=False, capture_output=True)  # fmt: skip
    for server, (baseline, ours) in results.items():
        print(server)
        for name, r in (("baseline (" + args.baseline + ")", baseline), ("ours", ours)):
            print(f"{name:>22}: answered {r['status']} in {r['seconds']:.2f} s; the server's "
                  f"peak memory rose {r['peak_rise_mb']:,.0f} MB")  # fmt: skip
        ratio = baseline["peak_rise_mb"] / max(ours["peak_rise_mb"], 1)
        print(f"{'ratio':>22}: baseline / ours, memory {ratio:.1f}x")


if __name__ == "__main__":
    main()
