"""Field values: defaults (incl. brand-kit references), vendor presets and partner overrides."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from markupsafe import Markup

from .context import lookup
from .errors import FieldValueError, LockedFieldError, ValidationError
from .fieldtypes import FieldTypeError, clean_value
from .manifest import FieldSpec, Manifest


def default_value(spec: FieldSpec, context: Mapping) -> tuple[object, str | None]:
    """The field's default and where it came from (a brand-kit path, or None for the manifest)."""
    if spec.default_from:
        value = lookup(context, spec.default_from)
        if value not in (None, ""):
            return value, spec.default_from
    return spec.default, None


def resolve_values(
    manifest: Manifest,
    context: Mapping,
    preset: Mapping | None = None,
    overrides: Mapping | None = None,
    *,
    as_partner: bool,
    files: Collection[str] | None = None,
) -> dict[str, str | Markup]:
    """The value of every field, checked and cleaned.

    Precedence: default (``default_from`` brand-kit reference, else ``default``) < vendor
    PRESET < OVERRIDES. When AS_PARTNER, an override of a locked field raises
    LockedFieldError; other problems raise FieldValueError listing every field at fault.
    FILES (the bundle's file names), when given, lets image values naming template files
    be checked. Richtext comes back sanitized, as Markup; everything else as plain str.
    """
    preset = dict(preset or {})
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    errors: list[ValidationError] = []
    for source, values in (("preset", preset), ("override", overrides)):
        for name in values:
            if name not in manifest.fields:
                errors.append(
                    ValidationError(
                        None, None, name, f"{source} for a field the template does not have"
                    )
                )
    if as_partner:
        locked = [
            name for name in overrides if name in manifest.fields and manifest.fields[name].locked
        ]
        if locked:
            raise LockedFieldError(
                ValidationError(
                    None, None, name, "is locked by the vendor; partners cannot change it"
                )
                for name in locked
            )

    resolved: dict[str, str | Markup] = {}
    for name, spec in manifest.fields.items():
        origin: str | None = None
        if name in overrides:
            value: object = overrides[name]
        elif name in preset and preset[name] is not None:
            value = preset[name]
        else:
            value, origin = default_value(spec, context)
        try:
            resolved[name] = _clean(spec, value, files)
        except FieldTypeError as exc:
            if origin is None:
                errors.append(ValidationError(None, None, name, str(exc)))
                continue
            # a brand-kit value that does not fit: fall back to the template's own default
            try:
                resolved[name] = _clean(spec, spec.default, files)
            except FieldTypeError:
                errors.append(
                    ValidationError(
                        None,
                        None,
                        name,
                        f"the brand kit's {origin} ({value!r}) does not fit: {exc}",
                    )
                )
    if errors:
        raise FieldValueError(errors)
    return resolved


def _clean(spec: FieldSpec, value: object, files: Collection[str] | None) -> str | Markup:
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec.required:
            raise FieldTypeError(f"{spec.label} is required")
        return Markup("") if spec.type == "richtext" else ""
    return clean_value(
        spec.type, value, max_length=spec.max_length, choices=spec.choices, files=files
    )
