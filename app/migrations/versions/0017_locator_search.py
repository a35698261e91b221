"""locator search columns: what a search filters on, kept on each location by the database

Revision ID: 0017_locator_search
Revises: 0016_partner_tags
Create Date: 2026-12-01 20:00:00

A where-to-buy search used to join every location inside the search box to its partner to
know whether the partner is listed and matches the filters: at a million locations a dense
50 km box holds ten thousand of them, and those lookups were most of the search's time. Now
each location carries what the search needs of its partner — listed (active and listed in
the locator), its tier and one text of filter tags (``|t:reseller|s:solar|l:de|``) — and the
search reads the location rows alone. The database keeps them in step, whoever writes: a
trigger on ``partners`` rewrites its locations' columns when a searched field changes, and a
trigger on ``locations`` fills them for a new row or a row moved to another partner. The
tags are built by the same rules on both databases; ``directory.locator.search`` asks for
them in that format (``TAG_PREFIXES``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_locator_search"
down_revision = "0016_partner_tags"
branch_labels = None
depends_on = None


# the partner fields a search filters on: a change to one of them rewrites its locations
SEARCHED = ("status", "listed_in_locator", "type", "tier_id", "specialties",
            "certifications", "services", "languages")  # fmt: skip
# each list field's tag prefix; the type is "t:"
LISTS = (("s", "specialties"), ("c", "certifications"), ("v", "services"), ("l", "languages"))


def _sqlite_tags(p: str) -> str:
    """SQLite: the tags text of the partner row P ("new" or an alias): "|t:…|s:…|…|", each
    value lower-cased with "|" turned into "/"; a field that is not a JSON array adds none."""
    parts = [f"'t:' || replace(lower(coalesce({p}.type, '')), '|', '/')"]
    for prefix, field in LISTS:
        column = f"{p}.{field}"
        parts.append(
            f"(SELECT group_concat('{prefix}:' || replace(lower(j.value), '|', '/'), '|') "
            f"FROM json_each(CASE WHEN json_valid({column}) AND json_type({column}) = 'array' "
            f"THEN {column} ELSE '[]' END) j)"
        )
    joined = " || ".join(f"coalesce({part} || '|', '')" for part in parts)
    return f"('|' || {joined})"


def _sqlite_fill(where: str) -> str:
    """SQLite: set the search columns of the locations WHERE from their partner's row, read
    once per location (one row of aggregates: a location without its partner gets the
    defaults, not NULLs)."""
    return f"""
            UPDATE locations SET (search_listed, search_tier_id, search_tags) = (
                SELECT coalesce(max(p.status = 'active' AND p.listed_in_locator), 0),
                       max(p.tier_id),
                       coalesce(max({_sqlite_tags("p")}), '')
                FROM partners p WHERE p.id = locations.partner_id)
            WHERE {where}"""


SQLITE_TRIGGERS = {
    "locations_search_insert": f"""
        CREATE TRIGGER locations_search_insert AFTER INSERT ON locations
        BEGIN {_sqlite_fill("id = new.id")}; END""",
    "locations_search_move": f"""
        CREATE TRIGGER locations_search_move AFTER UPDATE OF partner_id ON locations
        BEGIN {_sqlite_fill("id = new.id")}; END""",
    "partners_search_sync": f"""
        CREATE TRIGGER partners_search_sync AFTER UPDATE OF {", ".join(SEARCHED)} ON partners
        BEGIN
            UPDATE locations SET
                search_listed = (new.status = 'active' AND new.listed_in_locator),
                search_tier_id = new.tier_id,
                search_tags = {_sqlite_tags("new")}
            WHERE partner_id = new.id;
        END""",
}
SQLITE_BACKFILL = _sqlite_fill("1 = 1")


_PG_TAGS_BODY = " || ".join(
    [
        "'|'",
        "coalesce('t:' || replace(lower(coalesce(ptype, '')), '|', '/') || '|', '')",
        *(
            f"coalesce(locator_list_tags('{prefix}', {field}) || '|', '')"
            for prefix, field in LISTS
        ),
    ]
)
_PG_CHANGED = " OR ".join(f"old.{c}::text IS DISTINCT FROM new.{c}::text" for c in SEARCHED)
PG_INSTALL = [
    # a list that holds text an older version let in (a lone surrogate's \\ud800 escape)
    # cannot be unnested: it gives no tags rather than failing the partner's write
    """CREATE OR REPLACE FUNCTION locator_list_tags(prefix text, list json)
        RETURNS text LANGUAGE plpgsql IMMUTABLE
        AS $$
        BEGIN
            RETURN (SELECT string_agg(prefix || ':' || replace(lower(v), '|', '/'), '|')
                    FROM json_array_elements_text(CASE WHEN json_typeof(list) = 'array'
                                                       THEN list ELSE '[]'::json END) v);
        EXCEPTION WHEN others THEN
            RETURN NULL;
        END $$""",
    f"""CREATE OR REPLACE FUNCTION locator_search_tags(
            ptype text, specialties json, certifications json, services json, languages json)
        RETURNS text LANGUAGE sql IMMUTABLE
        AS $$ SELECT {_PG_TAGS_BODY} $$""",
    """CREATE OR REPLACE FUNCTION locator_location_fill() RETURNS trigger LANGUAGE plpgsql
        AS $$
        BEGIN
            SELECT p.status = 'active' AND p.listed_in_locator, p.tier_id,
                   locator_search_tags(p.type, p.specialties, p.certifications, p.services,
                                       p.languages)
              INTO new.search_listed, new.search_tier_id, new.search_tags
              FROM partners p WHERE p.id = new.partner_id;
            new.search_listed := coalesce(new.search_listed, false);
            new.search_tags := coalesce(new.search_tags, '');
            RETURN new;
        END $$""",
    """CREATE OR REPLACE FUNCTION locator_partner_sync() RETURNS trigger LANGUAGE plpgsql
        AS $$
        BEGIN
            UPDATE locations SET
                search_listed = (new.status = 'active' AND new.listed_in_locator),
                search_tier_id = new.tier_id,
                search_tags = locator_search_tags(new.type, new.specialties,
                                                  new.certifications, new.services,
                                                  new.languages)
            WHERE partner_id = new.id;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER locations_search_fill BEFORE INSERT OR UPDATE OF partner_id ON locations
        FOR EACH ROW EXECUTE FUNCTION locator_location_fill()""",
    f"""CREATE TRIGGER partners_search_sync
        AFTER UPDATE OF {", ".join(SEARCHED)} ON partners
        FOR EACH ROW WHEN ({_PG_CHANGED})
        EXECUTE FUNCTION locator_partner_sync()""",
]
PG_BACKFILL = """
    UPDATE locations l SET
        search_listed = (p.status = 'active' AND p.listed_in_locator),
        search_tier_id = p.tier_id,
        search_tags = locator_search_tags(p.type, p.specialties, p.certifications,
                                          p.services, p.languages)
    FROM partners p WHERE p.id = l.partner_id"""


def upgrade() -> None:
    # plain ADD COLUMN on both databases: no batch copy of locations (its R*Tree triggers)
    op.add_column(
        "locations",
        sa.Column("search_listed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("locations", sa.Column("search_tier_id", sa.Integer(), nullable=True))
    op.add_column(
        "locations",
        sa.Column("search_tags", sa.Text(), nullable=False, server_default=sa.text("''")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)
        op.execute(SQLITE_BACKFILL)
    else:
        for statement in PG_INSTALL:
            op.execute(statement)
        op.execute(PG_BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS partners_search_sync ON partners")
        op.execute("DROP TRIGGER IF EXISTS locations_search_fill ON locations")
        op.execute("DROP FUNCTION IF EXISTS locator_partner_sync()")
        op.execute("DROP FUNCTION IF EXISTS locator_location_fill()")
        op.execute("DROP FUNCTION IF EXISTS locator_search_tags(text, json, json, json, json)")
        op.execute("DROP FUNCTION IF EXISTS locator_list_tags(text, json)")
    # SQLite drops a column natively since 3.35: no batch copy of locations
    op.drop_column("locations", "search_tags")
    op.drop_column("locations", "search_tier_id")
    op.drop_column("locations", "search_listed")
