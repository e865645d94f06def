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


def test_labels_of_a_fine_tuned_head_get_a_colour_and_a_legend_entry():
    from stance.analysis import Actor, ArticleAnalysis, Label, Mention
    from stance.html import COLOURS, colour, render_html

    text = "Moscow defied the ruling."
    actor = Actor("Russia", "country", ["Moscow"], [Mention("Moscow", 0, 6)],
                  Label("defiant", 0.9, {"defiant": 0.9}), Label("negative", 0.7, {"negative": 0.7}), None, [])
    page = render_html(ArticleAnalysis(text, [actor], None, "custom"))
    assert colour("defiant") not in COLOURS.values() and colour("defiant") == colour("defiant")
    assert f'background:{colour("defiant")}">defiant</span>' in page  # in the legend
    assert f'style="background:{colour("defiant")}">Moscow</mark>' in page
    assert f'background:{colour("negative")}">negative 0.70' in page
