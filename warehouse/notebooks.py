"""One-click JupyterLab per user: start, stop and list servers; the read-only warehouse helper.

A server is a subprocess of this host running the project's own Python (so the project and its
settings import), bound to 127.0.0.1 on a free port and protected by a random token, with its root
in ``<DATA_DIR>/notebooks/<username>/`` where the template notebooks (``notebooks/``) are copied.
Jupyter's own culling shuts idle kernels and then the idle server down. A notebook starts with
``warehouse.notebook_helpers`` (``setup()`` for Django, ``catalog()`` for a read-only connection).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warehouse.models_explorer import NotebookSession

TEMPLATES_DIR = Path(settings.BASE_DIR) / "notebooks"
IDLE_KERNEL_SECONDS = 30 * 60
IDLE_SERVER_SECONDS = 60 * 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a finished child of this process stays a zombie until reaped
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def notebook_root(user: Any) -> Path:
    """The user's notebook folder, with the template notebooks copied in (never over the user's)."""
    root = Path(settings.DATA_DIR) / "notebooks" / user.get_username()
    root.mkdir(parents=True, exist_ok=True)
    for template in sorted(TEMPLATES_DIR.glob("*.ipynb")):
        if not (root / template.name).exists():
            shutil.copy2(template, root / template.name)
    return root


def kernel_env() -> dict[str, str]:
    """The environment of a notebook server: this project's settings and data, Django-ready."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(settings.BASE_DIR), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env["QUANTDESK_DATA_DIR"] = str(settings.DATA_DIR)
    env["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return env


def notebook_start(*, user: Any) -> NotebookSession:
    """The user's running server, or a new one (JupyterLab on a free loopback port with a token)."""
    live = notebook_sessions(user=user)
    if live:
        return live[0]
    root, port, token = notebook_root(user), _free_port(), secrets.token_hex(24)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--ServerApp.shutdown_no_activity_timeout={IDLE_SERVER_SECONDS}",
        f"--MappingKernelManager.cull_idle_timeout={IDLE_KERNEL_SECONDS}", "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=True", "--ServerApp.allow_remote_access=False",
        "--ServerApp.terminals_enabled=False",  # notebooks, not a shell on the web host
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI run as root
    log = open(root / ".jupyter-server.log", "ab")  # noqa: SIM115 - handed to the child process
    env = {**kernel_env(), "JUPYTER_RUNTIME_DIR": str(root / ".jupyter-runtime")}
    process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    log.close()
    return NotebookSession.objects.create(user=user, pid=process.pid, port=port, token=token, root=str(root))


def notebook_ready(session: NotebookSession, *, timeout: float = 60.0) -> bool:
    """Wait until the server answers on its port (True), or give up after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(session.pid):
            return False
        try:
            with socket.create_connection(("127.0.0.1", session.port), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def notebook_stop(*, session: NotebookSession, grace: float = 10.0) -> None:
    """Stop the server (SIGTERM to its process group, SIGKILL after ``grace``) and mark it stopped."""
    if _alive(session.pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(session.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _alive(session.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(session.pid):
            os.killpg(session.pid, signal.SIGKILL)
    NotebookSession.objects.filter(pk=session.pk, stopped__isnull=True).update(stopped=timezone.now())


def notebook_sessions(*, user: Any | None = None) -> list[NotebookSession]:
    """Live servers (of ``user``, or all); one whose process ended (idle shutdown) is marked stopped."""
    rows = NotebookSession.objects.filter(stopped__isnull=True).select_related("user")
    if user is not None:
        rows = rows.filter(user=user)
    live = []
    with transaction.atomic():
        for session in rows:
            if _alive(session.pid):
                live.append(session)
            else:
                NotebookSession.objects.filter(pk=session.pk).update(stopped=timezone.now())
    return live
