import shutil
import subprocess

import pytest

import stance
from stance.html import render_html

pytestmark = pytest.mark.slow


def test_html_renders_in_a_real_browser(tmp_path, demo_text):
    res = stance.analyze(demo_text)
    page = render_html(res)
    assert "http://" not in page and "https://" not in page and "<script src" not in page  # self-contained
    path = tmp_path / "demo.html"
    path.write_text(page, encoding="utf-8")
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium; .ci/run installs it)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    dom = subprocess.run([browser, *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    for a in res.actors:
        assert f'class="actor-row" data-actor="{a.name}" data-attitude="{a.attitude.label}"' in dom
    assert dom.count('<mark class="actor"') == sum(len(a.mentions) for a in res.actors)
    shot = tmp_path / "demo.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1200,1400", path.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.read_bytes()[:4] == b"\x89PNG"
