"""The classroom as a school runs it on one machine, graded end to end (``make test-classroom``).

classroom/jupyterhub_config.py with nothing overridden but ports and paths (tools.classroom_driver
.AccountsHub): students and an instructor are system accounts with their own passwords and private
homes; PAM checks the passwords, over TLS only; the hub runs as its own unprivileged account and
starts each server as its student through sudospawner. On it, the nbgrader cycle runs as a class
runs it: the instructor releases day 1 from a terminal of his server; alice fetches, submits and gets
her feedback with nbgrader's Assignments tab (the requests it sends), bob with the terminal commands;
the instructor collects, autogrades on hidden cases and releases feedback. Alice answers ex1 right;
bob forgets the cost's ½ and leaves feature_normalize a stub.

It creates accounts, a group and a sudoers rule (removed afterwards), so it needs root, and takes
minutes: it runs only with ML2DL_CLASSROOM=1, where not being root is an error, not a skip.
tests/test_grading.py covers what does not need accounts (late work, loops, floods, resubmission,
an interrupted grader).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pwd
import subprocess
import tempfile
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import REPO_ROOT

from tools import grading
from tools.classroom_config import BUILD_DIR
from tools.classroom_driver import AccountsHub, Student

pytestmark = pytest.mark.skipif(
    os.environ.get("ML2DL_CLASSROOM") != "1",
    reason="creates system accounts and starts a JupyterHub (minutes): run `make test-classroom` as root",
)

NOTEBOOK = "ex1_linear_regression"
WRONG_COST = '''def compute_cost(X, y, theta):
    """forgot the 1/2"""
    return float(((X @ theta - y) ** 2).sum() / len(y))
'''


@pytest.fixture(scope="module")
def school():
    """The hub on its accounts, alice and bob (students) and teacher (instructor) logged in with
    their servers running; everything removed afterwards, whatever happens."""
    hub = AccountsHub(["alice", "bob"], ["teacher"], REPO_ROOT / ".venv", BUILD_DIR / "venv")
    above = [q for q in REPO_ROOT.resolve().parents if q != Path("/")]
    before = {q: _acl(q) for q in above}
    try:
        hub.create().start()
        people = {
            short: Student(hub, name, hub.passwords[name]).login().start_server()
            for short, name in hub.names.items()
        }
        yield {"hub": hub, **people}
    except BaseException:
        print(hub.log_tail(80))
        raise
    finally:
        hub.stop()
    assert not hub.base.exists() and not hub.sudoers.exists()
    assert {q: _acl(q) for q in above} == before  # any ACL entry that let the accounts through is gone
    for name in hub.names.values():
        with pytest.raises(KeyError):
            pwd.getpwnam(name)


def _acl(folder: Path) -> tuple[str, str]:
    """A folder's mode and ACL, as `ls` and getfacl show them."""
    acl = subprocess.run(["getfacl", "-c", "-n", str(folder)], capture_output=True, text=True).stdout
    return subprocess.run(["ls", "-ld", str(folder)], capture_output=True, text=True).stdout.split()[0], acl


def shell(person: Student, command: str, timeout: float = 120) -> dict:
    """What a terminal of that person's server runs: ``command`` (bash), from their home, as them;
    its exit status and output."""
    code = (
        "import json, subprocess\n"
        f"p = subprocess.run({command!r}, shell=True, executable='/bin/bash',\n"
        "                   capture_output=True, text=True)\n"
        "print(json.dumps({'rc': p.returncode, 'out': p.stdout + p.stderr}))\n"
    )
    return json.loads(person.run_code(code, timeout=timeout).strip().splitlines()[-1])


