"""The calculators' pages and JSON endpoint, under ``/-/calculators/``.

- ``/-/calculators/``: the list of calculators;
- ``/-/calculators/<name>?k=v``: the form with those values and results, in the site's
  layout (where the no-JavaScript form submits); 400 when a value is invalid;
- ``/-/calculators/<name>.json?k=v``: the same evaluation as JSON for the live script;
  400 with ``errors`` (one message per field) when a value is invalid.

Unknown calculators are 404s. Query arguments a calculator does not take are ignored.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request
from markupsafe import Markup
from pressmark.api import render_page
from pressmark.plugins.calculators.base import Calculator, Evaluation, evaluate
from pressmark.plugins.calculators.registry import calculators, get_calculator
from pressmark.plugins.calculators.render import (
    URL_PREFIX,
    chart_html,
    render_form,
    report_failure,
)

bp = Blueprint("calculators", __name__, url_prefix=URL_PREFIX)

# Results depend only on the query and the code, so clients and CDNs may keep them a while.
JSON_MAX_AGE = 3600


def _evaluate(name: str) -> tuple[Calculator | None, Evaluation | None]:
    calc = get_calculator(current_app, name)
    if calc is None:
        return None, None
    # The first value of each argument, as a form sends it.
    evaluation = evaluate(calc, request.args.to_dict(flat=True))
    report_failure(current_app, evaluation)
    return calc, evaluation


def _status(evaluation: Evaluation) -> int:
    if evaluation.failure is not None:
        return 500
    return 200 if evaluation.ok else 400


@bp.get("/")
def index() -> str:
    items = sorted(calculators(current_app).values(), key=lambda c: c.title.lower())
    return render_page("calculators/index.html", calculators=items)


@bp.get("/<name>.json")
def as_json(name: str) -> Response:
    calc, evaluation = _evaluate(name)
    if evaluation is None:
        response = jsonify(
            ok=False,
            error=f"Unknown calculator “{name[:80]}”.",
            calculators=sorted(calculators(current_app)),
        )
        response.status_code = 404
        return response
    # The chart comes drawn, as the page draws it, so the script has no drawing code.
    response = jsonify(evaluation.as_dict() | {"chart": chart_html(evaluation) or None})
    response.status_code = _status(evaluation)
    if response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = JSON_MAX_AGE
    else:
        response.cache_control.no_store = True
    return response


@bp.get("/<name>")
def page(name: str) -> tuple[str, int]:
    calc, evaluation = _evaluate(name)
    if evaluation is None:
        abort(404)
    form = render_form(current_app, evaluation, uid=f"calc-{calc.name}")
    return render_page("calculators/page.html", calc=calc, form=Markup(form)), _status(evaluation)
