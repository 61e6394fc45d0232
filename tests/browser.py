"""Real headless Chromium for the tests, driven through Debian's chromium-driver by Selenium.

Headless Chromium will not make a window narrower than 500 px, so phone widths come from Chrome's
own device emulation (what its DevTools phone view uses): the viewport, the pixel ratio and touch
behaviour of a phone, not a shrunken desktop window.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# No network here: keep Chromium from trying to reach update and sync services.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",  # phones overlay their scrollbars; a desktop scrollbar would eat 15 px
)  # fmt: skip
PHONE = {"width": 360, "height": 780, "deviceScaleFactor": 3, "mobile": True}
TABLET = {"width": 768, "height": 1024, "deviceScaleFactor": 2, "mobile": True}  # or a phone held sideways
DESKTOP = {"width": 1000, "height": 900, "deviceScaleFactor": 1, "mobile": False}


@contextlib.contextmanager
def chrome(profile_dir: Path, screen: dict = DESKTOP) -> Iterator[webdriver.Chrome]:
    """A headless Chromium showing pages at this screen size; quits however the test ends."""
    assert CHROMIUM and CHROMEDRIVER, "the browser tests need Chromium: apt-get install chromium chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", screen)
        driver.set_script_timeout(120)
        yield driver
    finally:
        driver.quit()


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serves a folder on localhost (pages from a server, as in Anki, so canvas can read images)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the base class names it so
        pass
