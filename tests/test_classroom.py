"""The classroom: a real JupyterHub on loopback with nbgitpuller, end to end (``make test-classroom``).

The hub test starts classroom/jupyterhub_config.py's JupyterHub (tools.classroom_driver.Hub) on free
ports of 127.0.0.1 with a test authenticator and SimpleLocalProcessSpawner; two students and an
instructor log in over HTTP; the students follow the nbgitpuller link to a bare clone of this
repository standing in for the public one. It needs the classroom environment and proxy
(`make classroom-venv classroom-proxy`) and takes minutes, so it runs only with ML2DL_CLASSROOM=1
(`make test-classroom` sets it; there a missing piece is an error, not a skip). The tests above it —
the link, and the two configurations agreeing with the measured capacity table — are quick and run
in `make test`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest
import yaml
from conftest import REPO_ROOT, run_in_repo

from tools.classroom_config import BUILD_DIR, LinkError, classroom_bin, entry_point, link
from tools.classroom_driver import ADMIN_PASSWORD, Hub, Student, wait_for

CLASSROOM = REPO_ROOT / "classroom"
CAPACITY = json.loads((CLASSROOM / "capacity.json").read_text())


# ------------------------------------------------------------------------------------------------
# the link (no hub needed)
# ------------------------------------------------------------------------------------------------


def test_link_is_nbgitpullers_format_and_opens_the_course_index():
    url = link("https://github.com/you/ml2dl", "main", "https://hub.example.org/")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "hub.example.org",
        "/hub/user-redirect/git-pull",
    )
    query = parse_qs(parts.query)
    assert query == {
        "repo": ["https://github.com/you/ml2dl"],
        "branch": ["main"],
        "urlpath": [f"lab/tree/ml2dl/{entry_point()}"],
    }
    assert (REPO_ROOT / entry_point()).is_file()


def test_link_opens_a_student_index_when_the_student_edition_has_one(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "index.ipynb").write_text("{}")
    assert entry_point(tmp_path) == "notebooks/index.ipynb"
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "index.ipynb").write_text("{}")
    assert entry_point(tmp_path) == "student/index.ipynb"


def test_link_without_a_hub_starts_at_hub_and_quotes_the_repository():
    url = link("file:///srv/git/ml2dl", "week-2")
    assert url.startswith("/hub/user-redirect/git-pull?repo=file%3A///srv/git/ml2dl&branch=week-2&")


@pytest.mark.parametrize(
    ("repo", "branch", "hub", "message"),
    [
        ("", "main", "", "REPO is empty"),
        ("github.com/you/ml2dl", "main", "", "not a clone URL"),
        ("https:///ml2dl", "main", "", "has no host"),
        ("https://github.com/you/ml2dl", "", "", "BRANCH is empty"),
        ("https://github.com/you/ml2dl", "feature..x", "", "not a valid git branch name"),
        ("https://github.com/you/ml2dl", "has space", "", "not a valid git branch name"),
        ("https://github.com/you/ml2dl", "main", "hub.example.org", "not the hub's address"),
    ],
)
def test_link_refuses_what_git_or_a_browser_cannot_use(repo, branch, hub, message):
    with pytest.raises(LinkError, match=message):
        link(repo, branch, hub)


def test_make_classroom_link_prints_the_link_or_one_clear_error():
    ok = run_in_repo("make", "-s", "classroom-link", "REPO=https://github.com/you/ml2dl", "BRANCH=main")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == link("https://github.com/you/ml2dl", "main")
    bad = run_in_repo("make", "-s", "classroom-link", "BRANCH=main")
    assert bad.returncode != 0 and "REPO is empty" in bad.stderr


# ------------------------------------------------------------------------------------------------
# the configurations agree with the measured capacity table
# ------------------------------------------------------------------------------------------------


def _mb(value: str) -> float:
    units = {"K": 2**-10, "M": 1, "G": 2**10}
    return float(value[:-1]) * units[value[-1]]


def load_hub_config(tmp_path, monkeypatch):
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("ML2DL_CLASSROOM_VENV", str(tmp_path / "venv"))
    for name in ("ML2DL_SSL_CERT", "ML2DL_SSL_KEY"):  # readable files stand in for a certificate
        (tmp_path / "tls.pem").write_text("")
        monkeypatch.setenv(name, str(tmp_path / "tls.pem"))
    cfg = tmp_path / "cfg.py"  # the classroom's file, loaded the way the test hub loads it
    cfg.write_text(f"load_subconfig({str(CLASSROOM / 'jupyterhub_config.py')!r})\n")
    return PyFileConfigLoader(cfg.name, path=str(tmp_path)).load_config()


def test_both_configurations_use_the_measured_limits(tmp_path, monkeypatch):
    limits = CAPACITY["limits"]
    assert limits == CAPACITY["derived"]["limits"]
    hub = load_hub_config(tmp_path, monkeypatch)
    z2jh = yaml.safe_load((CLASSROOM / "z2jh-config.yaml").read_text())
    single = z2jh["singleuser"]
    assert hub.Spawner.mem_limit == limits["mem_limit"] == single["memory"]["limit"]
    assert hub.Spawner.mem_guarantee == limits["mem_guarantee"] == single["memory"]["guarantee"]
    assert hub.Spawner.cpu_limit == limits["cpu_limit"] == single["cpu"]["limit"]
    assert hub.Spawner.cpu_guarantee == limits["cpu_guarantee"] == single["cpu"]["guarantee"]
    # the limit covers every quick-profile day's measured peak, the guarantee Day 1's
    days = CAPACITY["derived"]["days"]
    assert _mb(limits["mem_limit"]) >= max(d["quick_student_mb"] for d in days)
    assert _mb(limits["mem_guarantee"]) >= next(d["quick_student_mb"] for d in days if d["day"] == 1)


def test_both_configurations_make_the_same_classroom_choices(tmp_path, monkeypatch):
    hub = load_hub_config(tmp_path, monkeypatch)
    z2jh = yaml.safe_load((CLASSROOM / "z2jh-config.yaml").read_text())
    single = z2jh["singleuser"]
    assert hub.Spawner.environment["ML2DL_PROFILE"] == single["extraEnv"]["ML2DL_PROFILE"] == "quick"
    assert hub.Spawner.default_url == single["defaultUrl"] == "/lab"
    culler = next(s for s in hub.JupyterHub.services if s["name"] == "idle-culler")
    assert f"--timeout={z2jh['cull']['timeout']}" in culler["command"] and z2jh["cull"]["enabled"]
    kernel_cull = [a for a in hub.Spawner.args if "cull_idle_timeout" in a]
    assert kernel_cull and kernel_cull[0] in single["cmd"]
    # the single-user image is repo2docker's build of binder/, which must carry nbgitpuller
    binder = (REPO_ROOT / "binder" / "requirements.in").read_text()
    pins = dict(line.split("==") for line in binder.splitlines() if "==" in line and not line.startswith("#"))
    hub_pins = (CLASSROOM / "requirements.in").read_text()
    assert f"nbgitpuller=={pins['nbgitpuller']}" in hub_pins


def test_both_configurations_name_a_real_authenticator_and_tls(tmp_path, monkeypatch):
    hub = load_hub_config(tmp_path, monkeypatch)
    z2jh = yaml.safe_load((CLASSROOM / "z2jh-config.yaml").read_text())
    # one machine: the system accounts (PAM, JupyterHub's default) over TLS only
    assert "authenticator_class" not in hub.JupyterHub and hub.JupyterHub.ssl_cert and hub.JupyterHub.ssl_key
    assert hub.JupyterHub.bind_url.startswith("https://")
    # Kubernetes: NativeAuthenticator with an admin's approval, Let's Encrypt's certificate
    assert z2jh["hub"]["config"]["JupyterHub"]["authenticator_class"] == "native"
    assert z2jh["hub"]["config"]["NativeAuthenticator"]["open_signup"] is False
    assert z2jh["proxy"]["https"]["enabled"] is True


def test_the_limits_follow_the_load_runs_and_the_committed_results():
    """A new notebook or a new `make run` changes the heaviest day: the limits must follow."""
    from tools.classroom_capacity import derive

    derived = json.loads(json.dumps(derive(CAPACITY["runs"])))
    assert CAPACITY["derived"] == derived, "stale: python -m tools.classroom_load --derive"
    assert CAPACITY["limits"] == derived["limits"]


def test_the_derived_figures_recomputed_from_the_raw_measurements():
    """The derivation checked by hand-written arithmetic on the raw numbers (load rows, results/*.json),
    not by tools.classroom_capacity; the comments give today's figures as an example."""
    runs, derived, policy = CAPACITY["runs"], CAPACITY["derived"], CAPACITY["policy"]
    reserve, margin, step = policy["system_reserve_mb"], policy["margin"], policy["step_mb"]
    rows = [row for run in runs for row in run["rows"] if row["failures"] == []]
    # the server's share: a student's whole tree minus their biggest kernel, the most of any student
    server = 0
    for row in rows:
        server = max(server, row["tree_peak_mb"] - max(n["kernel_peak_mb"] for n in row["notebooks"]))
    assert derived["server_mb"] == server  # e.g. 148
    assert derived["hub_mb"] == max(run["hub_mb"] for run in runs)  # e.g. max(212, 215, 218) = 218
    results = {
        p: json.loads((REPO_ROOT / "results" / f"{p}-seed42.json").read_text()) for p in ("quick", "full")
    }
    free = {gb: gb * 1024 - reserve - derived["hub_mb"] for gb in (16, 64)}  # e.g. 16384 - 1024 - 218 = 15142
    limit = int(derived["limits"]["mem_limit"].removesuffix("M"))
    for day in derived["days"]:
        for profile, made in results.items():
            kernel = max(r["peak_mem_mb"] for r in made if r["notebook"].startswith(f"day{day['day']}/"))
            student = day[f"{profile}_student_mb"]
            assert (
                day[f"{profile}_kernel_mb"] == kernel and student == kernel + server
            )  # vgg: 2597 + 148 = 2745
            for gb, mb in free.items():
                n = day[f"{profile}_fit_{gb}gb"]  # the most students whose peaks fit: 15142 // 2745 = 5
                assert n * student <= mb < (n + 1) * student, (day["day"], profile, gb, n)
        for gb, mb in free.items():
            n = day[f"limit_fit_{gb}gb"]  # with the limit reserved for each: 15142 // 3584 = 4
            assert n * limit <= mb < (n + 1) * limit
    # memory limit: the smallest multiple of the step at least the margin over the heaviest student,
    # quick profile, measured by `make run` or under the hub: 2745 * 1.25 = 3431.25 -> 14 * 256 = 3584
    under_hub = max(n["kernel_peak_mb"] for row in rows for n in row["notebooks"]) + server
    heaviest = max(under_hub, *(d["quick_student_mb"] for d in derived["days"]))
    assert limit % step == 0 and limit - step < heaviest * margin <= limit
    # guarantee: Day 1's quick student, rounded up the same way: 429 + 148 = 577 -> 3 * 256 = 768
    guarantee = int(derived["limits"]["mem_guarantee"].removesuffix("M"))
    day1 = derived["days"][0]["quick_student_mb"]
    assert derived["days"][0]["day"] == 1 and guarantee % step == 0 and guarantee - step < day1 <= guarantee
    # CPU limit: the most cores a notebook keeps busy alone (CPU s under the hub / `make run` wall s),
    # rounded up to half a core: e.g. 1.4 -> 1.5
    alone = {"notebooks/" + r["notebook"]: r["wall_s"] for r in results["quick"]}
    most = max(n["kernel_cpu_s"] / alone[n["notebook"]] for row in rows for n in row["notebooks"])
    assert round(most, 2) == derived["cores_alone_max"]
    assert derived["limits"]["cpu_limit"] - 0.5 < most <= derived["limits"]["cpu_limit"]
    # CPU guarantee: the mean share of the largest class (8 students), rounded up to a tenth: 0.17 -> 0.2
    largest = [run for run in runs if run["students"] == max(r["students"] for r in runs)][0]
    shares = [
        n["kernel_cpu_s"] / n["wall_s"]
        for row in largest["rows"]
        if not row["failures"]
        for n in row["notebooks"]
    ]
    mean = sum(shares) / len(shares)
    assert round(mean, 2) == derived["cores_shared_mean"] and derived["cores_shared_n"] == largest["students"]
    assert derived["limits"]["cpu_guarantee"] - 0.1 < mean <= derived["limits"]["cpu_guarantee"] + 1e-9
    # and what follows from the policy whatever the numbers: the guarantees never above the limits
    assert guarantee <= limit and derived["limits"]["cpu_guarantee"] <= derived["limits"]["cpu_limit"]


def test_the_readme_table_is_generated_from_the_committed_measurements():
    from tools.classroom_capacity import BEGIN, END, render

    readme = (REPO_ROOT / "README.md").read_text()
    section = BEGIN + readme.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert section == render(CAPACITY), (
        "README's capacity section is stale: python -m tools.classroom_load --readme"
    )
    assert [r["students"] for r in CAPACITY["runs"]] == [2, 4, 8]


# ------------------------------------------------------------------------------------------------
# a real hub
# ------------------------------------------------------------------------------------------------


def test_the_grading_table_shows_each_run_with_its_median_and_provenance():
    from tools.classroom_capacity import grading_lines

    assert "not been measured yet" in "\n".join(grading_lines({}))
    prov = {"commit": "abc1234", "date": "2026-12-06T14:00:00Z", "cpu": "CPU X", "cpus": 2}
    run = {
        "students": 3,
        "day": 1,
        "notebooks": ["ex1.ipynb"],
        "wall_s": 90.0,
        "per_student_s": [40.0, 20.0, 30.0],
        "scores": ["5/5", "4/5", "5/5"],
        "load_before": 0.1,
        "provenance": {**prov, "python": "3.11.7", "others_cpu_fraction": 0.012},
    }
    even = {**run, "students": 4, "per_student_s": [10.0, 40.0, 20.0, 30.0], "provenance": {}}
    text = "\n".join(grading_lines({"grading": [run, even]}))
    assert "| 3 | 90 | 30 / 40 | 4/5, 5/5 | 1.2 % | abc1234 | 2026-12-06T14:00 |" in text
    assert "| 4 | 90 | 25 / 40 | 4/5, 5/5 | ? | ? | ? |" in text
    assert "Measured on 2 × CPU X, Python 3.11.7" in text
    # all seven gradings: 40, 20, 30, 10, 40, 20, 30 -> median 30 s; 30 students -> 15 min
    assert "Grading takes 30 s per student (median of all 7 gradings above)" in text
    assert "a class of 30 takes about 15 min" in text


hub_test = pytest.mark.skipif(
    os.environ.get("ML2DL_CLASSROOM") != "1",
    reason="starts a JupyterHub (minutes): run `make test-classroom`",
)

EX1 = "notebooks/day1/ex1_linear_regression.ipynb"
STUDENT_EX1 = "student/day1/ex1_linear_regression.ipynb"
UPDATED = "notebooks/day2/xor.ipynb"


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """A hub with students alice and bob and the instructor teacher; both students have followed the
    link once. Stopped (with every server and kernel) whatever happens."""
    bin_dir = classroom_bin()
    for need in (
        bin_dir / "jupyterhub",
        BUILD_DIR / "node_modules" / ".bin" / "configurable-http-proxy",
    ):
        assert need.exists(), (
            f"{need} is missing: run `make classroom-venv classroom-proxy` (or `make test-classroom`)"
        )
    tmp = tmp_path_factory.mktemp("classroom")
    # the public repository: a bare clone of this one's HEAD, on the branch the link names
    upstream = tmp / "upstream" / "ml2dl"
    git("clone", "--quiet", "--bare", str(REPO_ROOT), str(upstream), cwd=tmp)
    branch = git("symbolic-ref", "--short", "HEAD", cwd=upstream).strip()
    hub = Hub(tmp / "hub", ["alice", "bob"], ["teacher"], sys.executable)
    try:
        hub.start()
        students = {name: Student(hub, name).login().start_server() for name in ("alice", "bob")}
        url = link(str(upstream), branch, hub.url)
        first = {name: s.follow(url) for name, s in students.items()}
        yield {
            "hub": hub,
            "students": students,
            "url": url,
            "first": first,
            "upstream": upstream,
            "branch": branch,
            "tmp": tmp,
        }
    except BaseException:
        print(hub.log_tail(), file=sys.stderr)
        raise
    finally:
        hub.stop()
        assert not hub.leftovers(), "the hub left processes behind"


@hub_test
def test_the_link_clones_the_course_into_each_home_and_opens_the_index(room):
    hub = room["hub"]
    commands = [" ".join(p.cmdline()) for p in hub.processes()]
    assert any("jupyterhub_idle_culler --timeout=" in c for c in commands), (
        "the idle culler runs as a service"
    )
    assert any(str(BUILD_DIR / "node_modules") in c and "configurable-http-proxy" in c for c in commands)
    for name, pulled in room["first"].items():
        clone = hub.home(name) / "ml2dl"
        assert pulled["opened"] == f"/user/{name}/lab/tree/ml2dl/{entry_point()}"
        assert (clone / entry_point()).is_file() and (clone / STUDENT_EX1).is_file()
        assert git("rev-parse", "HEAD", cwd=clone) == git("rev-parse", room["branch"], cwd=room["upstream"])


@hub_test
def test_a_student_runs_day1_on_the_course_kernel_with_the_classroom_settings(room):
    alice = room["students"]["alice"]
    result = alice.run_notebook(f"ml2dl/{EX1}", cell_timeout=600)
    assert result["errors"] == [] and result["cells"] > 10, result
    assert Path(result["kernel_python"]).resolve() == Path(sys.executable).resolve()  # the course env
    ws_check = alice.run_code(
        "import os; print(os.environ['ML2DL_PROFILE'], os.environ['MEM_LIMIT'], os.getcwd())"
    )
    profile, mem_limit, cwd = ws_check.split()
    assert profile == "quick"
    assert int(mem_limit) == _mb(CAPACITY["limits"]["mem_limit"]) * 2**20
    assert Path(cwd) == room["hub"].home("alice")
    # one data cache for the class: every kernel reads the course install's, none writes a student's
    probe = (
        "import os; from helpers import datastore; "
        "print(datastore.cache_dir(), os.environ.get('ML2DL_DATA_MIRROR', '')"
    )
    probe += " or '-')"
    seen = {name: s.run_code(probe).split() for name, s in room["students"].items()}
    # the course environment outside the hub, from a folder that is not a checkout (as the kernels run)
    here = subprocess.run(
        [sys.executable, "-c", probe], cwd=room["tmp"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert seen["alice"] == seen["bob"] == here  # the hub's ML2DL_DATA_MIRROR reaches the kernels too
    assert not (room["hub"].home("alice") / "ml2dl" / "datasets" / "cache").exists()


@hub_test
def test_an_update_reaches_every_student_and_keeps_what_they_wrote(room):
    hub, alice, bob = room["hub"], room["students"]["alice"], room["students"]["bob"]
    # alice edits her student notebook through her server (as JupyterLab saves it)
    model = alice.contents(f"ml2dl/{STUDENT_EX1}").json()
    code = next(c for c in model["content"]["cells"] if c["cell_type"] == "code")
    code["source"] += "\n# alice's note: theta has two entries"
    alice.save(f"ml2dl/{STUDENT_EX1}", {"type": "notebook", "format": "json", "content": model["content"]})
    # the instructor fixes another notebook and pushes it to the public repository
    work = room["tmp"] / "instructor"
    git("clone", "--quiet", str(room["upstream"]), str(work), cwd=room["tmp"])
    nb = nbformat.read(work / UPDATED, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("**Erratum (instructor):** pushed during the class."))
    (work / UPDATED).write_text(nbformat.writes(nb) + "\n")
    git(
        "-c",
        "user.name=teacher",
        "-c",
        "user.email=teacher@example.org",
        "commit",
        "-qam",
        "erratum",
        cwd=work,
    )
    git("push", "--quiet", "origin", room["branch"], cwd=work)
    # the instructor is a hub admin; students are not
    teacher = Student(hub, "teacher", ADMIN_PASSWORD).login()
    assert teacher.user_model()["admin"] is True and alice.user_model()["admin"] is False
    # both click the link again
    for s in (alice, bob):
        s.follow(room["url"])
    for name in ("alice", "bob"):
        clone = hub.home(name) / "ml2dl"
        assert "Erratum (instructor)" in (clone / UPDATED).read_text(), name
        assert (clone / UPDATED).read_text() == (work / UPDATED).read_text()
    assert "alice's note: theta has two entries" in (hub.home("alice") / "ml2dl" / STUDENT_EX1).read_text()
    bob_clone = hub.home("bob") / "ml2dl"
    assert git("status", "--porcelain", "--untracked-files=no", cwd=bob_clone) == ""
    assert git("rev-parse", "HEAD", cwd=bob_clone) == git("rev-parse", "HEAD", cwd=work)  # a fast-forward
    assert (bob_clone / STUDENT_EX1).read_text() == (work / STUDENT_EX1).read_text()


@hub_test
def test_a_students_token_does_not_open_another_students_server(room):
    alice, bob = room["students"]["alice"], room["students"]["bob"]
    assert bob.contents(f"ml2dl/{STUDENT_EX1}").status_code == 200  # bob's own token works
    bob_server = f"{room['hub'].url}/user/bob"
    r = alice.http.get(f"{bob_server}/api/contents/ml2dl/{STUDENT_EX1}", headers=alice.headers(), timeout=30)
    assert r.status_code in (403, 404), r.status_code
    r = alice.http.put(
        f"{bob_server}/api/contents/ml2dl/stolen.txt",
        json={"type": "file", "format": "text", "content": "x"},
        headers=alice.headers(),
        timeout=30,
    )
    assert r.status_code in (403, 404), r.status_code
    assert not (room["hub"].home("bob") / "ml2dl" / "stolen.txt").exists()
    r = alice.http.get(f"{room['hub'].url}/hub/api/users", headers=alice.headers(), timeout=30)
    assert r.status_code == 403  # nor the list of users


@hub_test
def test_logins_are_refused_without_the_password_or_tls(room):
    hub = room["hub"]
    # a wrong password, a name the hub does not allow: no session
    assert Student(hub, "alice").try_login(password="not-the-password").status_code != 302
    assert Student(hub, "mallory").try_login().status_code != 302
    # the hub speaks TLS only: plain HTTP to its port gets no login page and carries no password
    assert not Student(hub, "alice").plain_http_login_works()
    assert Student(hub, "alice").try_login().status_code == 302  # the same login over TLS works


def test_the_hub_refuses_to_start_without_a_certificate(tmp_path, monkeypatch):
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.delenv("ML2DL_SSL_CERT", raising=False)
    monkeypatch.delenv("ML2DL_SSL_KEY", raising=False)
    monkeypatch.setenv("ML2DL_CLASSROOM_VENV", str(tmp_path / "venv"))
    cfg = tmp_path / "cfg.py"
    cfg.write_text(f"load_subconfig({str(CLASSROOM / 'jupyterhub_config.py')!r})\n")
    with pytest.raises(SystemExit, match="no TLS certificate"):
        PyFileConfigLoader(cfg.name, path=str(tmp_path)).load_config()
    monkeypatch.setenv("ML2DL_SSL_CERT", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("ML2DL_SSL_KEY", str(tmp_path / "missing.pem"))
    with pytest.raises(SystemExit, match="cannot read"):
        PyFileConfigLoader(cfg.name, path=str(tmp_path)).load_config()


def test_hub_teardown_is_bounded():
    assert wait_for("a true probe", lambda: 1, timeout=1) == 1
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="never: not after"):
        wait_for("never", lambda: 0, timeout=0.5, interval=0.1)
    assert time.monotonic() - started < 5
