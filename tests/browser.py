"""A real browser for tests: Debian's chromium driven by playwright, headless."""
from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"


def missing() -> str | None:
    """Why there is no browser here (None when there is)."""
    return None if shutil.which(CHROMIUM) else "needs Debian's chromium (scripts/setup)"


def decide_in_browser(url: str, button: str, *, screenshot: str | None = None, comment: str = "") -> str:
    """Open an emailed approval link, press `button` (approve/reject) on the confirmation page;
    the text of the result page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 900})
            page.goto(url)
            if comment:
                page.fill("textarea[name=comment]", comment)
            page.click(f"button[value={button}]")
            page.wait_for_selector("text=Decision recorded")
            if screenshot:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=True)
            return page.inner_text("body")
        finally:
            browser.close()