def test_the_hub_runs_unprivileged_and_each_server_as_its_own_student(school):
    hub = school["hub"]
    hub_uid = pwd.getpwnam(hub.hub_account).pw_uid
    assert psutil.Process(hub.proc.pid).uids().effective == hub_uid != 0
    servers = {}
    for p in psutil.process_iter(["cmdline", "uids"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if "jupyterhub-singleuser" in cmd and "sudospawner" not in cmd:
            servers[pwd.getpwuid(p.info["uids"].effective).pw_name] = cmd
    assert set(servers) == set(hub.names.values()), servers
    alice = (
        school["alice"].run_code("import os, sys; print(os.geteuid(), os.getcwd(), sys.executable)").split()
    )
    assert int(alice[0]) == pwd.getpwnam(hub.names["alice"]).pw_uid
    assert Path(alice[1]) == hub.home(hub.names["alice"]) and Path(alice[2]) == Path(hub.course_python)


def test_logins_need_the_accounts_own_password_and_tls(school):
    hub, alice = school["hub"], school["alice"]
    assert Student(hub, alice.name, "not-the-password").try_login().status_code != 302
    assert Student(hub, alice.name, hub.passwords[school["bob"].name]).try_login().status_code != 302
    assert Student(hub, "nobody-here", "whatever").try_login().status_code != 302
    assert not Student(hub, alice.name, alice.password).plain_http_login_works()
    assert Student(hub, alice.name, alice.password).try_login().status_code == 302


def test_a_students_token_cannot_call_admin_endpoints(school):
    hub, alice, bob, teacher = school["hub"], school["alice"], school["bob"], school["teacher"]
    api = f"{hub.url}/hub/api"
    assert teacher.user_model()["admin"] is True and alice.user_model()["admin"] is False
    assert teacher.http.get(f"{api}/users", headers=teacher.headers(), timeout=30).status_code == 200
    for method, path in [
        ("GET", "/users"),
        ("GET", f"/users/{bob.name}"),
        ("DELETE", f"/users/{bob.name}/server"),
        ("POST", f"/users/{bob.name}/tokens"),
        ("PATCH", f"/users/{alice.name}"),
        ("POST", "/users"),
        ("GET", "/proxy"),
        ("POST", "/shutdown"),
    ]:
        body = {"admin": True} if method == "PATCH" else {}
        r = alice.http.request(method, api + path, json=body, headers=alice.headers(), timeout=30)
        assert r.status_code in (403, 404), (method, path, r.status_code)
    assert bob.user_model()["servers"][""]["ready"] and alice.user_model()["admin"] is False


def assignments(person: Student, action: str | None = None, **data) -> list[dict]:
    """What nbgrader's Assignments tab asks that person's server: the course's assignments as it lists
    them, after ``action`` (fetch, submit, fetch_feedback) if given."""
    url = f"{person.server}/assignments" + (f"/{action}" if action else "")
    params = {"course_id": grading.COURSE_ID, **data}
    kw = {"headers": person.headers(), "timeout": 120}
    r = person.http.post(url, data=params, **kw) if action else person.http.get(url, params=params, **kw)
    r.raise_for_status()
    reply = r.json()
    assert reply["success"], reply
    return reply["value"]


def _status(listed: list[dict], assignment: str) -> set[str]:
    return {a["status"] for a in listed if a["assignment_id"] == assignment}


def _answered(hub: AccountsHub, person: Student, answers: dict) -> dict:
    """The fetched notebook with the course's answers but ``answers``, as JupyterLab saves it."""
    path = f"day1/{NOTEBOOK}.ipynb"
    content = person.contents(path).json()["content"]
    with tempfile.TemporaryDirectory() as tmp:
        draft = Path(tmp) / f"{NOTEBOOK}.ipynb"
        draft.write_text(json.dumps(content))
        grading.answer(draft, answers)
        nb = nbformat.read(draft, as_version=4)
    return person.save(path, {"type": "notebook", "format": "json", "content": nb})


def test_the_class_is_released_submitted_graded_and_fed_back_on_the_hub(school):
    hub, alice, bob, teacher = school["hub"], school["alice"], school["bob"], school["teacher"]
    repo = REPO_ROOT
    # the instructor, in a terminal of his server: the assignment and its hidden cases, released
    made = shell(teacher, f"cd {repo} && python -m tools.grading assignment --day 1 --only {NOTEBOOK}", 300)
    assert made["rc"] == 0, made["out"]
    grading_root = hub.home(teacher.name) / "ml2dl-grading"
    assert (grading_root / "hidden" / f"{NOTEBOOK}.json").is_file()
    # the students: alice with the Assignments tab of her JupyterLab, bob in a terminal
    assert _status(assignments(alice), "day1") == {"released"}
    assert _status(assignments(alice, "fetch", assignment_id="day1"), "day1") == {"fetched"}
    got = shell(bob, "nbgrader fetch_assignment day1")
    assert got["rc"] == 0, got["out"]
    _answered(hub, alice, {})
    _answered(hub, bob, {"compute_cost": WRONG_COST, "feature_normalize": None})
    assert "submitted" in _status(assignments(alice, "submit", assignment_id="day1"), "day1")
    sent = shell(bob, "nbgrader submit day1")
    assert sent["rc"] == 0 and "Submitted as" in sent["out"], sent["out"]

    # nobody reads what is not theirs: bob's terminal tries alice's work, the submissions, the
    # feedback folder and the instructor's hidden cases; his own home is the control
    alice_home, teacher_home = hub.home(alice.name), hub.home(teacher.name)
    course = hub.exchange / grading.COURSE_ID
    probes = {
        "alice's home": f"ls {alice_home}",
        "alice's notebook": f"cat {alice_home}/day1/{NOTEBOOK}.ipynb",
        "the submissions": f"ls {course}/inbound",
        "the grading folder": f"ls {teacher_home}/ml2dl-grading/hidden",
        "the hidden cases": f"cat {grading_root}/hidden/{NOTEBOOK}.json",
    }
    for what, command in probes.items():
        tried = shell(bob, command)
        assert tried["rc"] != 0 and "Permission denied" in tried["out"], (what, tried)
    assert shell(bob, f"cat day1/{NOTEBOOK}.ipynb")["rc"] == 0

    # the instructor collects, autogrades on the hidden cases, releases feedback, exports the gradebook
    graded = shell(teacher, f"cd {repo} && python -m tools.grading grade --day 1", 900)
    assert graded["rc"] == 0, graded["out"]
    book = {
        row["student"]: row
        for row in csv.DictReader(io.StringIO((grading_root / "gradebook-day1.csv").read_text()))
    }
    a, b = book[alice.name], book[bob.name]
    scores = {k.split(":", 1)[1]: float(v) for k, v in b.items() if k.startswith(NOTEBOOK + ":")}
    assert float(a["score"]) == float(a["max_score"]) == 5
    assert float(b["score"]) == 3 and [k for k, v in scores.items() if v == 0] == [
        "ex1.compute_cost",
        "ex1.feature_normalize",
    ]
    # each student fetches their own feedback; bob's names his failed checks with their hints
    assignments(alice, "fetch_feedback", assignment_id="day1")
    assert list((hub.home(alice.name) / "day1" / "feedback").rglob(f"{NOTEBOOK}.html"))
    fed = shell(bob, "nbgrader fetch_feedback day1")
    assert fed["rc"] == 0, fed["out"]
    feedback = list((hub.home(bob.name) / "day1" / "feedback").rglob(f"{NOTEBOOK}.html"))
    assert len(feedback) == 1
    text = feedback[0].read_text()
    assert "ex1.compute_cost" in text and "the cost has a ½ in front" in text
    assert "ex1.feature_normalize: not implemented yet" in text
    assert os.stat(feedback[0]).st_uid == pwd.getpwnam(bob.name).pw_uid
    tried = shell(bob, f"ls {course}/feedback; ls {alice_home}/day1/feedback")
    assert tried["rc"] != 0 and tried["out"].count("Permission denied") == 2, tried
