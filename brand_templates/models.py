"""Brand templates and their versions; a published version never changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow

from .errors import ValidationError

# the columns that make up a version's content; none may change once it is published
CONTENT_ATTRS = ("template_id", "number", "manifest", "bundle_key", "sha256", "size")


class PublishedVersionImmutable(Exception):
    """A published template version was about to be changed or deleted."""


class BrandTemplate(Base):
    __tablename__ = "brand_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    versions: Mapped[list[BrandTemplateVersion]] = relationship(
        back_populates="template", order_by="BrandTemplateVersion.number"
    )

    def __repr__(self) -> str:
        return f"<BrandTemplate {self.slug!r} ({self.kind})>"


class BrandTemplateVersion(Base):
    __tablename__ = "brand_template_versions"
    __table_args__ = (
        UniqueConstraint("template_id", "number", name="uq_brand_template_versions_number"),
        UniqueConstraint("template_id", "sha256", name="uq_brand_template_versions_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("brand_templates.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the bundle as a zip in asset storage, under a content key
    bundle_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # what rendering the version for the sample partner ran into, as ValidationError fields
    # (file, line, field, message): [] when it renders, None when not checked yet (versions
    # imported before this was recorded); a version with problems cannot be published
    render_errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)

    template: Mapped[BrandTemplate] = relationship(back_populates="versions")

    @property
    def render_problems(self) -> list[ValidationError]:
        return [ValidationError(**error) for error in self.render_errors or []]

    def __repr__(self) -> str:
        state = "published" if self.published else "draft"
        return f"<BrandTemplateVersion template={self.template_id} v{self.number} {state}>"


def _was_published(connection, target: BrandTemplateVersion) -> bool:
    """What the database says, not the object: that is what was published."""
    table = BrandTemplateVersion.__table__
    stored = connection.execute(select(table.c.published).where(table.c.id == target.id))
    return bool(stored.scalar())


@event.listens_for(BrandTemplateVersion, "before_update")
def _refuse_changing_published(_mapper, connection, target: BrandTemplateVersion) -> None:
    if not _was_published(connection, target):
        return
    state = inspect(target)
    changed = [name for name in CONTENT_ATTRS if state.attrs[name].history.has_changes()]
    if state.attrs.published.history.has_changes():
        changed.append("published")
    if changed:
        raise PublishedVersionImmutable(
            f"version {target.number} of template {target.template_id} is published and cannot "
            f"change ({', '.join(changed)}); import the changed bundle as a new version"
        )


@event.listens_for(BrandTemplateVersion, "before_delete")
def _refuse_deleting_published(_mapper, connection, target: BrandTemplateVersion) -> None:
    if _was_published(connection, target):
        raise PublishedVersionImmutable(
            f"version {target.number} of template {target.template_id} is published "
            "and cannot be deleted"
        )
