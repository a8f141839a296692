"""Core health checks: database, Redis, Celery workers, queue depths, beat, request latency.

Registered by ``ConsoleConfig.ready()`` through ``register_core_checks``. Each one measures live
values with its own short network timeout; the registry adds a hard deadline on top.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Max, Q
from kombu.transport.redis import PRIORITY_STEPS, Channel

from console import latency
from quant.jobs import inprocess_stats
from quant.web.health import CheckResult, register_check

NETWORK_TIMEOUT_SECONDS = 1.0
CELERY_PING_SECONDS = 0.5  # a control ping always waits this long: it cannot know how many reply
LATENCY_WARN_P95_MS = 1000.0
EMBEDDED = "not configured (embedded mode)"


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)


def _when(moment: datetime | None) -> str | None:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if moment else None


def _safe_location(url: str) -> str:
    """host:port/db of a Redis URL, without the password."""
    parsed = urlparse(url)
    db = parsed.path.lstrip("/") or "0"
    return f"{parsed.hostname}:{parsed.port or 6379}/{db}"


def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_connect_timeout=NETWORK_TIMEOUT_SECONDS, socket_timeout=NETWORK_TIMEOUT_SECONDS
    )


# --- database ----------------------------------------------------------------------------------
def database() -> CheckResult:
    connection = connections["default"]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    round_trip = _elapsed_ms(started)
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    version = ".".join(str(part) for part in connection.get_database_version())
    details = {
        "Engine": f"{connection.display_name} {version}",
        "Round trip (ms)": round_trip,
        "Pending migrations": len(pending),
    }
    summary = f"{connection.display_name} · {round_trip:.1f} ms round trip"
    if pending:
        apps = sorted({migration.app_label for migration, _backwards in pending})
        details["Apps to migrate"] = ", ".join(apps)
        return CheckResult("warn", f"{len(pending)} migration(s) pending: run manage.py migrate", details)
    return CheckResult("ok", summary, details)


# --- redis -------------------------------------------------------------------------------------
def redis_server() -> CheckResult:
    url = settings.REDIS_URL
    if not url:
        return CheckResult("unknown", EMBEDDED, {"Cache": "in-process memory", "Jobs": "in-process threads"})
    client = _redis_client(url)
    try:
        started = time.perf_counter()
        client.ping()
        ping_ms = _elapsed_ms(started)
        memory = client.info("memory")
        server = client.info("server")
    finally:
        client.close()
    details = {
        "Server": f"Redis {server.get('redis_version', '?')} at {_safe_location(url)}",
        "Ping (ms)": ping_ms,
        "Memory used": memory.get("used_memory_human"),
        "Peak memory": memory.get("used_memory_peak_human"),
        "Max memory": memory.get("maxmemory_human") if memory.get("maxmemory") else "no limit",
    }
    return CheckResult("ok", f"{ping_ms:.1f} ms ping · {memory.get('used_memory_human')} used", details)


# --- celery workers ----------------------------------------------------------------------------
def celery_workers() -> CheckResult:
    broker = settings.CELERY_BROKER_URL
    if not broker:
        stats = inprocess_stats()
        return CheckResult(
            "ok",
            f"Embedded: {stats.workers} in-process job thread(s)",
            {
                "Running": stats.running,
                "Waiting": stats.waiting,
                "Succeeded": stats.succeeded,
                "Failed": stats.failed,
            },
        )
    from config.celery import app

    with app.connection_for_read(url=broker, connect_timeout=NETWORK_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=NETWORK_TIMEOUT_SECONDS)
        replies = app.control.ping(timeout=CELERY_PING_SECONDS, connection=conn)
    names = sorted(name for reply in replies for name in reply)
    if not names:
        return CheckResult(
            "bad",
            "none answering",
            {"Start one with": "celery -A config worker -Q " + ",".join(settings.CELERY_TASK_QUEUES_NAMES)},
        )
    details: dict[str, str | int] = {"Workers answering": len(names)}
    details.update({name: "pong" for name in names})
    return CheckResult("ok", f"{len(names)} worker(s) answering", details)


# --- queue depths ------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueDepth:
    """Messages waiting in one Celery queue on the Redis broker, split by priority sub-queue."""

    name: str
    by_priority: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.by_priority.values())


def priority_queue_key(queue: str, priority: int) -> str:
    """The Redis list kombu uses for ``queue`` at ``priority`` (the base list for priority 0)."""
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}
    separator = options.get("sep", Channel.sep)
    return f"{queue}{separator}{priority}" if priority else queue


def queue_depths(client: redis.Redis, queues: Iterable[str]) -> list[QueueDepth]:
    """LLEN of every queue list and its priority sub-lists, in one pipelined round trip."""
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}
    steps: Sequence[int] = options.get("priority_steps", PRIORITY_STEPS)
    names = list(queues)
    pipe = client.pipeline(transaction=False)
    for name in names:
        for step in steps:
            pipe.llen(priority_queue_key(name, step))
    lengths = iter(pipe.execute())
    return [QueueDepth(name, {step: int(next(lengths)) for step in steps}) for name in names]


def queues() -> CheckResult:
    broker = settings.CELERY_BROKER_URL
    if not broker:
        stats = inprocess_stats()
        return CheckResult("unknown", f"No broker: {stats.waiting} job(s) waiting in-process")
    if not broker.startswith(("redis://", "rediss://")):
        return CheckResult("unknown", f"Queue depth is read from Redis only (broker is {urlparse(broker).scheme})")
    client = _redis_client(broker)
    try:
        depths = queue_depths(client, settings.CELERY_TASK_QUEUES_NAMES)
    finally:
        client.close()
    details: dict[str, int] = {}
    for depth in depths:
        details[depth.name] = depth.total
        for step, count in depth.by_priority.items():
            if step and count:
                details[f"{depth.name} · priority {step}"] = count
    total = sum(d.total for d in depths)
    busiest = max(depths, key=lambda d: d.total, default=None)
    summary = f"{total} message(s) waiting"
    if busiest is not None and busiest.total:
        summary += f"; most in {busiest.name} ({busiest.total})"
    return CheckResult("ok", summary, details)


# --- beat --------------------------------------------------------------------------------------
def beat() -> CheckResult:
    from django_celery_beat.models import PeriodicTask, PeriodicTasks

    stats = PeriodicTask.objects.aggregate(
        total=Count("id"), enabled=Count("id", filter=Q(enabled=True)), last_run=Max("last_run_at")
    )
    last_change = PeriodicTasks.last_change()
    details = {
        "Schedules": stats["total"],
        "Enabled": stats["enabled"],
        "Last run": _when(stats["last_run"]),
        "Schedules changed": _when(last_change),
    }
    if not stats["total"]:
        return CheckResult("unknown", "no schedules yet", details)
    if not settings.CELERY_BROKER_URL:
        # Beat needs a broker: in embedded mode the schedules are kept but cannot fire.
        return CheckResult("unknown", "embedded mode: schedules run only with REDIS_URL and celery beat", details)
    if stats["last_run"] is None:
        if stats["enabled"]:
            return CheckResult("warn", "no schedule has run yet: is celery beat running?", details)
        return CheckResult("unknown", "all schedules disabled", details)
    return CheckResult("ok", f"last run {_when(stats['last_run'])}", details)


# --- request latency ---------------------------------------------------------------------------
def request_latency() -> CheckResult:
    stats = latency.percentiles()
    if not stats["count"]:
        return CheckResult("unknown", "no requests recorded yet in this process")
    details = {
        "Requests (window)": stats["count"],
        "P50 (ms)": round(float(stats["p50"] or 0.0), 1),
        "P95 (ms)": round(float(stats["p95"] or 0.0), 1),
        "P99 (ms)": round(float(stats["p99"] or 0.0), 1),
    }
    status = "warn" if float(stats["p95"] or 0.0) > LATENCY_WARN_P95_MS else "ok"
    summary = f"P50 {details['P50 (ms)']} ms · P95 {details['P95 (ms)']} ms · P99 {details['P99 (ms)']} ms"
    return CheckResult(status, summary, details)


def register_core_checks() -> None:
    register_check("Database", database, order=10, inline=True)
    register_check("Redis", redis_server, order=20, timeout=2.0)
    register_check("Celery workers", celery_workers, order=30, timeout=3.0)
    register_check("Queues", queues, order=40, timeout=2.0)
    register_check("Beat", beat, order=50, inline=True)
    register_check("Request latency", request_latency, order=90, timeout=1.0, live=True)
