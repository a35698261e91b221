"""locator: coordinates with a geocode state, public profiles, spatial indexes, geocode cache

Revision ID: 0011_locator
Revises: 0008_template_render_errors
Create Date: 2026-12-01 12:30:00

The spatial index is each database's own: an R*Tree virtual table kept in step with
``locations`` by triggers on SQLite; on PostgreSQL a GiST index over the ``cube`` +
``earthdistance`` point of each location. The earthdistance functions are reached through
three small wrappers created beside the tables, which name the extensions' schema and so work
whatever the connection's search_path is.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_locator"
down_revision = "0009_journeys"
branch_labels = None
depends_on = None

RTREE_TRIGGERS = {
    "locations_rtree_insert": """
        CREATE TRIGGER locations_rtree_insert AFTER INSERT ON locations
        WHEN new.latitude IS NOT NULL AND new.longitude IS NOT NULL
        BEGIN
            INSERT INTO location_rtree (id, min_lat, max_lat, min_lon, max_lon)
            VALUES (new.id, new.latitude, new.latitude, new.longitude, new.longitude);
        END""",
    "locations_rtree_update": """
        CREATE TRIGGER locations_rtree_update AFTER UPDATE OF latitude, longitude ON locations
        BEGIN
            DELETE FROM location_rtree WHERE id = old.id;
            INSERT INTO location_rtree (id, min_lat, max_lat, min_lon, max_lon)
            SELECT new.id, new.latitude, new.latitude, new.longitude, new.longitude
            WHERE new.latitude IS NOT NULL AND new.longitude IS NOT NULL;
        END""",
    "locations_rtree_delete": """
        CREATE TRIGGER locations_rtree_delete AFTER DELETE ON locations
        BEGIN
            DELETE FROM location_rtree WHERE id = old.id;
        END""",
}


def _pg_functions(ext: str) -> list[str]:
    path = f"SET search_path = {ext}"
    return [
        f"""CREATE OR REPLACE FUNCTION locator_earth(lat float8, lon float8)
            RETURNS {ext}.cube LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE {path}
            AS 'SELECT {ext}.ll_to_earth(lat, lon)::{ext}.cube'""",
        f"""CREATE OR REPLACE FUNCTION locator_box(lat float8, lon float8, radius_m float8)
            RETURNS {ext}.cube LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE {path}
            AS 'SELECT {ext}.earth_box({ext}.ll_to_earth(lat, lon), radius_m)'""",
        f"""CREATE OR REPLACE FUNCTION locator_distance_m(
                lat1 float8, lon1 float8, lat2 float8, lon2 float8)
            RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE {path}
            AS 'SELECT {ext}.earth_distance({ext}.ll_to_earth(lat1, lon1),
                                             {ext}.ll_to_earth(lat2, lon2))'""",
    ]


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("services", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("languages", sa.JSON(), nullable=True))
    op.execute("UPDATE partners SET services = '[]', languages = '[]'")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.alter_column("services", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("languages", existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("geocode_state", sa.String(10), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("geocoded_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("geocode_note", sa.String(300), nullable=False, server_default="")
        )
        batch_op.create_index("ix_locations_geocode_state", ["geocode_state"], unique=False)
    # coordinates typed before the locator existed were placed by hand
    op.execute(
        "UPDATE locations SET geocode_state = 'manual' "
        "WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    )
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.alter_column("geocode_state", server_default=None)
        batch_op.alter_column("geocode_note", server_default=None)

    with op.batch_alter_table("program_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locator_sort", sa.String(10), nullable=False, server_default="distance")
        )
        batch_op.add_column(
            sa.Column("locator_tier_boost_km", sa.Float(), nullable=False, server_default="5")
        )
        batch_op.add_column(
            sa.Column("locator_radius_km", sa.Integer(), nullable=False, server_default="50")
        )
        batch_op.add_column(
            sa.Column(
                "profile_changes_need_approval",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    with op.batch_alter_table("program_settings", schema=None) as batch_op:
        for name in (
            "locator_sort",
            "locator_tier_boost_km",
            "locator_radius_km",
            "profile_changes_need_approval",
        ):
            batch_op.alter_column(name, server_default=None)

    op.create_table(
        "geocode_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("query", sa.String(400), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("label", sa.String(400), nullable=False),
        sa.Column("precision", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geocode_cache")),
        sa.UniqueConstraint("provider", "query", name=op.f("uq_geocode_cache_provider")),
    )
    op.create_table(
        "profile_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_profile_changes_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_profile_changes_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_profile_changes_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_changes")),
    )
    with op.batch_alter_table("profile_changes", schema=None) as batch_op:
        batch_op.create_index("ix_profile_changes_partner_id", ["partner_id"], unique=False)
        batch_op.create_index("ix_profile_changes_state", ["state"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE location_rtree "
            "USING rtree(id, min_lat, max_lat, min_lon, max_lon)"
        )
        op.execute(
            "INSERT INTO location_rtree (id, min_lat, max_lat, min_lon, max_lon) "
            "SELECT id, latitude, latitude, longitude, longitude FROM locations "
            "WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
        )
        for statement in RTREE_TRIGGERS.values():
            op.execute(statement)
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS cube SCHEMA public")
        op.execute("CREATE EXTENSION IF NOT EXISTS earthdistance SCHEMA public")
        ext = (
            op.get_bind()
            .execute(
                sa.text(
                    "SELECT extnamespace::regnamespace::text FROM pg_extension "
                    "WHERE extname = 'earthdistance'"
                )
            )
            .scalar_one()
        )
        for statement in _pg_functions(ext):
            op.execute(statement)
        op.execute(
            "CREATE INDEX ix_locations_earth ON locations USING gist "
            "(locator_earth(latitude, longitude)) "
            "WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in RTREE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS location_rtree")
    else:
        op.execute("DROP INDEX IF EXISTS ix_locations_earth")
        op.execute("DROP FUNCTION IF EXISTS locator_earth(float8, float8)")
        op.execute("DROP FUNCTION IF EXISTS locator_box(float8, float8, float8)")
        op.execute("DROP FUNCTION IF EXISTS locator_distance_m(float8, float8, float8, float8)")
        # the extensions stay: other schemas of the database may use them
    with op.batch_alter_table("profile_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_changes_state")
        batch_op.drop_index("ix_profile_changes_partner_id")
    op.drop_table("profile_changes")
    op.drop_table("geocode_cache")
    with op.batch_alter_table("program_settings", schema=None) as batch_op:
        batch_op.drop_column("profile_changes_need_approval")
        batch_op.drop_column("locator_radius_km")
        batch_op.drop_column("locator_tier_boost_km")
        batch_op.drop_column("locator_sort")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_index("ix_locations_geocode_state")
        batch_op.drop_column("geocode_note")
        batch_op.drop_column("geocoded_at")
        batch_op.drop_column("geocode_state")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("languages")
        batch_op.drop_column("services")
