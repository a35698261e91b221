"""A confirmation step before an action that sends email or destroys work.

The view asks ``confirmed()``; when not, it answers ``confirmation_page(...)``: a page that
asks the question and posts the same action again with ``confirmed=yes``, so it works without
JavaScript. confirm.js asks the same question in a dialog instead, from the ``data-confirm``
attributes of the button (``button_attrs``), and posts ``confirmed=yes`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, request, url_for
from markupsafe import Markup, escape

FIELD = "confirmed"


@dataclass(frozen=True)
class Question:
    title: str  # "Remove the asset?"
    message: str  # what will happen
    confirm_label: str  # the button that does it: "Remove asset"
    details: tuple[str, ...] = field(default=())  # more to know, one line each
    danger: bool = True  # destroys work (a red button)

    def button_attrs(self) -> Markup:
        """The data-confirm attributes of the button that asks this question (confirm.js)."""
        attrs = {
            "data-confirm": " ".join([self.message, *self.details]),
            "data-confirm-title": self.title,
            "data-confirm-label": self.confirm_label,
        }
        if self.danger:
            attrs["data-confirm-danger"] = "yes"
        return Markup(" ".join(f'{name}="{escape(value)}"' for name, value in attrs.items()))


def confirmed() -> bool:
    """The form was sent again after the person confirmed (on the page or in the dialog)."""
    return request.form.get(FIELD) == "yes"


def confirmation_page(question: Question, *, layout: str, cancel_url: str, keep=("action",)):
    """The page that asks QUESTION; confirming posts the fields KEEP of this request again to
    the same address, with ``confirmed=yes``."""
    fields = [(name, value) for name in keep for value in request.form.getlist(name)]
    return render_template(
        "confirm.html",
        layout=layout,
        question=question,
        fields=fields,
        action=url_for(request.endpoint, **(request.view_args or {})),
        cancel_url=cancel_url,
    )
