"""Console under load: ``python bench/web.py`` (one command; prints a table, writes JSON).

Starts gunicorn with the **production settings** on PostgreSQL (its own database, default
``qd_webbench``) and Redis (cache, sessions, broker), on loopback only, logs in once as a bench user
(role researcher, no second factor enrolled, so no TOTP step), and lets ``--users`` virtual users
(default 50) browse the main pages for ``--seconds`` (default 30) with a bounded async client
(httpx), each with its own session. Each user requests a page, waits ``--think`` seconds
(default 1 s: a person reads the page; ``--think 0`` is a closed loop that measures saturation)
and picks the next page. Reports
p50/p95/p99 and errors per page and overall, and writes ``bench/results/web.json``. Target: p95 <
150 ms, 0 errors. It stops by itself: gunicorn is terminated at the end (also on Ctrl-C).

Where the time goes: before the load, each page is rendered once in-process with the Django test
client and its SQL query count and time are recorded (``queries``, ``inprocess_ms``).

Setup (idempotent; re-runs reuse the database): migrate, seed roles, the bench user, a small
demo warehouse and ``--runs`` finished synthetic backtests, all in embedded mode (jobs run in this
process, no broker message is left behind).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qd_webbench REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/web.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "web.json"
TARGET_P95_MS = 150.0
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/qd_webbench"
USERNAME = "webbench"
PASSWORD = secrets.token_urlsafe(24)  # set on every run: nothing to leak
SECRET_KEY = secrets.token_urlsafe(64)
PAGES = [  # the main pages; "{run}" is a finished backtest
    "/",
    "/backtests/",
    "/backtests/{run}/",
    "/jobs/",
    "/health/",
    "/warehouse/",
    "/risk/",
    "/research/alpha/",
    "/research/models/",
    "/quant/strategies/",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- setup (this process, embedded mode) ----------------------------------------------------------
def _ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            con.execute(f'CREATE DATABASE "{name}"')


def setup(args: argparse.Namespace) -> dict[str, object]:
    """Migrate and fill the bench database; returns a few facts about it."""
    os.environ["DATABASE_URL"] = args.database
    os.environ["REDIS_URL"] = ""  # embedded: backtests run in this process, no broker
    os.environ["QUANTDESK_DATA_DIR"] = str(args.data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["SECRET_KEY"] = SECRET_KEY  # the sessions made here must be valid in gunicorn
    _ensure_database(args.database)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from backtests.configs import BacktestConfig, SyntheticSpec
    from backtests.models import BacktestRun
    from backtests.services import backtest_run_create, backtest_run_execute
    from quant.accounts.roles import RESEARCHER, roles_seed
    from warehouse.services import warehouse_sync_demo

    call_command("migrate", verbosity=0)
    roles_seed()
    user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"email": "bench@example.com"})
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=RESEARCHER))
    warehouse_sync_demo(stocks=args.stocks, years=args.years, seed=7)
    have = BacktestRun.objects.filter(owner=user, job__status="succeeded").count()
    for i in range(have, args.runs):
        spec = SyntheticSpec(stocks=200, days=1000, seed=100 + i)  # 2005-01-03 .. 2008-12
        config = BacktestConfig(signal="momentum", start=dt.date(2006, 2, 1), end=dt.date(2008, 12, 19),
                                source="synthetic", synthetic=spec)  # fmt: skip
        run = backtest_run_create(config=config, owner=user, label=f"bench {i}").run
        backtest_run_execute(run_id=run.pk, task_id=f"bench-{run.pk}")  # a no-op if the pool claimed it
    deadline = time.monotonic() + 300
    while BacktestRun.objects.filter(owner=user, job__status__in=["queued", "running"]).exists():
        if time.monotonic() > deadline:
            raise SystemExit("bench setup: backtests did not finish within 5 minutes")
        time.sleep(0.5)
    run = BacktestRun.objects.filter(owner=user, job__status="succeeded").order_by("-pk").first()
    if run is None:
        raise SystemExit("bench setup: no succeeded backtest")
    return {"run": run.pk, "runs": BacktestRun.objects.count(), "sessions": _sessions(user, args.users)}


def _sessions(user: object, count: int) -> list[str]:
    """One signed-in session per virtual user (allauth would rate-limit 50 form logins from one IP
    in a minute; one user really logs in through the form in `login`)."""
    from django.test import Client

    keys = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies["sessionid"].value)
    return keys


def profile_pages(pages: list[str]) -> dict[str, dict[str, float]]:
    """One in-process render of each page (local settings, same database): SQL queries and ms."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=USERNAME))
    out = {}
    for page in pages:
        client.get(page)  # warm (templates, caches)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(page)
            elapsed = (time.perf_counter() - started) * 1000
        out[page] = {"status": response.status_code, "queries": len(queries), "inprocess_ms": round(elapsed, 1)}
    return out


