"""The account face: sign in and out, password reset, invitations, the user's own settings."""

from app.web.account.views import bp

__all__ = ["bp"]
