"""One place that decides between a whole page and an htmx fragment, and how to redirect."""
from flask import make_response, redirect, render_template, request


def wants_fragment() -> bool:
    """An htmx request that swaps part of a page (not boosted navigation, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(page_template: str, fragment_template: str | None = None, *, http_status: int = 200, **context):
    """The page for a normal request, the fragment for an htmx request; the answers differ, so Vary."""
    chosen = fragment_template if fragment_template and wants_fragment() else page_template
    response = make_response(render_template(chosen, **context), http_status)
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str):
    """htmx does not show the page behind a 3xx, so tell it where to go; plain posts get a 303."""
    if wants_fragment():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)
