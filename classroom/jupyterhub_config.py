# JupyterHub for a class on ONE machine: one JupyterLab server per student, each a process of the
# student's own system account; students log in with their account's password (PAM), over TLS only.
# Run from the repository root of the course checkout on the server (README "Teaching a class" has
# every step: the accounts, the hub's own account, sudo, the certificate):
#
#   make classroom-venv classroom-proxy data       # hub environment, proxy, the shared data cache
#   sudo -u jupyterhub env ML2DL_SSL_CERT=... ML2DL_SSL_KEY=... ML2DL_INSTRUCTORS=teacher \
#     build/classroom/venv/bin/jupyterhub -f classroom/jupyterhub_config.py
#
# The hub runs as an unprivileged account (here `jupyterhub`): it starts each student's server through
# sudospawner (`sudo -u <student> sudospawner`, allowed by one sudoers rule) and checks passwords with
# PAM (it reads /etc/shadow as a member of group shadow). Run as root it starts servers itself
# (LocalProcessSpawner); that works but gives a bug in the hub the whole machine.
# Who logs in: the members of the Unix group ML2DL_CLASS_GROUP (default ml2dl); instructors
# (ML2DL_INSTRUCTORS, comma-separated, also members) become hub admins. Students click the link
# `make classroom-link` prints. tests/test_classroom.py and tests/test_classroom_accounts.py run this file.
#
# Where things run:
# - the hub, the proxy (configurable-http-proxy from classroom/package.json), the idle culler, sudospawner
#   and the students' servers (jupyterhub-singleuser + JupyterLab + nbgitpuller): build/classroom/venv,
#   from classroom/requirements.txt (hash-locked, versions shared with the course lock);
# - the students' kernels, and nbgrader (`nbgrader fetch_assignment day1`, `nbgrader submit day1` in a
#   terminal): the course's environment (.venv, installed by `make` from requirements.lock),
#   registered below as the "python3" kernel the notebooks ask for.
import json
import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - defined by JupyterHub when it loads this file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BUILD = REPO / "build" / "classroom"
VENV = Path(os.environ.get("ML2DL_CLASSROOM_VENV", BUILD / "venv"))
COURSE_PYTHON = os.environ.get("ML2DL_COURSE_PYTHON", str(REPO / ".venv" / "bin" / "python"))
# What the hub writes for the students' servers (the kernelspec, nbgrader's settings): readable by
# every account, written by the hub's account at start.
SHARE = Path(os.environ.get("ML2DL_CLASSROOM_SHARE", BUILD / "share"))
AS_ROOT = os.geteuid() == 0

# -- the proxy: Node's configurable-http-proxy, installed by `make classroom-proxy` -----------------
c.ConfigurableHTTPProxy.command = [str(BUILD / "node_modules" / ".bin" / "configurable-http-proxy")]

# -- TLS: passwords and tokens never cross the network in plain text ---------------------------------
# The certificate chain and its key (README "Teaching a class": Let's Encrypt's certbot writes them to
# /etc/letsencrypt/live/<host>/fullchain.pem and privkey.pem). The hub serves HTTPS only; a plain HTTP
# request to its port gets no page and carries no login.
CERT, KEY = os.environ.get("ML2DL_SSL_CERT", ""), os.environ.get("ML2DL_SSL_KEY", "")
if not (CERT and KEY):
    raise SystemExit(
        "classroom: no TLS certificate. Set ML2DL_SSL_CERT and ML2DL_SSL_KEY to the certificate chain "
        "and its private key (README, 'Teaching a class': certbot), so that logins are encrypted"
    )
for _path in (CERT, KEY):
    if not os.access(_path, os.R_OK):
        raise SystemExit(f"classroom: cannot read {_path} (ML2DL_SSL_CERT / ML2DL_SSL_KEY): check the path and permissions")
c.JupyterHub.ssl_cert = CERT
c.JupyterHub.ssl_key = KEY
c.JupyterHub.bind_url = os.environ.get("ML2DL_HUB_BIND_URL", "https://:443")

# -- each student's server ------------------------------------------------------------------------
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.args = [
    # a kernel left idle for 20 min is shut down (its memory comes back); the culler below stops
    # whole servers after an hour without activity
    "--MappingKernelManager.cull_idle_timeout=1200",
    "--MappingKernelManager.cull_interval=120",
]

# The course kernel: a kernelspec named "python3" (what every notebook's metadata names) that runs
# the course environment's Python; JUPYTER_PATH puts it before the server environment's own.
KERNELS = SHARE
spec = KERNELS / "kernels" / "python3"


