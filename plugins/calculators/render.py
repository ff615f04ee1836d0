"""Rendering a calculator as an accessible HTML form, for embeds and for its own page.

The form is complete without JavaScript: it carries the current values and results, and
submits (GET) to the calculator's page. ``calculators.js`` finds it by ``data-calc-json``
and recomputes live through the JSON endpoint.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from flask import Flask, current_app
from markupsafe import Markup
from pressmark.api import embed_notice, record_failure
from pressmark.plugins.calculators.base import GENERAL, WAS_PREFIX, Calculator, Evaluation, evaluate
from pressmark.plugins.calculators.chart import render_figure
from pressmark.plugins.calculators.registry import calculators, owner

URL_PREFIX = "/-/calculators"
EMBED_NAME = "calc"


def calculator_path(app: Flask, name: str, suffix: str = "") -> str:
    """The calculator's page (``suffix=".json"``: its JSON endpoint). Built from the config,
    not ``url_for``, because embeds are rendered on save, often outside any request."""
    root = (app.config.get("APPLICATION_ROOT") or "/").rstrip("/")
    return f"{root}{URL_PREFIX}/{name}{suffix}"


def report_failure(app: Flask, evaluation: Evaluation) -> None:
    """Log a calculator whose ``compute`` (or ``chart``) broke, under the plugin that
    registered it."""
    plugin = owner(app, evaluation.calculator.name)
    for failure in (evaluation.failure, evaluation.chart_failure):
        if failure is not None:
            record_failure(app, plugin, "register_calculators", failure)


def chart_html(evaluation: Evaluation) -> str:
    """The calculator's chart as an accessible figure, or "" when it has none (or the values
    are invalid)."""
    if evaluation.chart is None or not evaluation.ok:
        return ""
    return str(render_figure(evaluation.chart))


def render_form(app: Flask, evaluation: Evaluation, uid: str, chain: str = "") -> Markup:
    """The calculator form for ``evaluation``; ``uid`` prefixes every id in it. Forms with
    the same ``chain`` feed each other live (``calculators.js``)."""
    calc = evaluation.calculator
    template = app.jinja_env.get_template("calculators/form.html")
    html = template.render(
        calc=calc,
        ev=evaluation,
        uid=uid,
        general_key=GENERAL,
        was_prefix=WAS_PREFIX,
        action=calculator_path(app, calc.name),
        json_url=calculator_path(app, calc.name, ".json"),
        chain=chain,
        chart=Markup(chart_html(evaluation)),
        control_ids=" ".join(
            f"{uid}-{name}" for name in [g.name for g in calc.presets] + list(calc.input_map)
        ),
    )
    # Indentation is for reading the template; posts with several calculators stay lighter.
    return Markup(re.sub(r"\n\s+", "\n", html))


def _parameter_list(calc: Calculator) -> str:
    return ", ".join(sorted(calc.parameters - {WAS_PREFIX + g.name for g in calc.presets}))


def render_embed(params: Mapping[str, str]) -> str:
    """The ``calc`` embed handler: ``{{< calc NAME key=value ... >}}``.

    A missing or unknown calculator name renders a notice listing the available ones;
    parameters the calculator does not take render a notice above the working form.
    """
    app = current_app._get_current_object()
    words = params.get("_", "").split()
    available = ", ".join(sorted(calculators(app))) or "none"
    if not words:
        return embed_notice(
            f"The {EMBED_NAME} embed needs a calculator name, e.g. "
            f"{{{{< {EMBED_NAME} kv-cache >}}}}. Available: {available}."
        )
    name = words[0].lower()
    calc = calculators(app).get(name)
    if calc is None:
        return embed_notice(f"Unknown calculator “{name}”. Available: {available}.")
    chain = params.get("chain", "")
    evaluation = evaluate(calc, {k: v for k, v in params.items() if k not in ("_", "chain")})
    report_failure(app, evaluation)
    uid = f"calc-{secrets.token_hex(4)}"  # short: every output names every control by id
    html = str(render_form(app, evaluation, uid, chain=chain[:40]))
    unknown = [f"“{w}”" for w in words[1:]] + [f"“{p}”" for p in evaluation.unknown]
    if unknown:
        notice = embed_notice(
            f"The {name} calculator ignores {', '.join(unknown)}; it takes: "
            f"{_parameter_list(calc)}."
        )
        html = notice + html
    return html
