"""The classroom's end-to-end test driver: a real JupyterHub on loopback, driven over HTTP.

What the end-to-end test (tests/test_classroom.py, ``make test-classroom``) and the capacity
measurement (tools/classroom_load.py, ``make classroom-load``) share: :class:`Hub` starts JupyterHub
from classroom/jupyterhub_config.py (tools/classroom_config.py) with a test authenticator and a
local-process spawner on 127.0.0.1, and :class:`Student` does what a browser does (log in, start a
server, follow the link) and what a notebook frontend does (run a notebook's cells on the server's
kernel over its websocket).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from tools.classroom_config import HUB_CONFIG, classroom_bin

# ------------------------------------------------------------------------------------------------
# a hub on loopback
# ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, probe, timeout: float, interval: float = 0.25, alive=None):
    """Poll ``probe()`` until it returns a true value (returned) or ``timeout`` s pass (TimeoutError).
    ``alive()``, if given, is checked on each round: a dead process fails at once, not at the timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = probe()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - a probe that fails is retried; the last error is reported
            last = exc
        if alive is not None:
            alive()
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{what}: not after {timeout:.0f} s" + (f" (last error: {last!r})" if last else "")
            )
        time.sleep(interval)


#: The test's credentials (SharedPasswordAuthenticator: one password for students, one for admins).
STUDENT_PASSWORD = "classroom-student"
ADMIN_PASSWORD = "classroom-instructor-" + "x" * 16


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by openssl (the test's stand-in for certbot's)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "hub-cert.pem", folder / "hub-key.pem"
    if not cert.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
        key.chmod(0o600)
    return cert, key


