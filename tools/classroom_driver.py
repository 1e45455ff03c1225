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
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from tools.classroom_config import HUB_CONFIG, REPO_ROOT, classroom_bin

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

    def _write_config(self, header: str, settings: dict, lines: str) -> Path:
        """The test's config file: ``header``, then the classroom's config, then the ports, the database
        and the test driver's service (what every test hub sets), then ``lines`` (reading ``s``)."""
        cfg = self.workdir / "jupyterhub_test_config.py"
        settings = {
            "hub_config": str(HUB_CONFIG),
            "url": self.url,
            "hub_port": free_port(),
            "api_port": free_port(),
            "db": f"sqlite:///{self.workdir / 'jupyterhub.sqlite'}",
            "service_token": self.service_token,
            **settings,
        }
        cfg.write_text(
            header + f"s = {settings!r}\n"
            "load_subconfig(s['hub_config'])\n"
            "c.JupyterHub.bind_url = s['url']\n"
            "c.JupyterHub.hub_ip = '127.0.0.1'\n"
            "c.JupyterHub.hub_port = s['hub_port']\n"
            "c.ConfigurableHTTPProxy.api_url = f\"http://127.0.0.1:{s['api_port']}\"\n"
            "c.JupyterHub.db_url = s['db']\n"
            "c.Spawner.start_timeout = 120\n"
            "c.Spawner.http_timeout = 120\n"
            "c.JupyterHub.services.append({'name': 'test-driver', 'api_token': s['service_token']})\n" + lines
        )
        return cfg

    def write_config(self) -> Path:
        return self._write_config(
            "# Written by tools/classroom_driver.py for a test hub: the classroom's config, the test's.\n",
            {
                "home": str(self.workdir / "home" / "{username}"),
                "students": self.students,
                "instructors": self.instructors,
                "user_password": STUDENT_PASSWORD,
                "admin_password": ADMIN_PASSWORD,
                "root": os.getuid() == 0,
            },
            "c.JupyterHub.cookie_secret_file = 'jupyterhub_cookie_secret'\n"
            "c.JupyterHub.authenticator_class = 'shared-password'\n"
            "c.SharedPasswordAuthenticator.user_password = s['user_password']\n"
            "c.SharedPasswordAuthenticator.admin_password = s['admin_password']\n"
            "c.Authenticator.allowed_users = set(s['students'])\n"
            "c.Authenticator.admin_users = set(s['instructors'])\n"
            "c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'\n"
            "c.SimpleLocalProcessSpawner.home_dir_template = s['home']\n"
            "c.Spawner.notebook_dir = '~'\n"
            "if s['root']:  # the sandbox runs as root; jupyter-server refuses root unless told\n"
            "    c.Spawner.args.append('--allow-root')\n"
            "c.JupyterHub.load_roles.append({'name': 'test-driver', 'services': ['test-driver'],\n"
            "    'scopes': ['admin:users', 'admin:servers', 'admin:server_state', 'tokens']})\n",
        )

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
        return self._launch(venv_bin / "jupyterhub", cfg, env, timeout)

    def _launch(self, jupyterhub: Path, cfg: Path, env: dict, timeout: float, **popen) -> Hub:
        """Start ``jupyterhub -f cfg`` in the hub's folder, logging to its log, in its own process group
        (stop() ends it and its proxy together); wait until it answers."""
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open as long as the hub runs
        self.proc = subprocess.Popen(
            [str(jupyterhub), "-f", str(cfg)],
            cwd=self.workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **popen,
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


# ------------------------------------------------------------------------------------------------
# the classroom as a school runs it: system accounts, PAM, the hub without root (sudospawner)
# ------------------------------------------------------------------------------------------------

#: The test's accounts are named ``ml2dl-t-<name>`` and carry this comment (GECOS): an account left by
#: a test run that was killed is recognised and removed; any other account of that name stops the test.
ACCOUNT_MARK = "ml2dl classroom test account"
ACCOUNT_PREFIX = "ml2dl-t-"


def _run(*cmd: str, input: str | None = None) -> str:
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def usable_by_everyone(python: Path) -> bool:
    """Whether another account can run this interpreter: it, and every folder above the file it
    links to, open to others (a pyenv Python under /root is not)."""
    real = Path(python).resolve()
    folders_open = all(os.stat(q).st_mode & 0o001 for q in real.parents)
    return folders_open and os.stat(real).st_mode & 0o005 == 0o005


def readable_python(dest: Path, prefix: str = sys.base_prefix) -> Path:
    """A copy of the interpreter at ``prefix`` (its standard library, not its site-packages) that other
    accounts can run, its shared-library path pointed at the copy (patchelf); the copy's python.
    Debian's own python3.11 is an older patch release whose `re` breaks soupsieve (nbgrader's
    feedback), so the test copies the very interpreter the environments were made with."""
    skip = shutil.ignore_patterns("site-packages", "test", "__pycache__", "idlelib")
    shutil.copytree(prefix, dest, symlinks=True, ignore=skip)
    python = dest / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    if not shutil.which("patchelf"):
        raise RuntimeError(
            f"patchelf is not installed (apt-get install patchelf): {prefix} is not usable by others"
        )
    _run("patchelf", "--set-rpath", "$ORIGIN/../lib", str(python))
    return python


def overlay_env(venv: Path, dest: Path, python: str) -> Path:
    """An environment other accounts can run, over an installed one they cannot: a venv of ``python``
    (a readable copy of the same interpreter) whose site-packages adds ``venv``'s (its .pth files too:
    the editable helpers), with ``venv``'s share/ and etc/ (JupyterLab's assets, server extensions)
    and a script for each of its console entry points. On a server the environments are made with a
    Python every account can run in the first place (README) and need none of this; the test
    machine's Python lives under /root. Returns ``dest``."""
    venv, dest = Path(venv), Path(dest)
    _run(python, "-m", "venv", "--without-pip", str(dest))
    version = _run(str(dest / "bin" / "python"), "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
    src_site = venv / "lib" / f"python{version.strip()}" / "site-packages"
    if not src_site.is_dir():
        raise RuntimeError(f"{venv} has no {src_site.name} for Python {version.strip()} ({python})")
    site = dest / "lib" / f"python{version.strip()}" / "site-packages"
    (site / "_ml2dl_overlay.pth").write_text(f"import site; site.addsitedir({str(src_site)!r})\n")
    for sub in ("share", "etc"):
        if (venv / sub).is_dir():
            (dest / sub).symlink_to(venv / sub)
    from importlib.metadata import distributions

    for dist in distributions(path=[str(src_site)]):
        for ep in dist.entry_points.select(group="console_scripts"):
            script = dest / "bin" / ep.name
            if script.exists():
                continue
            script.write_text(
                f"#!{dest / 'bin' / 'python'}\n"
                "import importlib, sys\n"
                f"obj = importlib.import_module({ep.module!r})\n"
                f"for name in {ep.attr!r}.split('.'):\n"
                "    obj = getattr(obj, name)\n"
                "sys.exit(obj())\n"
            )
            script.chmod(0o755)
    return dest


class AccountsHub(Hub):
    """classroom/jupyterhub_config.py as a school runs it on one machine, nothing overridden but the
    ports, the paths and the certificate: every student and instructor a system account with its own
    password and a private home (0700), members of the class's group; PAM checks the passwords; the hub
    runs as its own unprivileged account (in group shadow, for PAM) and starts each server through
    sudospawner, allowed by one sudoers rule. Needs root: it creates the accounts, the group and the
    rule, and :meth:`stop` removes them (and the folder ``base`` it made)."""

    def __init__(self, students: list[str], instructors: list[str], course_venv: Path, classroom_venv: Path):
        if os.geteuid() != 0:
            raise RuntimeError("the accounts test creates system accounts and a sudoers rule: run it as root")
        for tool in ("useradd", "userdel", "groupadd", "chpasswd", "sudo", "visudo"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} is not installed (apt-get install sudo passwd)")
        import tempfile

        self.base = Path(tempfile.mkdtemp(prefix="ml2dl-accounts-", dir="/tmp"))
        self.base.chmod(0o755)  # the homes, the exchange and the environments below it
        self.names = {n: ACCOUNT_PREFIX + n for n in [*students, *instructors]}
        self.hub_account, self.group = ACCOUNT_PREFIX + "hub", ACCOUNT_PREFIX + "class"
        self.sudoers = Path("/etc/sudoers.d") / (ACCOUNT_PREFIX + "classroom").replace("-", "_")
        self.exchange = self.base / "exchange"
        self.passwords = {n: "pw-" + uuid.uuid4().hex for n in self.names.values()}
        self._made: list[str] = []
        self._acl: list[tuple[Path, bool]] = []
        envs = self.base / "envs"
        envs.mkdir()
        self.course_python = Path(course_venv) / "bin" / "python"
        self.classroom_venv = Path(classroom_venv)
        if not usable_by_everyone(self.course_python) or not usable_by_everyone(
            self.classroom_venv / "bin" / "python"
        ):
            python = str(readable_python(envs / "python"))
            self.course_python = overlay_env(course_venv, envs / "course", python) / "bin" / "python"
            self.classroom_venv = overlay_env(classroom_venv, envs / "classroom", python)
        super().__init__(
            self.base / "hub",
            [self.names[n] for n in students],
            [self.names[n] for n in instructors],
            str(self.course_python),
        )

    def home(self, user: str) -> Path:
        return self.base / "home" / user

    def _remove_account(self, name: str) -> None:
        import pwd

        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            return
        if entry.pw_gecos != ACCOUNT_MARK:
            raise RuntimeError(f"an account {name!r} exists that this test did not make: not touching it")
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        _run("userdel", "--force", "--remove", name)

    def create(self) -> AccountsHub:
        """The group, the hub's account, one account per student and instructor, the sudoers rule."""
        import grp

        for name in [self.hub_account, *self.names.values()]:
            self._remove_account(name)
        with contextlib.suppress(KeyError):
            grp.getgrnam(self.group)
            _run("groupdel", self.group)
        _run("groupadd", self.group)
        (self.base / "home").mkdir(mode=0o755)
        for name in [self.hub_account, *self.names.values()]:
            extra = ["-G", "shadow"] if name == self.hub_account else ["-G", self.group]
            _run(
                "useradd",
                "-m",
                "-d",
                str(self.home(name)),
                "-s",
                "/bin/bash",
                "-c",
                ACCOUNT_MARK,
                *extra,
                name,
            )
            self._made.append(name)
            self.home(name).chmod(0o700)  # as Debian's adduser makes homes: nobody else reads them
        _run("chpasswd", input="".join(f"{n}:{pw}\n" for n, pw in self.passwords.items()))
        spawner = self.classroom_venv / "bin" / "sudospawner"
        rule = (
            "# the ml2dl classroom test: its hub account may start servers as the class's members\n"
            f"{self.hub_account} ALL=(%{self.group}) NOPASSWD: {spawner}\n"
        )
        draft = self.base / "sudoers"
        draft.write_text(rule)
        _run("visudo", "-cf", str(draft))
        shutil.copy(draft, self.sudoers)
        self.sudoers.chmod(0o440)
        # the exchange (README: root's, open to all, sticky) and the hub's folder (its own)
        self.exchange.mkdir(mode=0o777)
        self.exchange.chmod(0o1777)
        import pwd

        hub = pwd.getpwnam(self.hub_account)
        for path in [self.workdir, *self.workdir.rglob("*")]:
            os.chown(path, hub.pw_uid, hub.pw_gid)
        self.workdir.chmod(0o711)  # servers reach share/ (the kernelspec); nothing else is listed
        self._grant_traverse()
        return self

    def _grant_traverse(self) -> None:
        """Let the class and the hub's account pass through (not list) the folders above the checkout
        and the data folders that others cannot enter (a CI clone in a private temporary folder): one
        ACL entry each, removed by :meth:`stop`. On a server the checkout lives where everyone reads it."""
        needed = [
            REPO_ROOT,
            *(os.environ[k] for k in ("ML2DL_DATA_MIRROR", "ML2DL_DATA_DIR") if k in os.environ),
        ]
        folders = set()
        for path in needed:
            real = Path(path).resolve()
            folders |= {q for q in [real, *real.parents] if q.is_dir() and not os.stat(q).st_mode & 0o001}
        if folders and not shutil.which("setfacl"):
            raise RuntimeError(
                f"{sorted(map(str, folders))} are closed to other accounts and setfacl is not installed "
                "(apt-get install acl)"
            )
        for folder in sorted(folders):
            extended = "+" in _run("ls", "-ld", str(folder)).split()[0]  # an ACL of its own already
            _run("setfacl", "-m", f"g:{self.group}:x,u:{self.hub_account}:x", str(folder))
            self._acl.append((folder, extended))

    def write_config(self) -> Path:
        return self._write_config(
            "# Written by tools/classroom_driver.py (AccountsHub): the classroom's config; the test sets\n"
            "# only the ports, the database and a service token to read the hub's state.\n",
            {},
            "c.JupyterHub.load_roles.append({'name': 'test-driver', 'services': ['test-driver'],\n"
            "    'scopes': ['admin:users', 'admin:servers']})\n",
        )

    def start(self, timeout: float = 90) -> AccountsHub:
        import grp
        import pwd

        cfg = self.write_config()
        hub = pwd.getpwnam(self.hub_account)
        os.chown(cfg, hub.pw_uid, hub.pw_gid)
        bin_dir = self.classroom_venv / "bin"
        env = {
            "PATH": os.pathsep.join(
                [str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
            ),
            "HOME": hub.pw_dir,
            "USER": self.hub_account,
            "LANG": "C.UTF-8",
            "ML2DL_COURSE_PYTHON": str(self.course_python),
            "ML2DL_CLASSROOM_VENV": str(self.classroom_venv),
            "ML2DL_CLASSROOM_SHARE": str(self.workdir / "share"),
            "ML2DL_SSL_CERT": str(self.cert),
            "ML2DL_SSL_KEY": str(self.key),
            "ML2DL_CLASS_GROUP": self.group,
            "ML2DL_INSTRUCTORS": ",".join(self.instructors),
            "ML2DL_EXCHANGE": str(self.exchange),
        }
        for keep in ("ML2DL_DATA_DIR", "ML2DL_DATA_MIRROR"):
            if keep in os.environ:
                env[keep] = os.environ[keep]
        return self._launch(
            bin_dir / "jupyterhub",
            cfg,
            env,
            timeout,
            user=hub.pw_uid,
            group=hub.pw_gid,
            extra_groups=[grp.getgrnam("shadow").gr_gid],
        )

    def stop(self, timeout: float = 30) -> None:
        """The hub and its servers, then every account, the group, the sudoers rule and ``base``."""
        try:
            if self.proc is not None:
                super().stop(timeout)
        finally:
            for folder, extended in self._acl:  # while the account and the group exist: the entries name them
                subprocess.run(["setfacl", "-x", f"g:{self.group},u:{self.hub_account}", str(folder)])
                if not extended:  # back to plain permission bits (no mask entry left behind)
                    subprocess.run(["setfacl", "-b", str(folder)])
            self._acl = []
            errors = []
            for name in reversed(self._made):
                try:
                    self._remove_account(name)
                except RuntimeError as err:
                    errors.append(str(err))
            self._made = []
            subprocess.run(["groupdel", self.group], capture_output=True)
            self.sudoers.unlink(missing_ok=True)
            shutil.rmtree(self.base, ignore_errors=True)
            if errors:
                raise RuntimeError("; ".join(errors))


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

    def plain_http_login_works(self) -> bool:
        """Whether logging in as a browser does (the login page for its _xsrf cookie, then the form)
        over plain HTTP to the hub's port gets a session. It must not: the TLS server drops a
        plain-text request. (Over HTTPS the same steps do log in: the check can fail.)"""
        import requests

        http = requests.Session()
        http.verify, http.trust_env = str(self.hub.cert), False
        plain = self.hub.url.replace("https://", "http://", 1)
        try:
            http.get(f"{plain}/hub/login", timeout=10)
            r = http.post(
                f"{plain}/hub/login",
                data={"username": self.name, "password": self.password, "_xsrf": http.cookies.get("_xsrf")},
                timeout=10,
                allow_redirects=False,
            )
        except requests.exceptions.ConnectionError:
            return False
        return r.status_code == 302 or "jupyterhub-session-id" in r.cookies

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
