"""The built course website (``make site``, then ``make test-site``), in a real browser.

Every page of build/site/ is loaded from a local HTTP server in Debian's Chromium: it has its title,
no Python traceback, no broken image, no failed request and no request leaving the machine (the site
must work offline), a rendered figure where the notebook draws one and rendered math where it has
math; the landing page's syllabus links reach every notebook page.  Screenshots of the landing page
and of one notebook page go to build/browser/.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from conftest import REPO_ROOT

from tools.readme import syllabus_order

pytestmark = pytest.mark.browser

SITE = REPO_ROOT / "build" / "site"
SOURCE = REPO_ROOT / "build" / "site-src"
SHOTS = REPO_ROOT / "build" / "browser"
PAGES = ["index", "results"] + [nb.removesuffix(".ipynb") for nb in syllabus_order()]
PAGES += ["ko/index"] + [f"ko/{nb.removesuffix('.ipynb')}" for nb in syllabus_order()]  # 한국어판
LOAD_TIMEOUT_MS = 30_000


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url():
    if not (SITE / "index.html").is_file():
        pytest.fail("build/site/ is not built: run `make site` first")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _source_notebook(page: str):
    path = SOURCE / f"{page}.ipynb"
    return nbformat.read(path, as_version=4) if path.is_file() else None


def _draws_figure(nb) -> bool:
    return any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def _has_math(nb) -> bool:
    return any(c.cell_type == "markdown" and "$" in c.source for c in nb.cells)


def _first_heading(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError("notebook without a title")


def load(browser, url: str):
    """Open ``url`` in a fresh page; return (page, problems) where problems lists every failed
    request, every HTTP error and every request to another host."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    host = urlsplit(url).netloc

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.netloc != host:
            problems.append(f"request leaves the machine: {request.url}")

    page.on("request", on_request)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
    return page, problems


#: The cell outputs Jupyter Book renders for an exception (class "output traceback" or "output error").
ERROR_OUTPUTS = ".cell_output .output.traceback, .cell_output .output.error"


def error_outputs(page) -> int:
    """How many error outputs the page shows."""
    return page.eval_on_selector_all(ERROR_OUTPUTS, "els => els.length")


def test_error_outputs_are_counted(browser):
    """The control for the check in test_page: a page with an error output is caught, one without
    is not (the check once compared class names with "Error" and could never fail)."""
    page = browser.new_page()
    try:
        cell = '<div class="cell_output"><div class="output {}"><pre>ValueError: x</pre></div></div>'
        page.set_content(f"<main>{cell.format('error')}{cell.format('traceback')}</main>")
        assert error_outputs(page) == 2
        page.set_content(f"<main>{cell.format('stream')}</main>")
        assert error_outputs(page) == 0
    finally:
        page.close()


@pytest.mark.parametrize("name", PAGES)
def test_page(browser, site_url, name):
    page, problems = load(browser, f"{site_url}/{name}.html")
    try:
        title = page.title()
        nb = _source_notebook(name)
        if nb is not None:
            assert _first_heading(nb).split(" ")[0] in title, f"{name}: page title {title!r}"
        else:
            assert title.strip(), f"{name}: empty title"
        text = page.inner_text("main")
        assert "Traceback (most recent call last)" not in text, f"{name} shows a Python traceback"
        assert error_outputs(page) == 0, f"{name} shows an error output"
        broken = page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert not broken, f"{name}: broken images {broken}"
        if nb is not None and _draws_figure(nb):
            figures = page.eval_on_selector_all(
                ".cell_output img", "imgs => imgs.filter(i => i.naturalWidth > 100).length"
            )
            assert figures >= 1, f"{name}: the notebook draws a figure but the page shows none"
        if nb is not None and _has_math(nb):
            page.wait_for_selector("mjx-container", state="attached", timeout=LOAD_TIMEOUT_MS)
            errors = page.eval_on_selector_all("mjx-merror", "els => els.map(e => e.textContent)")
            assert not errors, f"{name}: MathJax errors {errors}"
        assert not problems, f"{name}: " + "; ".join(problems)
        if name in ("index", "day1/ex1_linear_regression"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SHOTS / f"site-{Path(name).name}.png", full_page=name == "index")
    finally:
        page.close()


def test_syllabus_links_reach_every_notebook_page(browser, site_url):
    page, problems = load(browser, f"{site_url}/index.html")
    try:
        hrefs = page.eval_on_selector_all("main table a", "links => links.map(a => a.href)")
        linked = {urlsplit(h).path.lstrip("/").removesuffix(".html") for h in hrefs}
        wanted = {nb.removesuffix(".ipynb") for nb in syllabus_order()}
        assert wanted <= linked, f"the syllabus does not link {sorted(wanted - linked)}"
        for href in hrefs:
            response = page.request.get(href)
            assert response.ok, f"syllabus link {href}: HTTP {response.status}"
        assert not problems, "; ".join(problems)
    finally:
        page.close()


def test_the_language_switch_leads_to_the_korean_page_and_back(browser, site_url):
    """A reader of an English page follows 한국어 to the same page in Korean, and English back."""
    page, problems = load(browser, f"{site_url}/day1/ex1_linear_regression.html")
    try:
        page.locator("main a", has_text="한국어").first.click()
        page.wait_for_load_state("load")
        assert urlsplit(page.url).path == "/ko/day1/ex1_linear_regression.html", page.url
        heading = page.locator("main h1").first.inner_text()
        assert any("\uac00" <= ch <= "\ud7a3" for ch in heading), f"the Korean page's title: {heading!r}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / "site-ko-ex1_linear_regression.png")
        page.locator("main a", has_text="English").first.click()
        page.wait_for_load_state("load")
        assert urlsplit(page.url).path == "/day1/ex1_linear_regression.html", page.url
        assert not problems, "; ".join(problems)
    finally:
        page.close()


def test_solutions_are_collapsed_and_answers_folded(browser, site_url):
    """What the site shows of the exercises: outputs visible, the code a student writes collapsed."""
    page, _ = load(browser, f"{site_url}/day1/ex1_linear_regression.html")
    try:
        hidden = page.locator(".tag_hide-input details.hide")
        assert hidden.count() >= 1, "no collapsed solution code on the ex1 page"
        assert not hidden.first.evaluate("d => d.open"), "solution code is shown expanded"
        answers = page.locator(".admonition.dropdown")
        assert answers.count() >= 1, "no folded answer on the ex1 page"
    finally:
        page.close()
