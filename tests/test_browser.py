"""End to end in a real browser: `letters serve` over the real letters and the real model, driven
through Debian's Chromium with Playwright (never `playwright install`: the system browser is used).

Set LETTERS_SCREENSHOTS=DIR to also write chat.png and assignments.png there (docs/ holds them).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect, sync_playwright

from ingest.settings import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
MODEL_DIR = Path(Settings().embedding_model).expanduser()
QUESTION = "Hva er fristen for TB2024-07 d)?"
CITED = "Deloppdrag d) til f) har frist 1. juli 2024"
START_TIMEOUT_S = 120  # the first page load also loads the model

# A fictional letter for the upload test, written here so no real letter text is copied.
UPLOAD_NAME = "tildelingsbrev-2036-eksempel.txt"
UPLOAD_TEXT = """Tildelingsbrev til Helsedirektoratet for 2036 - EKSEMPEL / fiktivt

1 Oppdrag

TB2036-01\tAvd.HOD: SHA\tKartlegge ventetid for fiktive sykkelreparasjoner
Helsedirektoratet skal kartlegge ventetiden for sykkelreparasjoner i fem fiktive kommuner.
Frist: 2. november 2036.
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def real_index(real_letters: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(letters, index): a writable copy of the real letters, indexed with the real model."""
    if not CHROMIUM.is_file():
        pytest.skip(f"no browser at {CHROMIUM}: install it with `apt-get install chromium` (or `make browser-deps`)")
    if not (MODEL_DIR / ".built").is_file():
        pytest.skip(f"the embedding model is not built at {MODEL_DIR} (run `make setup`)")
    from index.build import ingest_folder
    from index.embed import Embedder

    root = tmp_path_factory.mktemp("browser")
    letters = root / "letters"
    shutil.copytree(real_letters, letters)
    for p in [letters, *letters.iterdir()]:  # the shared letters are read-only; uploads must land here
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    ingest_folder(letters, Settings().replace(index_dir=root / "index"), embedder=Embedder(str(MODEL_DIR)))
    return letters, root / "index"


@pytest.fixture(scope="module")
def server(real_index: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    letters, index = real_index
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "LETTERS_FAKE_EMBEDDER"}
    env |= {"PYTHONPATH": str(ROOT), "LETTERS_MODEL": str(MODEL_DIR), "HF_HUB_OFFLINE": "1"}
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("wb")
    # Its own session, so the streamlit child that `letters serve` starts goes down with it.
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--index", str(index),
                             "--letters", str(letters)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`letters serve` did not come up on {url} (exit {proc.poll()}); see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture
def page(server: str) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1200, "height": 1000})
            pg.goto(server)
            pg.get_by_placeholder("Spør om et oppdrag").wait_for(timeout=START_TIMEOUT_S * 1000)
            yield pg
        finally:
            browser.close()


def _ask(pg: Page, question: str) -> Locator:
    """Type a question, wait for its answer with feedback thumbs under it; returns the answer message."""
    box = pg.get_by_placeholder("Spør om et oppdrag")
    before = pg.locator("[data-testid=stChatMessage]").count()
    box.fill(question)
    box.press("Enter")
    answer = pg.locator("[data-testid=stChatMessage]").nth(before + 1)
    answer.get_by_text("[1]").first.wait_for(timeout=60_000)
    return answer


def test_deadline_answer_shows_the_cited_paragraph(page: Page) -> None:
    started = time.monotonic()
    answer = _ask(page, QUESTION)
    expect(answer.get_by_text("1. juli 2024").first).to_be_visible()
    expect(answer.get_by_text(CITED).first).to_be_visible()
    expect(answer.get_by_text("TB2024-07 d)").first).to_be_visible()
    assert time.monotonic() - started < 30


@pytest.mark.skipif(not os.environ.get("LETTERS_SCREENSHOTS"), reason="set LETTERS_SCREENSHOTS=DIR to write them")
def test_screenshots(page: Page) -> None:
    out = Path(os.environ["LETTERS_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1100, "height": 820})
    _ask(page, QUESTION)
    page.wait_for_timeout(800)
    page.screenshot(path=str(out / "chat.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})  # the table page is laid out wide
    page.get_by_role("link", name="Alle oppdrag").click()
    page.get_by_label("Søk i ID, tittel og deloppdrag").fill("tobakk")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1500)
    page.locator("[data-testid=stSelectbox]").filter(has_text="Vis ett oppdrag").click()
    page.keyboard.type("TB2024-07")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(out / "assignments.png"))


def test_uploaded_letter_is_answered(page: Page, real_index: tuple[Path, Path]) -> None:
    letters, _ = real_index
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[FilePayload(name=UPLOAD_NAME, mimeType="text/plain", buffer=UPLOAD_TEXT.encode())])
    page.get_by_role("button", name="Last opp og oppdater indeksen").click()
    expect(page.get_by_text(f"{UPLOAD_NAME}: lagt til")).to_be_visible(timeout=120_000)
    assert (letters / UPLOAD_NAME).is_file()
    answer = _ask(page, "Hva er fristen for TB2036-01?")
    expect(answer.get_by_text("2. november 2036").first).to_be_visible()
