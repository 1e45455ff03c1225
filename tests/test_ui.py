"""The course as a student meets it in JupyterLab (``make test-ui``), driven in Debian's Chromium.

A real ``jupyter lab`` (token auth on, a free loopback port, fresh user settings, the project's
settings from binder/overrides.json) serves a scratch copy of notebooks/ and student/, so nothing the
test runs or saves touches the repository.  The browser opens notebooks/index.ipynb, follows its
links to the first Day 1 notebook (student edition, then solutions), runs all cells through the
menu and waits for the kernel to finish; ex4 shows that tqdm bars render as widgets.  Screenshots go
to build/browser/.  The server is shut down in every case.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest
from conftest import REPO_ROOT
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tools.classroom_driver import free_port, wait_for

pytestmark = pytest.mark.browser

SHOTS = REPO_ROOT / "build" / "browser"
JUPYTER = Path(sys.executable).with_name("jupyter")
START_TIMEOUT_S = 90
RUN_TIMEOUT_MS = 240_000
UI_TIMEOUT_MS = 60_000
NEWS_TEXT = "official Jupyter news"
# The notebook panel in the current tab (the others are hidden: no offsetParent).
VISIBLE_PANEL = "[...document.querySelectorAll('.jp-NotebookPanel')].find(p => p.offsetParent)"


def _wait_for_server(url: str, proc: subprocess.Popen, log: Path) -> None:
    def answers():
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200

    def alive():
        if proc.poll() is not None:
            raise AssertionError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")

    try:
        wait_for("jupyter lab", answers, START_TIMEOUT_S, alive=alive)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}:\n{log.read_text()[-3000:]}") from None


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``(base URL, token, root)`` of a running JupyterLab over a scratch copy of the course in root."""
    root = tmp_path_factory.mktemp("course")
    for folder in ("notebooks", "student"):
        shutil.copytree(
            REPO_ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
        )
    home = tmp_path_factory.mktemp("jupyter-home")
    # JupyterLab 4 draws only the cells in view ("windowing"); the test reads every cell, so it asks
    # for all of them to be drawn (a user setting of this scratch server, not of the course)
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    port, token = free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        ML2DL_PROFILE="quick",
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),  # fresh user settings: only the project's apply
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    command = [
        str(JUPYTER), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", proc, log)
        yield base, token, root
    finally:
        _stop(proc)
    assert proc.returncode is not None


@pytest.fixture(scope="module")
def page(browser, lab):
    base, token, _ = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{base}/lab/tree/notebooks/index.ipynb?token={token}", timeout=UI_TIMEOUT_MS)
    page.wait_for_selector(".jp-NotebookPanel .jp-RenderedMarkdown", timeout=UI_TIMEOUT_MS)
    try:
        yield page
    finally:
        context.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"lab-{name}.png")


def _open_from_index(page, label_pattern: str, href_part: str) -> None:
    """Follow the index's link whose href contains ``href_part`` (activating the index tab first)."""
    page.locator(".lm-TabBar-tab", has_text="index.ipynb").first.click()
    link = page.locator(f'.jp-NotebookPanel .jp-RenderedMarkdown a[href*="/files/{href_part}?"]').first
    link.wait_for(timeout=UI_TIMEOUT_MS)
    assert re.search(label_pattern, link.inner_text()), link.inner_text()
    link.click()
    # the new document's tab is current (its tooltip names the path: two editions share a file name)
    page.locator(f'.lm-TabBar-tab.jp-mod-current[title*="Path: {href_part}"]').wait_for(timeout=UI_TIMEOUT_MS)
    # the kernel is ready when the shown notebook's execution indicator says idle
    page.wait_for_function(
        f"() => {VISIBLE_PANEL}.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle'",
        timeout=UI_TIMEOUT_MS,
        polling=250,
    )


_PAGE_STATE = f"""() => {{
    const panel = {VISIBLE_PANEL};
    return {{
        prompts: panel ? [...panel.querySelectorAll('.jp-InputArea-prompt')].map(p => p.textContent) : null,
        status: panel?.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status ?? null,
        dialogs: [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText.slice(0, 300)),
    }};
}}"""


def _state(page) -> str:
    """What the shown notebook's prompts and kernel indicator say, and any dialog on the page."""
    try:
        return repr(page.evaluate(_PAGE_STATE))
    except Exception as exc:  # the page itself is gone: say so rather than hide the first error
        return f"(page unreadable: {exc})"


