"""The ``diachi`` command line: a thin wrapper over registry/, importers/ and web/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from registry import cluster, migrations
from registry.config import Settings
from registry.database import Database, make_engine, resolve_database_url

app = typer.Typer(help="diachi — sổ địa chỉ số (digital-address registry for Vietnam).")
db_app = typer.Typer(help="The database: a private PostGIS cluster, or DIACHI_DATABASE_URL.")
import_app = typer.Typer(help="Load outside data into the registry.")
keys_app = typer.Typer(help="API keys (scopes: field, review, admin, private-read).")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(keys_app, name="keys")

console = Console(stderr=True)


def _settings() -> Settings:
    return Settings()


def _paths(settings: Settings) -> cluster.ClusterPaths:
    return cluster.ClusterPaths(settings.state_dir)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


@db_app.command("start")
def db_start() -> None:
    """Create (first time) and start the private cluster; no-op with DIACHI_DATABASE_URL."""
    settings = _settings()
    if settings.database_url:
        console.print("DIACHI_DATABASE_URL is set: using that database, no private cluster.")
        return
    try:
        cluster.start(_paths(settings))
    except cluster.ClusterError as exc:
        raise _fail(str(exc)) from exc
    paths = _paths(settings)
    console.print(
        f"PostGIS running: data {paths.pgdata.resolve()}, socket {paths.socket_dir}, "
        f"127.0.0.1:{cluster.port(paths)}"
    )


@db_app.command("stop")
def db_stop() -> None:
    """Stop the private cluster."""
    stopped = cluster.stop(_paths(_settings()))
    console.print("stopped" if stopped else "not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the database answers, and at which schema revision."""
    settings = _settings()
    try:
        engine = make_engine(settings)
        with engine.connect() as conn:
            revision = migrations.current_revision(conn)
        engine.dispose()
    except Exception as exc:
        raise _fail(f"database not reachable: {exc}") from exc
    console.print(f"database reachable, schema revision {revision or 'none (run db upgrade)'}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Run the Alembic migrations up to REVISION."""
    try:
        migrations.upgrade(resolve_database_url(_settings()), revision)
    except cluster.ClusterError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"schema at {revision}")


@import_app.command("admin-units")
def import_admin_units(
    data_dir: Annotated[Path | None, typer.Option(help="Folder with the bundled data")] = None,
    force: Annotated[bool, typer.Option(help="Diff even when the input is unchanged")] = False,
) -> None:
    """Load the 2025 and pre-2025 administrative units, boundaries and successions."""
    from importers.admin_units import run  # deferred: reading shapely data is slow to import

    settings = _settings()
    database = Database(make_engine(settings))
    try:
        report = run(database, data_dir or settings.data_dir, force=force, console=console)
    finally:
        database.dispose()
    console.print(report.render())


@import_app.command("osm")
def import_osm(
    file: Annotated[Path, typer.Argument(help="OSM extract: .osm, .osm.gz, .osm.bz2 or .pbf")],
    dataset: Annotated[
        str | None, typer.Option(help="Dataset name (default: the file name without suffix)")
    ] = None,
    force: Annotated[bool, typer.Option(help="Diff even when the file was imported")] = False,
) -> None:
    """Load streets, buildings, POIs, hamlets and addresses (as proposed places) from OSM."""
    from importers.osm import run
    from registry.errors import InvalidInput

    database = Database(make_engine(_settings()))
    try:
        report = run(database, file, dataset=dataset, force=force, console=console)
    except InvalidInput as exc:
        raise _fail(exc.detail) from exc
    finally:
        database.dispose()
    console.print(report.render())


