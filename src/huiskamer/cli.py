"""The ``huiskamer`` command: database, demo data, serving, users and tokens."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NoReturn, TypeVar
from uuid import UUID

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from huiskamer.config import PROJECT_ROOT, Settings

T = TypeVar("T")


def _alembic_config(settings: Settings):
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = settings.database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade_database(settings: Settings) -> None:
    from alembic import command

    command.upgrade(_alembic_config(settings), "head")


def _run_in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    import huiskamer.models  # noqa: F401  (every table must be mapped before the first query)
    from huiskamer.audit.hook import install_audit_hook
    from huiskamer.db import install_sqlite_pragmas

    install_audit_hook()

    async def run() -> T:
        engine = create_async_engine(settings.database_url)
        install_sqlite_pragmas(engine.sync_engine)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(run())


@click.group(help="Huiskamer: aanmelding, intake, wachtlijst en plaatsing voor de huiskamers van de wijk.")
def main() -> None:
    pass


@main.group(help="De database.")
def db() -> None:
    pass


@db.command("upgrade", help="Voert alle migraties uit op de ingestelde database.")
def db_upgrade() -> None:
    settings = Settings.from_env()
    upgrade_database(settings)
    click.echo("De database is bijgewerkt.")


@main.command(help="Laadt realistische demogegevens in een lege database en toont de demo-inloggegevens.")
def demo() -> None:
    from huiskamer.demo import load_demo, print_logins

    settings = Settings.from_env()
    upgrade_database(settings)
    logins = _run_in_session(settings, load_demo)
    if logins is None:
        click.echo("De database bevat al gegevens; er zijn geen demogegevens toegevoegd.", err=True)
        sys.exit(1)
    print_logins(logins, settings.base_url)


def _ensure_secret_for_workers() -> None:
    # Every worker must sign CSRF tokens with the same key; in development we make one for this run.
    if not os.environ.get("HUISKAMER_SECRET_KEY"):
        if os.environ.get("HUISKAMER_DEV", "").lower() not in {"1", "true", "yes", "ja", "on"}:
            raise click.ClickException(
                "HUISKAMER_SECRET_KEY ontbreekt. Zet een lange willekeurige waarde, "
                "of HUISKAMER_DEV=1 om lokaal te testen."
            )
        os.environ["HUISKAMER_SECRET_KEY"] = secrets.token_hex(32)


@main.command(help="Serveert de webapp en de API.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    _ensure_secret_for_workers()
    # Links in e-mails and invitations point here unless the operator says otherwise.
    os.environ.setdefault("HUISKAMER_BASE_URL", f"http://{host}:{port}")
    Settings.from_env().require_secret()
    uvicorn.run(
        "huiskamer.app:create_server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        server_header=False,
        log_level="info",
    )


@main.command(help="Voor een nieuwe installatie: database bijwerken, demogegevens laden als die leeg is, en starten.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.pass_context
def start(ctx: click.Context, host: str, port: int, workers: int) -> None:
    from huiskamer.demo import demo_logins, load_demo, print_logins

    os.environ.setdefault("HUISKAMER_DEV", "1")
    os.environ.setdefault("HUISKAMER_BASE_URL", f"http://{host}:{port}")
    settings = Settings.from_env()
    upgrade_database(settings)
    logins = _run_in_session(settings, load_demo)
    print_logins(logins or demo_logins(), settings.base_url)
    ctx.invoke(serve, host=host, port=port, workers=workers)


@main.command(help="Schrijft een consistente back-up van de hele database naar FILE, terwijl de app doordraait.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Een bestaand bestand FILE overschrijven.")
def backup(file: Path, overwrite: bool) -> None:
    from huiskamer import backup as backups

    try:
        summary = backups.backup(Settings.from_env(), file, overwrite=overwrite)
    except backups.BackupError as error:
        _fail(str(error))
    click.echo(f"Back-up geschreven naar {file}: {backups.describe(summary)}.")


@main.command(help="Zet de back-up FILE terug in de ingestelde database; die moet leeg zijn (met of zonder migraties).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--check", is_flag=True, help="Alleen de back-up controleren en beschrijven; de database blijft onaangeroerd."
)
def restore(file: Path, check: bool) -> None:
    from huiskamer import backup as backups

    if check:
        try:
            summary = backups.inspect_backup(file)
        except backups.BackupError as error:
            _fail(str(error))
        click.echo(f"De back-up {file} is in orde: {backups.describe(summary)}, gemaakt op {summary.created_at}.")
        for name, count in sorted(summary.rows.items()):
            click.echo(f"{name}\t{count}")
        return

    def migrate(settings: Settings, revision: str) -> None:
        from alembic import command

        command.upgrade(_alembic_config(settings), revision)

    try:
        summary = backups.restore(Settings.from_env(), file, migrate=migrate, say=lambda line: click.echo(line))
    except backups.BackupError as error:
        _fail(str(error))
    click.echo(
        f"Back-up {file} hersteld: {backups.describe(summary)}. "
        "Controleer het audittrail met 'huiskamer audit verify' en start dan de app."
    )


@main.group(help="Gebruikers.")
def user() -> None:
    pass


@user.command("create", help="Maakt een gebruiker aan en toont het id. Een wachtwoord via stdin is optioneel.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "youth_worker", "referrer"]))
@click.option("--location", "locations", multiple=True, help="Id van een locatie (herhaalbaar).")
@click.option("--organisation", default=None, help="Naam van de verwijzende organisatie.")
@click.option("--organisation-type", default=None, help="school, ggd, youth_mental_health, police, ...")
def user_create(
    email: str,
    name: str,
    role: str,
    locations: tuple[str, ...],
    organisation: str | None,
    organisation_type: str | None,
) -> None:
    from huiskamer.auth import service as auth_service
    from huiskamer.auth.users import create_user, parse_user_input
    from huiskamer.errors import DomainError, InvalidInput

    password = None
    if not sys.stdin.isatty():
        piped = sys.stdin.read().strip("\r\n")
        password = piped or None
    raw: dict[str, object] = {"email": email, "name": name, "role": role, "location_ids": list(locations)}
    if organisation or organisation_type:
        raw["organisation"] = {"name": organisation, "type": organisation_type}
    settings = Settings.from_env()

    async def work(session: AsyncSession) -> tuple[UUID, str | None]:
        created = await create_user(session, None, parse_user_input(raw, creating=True), password=password)
        link = None
        if password is None:
            link = auth_service.invitation_url(
                settings, await auth_service.create_invitation(session, settings, created)
            )
        return created.id, link

    try:
        user_id, link = _run_in_session(settings, work)
    except InvalidInput as invalid:
        for field, message in invalid.errors.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(2)
    except DomainError as error:
        click.echo(error.message, err=True)
        sys.exit(1)
    if link:
        click.echo(f"Uitnodigingslink (7 dagen geldig): {link}", err=True)
    click.echo(str(user_id))


@user.command("reset-2fa", help="Verwijdert de tweede factoren van een gebruiker en beëindigt alle sessies en tokens.")
@click.option("--email", required=True)
def user_reset_2fa(email: str) -> None:
    from huiskamer.auth import second_factor

    async def work(session: AsyncSession) -> bool:
        found = await _active_user(session, email, active_only=False)
        if found is None:
            return False
        await second_factor.reset(session, None, found.id)
        return True

    if not _run_in_session(Settings.from_env(), work):
        _fail("Geen gebruiker met dit e-mailadres.")
    click.echo(
        f"De tweede factor van {email.strip().lower()} is verwijderd; sessies en API-tokens zijn beëindigd. "
        "Bij de volgende keer inloggen stelt de gebruiker een nieuwe in."
    )


@main.group(help="API-tokens.")
def token() -> None:
    pass


@token.command(
    "create", help="Maakt een nieuw API-token; alleen de hash wordt bewaard. Het token staat op de laatste regel."
)
@click.option("--email", required=True)
@click.option("--name", default="", help="Waarvoor het token dient, bijvoorbeeld 'Koppeling schoolsysteem'.")
@click.option("--expires-days", default=None, help="Geldigheid in dagen (standaard 90, hoogstens 365).")
def token_create(email: str, name: str, expires_days: str | None) -> None:
    from huiskamer.auth import service as auth_service
    from huiskamer.errors import InvalidInput

    try:
        name, days = auth_service.parse_token_input(name, expires_days)
    except InvalidInput as error:
        _fail(" ".join(error.errors.values()))

    async def work(session: AsyncSession) -> str | None:
        found = await _active_user(session, email)
        return await auth_service.create_api_token(session, found, name=name, days=days) if found else None

    raw = _run_in_session(Settings.from_env(), work)
    if raw is None:
        _fail("Geen actieve gebruiker met dit e-mailadres.")
    click.echo(f"API-token voor {email}, {days} dagen geldig (bewaar het goed; het wordt niet nog eens getoond):")
    click.echo(raw)


@token.command("list", help="Toont de geldige API-tokens van een gebruiker (nooit het token zelf).")
@click.option("--email", required=True)
def token_list(email: str) -> None:
    from huiskamer.auth import service as auth_service

    async def work(session: AsyncSession) -> list[auth_service.TokenView] | None:
        found = await _active_user(session, email, active_only=False)
        return await auth_service.list_tokens(session, found.id) if found else None

    tokens = _run_in_session(Settings.from_env(), work)
    if tokens is None:
        _fail("Geen gebruiker met dit e-mailadres.")
    click.echo("id\tnaam\taangemaakt\tverloopt\tlaatst gebruikt")
    for shown in tokens:
        used = shown.last_used_at.isoformat(timespec="minutes") if shown.last_used_at else "nooit"
        click.echo(
            f"{shown.id}\t{shown.name or '-'}\t{shown.created_at.isoformat(timespec='minutes')}\t"
            f"{shown.expires_at.date().isoformat()}\t{used}"
        )


@token.command("revoke", help="Trekt één API-token meteen in.")
@click.argument("token_id")
def token_revoke(token_id: str) -> None:
    from uuid import UUID

    from sqlalchemy import select

    from huiskamer.auth import service as auth_service
    from huiskamer.auth.models import ApiToken
    from huiskamer.errors import NotFound

    try:
        wanted = UUID(token_id)
    except ValueError:
        _fail("Dit is geen token-id; 'huiskamer token list --email …' toont ze.")

    async def work(session: AsyncSession) -> bool:
        owner = await session.scalar(select(ApiToken.user_id).where(ApiToken.id == wanted))
        if owner is None:
            return False
        try:
            await auth_service.revoke_token(session, owner, wanted)
        except NotFound:  # revoked already
            return False
        return True

    if not _run_in_session(Settings.from_env(), work):
        _fail("Geen geldig API-token met dit id.")
    click.echo(f"API-token {wanted} is ingetrokken.")


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


async def _active_user(session: AsyncSession, email: str, *, active_only: bool = True):
    from sqlalchemy import select

    from huiskamer.auth.models import User

    found = await session.scalar(select(User).where(User.email == email.strip().lower()))
    return found if found is not None and (found.active or not active_only) else None


@main.group(help="De audittrail en het toegangslog.")
def audit() -> None:
    pass


@audit.command("verify", help="Controleert de hashketen van de audittrail en het toegangslog (exit 1 bij een breuk).")
def audit_verify() -> None:
    from huiskamer.audit.chain import check

    reports = _run_in_session(Settings.from_env(), check)
    broken = False
    for report in reports:
        name = "audittrail" if report.chain == "audit" else "toegangslog"
        if report.broken:
            broken = True
            click.echo(f"GEBROKEN: {report.broken.describe()}", err=True)
        else:
            click.echo(f"{name}: intact, {report.entries} regels")
    if broken:
        sys.exit(1)


@main.group(help="Bewaartermijnen: anonimiseren wat zijn termijn voorbij is.")
def retention() -> None:
    pass


@retention.command("run", help="Anonimiseert nu wat zijn bewaartermijn voorbij is (zoals de worker elke nacht doet).")
@click.option("--dry-run", is_flag=True, help="Alleen tellen, niets wijzigen.")
def retention_run(dry_run: bool) -> None:
    from huiskamer.retention.service import run
    from huiskamer.site.templating import today

    result = _run_in_session(Settings.from_env(), lambda session: run(session, today(), dry_run=dry_run))
    verb = "zou anonimiseren" if dry_run else "geanonimiseerd"
    click.echo(
        f"{result.anonymised} kinderen {verb}; {result.access_log_removed} regels toegangslog en "
        f"{result.security_log_removed} regels beveiligingslog verwijderd."
    )


@main.command(
    "import",
    help="Importeert kinderen, wachtlijsten en plaatsingen uit een spreadsheet (XLSX of CSV, zie import.md). "
    "Exit 0: alles geïmporteerd of al aanwezig; 1: rijen geweigerd; 2: het bestand is onleesbaar.",
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Alleen laten zien wat er zou gebeuren; niets schrijven.")
@click.option(
    "--email", default=None, help="Importeer namens deze beheerder of coördinator (standaard: een beheerder)."
)
@click.option("--sheet", default=None, help="Het tabblad van een Excel-bestand (standaard het eerste).")
def import_file(file: str, dry_run: bool, email: str | None, sheet: str | None) -> None:
    from pathlib import Path

    from sqlalchemy import select

    from huiskamer.audit.hook import AuditActor, acting_as
    from huiskamer.auth.actor import Actor
    from huiskamer.auth.models import Role, User
    from huiskamer.importing import service as importing
    from huiskamer.importing.sheet import UnreadableFile, read_file
    from huiskamer.site.templating import today

    path = Path(file)
    try:
        content = path.read_bytes()
        parsed = read_file(content, path.name, sheet=sheet)
    except OSError as error:
        click.echo(f"Het bestand {file} kan niet worden gelezen: {error.strerror}.", err=True)
        sys.exit(2)
    except UnreadableFile as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    settings = Settings.from_env()

    async def work(session: AsyncSession) -> importing.Preview | None:
        query = select(User).where(User.active.is_(True))
        query = (
            query.where(User.email == email.strip().lower()) if email else query.where(User.role == Role.ADMIN.value)
        )
        user = await session.scalar(query.order_by(User.created_at).limit(1))
        if user is None or user.role not in {Role.ADMIN.value, Role.COORDINATOR.value}:
            return None
        actor = Actor.of(user)
        with acting_as(AuditActor(id=user.id, label=f"{user.name} <{user.email}> (import)", role=user.role)):
            if dry_run:
                return await importing.preview(session, actor, parsed, today())
            return (await importing.run_import(session, actor, settings, parsed, path.name, today())).preview

    preview = _run_in_session(settings, work)
    if preview is None:
        click.echo("Geen actieve beheerder of coördinator gevonden om namens te importeren (--email).", err=True)
        sys.exit(2)
    for column in preview.unknown_columns:
        click.echo(f"Kolom ‘{column}’ is onbekend en is overgeslagen.")
    for row in preview.rows:
        for column, message in row.errors.items():
            click.echo(f"rij {row.number}, {column or 'rij'}: {message}")
    done = "zou importeren" if dry_run else "geïmporteerd"
    counted = preview.count(importing.NEW if dry_run else importing.IMPORTED)
    present, refused = preview.count(importing.PRESENT), preview.count(importing.REFUSED)
    click.echo(f"{counted} {done}, {present} al aanwezig, {refused} geweigerd.")
    sys.exit(1 if preview.count(importing.REFUSED) else 0)


@main.command(help="Draait alleen de achtergrondtaken (e-mail versturen, opruimen), zonder webserver.")
@click.option("--once", is_flag=True, help="Eén ronde en dan stoppen.")
def worker(once: bool) -> None:
    from huiskamer.db import install_sqlite_pragmas
    from huiskamer.worker import run_forever, run_once

    settings = Settings.from_env()

    async def go() -> None:
        engine = create_async_engine(settings.database_url)
        install_sqlite_pragmas(engine.sync_engine)
        try:
            if once:
                await run_once(engine, settings)
            else:
                if settings.smtp is None:
                    click.echo("Geen HUISKAMER_SMTP_HOST ingesteld: e-mail blijft in de wachtrij staan.", err=True)
                await run_forever(engine, settings, asyncio.Event())
        finally:
            await engine.dispose()

    asyncio.run(go())


if __name__ == "__main__":
    main()
