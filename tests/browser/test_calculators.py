"""Calculators in a real browser: live results without a page load, presets filling the
fields, messages for bad values, the no-JavaScript form, and a narrow screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

POST = "/posts/kv-caching"


def calc_form(page):
    return page.locator("form.calc").first


def test_changing_an_input_updates_the_result_without_a_page_load(live_server, page):
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.goto(live_server.url + POST)
    form = calc_form(page)
    outputs = form.locator("output")
    expect(outputs.nth(1)).to_have_text("1 GiB")
    # A marker on window survives only if the page is not reloaded or replaced.
    page.evaluate("window.calcMarker = 'still here'")
    form.locator("input[name=seq_len]").fill("16384")
    expect(outputs.nth(1)).to_have_text("2 GiB")
    form.locator("input[name=batch]").fill("4")
    expect(outputs.nth(2)).to_have_text("8 GiB")
    assert page.evaluate("window.calcMarker") == "still here"
    assert page.url == live_server.url + POST
    assert not page.js_errors
    assert not [m for m in messages if "Content Security Policy" in m]


def test_picking_a_preset_fills_the_fields_and_editing_one_shows_custom(live_server, page):
    page.goto(live_server.url + POST)
    form = calc_form(page)
    form.locator("select[name=model]").select_option("llama-3-70b")
    expect(form.locator("input[name=layers]")).to_have_value("80")
    expect(form.locator("output").first).to_have_text("320 KiB")
    form.locator("input[name=layers]").fill("40")
    expect(form.locator("select[name=model]")).to_have_value("")
    expect(form.locator("output").first).to_have_text("160 KiB")


def test_a_bad_value_shows_its_message_and_hides_the_results(live_server, page):
    page.goto(live_server.url + POST)
    form = calc_form(page)
    batch = form.locator("input[name=batch]")
    batch.fill("-5")
    error = form.locator(".calc-error:not([hidden])")
    expect(error).to_have_text("Batch size must be at least 1.")
    expect(batch).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".calc-result-list")).to_be_hidden()
    # The message is the field's description for assistive technology.
    assert error.get_attribute("id") in batch.get_attribute("aria-describedby").split()
    batch.fill("2")
    expect(form.locator(".calc-result-list")).to_be_visible()
    expect(form.locator(".calc-error:not([hidden])")).to_have_count(0)
    expect(form.locator("output").nth(2)).to_have_text("2 GiB")


def test_without_javascript_the_form_submits_to_the_calculator_page(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + POST)
        form = calc_form(page)
        form.locator("input[name=seq_len]").fill("32768")
        form.locator("button[type=submit]").click()
        page.wait_for_url("**/-/calculators/kv-cache?**")
        assert page.locator("h1").inner_text() == "KV-cache size"
        expect(calc_form(page).locator("output").nth(1)).to_have_text("4 GiB")
        expect(calc_form(page).locator("input[name=seq_len]")).to_have_value("32768")
    finally:
        context.close()


def test_the_form_fits_a_phone_screen_in_dark_mode(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 800}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/posts/tensor-parallelism")
        form = calc_form(page)
        expect(form).to_be_visible()
        overflow = form.evaluate("f => f.scrollWidth - f.clientWidth")
        assert overflow <= 0
        background = form.evaluate("f => getComputedStyle(f).backgroundColor")
        assert background == "rgb(24, 29, 35)"  # --surface in the dark palette
    finally:
        context.close()


def test_when_the_server_cannot_be_reached_calculate_falls_back_to_the_page(live_server, page):
    page.goto(live_server.url + POST)
    page.route("**/-/calculators/kv-cache.json?*", lambda route: route.abort())
    form = calc_form(page)
    form.locator("input[name=seq_len]").fill("65536")
    expect(form.locator(".calc-general")).to_contain_text("Could not update the results here")
    page.unroute("**/-/calculators/kv-cache.json?*")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/-/calculators/kv-cache?**")
    expect(calc_form(page).locator("output").nth(1)).to_have_text("8 GiB")


# --- charts and chains ---------------------------------------------------------------------------


def test_a_calculator_chart_is_redrawn_in_place_when_a_value_changes(live_server, page):
    page.goto(live_server.url + "/posts/chunked-prefill")
    form = calc_form(page)
    chart = form.locator(".calc-chart svg[role=img]")
    expect(chart.locator("desc")).to_contain_text("(batch of 1)")
    page.evaluate("window.calcMarker = 'still here'")
    form.locator("input[name=batch]").fill("4")
    expect(chart.locator("desc")).to_contain_text("(batch of 4)")
    expect(form.locator("output").nth(2)).to_have_text("4,466 ms")
    # A bad value hides the chart with the results; a good one brings both back.
    form.locator("input[name=batch]").fill("0")
    expect(form.locator(".calc-chart")).to_be_hidden()
    form.locator("input[name=batch]").fill("1")
    expect(form.locator(".calc-chart")).to_be_visible()
    assert page.evaluate("window.calcMarker") == "still here"
    assert not page.js_errors


def test_chained_calculators_follow_a_new_model(live_server, page):
    page.goto(live_server.url + "/posts/batch-inference")
    kv, decode, cost = (page.locator("form[data-calc-chain=job]").nth(i) for i in range(3))
    expect(decode.locator("output").last).to_have_text("20.35 GB of 80 GB: fits")
    kv.locator("select[name=model]").select_option("llama-2-7b")
    # 512 KiB per token (multi-head attention) reaches decode, then its rate reaches the cost.
    expect(kv.locator("output").first).to_have_text("512 KiB")
    expect(decode.locator("input[name=kv_kib]")).to_have_value("512")
    expect(decode.locator("input[name=params_b]")).to_have_value("6.74")
    rate = decode.locator("output").nth(6)
    expect(rate).not_to_have_text("3,887 tokens/s")
    expect(cost.locator("input[name=tokens_per_s]")).not_to_have_value("3887.48")
    fed = float(cost.locator("input[name=tokens_per_s]").input_value())
    shown = float(rate.inner_text().split()[0].replace(",", ""))
    assert abs(fed - shown) / shown < 1e-3
    assert not page.js_errors


@pytest.mark.parametrize("chosen", [None, "dark"])
def test_charts_follow_the_dark_theme(live_server, browser, chosen):
    # Dark from the system, or chosen by the reader on a light system (data-theme).
    context = browser.new_context(color_scheme="light" if chosen else "dark")
    if chosen:
        context.add_init_script(f"localStorage.setItem('pressmark-theme', '{chosen}')")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/posts/batch-inference")
        line = page.locator("figure.chart .chart-s1 .chart-line").first
        assert line.evaluate("e => getComputedStyle(e).stroke") == "rgb(127, 182, 255)"
        text = page.locator("figure.chart text").first
        assert text.evaluate("e => getComputedStyle(e).fill") == "rgb(231, 234, 238)"
    finally:
        context.close()
