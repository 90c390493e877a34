"""The schema as SQLAlchemy Core tables (storage SRID 4326, lon/lat).

The migrations in ``alembic/versions`` create exactly this; constraints the
Core layer cannot express (exclusion constraints, triggers) live there too.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, DATERANGE, JSONB

SRID = 4326

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

admin_unit = Table(
    "admin_unit",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("code", Text, nullable=False, comment="official statistics-office (GSO) code"),
    Column("level", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("unit_type", Text, nullable=False),
    Column("parent_code", Text, comment="code of the parent unit in force in the same period"),
    Column("valid", DATERANGE, nullable=False, comment="half-open [valid_from, valid_to)"),
    Column("valid_from_known", Boolean, nullable=False),
    Column("source", Text, nullable=False),
    Column("boundary", Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False)),
    Column("boundary_source", Text),
    Column("boundary_repaired", Boolean, nullable=False, server_default="false"),
    CheckConstraint("level IN ('province', 'district', 'commune')", name="level"),
    Index("ix_admin_unit_code", "code"),
    Index("ix_admin_unit_boundary", "boundary", postgresql_using="gist"),
)

admin_unit_part = Table(
    "admin_unit_part",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column(
        "unit_id",
        BigInteger,
        ForeignKey("admin_unit.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("level", Text, nullable=False),
    Column("valid", DATERANGE, nullable=False),
    Column("geom", Geometry("POLYGON", srid=SRID, spatial_index=False), nullable=False),
    Index("ix_admin_unit_part_geom", "geom", postgresql_using="gist"),
    Index("ix_admin_unit_part_unit_id", "unit_id"),
)

admin_unit_alias = Table(
    "admin_unit_alias",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("unit_id", BigInteger, ForeignKey("admin_unit.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("source", Text, nullable=False),
)

admin_unit_key = Table(
    "admin_unit_key",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("unit_id", BigInteger, ForeignKey("admin_unit.id", ondelete="CASCADE"), nullable=False),
    Column("key", Text, nullable=False, comment="folded, abbreviations expanded (geo.text)"),
    Column("alias_id", BigInteger, ForeignKey("admin_unit_alias.id", ondelete="CASCADE")),
    Index("ix_admin_unit_key_unit_id", "unit_id"),
)

admin_succession = Table(
    "admin_succession",
    metadata,
    Column(
        "old_unit_id",
        BigInteger,
        ForeignKey("admin_unit.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "new_unit_id",
        BigInteger,
        ForeignKey("admin_unit.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("whole", Boolean, nullable=False),
    Column("source", Text, nullable=False),
    Index("ix_admin_succession_new_unit_id", "new_unit_id"),
)

admin_succession_disagreement = Table(
    "admin_succession_disagreement",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("old_code", Text, nullable=False),
    Column("old_name", Text, nullable=False),
    Column("official", ARRAY(Text), nullable=False),
    Column("other_source", Text, nullable=False),
    Column("other", ARRAY(Text), nullable=False),
    Column("detail", Text, nullable=False),
)

dataset_import = Table(
    "dataset_import",
    metadata,
    Column("dataset", Text, primary_key=True),
    Column("digest", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("report", JSONB, nullable=False),
)