@import_app.command("demo")
def import_demo(
    data_dir: Annotated[Path | None, typer.Option(help="Folder with the bundled data")] = None,
) -> None:
    """Load the bundled OSM extracts and approve their places (demo data; idempotent)."""
    from importers.osm import run_demo

    settings = _settings()
    database = Database(make_engine(settings))
    try:
        report = run_demo(
            database,
            data_dir or settings.data_dir,
            console=console,
            serial_space=settings.code_serial_space,
        )
    finally:
        database.dispose()
    console.print(report.render())


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="What the key is for, e.g. the app or device")],
    organisation: Annotated[str, typer.Option(help="Organisation that holds the key")],
    scope: Annotated[
        list[str] | None,
        typer.Option(help="field, review, admin or private-read; repeat for several"),
    ] = None,
    person: Annotated[str | None, typer.Option(help="Person who holds the key")] = None,
) -> None:
    """Create an API key and print its token once (only its SHA-256 is stored)."""
    from registry.access import create_key
    from registry.errors import InvalidInput

    database = Database(make_engine(_settings()))
    try:
        with database.transaction() as conn:
            principal, token = create_key(
                conn, name=name, organisation=organisation, scopes=scope or [], person=person
            )
    except InvalidInput as exc:
        raise _fail(exc.detail) from exc
    finally:
        database.dispose()
    scopes = ", ".join(sorted(principal.scopes)) or "none (public reads only)"
    console.print(f"key {principal.key_id} created for {principal.organisation}; scopes: {scopes}")
    console.print(
        "[yellow]Store this token now: it is shown only once and cannot be recovered.[/yellow]"
    )
    typer.echo(token)


@keys_app.command("list")
def keys_list() -> None:
    """List every API key (never the token), revoked ones marked."""
    from rich.table import Table

    from registry.access import list_keys

    database = Database(make_engine(_settings()))
    try:
        with database.transaction() as conn:
            keys = list_keys(conn)
    finally:
        database.dispose()
    table = Table("id", "name", "organisation", "person", "scopes", "created", "revoked")
    for key in keys:
        table.add_row(
            str(key.id),
            key.name,
            key.organisation,
            key.person or "",
            ", ".join(sorted(key.scopes)),
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="Id shown by `diachi keys list`")],
) -> None:
    """Revoke an API key: requests with it get 401 from now on."""
    from registry.access import revoke_key
    from registry.errors import NotFound

    database = Database(make_engine(_settings()))
    try:
        with database.transaction() as conn:
            revoke_key(conn, key_id)
    except NotFound as exc:
        raise _fail(exc.detail) from exc
    finally:
        database.dispose()
    console.print(f"key {key_id} revoked")


