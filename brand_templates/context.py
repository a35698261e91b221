"""The shape of the render context every template receives, and brand-kit references into it."""

from __future__ import annotations

from collections.abc import Mapping

# leaves are None; nested dicts are sub-objects
PARTNER_SHAPE: dict[str, object] = {
    "name": None,
    "slug": None,
    "logo": None,
    "colors": {"primary": None, "secondary": None},
    "tagline": None,
    "website": None,
    "phone": None,
    "email": None,
    "description": None,
    "contact": {"phone": None, "email": None, "website": None, "address": None},
}
VENDOR_SHAPE: dict[str, object] = {
    "name": None,
    "logo": None,
    "colors": {"primary": None, "secondary": None},
}
CONTEXT_SHAPE: dict[str, object] = {"partner": PARTNER_SHAPE, "vendor": VENDOR_SHAPE}
# where a default may come from: the brand kit, never the partner's own field values
REFERENCE_ROOTS = ("partner", "vendor")


def check_reference(path: str) -> str | None:
    """None if PATH (``partner.colors.primary``) names a leaf of the context, else why not."""
    parts = path.split(".")
    if parts[0] not in REFERENCE_ROOTS:
        roots = " or ".join(REFERENCE_ROOTS)
        return f"{path!r} must start with {roots}"
    node: object = CONTEXT_SHAPE
    walked: list[str] = []
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            where = ".".join(walked) or "the context"
            known = ", ".join(sorted(node)) if isinstance(node, dict) else ""
            hint = f" (known: {known})" if known else ""
            return f"{where} has no {part!r}{hint}"
        node = node[part]
        walked.append(part)
    if isinstance(node, dict):
        return f"{path!r} is a group, not a value; name one of: {', '.join(sorted(node))}"
    return None


def lookup(context: Mapping, path: str) -> object:
    """The value at a dotted PATH of the context, or None when any step is missing."""
    node: object = context
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        else:
            node = getattr(node, part, None)
        if node is None:
            return None
    return node


def conform(value: object, shape: dict[str, object]) -> dict[str, object]:
    """VALUE filled out to SHAPE: missing or None leaves become "" so templates print nothing.

    Keys beyond the shape are kept; a template written against the shape never meets an
    undefined name (StrictUndefined) or prints "None" for a partner without a tagline.
    """
    source = value if isinstance(value, Mapping) else {}
    out: dict[str, object] = dict(source)
    for key, sub in shape.items():
        current = source.get(key)
        if isinstance(sub, dict):
            out[key] = conform(current, sub)
        else:
            out[key] = "" if current is None else current
    return out