def _run_all(page) -> None:
    """Run > Run All Cells, then wait until no cell is queued or running and the kernel is idle.

    Run All marks every cell as queued (``[*]``) at once; a menu click the page did not take leaves
    every prompt empty, so the menu is used again (at most 3 times) before the long wait begins."""
    prompts = f"[...{VISIBLE_PANEL}.querySelectorAll('.jp-InputArea-prompt')]"
    started = f"() => {prompts}.some(p => /[*\\d]/.test(p.textContent))"
    tries = 3
    for _ in range(tries):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(started, timeout=START_TIMEOUT_S * 1000 // 3, polling=250)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")  # close a menu left open
    else:
        _shot(page, "timeout")
        raise AssertionError(f"Run All Cells started no cell after {tries} tries: {_state(page)}")
    try:
        _wait_until_done(page)
    except PlaywrightTimeout:
        _shot(page, "timeout")  # what the page showed when the wait gave up
        waited = RUN_TIMEOUT_MS // 1000
        raise AssertionError(f"the notebook did not finish in {waited} s: {_state(page)}") from None


def _wait_until_done(page) -> None:
    page.wait_for_function(
        f"""() => {{
            const panel = {VISIBLE_PANEL};
            const prompts = [...panel.querySelectorAll('.jp-InputArea-prompt')].map(p => p.textContent);
            const status = panel.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status;
            const busy = prompts.some(p => p.includes('*'));
            return prompts.some(p => /\\d/.test(p)) && !busy && status === 'idle';
        }}""",
        timeout=RUN_TIMEOUT_MS,
        polling=250,
    )


def _read_saved(path: Path):
    """The notebook JupyterLab saved, once the server has finished writing it (bounded wait)."""

    def parsed():
        return nbformat.read(path, as_version=4)

    return wait_for(f"the saved {path.name}", parsed, UI_TIMEOUT_MS / 1000)


def _count(page, selector: str) -> int:
    """How many elements inside the shown notebook match ``selector``."""
    return page.evaluate(f"() => {VISIBLE_PANEL}.querySelectorAll({selector!r}).length")


def _outputs(page, lab, path: str) -> list[dict]:
    """Every code cell of the visible notebook: what the page shows (prompt, output text, images) and,
    from the notebook saved through the UI (File > Save), whether its outputs hold an error."""
    page.keyboard.press("Control+s")
    page.wait_for_selector(".lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)", timeout=UI_TIMEOUT_MS)
    shown = page.evaluate(
        f"""() => [...{VISIBLE_PANEL}.querySelectorAll('.jp-CodeCell')].map(c => ({{
            prompt: c.querySelector('.jp-InputArea-prompt')?.textContent || '',
            text: c.querySelector('.jp-OutputArea')?.innerText || '',
            images: c.querySelectorAll('.jp-OutputArea-output img').length,
        }}))""",
    )
    saved = [c for c in _read_saved(lab[2] / path).cells if c.cell_type == "code"]
    assert len(saved) == len(shown), f"{path}: {len(shown)} code cells on the page, {len(saved)} saved"
    for cell, shown_cell in zip(saved, shown, strict=True):
        shown_cell["source"] = cell.source
        shown_cell["error"] = any(o.output_type == "error" for o in cell.outputs)
    return shown


def _run_from_index(page, lab, label_pattern: str, path: str) -> list[dict]:
    """Follow the index's link to ``path``, run all its cells, return what they show (_outputs)."""
    _open_from_index(page, label_pattern, path)
    _run_all(page)
    return _outputs(page, lab, path)


def _errors(cells: list[dict]) -> list[str]:
    return [c["text"][:300] for c in cells if c["error"] or "Traceback" in c["text"]]


def test_news_popup_is_switched_off(page):
    # the notification that asks about news appears at start-up when fetchNews is unset; by now the
    # index has rendered and JupyterLab has read its settings
    page.wait_for_function("() => document.querySelector('.jp-LabShell') !== null", timeout=UI_TIMEOUT_MS)
    assert page.get_by_text(NEWS_TEXT).count() == 0, "JupyterLab asks about news (binder/overrides.json?)"


def test_student_edition_runs_to_the_end_on_the_courses_version(page, lab):
    """Run All on the untouched student ex1: every check cell says its function is not implemented
    yet and that the course's version stands in; every cell runs, none shows an error."""
    cells = _run_from_index(page, lab, r"ex1", "student/day1/ex1_linear_regression.ipynb")
    page.evaluate(  # the screenshot shows the first check's message, not the end of the notebook
        f"""() => [...{VISIBLE_PANEL}.querySelectorAll('.jp-CodeCell')]
            .find(c => c.querySelector('.jp-OutputArea')?.innerText.includes('not implemented yet'))
            ?.scrollIntoView({{block: 'center'}})"""
    )
    _shot(page, "student-ex1")
    assert all(re.search(r"\d", c["prompt"]) for c in cells), "run-all stopped before the end"
    assert not _errors(cells), f"cells show errors: {_errors(cells)}"
    stubs = [i for i, c in enumerate(cells) if "raise NotImplementedError()" in c["source"]]
    checks = [i for i, c in enumerate(cells) if "checked(" in c["source"]]
    assert stubs and len(checks) >= len(stubs), "a stub without its check cell"
    for i in checks:
        text = cells[i]["text"]
        assert "not implemented yet" in text and "using the course's version of" in text, (
            f"check cell {i} did not report the stub and the stand-in: {text[:300]}"
        )
    assert sum(c["images"] for c in cells) >= 1, "the plots after the stubs were not drawn"


def test_solutions_run_clean_with_self_checks_plots_and_math(page, lab):
    cells = _run_from_index(page, lab, r"solutions", "notebooks/day1/ex1_linear_regression.ipynb")
    _shot(page, "solutions-ex1")
    assert all(re.search(r"\d", c["prompt"]) for c in cells), "some cells did not run"
    assert not _errors(cells), f"cells show errors: {_errors(cells)}"
    checks = [line for c in cells for line in c["text"].splitlines() if line.startswith("✓")]
    assert len(checks) >= 5, f"self-check lines: {checks}"
    assert sum(c["images"] for c in cells) >= 1, "no plot rendered"
    assert _count(page, "mjx-container") >= 1, "no math rendered"


def test_tqdm_renders_as_a_widget(page, lab):
    cells = _run_from_index(page, lab, r"solutions", "notebooks/day1/ex4_neural_network_backprop.ipynb")
    assert not _errors(cells), f"cells show errors: {_errors(cells)}"
    assert _count(page, ".jp-OutputArea-output .widget-hprogress") >= 1, (
        "no tqdm widget: progress bars render as text (ipywidgets missing?)"
    )
    page.evaluate(
        f"() => {VISIBLE_PANEL}.querySelector('.widget-hprogress').scrollIntoView({{block: 'center'}})"
    )
    _shot(page, "tqdm-ex4")
    assert not any(re.search(r"\d+%\|[█▏▎▍▌▋▊▉ ]*\|", c["text"]) for c in cells), "a tqdm bar printed as text"