class Hub:
    """JupyterHub from classroom/jupyterhub_config.py, on free ports of 127.0.0.1, in ``workdir``.

    The test overrides only what a test needs: SharedPasswordAuthenticator instead of the system
    accounts (PAM), SimpleLocalProcessSpawner (no system users; homes under ``workdir/home``), the
    ports and a self-signed certificate. Everything else — TLS, the single-user command, the course
    kernel, the limits, the environment, the culler — is the classroom's configuration.
    """

    def __init__(self, workdir: Path, students: list[str], instructors: list[str], course_python: str):
        self.workdir = Path(workdir)
        self.students, self.instructors = list(students), list(instructors)
        self.course_python = course_python
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.cert, self.key = self_signed_certificate(self.workdir / "tls")
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / "jupyterhub.log"
        self.service_token = uuid.uuid4().hex
        self._seen: set[int] = set()

    def home(self, user: str) -> Path:
        return self.workdir / "home" / user

    def write_config(self) -> Path:
        cfg = self.workdir / "jupyterhub_test_config.py"
        settings = {
            "hub_config": str(HUB_CONFIG),
            "url": self.url,
            "hub_port": free_port(),
            "api_port": free_port(),
            "home": str(self.workdir / "home" / "{username}"),
            "students": self.students,
            "instructors": self.instructors,
            "user_password": STUDENT_PASSWORD,
            "admin_password": ADMIN_PASSWORD,
            "db": f"sqlite:///{self.workdir / 'jupyterhub.sqlite'}",
            "service_token": self.service_token,
            "root": os.getuid() == 0,
        }
        cfg.write_text(
            "# Written by tools/classroom_driver.py for a test hub: the classroom's config, "
            "then the test's.\n"
            f"s = {settings!r}\n"
            "load_subconfig(s['hub_config'])\n"
            "c.JupyterHub.bind_url = s['url']\n"
            "c.JupyterHub.hub_ip = '127.0.0.1'\n"
            "c.JupyterHub.hub_port = s['hub_port']\n"
            "c.ConfigurableHTTPProxy.api_url = f\"http://127.0.0.1:{s['api_port']}\"\n"
            "c.JupyterHub.db_url = s['db']\n"
            "c.JupyterHub.cookie_secret_file = 'jupyterhub_cookie_secret'\n"
            "c.JupyterHub.authenticator_class = 'shared-password'\n"
            "c.SharedPasswordAuthenticator.user_password = s['user_password']\n"
            "c.SharedPasswordAuthenticator.admin_password = s['admin_password']\n"
            "c.Authenticator.allowed_users = set(s['students'])\n"
            "c.Authenticator.admin_users = set(s['instructors'])\n"
            "c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'\n"
            "c.SimpleLocalProcessSpawner.home_dir_template = s['home']\n"
            "c.Spawner.notebook_dir = '~'\n"
            "c.Spawner.start_timeout = 120\n"
            "c.Spawner.http_timeout = 120\n"
            "if s['root']:  # the sandbox runs as root; jupyter-server refuses root unless told\n"
            "    c.Spawner.args.append('--allow-root')\n"
            "c.JupyterHub.services.append({'name': 'test-driver', 'api_token': s['service_token']})\n"
            "c.JupyterHub.load_roles.append({'name': 'test-driver', 'services': ['test-driver'],\n"
            "    'scopes': ['admin:users', 'admin:servers', 'admin:server_state', 'tokens']})\n"
        )
        return cfg

    def start(self, timeout: float = 90) -> Hub:
        self.workdir.mkdir(parents=True, exist_ok=True)
        cfg = self.write_config()
        env = dict(
            os.environ,
            ML2DL_COURSE_PYTHON=self.course_python,
            ML2DL_SSL_CERT=str(self.cert),
            ML2DL_SSL_KEY=str(self.key),
        )
        venv_bin = classroom_bin()
        env["PATH"] = os.pathsep.join([str(venv_bin), env.get("PATH", "")])
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open as long as the hub runs
        self.proc = subprocess.Popen(
            [str(venv_bin / "jupyterhub"), "-f", str(cfg)],
            cwd=self.workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends it and its proxy together
        )
        wait_for(
            "the hub answering on " + self.url,
            lambda: self.api("GET", "/").ok,
            timeout,
            alive=self.check_alive,
        )
        return self

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {self.proc.returncode}; its log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 60) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def api(self, method: str, path: str, **kw):
        import requests

        kw.setdefault("timeout", 30)
        headers = {"Authorization": f"token {self.service_token}", **kw.pop("headers", {})}
        return requests.request(
            method, f"{self.url}/hub/api{path}", headers=headers, verify=str(self.cert), **kw
        )

    def processes(self):
        """The hub's process tree now (proxy, culler, single-user servers, kernels)."""
        import psutil

        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            procs = []
        self._seen |= {p.pid for p in procs}
        return procs

    def leftovers(self) -> list:
        """Processes of the hub's tree (ever seen) that still run, zombies aside."""
        import psutil

        alive = []
        for pid in self._seen:
            with contextlib.suppress(psutil.NoSuchProcess):
                p = psutil.Process(pid)
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
        return alive

    def stop(self, timeout: float = 30) -> None:
        """Stop the hub (it stops the servers it started); then end whatever of its tree survives."""
        import psutil

        if self.proc is None:
            return
        self.processes()  # remember every process of the tree before it is torn down
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        survivors = self.leftovers()
        for p in survivors:  # the servers run in their own sessions: end each group
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(os.getpgid(p.pid), signal.SIGKILL)
        psutil.wait_procs(survivors, timeout=10)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()
        self.proc = None


