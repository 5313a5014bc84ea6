"""The classroom app in headless Chromium: load, step, move a slider, see the charts change."""

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from reliefsim.app import MAX_HOUSEHOLDS, ClassroomModel, lever_label, town_counts, town_visits
from reliefsim.cli import main
from reliefsim.scenario import load_scenario

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_classroom_model_is_bounded_and_tells_stories():
    model = ClassroomModel(households=10_000, dibao_line=1500, data_coverage=1.0)
    assert model.pop.occupied.sum() == MAX_HOUSEHOLDS
    for _ in range(3):
        model.step()
    status = model.status()
    assert set(status[model.pop.occupied]) <= {"helped correctly", "missed", "leakage",
                                               "gradual exit", "not eligible"}
    assert (status[~model.pop.occupied] == "").all()         # empty slots are not dots
    assert model.xy.shape == (model.pop.n, 2)      # one place per slot, drawn if occupied
    occupied = model.pop.occupied
    assert (model.pop.weight[occupied] == 1.0).all()          # each dot one household
    assert (model.pop.weight[~occupied] == 0.0).all()         # empty slots are no one


def test_the_towns_text_counts_its_dots():
    model = ClassroomModel(households=600, seed=3)
    for _ in range(4):
        model.step()
    counts = town_counts(model)
    assert sum(counts.values()) == model.pop.occupied.sum()
    # with weights of 1 the ledger's weighted counts are the dots too
    eligible_dots = (model.spells.eligible & model.pop.occupied).sum()
    assert model.ledger.series("eligible")[-1] == pytest.approx(eligible_dots)
    assert counts["helped correctly"] + counts["missed"] <= eligible_dots
    assert counts["helped correctly"] + counts["missed"] > 10   # a town with people to help


def test_the_apps_figures_draw_chinese_glyphs():
    import warnings

    from reliefsim.app import charts_figure, town_figure

    model = ClassroomModel(households=200)
    model.step()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        for make in (town_figure, charts_figure):
            make(model, "zh").savefig(io.BytesIO(), format="png")


