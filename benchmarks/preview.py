"""Times the preview page of the real deck in headless Chromium, at the tests' desktop size.

    python benchmarks/preview.py              # builds dist/preview/index.html, median of 3 loads
    python benchmarks/preview.py --repeat 5

It runs `build.py preview` on the project's own sources, then opens the page in a fresh Chromium
profile for each load (as a reviewer first opening it would) and reads the page's own mark,
`document.body.dataset.ready`: performance.now() when the first screen of cards is drawn and its
math typeset. It prints that, the load event's time and the page's size. Needs Chromium, Debian's
chromium-driver and Selenium, as the browser tests do.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from selenium.webdriver.support.ui import WebDriverWait

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import DESKTOP, chrome


def load(page: Path, profile: Path) -> tuple[float, float, int]:
    """Milliseconds to the load event and to the first screen being ready, and the cards drawn by then."""
    with chrome(profile, DESKTOP) as driver:
        driver.get(page.as_uri())
        ready = WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.ready"))
        loaded = driver.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd")
        drawn = driver.execute_script("return document.querySelectorAll('.preview-card:not(.pending)').length")
    return loaded, float(ready), drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="page loads; the median is reported")
    args = parser.parse_args()
    subprocess.run([sys.executable, str(ROOT / "build.py"), "preview", "-q"], check=True, stdout=subprocess.DEVNULL)
    page = ROOT / "dist/preview/index.html"
    with tempfile.TemporaryDirectory(prefix="ankigen-preview-bench-") as scratch:
        runs = [load(page, Path(scratch) / f"profile-{run}") for run in range(args.repeat)]
    loaded, ready, drawn = (statistics.median(column) for column in zip(*runs))
    cards = page.read_text(encoding="utf-8").count('class="preview-card')
    print(f"{page.relative_to(ROOT)}: {page.stat().st_size:,} bytes, {cards} cards")
    print(f"Chromium {DESKTOP['width']}x{DESKTOP['height']}, median of {args.repeat} loads in a fresh profile:")
    print(f"  load event                        {loaded:7.0f} ms")
    print(f"  first screen drawn and typeset    {ready:7.0f} ms ({drawn:.0f} cards drawn)")


if __name__ == "__main__":
    main()