class _StatusPage(HTMLParser):
    """The data-* attributes of nbgitpuller's status page (what its JavaScript reads)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("data-") and value is not None:
                self.data[name[5:]] = value


class Student:
    """One browser: a user's hub session, their token, their server, their kernels."""

    def __init__(self, hub: Hub, name: str, password: str = STUDENT_PASSWORD):
        import requests

        self.hub, self.name, self.password = hub, name, password
        self.http = requests.Session()
        self.http.verify = str(hub.cert)  # the hub's certificate, as a browser trusts certbot's
        self.http.trust_env = False  # REQUESTS_CA_BUNDLE or a proxy from the environment would override it
        self.token = ""

    @property
    def server(self) -> str:
        return f"{self.hub.url}/user/{self.name}"

    def try_login(self, password: str | None = None):
        """Post the login form; the response (302 on success)."""
        r = self.http.get(f"{self.hub.url}/hub/login", timeout=30)
        r.raise_for_status()
        xsrf = self.http.cookies.get("_xsrf")
        return self.http.post(
            f"{self.hub.url}/hub/login",
            data={
                "username": self.name,
                "password": self.password if password is None else password,
                "_xsrf": xsrf,
            },
            allow_redirects=False,
            timeout=30,
        )

    def login(self, token: bool = True) -> Student:
        """The login form, with its _xsrf cookie, as a browser posts it; then a token for the API."""
        r = self.try_login()
        if r.status_code != 302:
            raise AssertionError(f"login of {self.name} refused: HTTP {r.status_code}")
        if not token:
            return self
        xsrf = self.http.cookies.get("_xsrf")
        r = self.http.post(
            f"{self.hub.url}/hub/api/users/{self.name}/tokens",
            json={"note": "classroom test", "expires_in": 3600},
            headers={"X-XSRFToken": self.http.cookies.get("_xsrf", path="/hub/") or xsrf},
            timeout=30,
        )
        r.raise_for_status()
        self.token = r.json()["token"]
        return self

    def headers(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    def user_model(self) -> dict:
        r = self.http.get(f"{self.hub.url}/hub/api/users/{self.name}", headers=self.headers(), timeout=30)
        r.raise_for_status()
        return r.json()

    def start_server(self, timeout: float = 180) -> Student:
        """Ask for a server as the browser does (GET /hub/spawn), then wait until it is ready."""
        r = self.http.get(f"{self.hub.url}/hub/spawn", allow_redirects=False, timeout=60)
        if r.status_code not in (200, 302):
            raise AssertionError(f"spawn of {self.name}: HTTP {r.status_code}")

        def ready():
            model = self.user_model()
            server = model.get("servers", {}).get("", {})
            return server.get("ready")

        wait_for(f"{self.name}'s server", ready, timeout, interval=0.5, alive=self.hub.check_alive)
        return self

    def follow(self, url: str, timeout: float = 300) -> dict:
        """Click an nbgitpuller link: the hub redirects to this user's status page, whose script
        calls the sync API (an event stream); when it says ``finished``, the browser goes to the page
        the link names. Returns {"events": [...], "opened": that page's path}."""
        r = self.http.get(url if url.startswith("http") else self.hub.url + url, timeout=60)
        r.raise_for_status()
        page = _StatusPage()
        page.feed(r.text)
        d = {k: _unquote(v) for k, v in page.data.items()}
        if "repo" not in d:
            raise AssertionError(
                f"{self.name}: the link did not reach nbgitpuller ({r.url}, HTTP {r.status_code})"
            )
        params = {"_xsrf": d["xsrf"], "repo": d["repo"], "targetpath": d["targetpath"]}
        for key in ("depth", "branch", "backup"):
            if key in d:
                params[key] = d[key]
        events = []
        with self.http.get(
            f"{self.hub.url}{d['base-url']}git-pull/api", params=params, stream=True, timeout=timeout
        ) as s:
            s.raise_for_status()
            for line in s.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    event = json.loads(line[6:])
                    events.append(event)
                    if event.get("phase") in ("finished", "error"):
                        break
        if not events or events[-1].get("phase") != "finished":
            raise AssertionError(f"{self.name}: nbgitpuller did not finish: {events[-1:]}")
        opened = d["base-url"] + d["path"]
        r = self.http.get(self.hub.url + opened, timeout=60)
        r.raise_for_status()
        return {"events": events, "opened": opened}

    # -- the server's REST API (through the hub's proxy, with this student's token) --

    def contents(self, path: str, **kw):
        return self.http.get(
            f"{self.server}/api/contents/{quote(path)}", headers=self.headers(), timeout=60, **kw
        )

    def save(self, path: str, model: dict):
        r = self.http.put(
            f"{self.server}/api/contents/{quote(path)}", json=model, headers=self.headers(), timeout=60
        )
        r.raise_for_status()
        return r.json()

    def run_code(self, code: str, timeout: float = 120) -> str:
        """Run ``code`` on a new kernel of this server (started in the server's root folder); its stdout."""
        r = self.http.post(
            f"{self.server}/api/kernels", json={"name": "python3"}, headers=self.headers(), timeout=120
        )
        r.raise_for_status()
        kernel_id = r.json()["id"]
        ws = _KernelSocket(self.server, kernel_id, self.token, self.hub.cert)
        try:
            out = ws.execute(code, timeout)
        finally:
            ws.close()
            self.http.delete(f"{self.server}/api/kernels/{kernel_id}", headers=self.headers(), timeout=60)
        if out["error"]:
            raise AssertionError(f"{self.name}'s kernel: {out['error']}")
        return out["stdout"]

    def run_notebook(self, path: str, cell_timeout: float = 600, on_kernel=None) -> dict:
        """Run every code cell of the notebook at ``path`` (relative to the server's root) on a new
        kernel of this server, in order, as JupyterLab does (a session for the notebook, the kernel's
        websocket); stop at the first error. Returns wall time, errors and the kernel's own peak
        resident memory (ru_maxrss, as `make run` measures it); the kernel is shut down."""
        r = self.http.post(
            f"{self.server}/api/sessions",
            json={"path": path, "type": "notebook", "name": Path(path).name, "kernel": {"name": "python3"}},
            headers=self.headers(),
            timeout=120,
        )
        r.raise_for_status()
        session = r.json()
        kernel_id = session["kernel"]["id"]
        nb = self.contents(path).json()["content"]
        result = {"notebook": path, "errors": [], "cells": 0}
        ws = _KernelSocket(self.server, kernel_id, self.token, self.hub.cert)
        try:
            info = ws.execute("import os, sys; print(os.getpid(), os.getppid(), sys.executable)", 120)
            kernel_pid, server_pid, executable = info["stdout"].split()
            result.update(kernel_pid=int(kernel_pid), server_pid=int(server_pid), kernel_python=executable)
            if on_kernel:
                on_kernel(int(kernel_pid), int(server_pid))
            start = time.monotonic()
            for cell in nb["cells"]:
                if cell["cell_type"] != "code" or not cell["source"].strip():
                    continue
                out = ws.execute(cell["source"], cell_timeout)
                result["cells"] += 1
                if out["error"]:
                    result["errors"].append(out["error"])
                    break
            result["wall_s"] = round(time.monotonic() - start, 1)
            usage = ws.execute(
                "import resource as _r; _u = _r.getrusage(_r.RUSAGE_SELF); "
                "_c = _r.getrusage(_r.RUSAGE_CHILDREN); "
                "print(_u.ru_maxrss, _u.ru_utime + _u.ru_stime + _c.ru_utime + _c.ru_stime)",
                60,
            )
            maxrss_kib, cpu_s = usage["stdout"].split()[-2:]
            result["kernel_peak_mb"] = round(int(maxrss_kib) / 1024)  # Linux: KiB
            result["kernel_cpu_s"] = round(float(cpu_s), 1)
        finally:
            ws.close()
            self.http.delete(
                f"{self.server}/api/sessions/{session['id']}", headers=self.headers(), timeout=60
            )
        return result


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)


