"""The classroom app in headless Chromium: load, step, move a slider, see the charts change."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from reliefsim.app import MAX_HOUSEHOLDS, ClassroomModel, town_visits
from reliefsim.cli import main
from reliefsim.scenario import load_scenario

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_classroom_model_is_bounded_and_tells_stories():
    model = ClassroomModel(households=10_000, dibao_line=1500, data_coverage=1.0)
    assert model.pop.occupied.sum() == MAX_HOUSEHOLDS
    for _ in range(3):
        model.step()
    status = model.status()
    assert set(status) <= {"helped correctly", "missed", "leakage", "gradual exit",
                           "not eligible"}
    assert model.xy.shape == (model.pop.n, 2)
    assert model.pop.weight.sum() == pytest.approx(MAX_HOUSEHOLDS, rel=0.01)


def test_levers_left_alone_keep_the_scenarios_own_values():
    integrated = ClassroomModel(households=100, scenario="integrated_data")
    assert integrated.scenario.values(0).departments.finance.coverage == 1.0
    base = ClassroomModel(households=100)
    later = base.scenario.values(36).policy.dibao_line
    assert later > base.scenario.values(0).policy.dibao_line  # the dated, uprated line is kept
    moved = ClassroomModel(households=100, dibao_line=1500, data_coverage=0.2)
    assert moved.scenario.values(36).policy.dibao_line == 1500.0
    assert moved.scenario.values(0).departments.public_security.coverage == 0.2


def test_capacity_lever_is_at_the_citys_scale_and_binds():
    # baseline: 8,000,000 households / 330 streets ≈ 24,242 per city office; 600 / 9 ≈ 66.7 per
    # town street, so 400 city visits are 400 × 66.7 / 24,242 = 1.1 town visits
    town = ClassroomModel(households=600)
    assert town.scenario.values(0).casework.visits_per_month == pytest.approx(
        400 * (600 / 9) / (8_000_000 / 330))
    assert town_visits(load_scenario("baseline"), 400, 600) == pytest.approx(1.1, abs=0.001)

    def backlog(visits):
        model = ClassroomModel(households=600, visits_per_month=visits, seed=2)
        for _ in range(24):
            model.step()
        return model.ledger.series("backlog")[12:].sum()

    assert backlog(2000) <= backlog(100) < backlog(30)


def test_app_with_unknown_scenario_is_a_clear_error(capsys):
    assert main(["app", "no_such_scenario"]) == 2
    assert "scenario file not found: no_such_scenario" in capsys.readouterr().err


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "reliefsim.cli", "app", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the app did not start within 90 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def numbers(page):
    return page.locator("text=/^Month \\d+ —/").first.inner_text()


def chart_images(page):
    return [img.get_attribute("src") for img in page.locator("img").all()]


def test_app_in_headless_chromium(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app_url, timeout=60_000)
        page.wait_for_selector("text=Month 0", timeout=60_000)
        assert page.locator("text=Dibao line").count() >= 1

        page.get_by_role("button", name="Step").click()
        page.wait_for_selector("text=/^Month 1 —/", timeout=60_000)
        before = chart_images(page)
        first = numbers(page)
        page.get_by_role("button", name="Step").click()
        page.wait_for_selector("text=/^Month 2 —/", timeout=60_000)
        page.wait_for_timeout(500)
        assert chart_images(page) != before                   # the charts moved on

        # move the dibao-line slider to its maximum, reset the town, step again
        slider = page.get_by_role("slider", name="Dibao line (yuan/person)")
        assert slider.get_attribute("aria-valuenow") == "1360"
        slider.focus()
        page.keyboard.press("End")
        page.wait_for_timeout(300)
        assert slider.get_attribute("aria-valuenow") == "2500"
        page.get_by_role("button", name="Reset").click()
        page.wait_for_selector("text=Month 0", timeout=60_000)
        page.get_by_role("button", name="Step").click()
        page.wait_for_selector("text=/^Month 1 —/", timeout=60_000)
        after = numbers(page)
        eligible = [int(t.split("truly eligible ")[1].split(",")[0].replace(",", ""))
                    for t in (first, after)]
        assert eligible[1] > eligible[0], (first, after)     # a higher line, more eligible

        page.get_by_label(re.compile("Household number")).fill("3")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Household 3", timeout=30_000)
        browser.close()