def _write(path: Path, text: str) -> None:
    """Write a file the students' servers read; a clear error where the hub's account cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    except PermissionError:
        raise SystemExit(
            f"classroom: the hub's account cannot write {path}. Let it own that folder "
            f"(chown -R <hub account> {SHARE}) or point ML2DL_CLASSROOM_SHARE at a folder it owns"
        ) from None


_write(
    spec / "kernel.json",
    json.dumps(
        {
            "argv": [COURSE_PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ml2dl)",
            "language": "python",
            "metadata": {"debugger": True},
        },
        indent=1,
    ),
)
# nbgrader's settings for the students' `nbgrader fetch_assignment / submit / fetch_feedback`: the
# course and the exchange the instructor releases to (tools/grading.py; ML2DL_EXCHANGE overrides it).
EXCHANGE = os.environ.get("ML2DL_EXCHANGE", "/srv/nbgrader/exchange")
NBGRADER_CONFIG = SHARE / "config"
_write(
    NBGRADER_CONFIG / "nbgrader_config.py",
    "# written by classroom/jupyterhub_config.py: the class's course and exchange\n"
    f"c.CourseDirectory.course_id = 'ml2dl'\nc.Exchange.root = {EXCHANGE!r}\n",
)

c.Spawner.environment = {
    # the class runs the quick profile (small data, minutes per notebook); a student may still set
    # ML2DL_PROFILE=full in a notebook's first cell (os.environ) on a day with spare capacity
    "ML2DL_PROFILE": "quick",
    "JUPYTER_PATH": str(KERNELS),
    "JUPYTER_CONFIG_PATH": str(NBGRADER_CONFIG),
    "ML2DL_EXCHANGE": EXCHANGE,  # where an instructor's `make assignment` releases (tools/grading.py)
    # notebooks' `!pip`, `!python` and terminals find the course environment first
    "PATH": os.pathsep.join([str(Path(COURSE_PYTHON).parent), str(VENV / "bin"), os.environ.get("PATH", "")]),
}
# The shared, read-only data cache. The kernels import `helpers` from this checkout (installed
# editable into .venv), whose default cache is datasets/cache here: the instructor fills it once
# (`make data`; owned by the instructor, so students read it and cannot change it) and no student
# downloads MNIST again. ML2DL_DATA_DIR (another cache folder) and ML2DL_DATA_MIRROR (read-only
# mirror folders, e.g. a shared disk) set for the hub are passed on to every kernel.
c.Spawner.env_keep.extend(["ML2DL_DATA_DIR", "ML2DL_DATA_MIRROR"])

# -- per-student limits, from the measured capacity table (classroom/capacity.json, README) --------
# LocalProcessSpawner hands them to the server as MEM_LIMIT / CPU_LIMIT (shown to the student) but
# cannot enforce them; SystemdSpawner (jupyterhub-systemdspawner) and Kubernetes
# (classroom/z2jh-config.yaml) enforce the same values.
CAPACITY = json.loads((HERE / "capacity.json").read_text())
c.Spawner.mem_limit = CAPACITY["limits"]["mem_limit"]
c.Spawner.mem_guarantee = CAPACITY["limits"]["mem_guarantee"]
c.Spawner.cpu_limit = CAPACITY["limits"]["cpu_limit"]
c.Spawner.cpu_guarantee = CAPACITY["limits"]["cpu_guarantee"]

# -- who logs in ------------------------------------------------------------------------------------
# PAM (JupyterHub's default authenticator): the machine's accounts and their passwords, limited to
# the class's Unix group. For a one-day workshop without accounts see README.md
# (SharedPasswordAuthenticator + SimpleLocalProcessSpawner: no isolation between students).
c.PAMAuthenticator.allowed_groups = {os.environ.get("ML2DL_CLASS_GROUP", "ml2dl")}
c.Authenticator.admin_users = {
    u.strip() for u in os.environ.get("ML2DL_INSTRUCTORS", "").split(",") if u.strip()
}

# -- the hub without root: sudospawner -----------------------------------------------------------------
# Not root, the hub asks sudo to run sudospawner as the student (one sudoers rule, README), which can
# only start jupyterhub-singleuser from this environment. PAM needs /etc/shadow (group shadow) and
# cannot open login sessions without root.
if not AS_ROOT:
    c.JupyterHub.spawner_class = "sudospawner.SudoSpawner"
    c.SudoSpawner.sudospawner_path = str(VENV / "bin" / "sudospawner")
    c.PAMAuthenticator.open_sessions = False
    if not os.access("/etc/shadow", os.R_OK):
        raise SystemExit(
            "classroom: the hub's account cannot read /etc/shadow, so PAM cannot check passwords. "
            "Add it to group shadow (sudo usermod -aG shadow <hub account>; README 'Teaching a class')"
        )

# -- the idle culler: stops servers after an hour without activity (their memory comes back) -------
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600"],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]

if shutil.which("git") is None:  # nbgitpuller runs git in each student's server
    raise SystemExit("classroom: git is not installed; nbgitpuller needs it (apt install git)")
