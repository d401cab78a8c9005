"""Asking before an action that cannot be undone: the action's form posts once and gets a page that says
what will happen; that page's button posts the same fields again with confirmed=1. The same page serves a
plain browser and htmx (a boosted form swaps it in), so no JavaScript dialog is needed."""
from flask import request

from app.web.htmx import render


def confirmed() -> bool:
    return request.form.get("confirmed") == "1"


def confirmation(title: str, consequence: str, button: str, back: str):
    """The confirmation page for the request being handled; `back` is where Cancel leads."""
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in ("csrf_token", "confirmed")]
    return render("web/confirm.html", title=title, consequence=consequence, button=button, back=back,
                  action=request.path, fields=fields)
