"""The public face: pages for everyone, signed in or not."""

from app.web.public import leads, locator
from app.web.public.views import bp, unsubscribe

__all__ = ["bp", "leads", "locator", "unsubscribe"]