# --- gunicorn -------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": args.database,
        "REDIS_URL": args.redis,
        "QUANTDESK_DATA_DIR": str(args.data_dir),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # plain http on loopback
        "DB_POOL_MAX_SIZE": str(args.threads + 1),  # the request threads + the health refresh thread
        "STATIC_ROOT": str(args.data_dir / "static"),
    }


def start_gunicorn(args: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    env = production_env(args)
    # the manifest static storage of production needs collectstatic under the production settings
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
        "--timeout", "60", "--keep-alive", "30", "--access-logfile", "-" if args.access_log else "/dev/null",
        "--error-logfile", str(args.data_dir / "gunicorn.log"),
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return proc
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {args.data_dir / 'gunicorn.log'}")
        time.sleep(0.2)
    stop(proc)
    raise SystemExit("gunicorn did not start within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- load -----------------------------------------------------------------------------------------
async def warm_up(base: str, concurrency: int) -> None:
    """Every worker's first request imports the whole URLconf (pandas, polars, cvxpy, ...): many
    seconds on a loaded machine. Not what the bench measures, so it happens before the clock runs."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        for _ in range(3):
            await asyncio.gather(*(client.get("/healthz") for _ in range(concurrency)))


async def login(base: str) -> str:
    """Log in through the real login form; returns the Cookie header (session + CSRF)."""
    import httpx

    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=120) as client:
        form = await client.get("/accounts/login/")
        csrf = form.cookies.get("csrftoken")
        token = form.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        # production cookies are Secure; on plain-http loopback the client's jar would hold them
        # back, so the bench sends them itself
        cookie = f"csrftoken={csrf}"
        answer = await client.post(
            "/accounts/login/",
            data={"login": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Cookie": cookie, "Referer": f"{base}/accounts/login/"},
        )
        session = answer.cookies.get("sessionid")
        if answer.status_code != 302 or not session:
            raise SystemExit(f"bench login failed: {answer.status_code} {answer.text[:300]}")
        return f"{cookie}; sessionid={session}"


async def user_loop(
    client: object, cookie: str, pages: list[str], until: float, think: float, seed: int, samples: dict
) -> None:
    import random

    rng = random.Random(seed)
    while time.monotonic() < until:
        page = rng.choice(pages)
        started = time.perf_counter()
        try:
            response = await client.get(page, headers={"Cookie": cookie})  # type: ignore[attr-defined]
            status = response.status_code
            await response.aread()
        except Exception as exc:  # a refused or reset connection counts as an error
            status = type(exc).__name__
        elapsed = (time.perf_counter() - started) * 1000
        samples.setdefault(page, []).append((elapsed, status))
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def load(
    base: str, pages: list[str], sessions: list[str], args: argparse.Namespace
) -> dict[str, list[tuple[float, object]]]:
    import httpx

    await warm_up(base, args.workers * args.threads)
    cookie = await login(base)
    cookies = [cookie, *(f"sessionid={key}" for key in sessions[1:])]
    samples: dict[str, list[tuple[float, object]]] = {}
    # the client drops idle connections before gunicorn does (--keep-alive 30): a request on a
    # connection the server is closing would count as a ReadError that no user would see
    limits = httpx.Limits(max_connections=args.users, max_keepalive_connections=args.users, keepalive_expiry=15)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits, follow_redirects=False) as client:
        for page in pages:  # warm every worker's caches a little before measuring
            await client.get(page, headers={"Cookie": cookie})
        until = time.monotonic() + args.seconds
        await asyncio.gather(
            *(user_loop(client, cookies[i], pages, until, args.think, i, samples) for i in range(args.users))
        )
    return samples


def summarise(samples: dict[str, list[tuple[float, object]]]) -> tuple[list[dict], dict]:
    rows, every = [], []
    for page, values in sorted(samples.items()):
        times = [t for t, _ in values]
        errors = sum(1 for _, status in values if status != 200)
        every.extend(values)
        rows.append({
            "page": page, "requests": len(values), "errors": errors,
            "p50_ms": round(_percentile(times, 50), 1), "p95_ms": round(_percentile(times, 95), 1),
            "p99_ms": round(_percentile(times, 99), 1), "mean_ms": round(statistics.fmean(times), 1),
            "statuses": sorted({str(s) for _, s in values}),
        })  # fmt: skip
    times = [t for t, _ in every]
    errors = sum(1 for _, status in every if status != 200)
    overall = {
        "requests": len(every), "errors": errors,
        "p50_ms": round(_percentile(times, 50), 1), "p95_ms": round(_percentile(times, 95), 1),
        "p99_ms": round(_percentile(times, 99), 1),
    }  # fmt: skip
    overall["meets_target"] = overall["p95_ms"] < TARGET_P95_MS and errors == 0
    return rows, overall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("WEB_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/8")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/qd-webbench"))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's requests (s)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--stocks", type=int, default=200)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if urlparse(args.database).hostname not in ("127.0.0.1", "localhost") or urlparse(args.redis).hostname not in (
        "127.0.0.1",
        "localhost",
    ):
        raise SystemExit("bench/web.py runs on loopback only: point --database and --redis at 127.0.0.1")
    args.data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    facts = setup(args)
    pages = [p.format(run=facts["run"]) for p in PAGES]
    profile = profile_pages(pages)
    print(f"setup {time.perf_counter() - started:.1f} s; {facts['runs']} backtests; run page #{facts['run']}")
    port = _free_port()
    load_before = os.getloadavg()
    proc = start_gunicorn(args, port)
    try:
        samples = asyncio.run(load(f"http://127.0.0.1:{port}", pages, facts["sessions"], args))
    finally:
        stop(proc)
    load_after = os.getloadavg()
    rows, overall = summarise(samples)
    print(f"{'page':<24} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'queries':>7}")
    for row in rows:
        print(f"{row['page']:<24} {row['requests']:>8} {row['errors']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} "
              f"{row['p99_ms']:>8} {profile[row['page']]['queries']:>7}")  # fmt: skip
    verdict = "meets" if overall["meets_target"] else "MISSES"
    print(
        f"overall: {overall['requests']} requests, {overall['errors']} errors, p50 {overall['p50_ms']} ms, "
        f"p95 {overall['p95_ms']} ms, p99 {overall['p99_ms']} ms: {verdict} the target (p95 < 150 ms, 0 errors)"
    )
    print(f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} on {os.cpu_count()} cores")
    report = {
        "bench": "bench/web.py",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in load_after]},
        "config": {"users": args.users, "seconds": args.seconds, "think_s": args.think, "workers": args.workers,
                   "threads": args.threads, "worker_class": "gthread", "settings": "config.settings.production",
                   "db_pool_max_size": args.threads + 1, "demo": {"stocks": args.stocks, "years": args.years},
                   "backtests": facts["runs"]},
        "target": {"p95_ms": TARGET_P95_MS, "errors": 0},
        "overall": overall,
        "pages": [{**row, **{k: v for k, v in profile[row["page"]].items() if k != "status"}} for row in rows],
    }  # fmt: skip
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
