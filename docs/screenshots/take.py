"""Screenshots of the main pages for the README: run the demo (the README's run command), then
`.venv/bin/python docs/screenshots/take.py [http://127.0.0.1:5000]`. Needs Playwright and Chromium, as the
browser tests do. Each page is reached by clicking, as a person would."""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).parent
PASSWORD = "trading-zone-demo"  # app.demo.DEMO_PASSWORD
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
         "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out", exact=True).wait_for()


def click(page, link) -> None:
    """Follow a link and wait for the page it leads to (a boosted link swaps the page, then the address)."""
    before = page.url
    link.click()
    page.wait_for_url(lambda url: url != before)


def main_nav(page, name: str) -> None:
    click(page, page.get_by_role("navigation", name="Main").get_by_role("link", name=name))


def shoot(page, name: str) -> None:
    """The page from its heading down, two phone screens' worth (a whole page is too long to look at)."""
    page.wait_for_load_state("networkidle")
    top = page.evaluate("document.querySelector('h1').getBoundingClientRect().top + window.scrollY") - 8
    width = page.viewport_size["width"]
    height = min(2 * page.viewport_size["height"], page.evaluate("document.body.scrollHeight") - top)
    page.screenshot(path=HERE / f"{name}.png", full_page=True,
                    clip={"x": 0, "y": top, "width": width, "height": height})
    print(HERE / f"{name}.png")


# Who signs in, then each page: the menu entry, the link followed there, the file.
TOURS = [
    ("head.finance@example.com", [("Results", "Scorecard: Finance", "scorecard")]),
    ("facilitator@example.com", [
        ("Results", "Company view", "heatmap"),
        ("Projects", "Make Finance easy to reach for Sales", "project"),
        ("Workshops", "Trading zone, Spring 2026: Sales, Finance, Support and IT", "board"),
    ]),
]


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
            for email, stops in TOURS:
                context = browser.new_context(locale="en-US", **options)
                page = context.new_page()
                sign_in(page, base, email)
                for menu, link, name in stops:
                    main_nav(page, menu)
                    click(page, page.get_by_role("link", name=link).first)
                    shoot(page, f"{name}-{size}")
                context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000")
