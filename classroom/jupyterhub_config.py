# JupyterHub for a class on ONE machine: one JupyterLab server per student, each a process of the
# student's own system account (LocalProcessSpawner; students log in with their account's password,
# PAM). Run from the repository root of the course checkout on the server:
#
#   make classroom-venv classroom-proxy data       # hub environment, proxy, the shared data cache
#   ML2DL_SSL_CERT=/etc/letsencrypt/live/HOST/fullchain.pem ML2DL_SSL_KEY=/etc/letsencrypt/live/HOST/privkey.pem \
#     build/classroom/venv/bin/jupyterhub -f classroom/jupyterhub_config.py
#
# as root (LocalProcessSpawner starts each server as its student; PAM reads /etc/shadow), over TLS only. Instructors: ML2DL_INSTRUCTORS
# (comma-separated user names) become hub admins. Students click the link `make classroom-link`
# prints. README.md, "Teaching a class", explains the rest; tests/test_classroom.py runs this file.
#
# Where things run:
# - the hub, the proxy (configurable-http-proxy from classroom/package.json), the idle culler and the
#   students' servers (jupyterhub-singleuser + JupyterLab + nbgitpuller): build/classroom/venv, from
#   classroom/requirements.txt (hash-locked, versions shared with the course lock);
# - the students' kernels: the course's environment (.venv, installed by `make` from
#   requirements.lock), registered below as the "python3" kernel the notebooks ask for.
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
KERNELS = BUILD / "share"
spec = KERNELS / "kernels" / "python3"
spec.mkdir(parents=True, exist_ok=True)
(spec / "kernel.json").write_text(
    json.dumps(
        {
            "argv": [COURSE_PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ml2dl)",
            "language": "python",
            "metadata": {"debugger": True},
        },
        indent=1,
    )
)

c.Spawner.environment = {
    # the class runs the quick profile (small data, minutes per notebook); a student may still set
    # ML2DL_PROFILE=full in a notebook's first cell (os.environ) on a day with spare capacity
    "ML2DL_PROFILE": "quick",
    "JUPYTER_PATH": str(KERNELS),
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
# Default authenticator: PAM (the machine's accounts). For a one-day workshop without accounts see
# README.md (SharedPasswordAuthenticator + SimpleLocalProcessSpawner: no isolation between students).
c.Authenticator.admin_users = {
    u.strip() for u in os.environ.get("ML2DL_INSTRUCTORS", "").split(",") if u.strip()
}

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