def test_slider_labels_show_value_and_unit():
    assert lever_label("dibao_line", 1500) == "Dibao line: 1,500 yuan/person/month"
    assert lever_label("dibao_line", 1500, "zh") == "低保标准: 1,500 元/人/月"
    assert lever_label("exit_period_months", 12) == "Gradual exit: 12 months"


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
    # baseline: 8,230,792 households / 330 streets ≈ 24,942 per city office; 600 / 9 ≈ 66.7 per
    # town street, so 400 city visits are 400 × 66.7 / 24,942 = 1.07 town visits
    town = ClassroomModel(households=600)
    assert town.scenario.values(0).casework.visits_per_month == pytest.approx(
        400 * (600 / 9) / (8_230_792 / 330))
    assert town_visits(load_scenario("baseline"), 400, 600) == pytest.approx(1.069, abs=0.001)

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
    # a session of its own: the command starts Solara as a child, and the whole group is
    # stopped at the end (stopping the command alone would leave Solara running)
    proc = subprocess.Popen([sys.executable, "-m", "reliefsim.cli", "app", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
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
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the app did not start within 90 s")
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def numbers(page):
    return page.locator("text=/^(Month|第) \\d+ (—|月)/").first.inner_text()


def chart_images(page):
    return [img.get_attribute("src") for img in page.locator("img").all()]


def counts_in_text(text):
    """(eligible, missed, leakage) as the page's text gives them."""
    eligible = int(re.search(r"truly eligible ([\d,]+)", text)[1].replace(",", ""))
    missed = int(re.search(r"missed ([\d,]+) of", text)[1].replace(",", ""))
    leakage = int(re.search(r"leakage ([\d,]+) of", text)[1].replace(",", ""))
    return eligible, missed, leakage


def slider_after(page, text):
    """The slider drawn under the label that starts with ``text``."""
    return page.locator(f"text=/^{re.escape(text)}/").first.locator(
        "xpath=following::*[@role='slider'][1]")


def shots_folder(tmp_path):
    folder = Path(os.environ.get("RELIEFSIM_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_app_in_headless_chromium(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = shots_folder(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app_url, timeout=60_000)
        page.wait_for_selector("text=Month 0", timeout=60_000)
        assert page.title() == "reliefsim"
        # every slider shows its value and unit
        for label in ("Dibao line: 1,360 yuan/person/month", "Marginal line: 1.5 × dibao line",
                      "Gradual exit: 6 months", "Data coverage: 0.55 share of households linked",
                      "Home visits: 400 per street office per month, city scale",
                      "Households in town: 600 households"):
            assert page.locator(f"text={label}").count() == 1, label

        page.get_by_role("button", name="Step").click()
        page.wait_for_selector("text=/^Month 1 —/", timeout=60_000)
        before = chart_images(page)
        first = numbers(page)
        # the text counts the map's dots: the same town, stepped the same, in this process
        town = ClassroomModel()
        town.step()
        c = town_counts(town)
        assert counts_in_text(first) == (c["helped correctly"] + c["missed"] + c["gradual exit"],
                                         c["missed"], c["leakage"]), first
        page.get_by_role("button", name="Step").click()
        page.wait_for_selector("text=/^Month 2 —/", timeout=60_000)
        page.wait_for_timeout(800)
        assert chart_images(page) != before                   # the charts moved on
        page.screenshot(path=str(shots / "town-en.png"))
        # the whole town is on the page: its picture ends inside the 1000-pixel window
        town_img = page.locator("img").nth(0).bounding_box()
        assert town_img["y"] + town_img["height"] <= 1000, town_img

        # move the dibao-line slider to its maximum: its label says so; reset; step again
        slider = slider_after(page, "Dibao line:")
        assert slider.get_attribute("aria-valuenow") == "1360"
        slider.focus()
        page.keyboard.press("End")
        page.wait_for_selector("text=Dibao line: 2,500 yuan/person/month", timeout=10_000)
        assert slider.get_attribute("aria-valuenow") == "2500"
        page.get_by_role("button", name="Reset").click()
        page.wait_for_selector("text=Month 0", timeout=60_000)
        page.get_by_role("button", name="Step").click()
        page.wait_for_selector("text=/^Month 1 —/", timeout=60_000)
        after = numbers(page)
        assert counts_in_text(after)[0] > counts_in_text(first)[0], (first, after)

        # the calculator panel explains a household under the rules in force
        page.wait_for_selector("text=Calculator", timeout=30_000)
        panel = page.locator("pre", has_text="Tier tests").first
        assert "Tier: dibao" in panel.inner_text()               # 1,200 yuan for 3 people
        assert "dibao line 2,500.00" in panel.inner_text()       # the slider's line, reset in
        page.get_by_label("wages, yuan/month").fill("30000")
        page.keyboard.press("Enter")
        page.wait_for_selector("pre:has-text('Tier: none')", timeout=30_000)
        page.locator("pre", has_text="Tier tests").first.screenshot(
            path=str(shots / "calculator-en.png"))

        page.get_by_label(re.compile("Household number")).fill("3")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Household 3", timeout=30_000)

        # the language switch: the text, the sliders and the calculator in Chinese
        page.mouse.wheel(0, -5000)
        page.get_by_role("button", name="中文").click()
        page.wait_for_selector("text=/^第 1 月/", timeout=30_000)
        page.wait_for_selector("text=低保标准: 2,500 元/人/月", timeout=30_000)
        page.wait_for_selector("pre:has-text('认定档次')", timeout=30_000)
        assert page.title() == "reliefsim"
        page.wait_for_timeout(800)
        page.locator("text=/^第 1 月/").first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "town-zh.png"))
        page.locator("pre", has_text="认定档次").first.screenshot(
            path=str(shots / "calculator-zh.png"))
        page.get_by_role("button", name="English").click()
        page.wait_for_selector("text=/^Month 1 —/", timeout=30_000)
        browser.close()