@keys_app.command("purge-idempotency")
def keys_purge_idempotency(
    older_than_hours: Annotated[
        float, typer.Option(help="Delete records older than this (at least 24)")
    ] = 48,
) -> None:
    """Delete Idempotency-Key records older than OLDER_THAN_HOURS (kept at least 24 h)."""
    from registry.errors import InvalidInput
    from registry.idempotency import purge

    database = Database(make_engine(_settings()))
    try:
        with database.transaction() as conn:
            deleted = purge(conn, older_than_hours)
    except InvalidInput as exc:
        raise _fail(exc.detail) from exc
    finally:
        database.dispose()
    console.print(f"{deleted} idempotency record(s) deleted")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    console.print(f"diachi đang chạy tại / serving on http://{host}:{port}  (API docs: /docs)")
    uvicorn.run(
        "web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@app.command("geocode")
def geocode_file(
    file: Annotated[Path, typer.Argument(help="CSV with a header, or JSON lines", exists=True)],
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.csv or OUT.jsonl")],
    column: Annotated[str | None, typer.Option(help="The column holding the address")] = None,
    id_column: Annotated[str | None, typer.Option(help="The row id column")] = None,
    house_number: Annotated[str | None, typer.Option(help="Structured: column")] = None,
    street: Annotated[str | None, typer.Option(help="Structured: column")] = None,
    commune: Annotated[str | None, typer.Option(help="Structured: column")] = None,
    district: Annotated[str | None, typer.Option(help="Structured: column (pre-2025)")] = None,
    province: Annotated[str | None, typer.Option(help="Structured: column")] = None,
    input_format: Annotated[
        str | None, typer.Option("--format", help="csv | jsonl (default: by the suffix)")
    ] = None,
    at: Annotated[str | None, typer.Option(help="Date the addresses are read at")] = None,
    processes: Annotated[int, typer.Option(help="Parallel processes (0: one per CPU)")] = 0,
) -> None:
    """Geocode FILE (up to 100,000 rows) into OUTPUT, as POST /geocode/batch does."""
    from datetime import date

    from rich.progress import MofNCompleteColumn, Progress, TimeRemainingColumn

    from geo.geocode.batch_input import PARTS, BatchInputError, BatchOptions
    from web.batch_file import geocode_file as run
    from web.batch_file import output_format

    parts = (house_number, street, commune, district, province)
    try:
        options = BatchOptions(
            format=input_format or output_format(file),
            column=column,
            structured={p: c for p, c in zip(PARTS, parts, strict=True) if c},
            id_column=id_column,
            at=date.fromisoformat(at) if at else None,
        )
        with Progress(
            *Progress.get_default_columns()[:-1],
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("geocoding", total=None)
            report = run(
                _settings(),
                file,
                options,
                output,
                processes=processes,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except (BatchInputError, ValueError) as exc:
        raise _fail(getattr(exc, "detail", str(exc))) from exc
    console.print(
        f"{report.rows} rows → {output}: {report.ok} found, {report.no_match} not found,"
        f" {report.errors} bad rows"
    )


tiles_app = typer.Typer(help="Vector tiles: warm the shared tile cache.")
app.add_typer(tiles_app, name="tiles")


@tiles_app.command("seed")
def tiles_seed(
    layer: Annotated[
        list[str] | None,
        typer.Option(help="places, buildings, streets, admin or basemap; repeat for several"),
    ] = None,
    zoom: Annotated[str, typer.Option(help="A zoom or a range, e.g. 10-16")] = "10-16",
    bbox: Annotated[
        str | None,
        typer.Option(help="minlon,minlat,maxlon,maxlat (EPSG:4326); default all of Vietnam"),
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Date of the admin units (admin, basemap), YYYY-MM-DD")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Tiles drawn at once")] = 4,
) -> None:
    """Draw tiles into the shared cache (every worker reads it); fresh tiles are skipped, so
    a second run resumes where an interrupted one stopped."""
    import asyncio
    from datetime import date

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from geo.tiles import (
        LAYERS,
        VIETNAM_BOUNDS,
        TileError,
        count_in_lonlat_bbox,
        parse_zoom_range,
        tiles_in_lonlat_bbox,
    )
    from registry.tile_cache import TileSettings, open_service, seed

    settings = _settings()
    layers = layer or ["places"]
    unknown = [name for name in layers if name not in LAYERS or LAYERS[name].private]
    if unknown:
        raise _fail(f"unknown or private layer(s): {', '.join(unknown)}")
    try:
        zooms = parse_zoom_range(zoom)
        box = tuple(float(v) for v in bbox.split(",")) if bbox else VIETNAM_BOUNDS
        day = date.fromisoformat(at) if at else None
    except (TileError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    if len(box) != 4:
        raise _fail("--bbox takes four numbers: minlon,minlat,maxlon,maxlat")
    area = (box[0], box[1], box[2], box[3])
    total = count_in_lonlat_bbox(area, zooms) * len(layers)

    async def run() -> None:
        database = Database(make_engine(settings))
        opened = await open_service(
            database,
            TileSettings(cache=True),
            statement_timeout_ms=settings.statement_timeout_ms,
            listen=False,
        )
        try:
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as bar:
                task = bar.add_task(f"tiles {', '.join(layers)} z{zoom}", total=total)
                report = await seed(
                    opened.service,
                    layers,
                    tiles_in_lonlat_bbox(area, zooms),
                    at=day,
                    concurrency=concurrency,
                    progress=lambda: bar.advance(task),
                )
        finally:
            await opened.close()
            database.dispose()
        console.print(f"{report.drawn} tiles drawn, {report.fresh} already fresh in the cache")

    asyncio.run(run())


autocomplete_app = typer.Typer(help="The autocomplete index (search_entry).")
app.add_typer(autocomplete_app, name="autocomplete")


@autocomplete_app.command("refresh")
def autocomplete_refresh() -> None:
    """Rebuild the autocomplete index from scratch: after a bulk load made with
    diachi.search_sync = off, or daily, for place versions dated in the future that have
    come into force (the triggers see writes, not the calendar)."""
    from sqlalchemy import text

    database = Database(make_engine(_settings()))
    try:
        with database.transaction() as conn:
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            conn.execute(text("SELECT search_rebuild()"))
            rows = conn.execute(text("SELECT kind, count(*) FROM search_entry GROUP BY kind"))
            counts: dict[str, int] = {str(k): int(n) for k, n in rows}
    finally:
        database.dispose()
    console.print(f"autocomplete index rebuilt: {counts}")