class _KernelSocket:
    """A kernel's websocket (jupyter-server's /api/kernels/<id>/channels, JSON messages)."""

    def __init__(self, server: str, kernel_id: str, token: str, cert: Path | None = None):
        import websocket

        url = server.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels"
        self.ws = websocket.create_connection(
            url,
            header=[f"Authorization: token {token}"],
            timeout=30,
            sslopt={"ca_certs": str(cert)} if cert else None,
        )
        self.session = uuid.uuid4().hex

    def execute(self, code: str, timeout: float) -> dict:
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "session": self.session,
                        "username": "student",
                        "version": "5.3",
                        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        deadline = time.monotonic() + timeout
        stdout, error, replied, idle = [], "", False, False
        while not (replied and idle):
            self.ws.settimeout(max(1.0, deadline - time.monotonic()))
            if time.monotonic() > deadline:
                raise TimeoutError(f"cell not finished after {timeout:.0f} s: {code[:80]!r}")
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                stdout.append(content["text"])
            elif kind == "error":
                error = f"{content['ename']}: {content['evalue']}"
            elif kind == "execute_reply":
                replied = True
                if content.get("status") == "error" and not error:
                    error = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        return {"stdout": "".join(stdout), "error": error}

    def close(self):
        with contextlib.suppress(Exception):
            self.ws.close()
