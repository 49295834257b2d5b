"""The ``dialtrail`` command: serve, worker, deriver, journal, asterisk, freeswitch, migrate,
createadmin, createuser, setpassword, token, demo, prune, simulate-call."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, make_url, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from dialtrail import __version__, settings
from dialtrail.projects import accounts
from dialtrail.projects.models import ApiToken, Project, User
from dialtrail.storage import migrate
from dialtrail.storage.base import utcnow
from dialtrail.storage.engine import create_engine, create_session_factory
from dialtrail.wiring import wire

if TYPE_CHECKING:
    from dialtrail.subjects.selectors import Selector


class CommandError(Exception):
    """A problem the person at the terminal can fix; printed without a traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    wire()
    try:
        config = settings.load()
        handler: Callable[[argparse.Namespace, settings.Settings], None] = arguments.handler
        handler(arguments, config)
    except (CommandError, settings.SettingsError, accounts.AccountError) as error:
        print(f"dialtrail: error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `dialtrail export-subject … | head`: the reader took what it wanted, and says nothing,
        # as other commands in a pipe do; what was left unread goes nowhere, and Python's own
        # flush of stdout at exit must not fail again with a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialtrail", description="Self-hosted call tracking.")
    parser.add_argument("--version", action="version", version=f"dialtrail {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    add_serve(commands)
    add_command(
        commands, "worker", run_worker, "deliver webhooks (without serving HTTP; several may run)"
    )
    add_command(
        commands,
        "deriver",
        run_deriver,
        "derive sessions, page views and values from the collector's journal (without "
        "serving HTTP; several may run, one works at a time)",
    )
    add_journal(commands)
    for name in ("asterisk", "freeswitch"):
        add_listener(commands, name)
    add_command(commands, "migrate", run_migrate, "create or upgrade the database schema")
    add_createadmin(commands)
    add_setpassword(commands)
    add_token(commands)
    add_demo(commands)
    add_prune(commands)
    add_subjects(commands)
    add_simulate_call(commands)
    return parser


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace, settings.Settings], None],
    help_text: str,
) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler)
    return parser


def add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(commands, "serve", run_serve, "serve the web app and API")
    parser.add_argument("--host", help="overrides DIALTRAIL_HOST")
    parser.add_argument("--port", type=int, help="overrides DIALTRAIL_PORT")


def add_listener(commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str) -> None:
    title = {"asterisk": "Asterisk PBXs (AMI)", "freeswitch": "FreeSWITCH PBXs (event socket)"}
    help_text = f"follow the calls of the {title[name]} set up in projects (without serving HTTP)"
    parser = add_command(commands, name, run_listener, help_text)
    parser.set_defaults(pbx=name)


def add_createadmin(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, handler, help_text in (
        ("createadmin", run_createadmin, "create a superuser (sees and administers everything)"),
        ("createuser", run_createuser, "create a user, to add to projects as owner or member"),
    ):
        parser = add_command(commands, name, handler, help_text)
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help="generated and printed when omitted")


def add_setpassword(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(commands, "setpassword", run_setpassword, "set a user's password")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", help="generated and printed when omitted")


def add_token(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = commands.add_parser("token", help="create, list and revoke API tokens")
    actions = token.add_subparsers(required=True, metavar="ACTION")
    create = add_command(actions, "create", run_token_create, "create an API token")
    create.add_argument("--name", required=True, help="what the token is for")
    create.add_argument("--email", help="the token's user (default: the only superuser)")
    listing = add_command(actions, "list", run_token_list, "list a user's API tokens")
    listing.add_argument("--email", help="the tokens' user (default: the only superuser)")
    revoke = add_command(actions, "revoke", run_token_revoke, "revoke an API token")
    revoke.add_argument("token_id", type=int, help="the token's id, as `token list` shows")


def add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        commands, "demo", run_demo, "create an admin and a demo project to explore"
    )
    parser.add_argument(
        "--first-start",
        action="store_true",
        help="do nothing when the database already has a user (used by `make run`)",
    )


def add_prune(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        commands,
        "prune",
        run_prune,
        "apply each project's retention (visits, calls, webhook logs; docs/privacy.md), and "
        "delete expired admin sign-in sessions and derived journal events",
    )
    parser.add_argument(
        "--older-than",
        metavar="AGE",
        help="delete visits older than this in every project instead of after each "
        "project's session retention: 90d, 12h, 30m or 2w",
    )


SELECTOR_OPTIONS = {
    "visitor": "the visitor id (the _dt_v cookie)",
    "session": "the session id (the _dt_s cookie)",
    "ga_client_id": "the Google Analytics client id (123.456, or the _ga cookie)",
    "caller": "the caller's phone number, in any usual spelling",
}


def add_subjects(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    erase = add_command(
        commands,
        "erase",
        run_erase,
        "erase a data subject's visits, values and journal rows, and anonymise their calls "
        "(docs/privacy.md)",
    )
    export = add_command(
        commands,
        "export-subject",
        run_export_subject,
        "print a data subject's data as JSON (docs/privacy.md)",
    )
    for parser in (erase, export):
        parser.add_argument("--project", type=int, required=True, help="the project's id")
        chosen = parser.add_mutually_exclusive_group(required=True)
        for kind, help_text in SELECTOR_OPTIONS.items():
            chosen.add_argument("--" + kind.replace("_", "-"), dest=kind, help=help_text)
    erase.add_argument("--by", default="cli", help="who asked, for the erasure log (default: cli)")


def add_journal(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    journal = commands.add_parser("journal", help="the collector's journal")
    actions = journal.add_subparsers(required=True, metavar="ACTION")
    replay = add_command(
        actions,
        "replay",
        run_journal_replay,
        "derive again the journal's events received since a time (after a fix): what is "
        "missing is written, what is there stays",
    )
    replay.add_argument(
        "--since",
        required=True,
        metavar="TIME",
        help="ISO 8601 with an offset (2026-12-05T10:00:00+00:00), or an age: 90m, 12h, 2d",
    )


def add_simulate_call(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        commands,
        "simulate-call",
        run_simulate_call,
        "record a made-up call to a tracking number (started, answered, ended), as a "
        "telephony would report it",
    )
    parser.add_argument("--project", type=int, required=True, metavar="ID")
    parser.add_argument("--to", required=True, metavar="NUMBER", help="the number dialled")
    parser.add_argument(
        "--from",
        dest="caller",
        metavar="CALLER",
        help="the caller's number (default: an example number of the project's country)",
    )
    parser.add_argument(
        "--duration", type=int, default=60, metavar="S", help="talk seconds (default 60)"
    )
    parser.add_argument(
        "--disposition",
        default="answered",
        choices=["answered", "no_answer", "busy", "failed", "voicemail"],
    )


def open_database(config: settings.Settings, *, create: bool = False) -> Engine:
    """The configured database, up to date. Only `migrate` may ``create`` one: any other
    command run from the wrong directory would otherwise make an empty SQLite file there (a
    relative path is relative to the working directory) and suggest migrating it, which
    would start a second, empty database next to the real one."""
    if not create:
        refuse_missing_sqlite_file(config.database_url)
    engine = create_engine(config)
    with database_errors(config.database_url):
        current = create or migrate.is_up_to_date(engine)
    if not current:
        raise CommandError(
            f"the database at {shown_url(config.database_url)} has no Dialtrail schema or an "
            "old one; run `dialtrail migrate` first (or set DIALTRAIL_DATABASE_URL to the "
            "database you meant)"
        )
    return engine


def refuse_missing_sqlite_file(database_url: str) -> None:
    path = settings.sqlite_path(database_url)
    if path is None or path.exists():
        return
    raise CommandError(
        f"no database at {path.absolute()} (DIALTRAIL_DATABASE_URL={database_url}; a relative "
        "path is relative to the current directory). Set DIALTRAIL_DATABASE_URL to your "
        "database, e.g. sqlite:////srv/dialtrail/var/dialtrail.sqlite3, or run this in "
        "the directory that holds it; `dialtrail migrate` creates a new, empty one here"
    )


@contextlib.contextmanager
def database_errors(database_url: str) -> Iterator[None]:
    """An unreachable server, an unknown database or a refused login, as one line naming the
    URL (without its password) instead of a traceback."""
    try:
        yield
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise CommandError(
            f"cannot open the database at {shown_url(database_url)}: {reason}; check "
            "DIALTRAIL_DATABASE_URL"
        ) from None


def shown_url(database_url: str) -> str:
    """The URL as the message may show it: without a password."""
    return make_url(database_url).render_as_string(hide_password=True)


def open_session(config: settings.Settings) -> Session:
    return create_session_factory(open_database(config))()


def run_serve(arguments: argparse.Namespace, config: settings.Settings) -> None:
    from dialtrail.app import create_app
    from dialtrail.serving import ListenError, serve

    config = config.replace(host=arguments.host or config.host, port=arguments.port or config.port)
    app = create_app(config, open_database(config))
    try:
        serve(app, config)
    except ListenError as error:
        raise CommandError(str(error)) from None


def run_worker(arguments: argparse.Namespace, config: settings.Settings) -> None:
    import asyncio
    import signal

    from dialtrail.webhooks.worker import build_worker

    engine = open_database(config)
    # A process of its own: on SQLite its rounds run on its event loop (worker.py).
    sqlite = engine.dialect.name == "sqlite"
    worker = build_worker(create_session_factory(engine), config, inline_rounds=sqlite)
    print(f"Dialtrail {__version__} webhook worker started", flush=True)

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        try:
            await worker.run(stop)
        finally:
            await worker.outbound.close()

    asyncio.run(work())


def run_deriver(arguments: argparse.Namespace, config: settings.Settings) -> None:
    import signal

    from dialtrail.app import lease_gate
    from dialtrail.collector.deriver import Deriver

    engine = open_database(config)
    retention = timedelta(hours=config.journal_retention_hours)
    deriver = Deriver(
        create_session_factory(engine), utcnow, lease_gate(config), retention=retention
    )
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda number, frame: deriver.stopping.set())
    print(f"Dialtrail {__version__} deriver started", flush=True)
    deriver.run()


def run_journal_replay(arguments: argparse.Namespace, config: settings.Settings) -> None:
    from dialtrail.collector.deriver import replay

    now = utcnow()
    since = since_time(arguments.since, now)
    rows = replay(create_session_factory(open_database(config)), since, now)
    print(f"derived again {rows} journal events received since {since.isoformat()}")


def since_time(text: str, now: datetime) -> datetime:
    from dialtrail.sessions.retention import parse_age

    try:
        return now - parse_age(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--since {text!r}: expected an ISO 8601 time with an offset "
            "(2026-12-05T10:00:00+00:00) or an age (90m, 12h, 2d)"
        ) from None
    if moment.tzinfo is None:
        raise CommandError(f"--since {text!r}: add the offset, e.g. +00:00 for UTC")
    return moment


def run_listener(arguments: argparse.Namespace, config: settings.Settings) -> None:
    import asyncio
    import signal

    from dialtrail.calls.adapters.pbx.listener import build_listeners
    from dialtrail.calls.adapters.registry import LISTENERS

    sessions = create_session_factory(open_database(config))
    listeners = build_listeners(sessions, config, [LISTENERS[arguments.pbx]])
    print(f"Dialtrail {__version__} {arguments.pbx} listener started", flush=True)

    async def listen() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        await listeners.run(stop)

    asyncio.run(listen())


def run_migrate(arguments: argparse.Namespace, config: settings.Settings) -> None:
    engine = open_database(config, create=True)
    with database_errors(config.database_url):
        before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    print(f"database at revision {after}" + ("" if before != after else " (no change)"))
    warm_reports(config)


def warm_reports(config: settings.Settings) -> None:
    from dialtrail.reports.rollup import WARM_DAYS, warm

    with open_session(config) as session:
        warmed = warm(session, utcnow())
    if warmed:  # a new database has nothing to roll up: nothing to say
        print(f"rolled up the reports' last {WARM_DAYS} days of {counted(warmed, 'project')}")


def counted(count: int, noun: str) -> str:
    """ "1 call", "2 calls": the nouns the commands count take an s."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def run_createadmin(arguments: argparse.Namespace, config: settings.Settings) -> None:
    create_account(arguments, config, superuser=True)


def run_createuser(arguments: argparse.Namespace, config: settings.Settings) -> None:
    create_account(arguments, config, superuser=False)


def create_account(
    arguments: argparse.Namespace, config: settings.Settings, *, superuser: bool
) -> None:
    password = arguments.password or accounts.generate_password()
    with open_session(config) as session:
        user = accounts.create_user(session, arguments.email, password, superuser=superuser)
        session.commit()
    print(f"created {'superuser' if superuser else 'user'} {user.email}")
    if not arguments.password:
        print(f"password: {password}")


def run_setpassword(arguments: argparse.Namespace, config: settings.Settings) -> None:
    password = arguments.password or accounts.generate_password()
    if len(password) < 8:
        raise CommandError("the password must have at least 8 characters")
    with open_session(config) as session:
        user = required_user(session, arguments.email)
        ended = accounts.set_password(session, user, password)
        session.commit()
    print(f"password changed for {user.email}; signed out of {ended} admin sign-in(s)")
    if not arguments.password:
        print(f"password: {password}")


def run_token_create(arguments: argparse.Namespace, config: settings.Settings) -> None:
    with open_session(config) as session:
        user = token_user(session, arguments.email)
        issued = accounts.issue_token(session, user, arguments.name)
        session.commit()
    print(f"API token {issued.token.id} for {user.email} (shown once; keep it safe):")
    print(issued.secret)


def run_token_list(arguments: argparse.Namespace, config: settings.Settings) -> None:
    with open_session(config) as session:
        user = token_user(session, arguments.email)
        query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        for token in session.scalars(query):
            state = "revoked" if token.revoked_at else "active"
            used = token.last_used_at.isoformat() if token.last_used_at else "never used"
            print(f"{token.id}\t{token.prefix}…\t{state}\t{used}\t{token.name}")


def run_token_revoke(arguments: argparse.Namespace, config: settings.Settings) -> None:
    with open_session(config) as session:
        token = session.get(ApiToken, arguments.token_id)
        if token is None:
            raise CommandError(f"no API token with id {arguments.token_id}")
        accounts.revoke_token(token)
        session.commit()
    print(f"revoked API token {arguments.token_id} ({token.name})")


def required_user(session: Session, email: str) -> User:
    user = accounts.find_user(session, email)
    if user is None:
        raise CommandError(f"no user with e-mail {email}")
    return user


def token_user(session: Session, email: str | None) -> User:
    if email:
        return required_user(session, email)
    superusers = list(session.scalars(select(User).where(User.is_superuser)))
    if len(superusers) != 1:
        raise CommandError(
            f"there are {len(superusers)} superusers; say whose token this is with --email"
        )
    return superusers[0]


def run_prune(arguments: argparse.Namespace, config: settings.Settings) -> None:
    from dialtrail.admin.logins import end_expired
    from dialtrail.collector import journal
    from dialtrail.reports.rollup import consume_marks
    from dialtrail.sessions.retention import parse_age

    try:
        age = parse_age(arguments.older_than) if arguments.older_than else None
    except ValueError as error:
        raise CommandError(str(error)) from None
    with open_session(config) as session:
        now = utcnow()
        for project in session.scalars(select(Project).order_by(Project.id)):
            print(prune_project(session, project, now, age))
        sign_ins = end_expired(session, now)
        retention = timedelta(hours=config.journal_retention_hours)
        journal_rows = journal.prune(session.connection(), now - retention)
        marked = consume_marks(session)
        session.commit()
    print(f"deleted {sign_ins} expired admin sign-in sessions")
    print(
        f"deleted {journal_rows} collector journal events derived and older than "
        f"{config.journal_retention_hours} hours (DIALTRAIL_JOURNAL_RETENTION_HOURS)"
    )
    print(f"applied the reports' marks of changed days of {marked} projects")
    warm_reports(config)


def prune_project(session: Session, project: Project, now: datetime, age: timedelta | None) -> str:
    """One project's retention (docs/privacy.md, "Retention"): calls first, so the sessions
    only they kept go in the same run; ``age`` (--older-than) replaces the session retention."""
    from dialtrail.calls.retention import prune_calls
    from dialtrail.sessions.retention import months_before, prune
    from dialtrail.webhooks.retention import prune_webhook_logs

    calls = prune_calls(session, project.id, months_before(now, project.call_retention_months))
    logs = prune_webhook_logs(
        session, project.id, now - timedelta(days=project.webhook_log_retention_days)
    )
    kept_for = f"{project.session_retention_months} months"
    cutoff = months_before(now, project.session_retention_months)
    if age is not None:
        kept_for, cutoff = str(arguments_age(age)), now - age
    pruned = prune(session, cutoff, project.id)
    return (
        f"project {project.id}: deleted {pruned.sessions} sessions, {pruned.page_views} page "
        f"views, {pruned.observations} entity observations and {pruned.visitors} visitors "
        f"inactive for more than {kept_for}; kept {pruned.kept_for_calls} older sessions that "
        f"calls refer to; deleted {calls} calls older than {project.call_retention_months} "
        f"months, {logs.attempts} webhook attempts and {logs.deliveries} finished deliveries "
        f"older than {project.webhook_log_retention_days} days"
    )


def arguments_age(age: timedelta) -> str:
    return f"{age.days}d" if age.days and not age.seconds else str(age)


def chosen_selector(arguments: argparse.Namespace) -> Selector:
    from dialtrail.subjects.models import SELECTOR_KINDS
    from dialtrail.subjects.selectors import Selector

    for kind in SELECTOR_KINDS:
        value = getattr(arguments, kind)
        if value is not None:
            return Selector(kind, value)
    raise CommandError("name the data subject: --visitor, --session, --ga-client-id or --caller")


def chosen_project(session: Session, arguments: argparse.Namespace) -> Project:
    project = session.get(Project, arguments.project)
    if project is None:
        raise CommandError(f"no project has id {arguments.project}")
    return project


def run_erase(arguments: argparse.Namespace, config: settings.Settings) -> None:
    from dialtrail.api.errors import ApiError
    from dialtrail.subjects.erasure import erase

    selector = chosen_selector(arguments)
    with open_session(config) as session:
        project = chosen_project(session, arguments)
        try:
            entry = erase(session, project, selector, arguments.by, utcnow())
        except ApiError as error:
            raise CommandError(error.message) from None
        session.commit()
        counts = ", ".join(
            counted(count, name.replace("_", " ").removesuffix("s"))
            for name, count in entry.counts.items()
        )
        print(f"erased {counts} (erasure {entry.id} in the project's erasure log)")


def run_export_subject(arguments: argparse.Namespace, config: settings.Settings) -> None:
    from dialtrail.api.errors import ApiError
    from dialtrail.subjects.export import export

    selector = chosen_selector(arguments)
    with open_session(config) as session:
        project = chosen_project(session, arguments)
        try:
            found = export(session, project, selector, utcnow())
        except ApiError as error:
            raise CommandError(error.message) from None
    print(json.dumps(found, indent=2, ensure_ascii=False))


def run_simulate_call(arguments: argparse.Namespace, config: settings.Settings) -> None:
    from dialtrail.api.errors import ApiError
    from dialtrail.calls.simulator import SimulatedCall, notes, simulate_call

    if arguments.duration < 0:
        raise CommandError("--duration must be 0 or more seconds")
    spec = SimulatedCall(
        arguments.project,
        arguments.to,
        arguments.caller,
        arguments.duration,
        arguments.disposition,
    )
    with open_session(config) as session:
        try:
            call = simulate_call(session, spec, utcnow())
        except ApiError as error:
            raise CommandError(error.message) from None
        session.commit()
        print(
            f"call {call.id}: {call.caller or call.caller_raw or 'withheld'} -> "
            f"{call.tracking_number}, "
            f"{call.disposition}"
        )
        print(f"attribution: {call.attribution}")
        print(f"session: {call.visit.get('session_id') or 'none'}")
        # Shorter than asked when the visit's latest page is more recent than the call's length.
        print(f"lasted: {call.duration_seconds} s, talk {call.talk_seconds or 0} s")
        for note in notes(session, session.get_one(Project, call.project_id), call):
            print(note)


def run_demo(arguments: argparse.Namespace, config: settings.Settings) -> None:
    from dialtrail.demo import seed_demo

    factory = create_session_factory(open_database(config))
    with factory() as session:
        if arguments.first_start and accounts.count_users(session) > 0:
            return
        for line in seed_demo(session, config, typed_command()):
            print(line)
        session.commit()


def typed_command() -> str:
    """How to type this command again: ``dialtrail`` when PATH finds this very program, else
    its path (``make run`` runs .venv/bin/dialtrail, which is not on PATH), so that the
    commands ``demo`` prints work when pasted."""
    program = Path(sys.argv[0]).absolute()  # as typed: a linked .venv keeps its own path
    found = shutil.which("dialtrail")
    if program.name != "dialtrail" or (found and Path(found).resolve() == program.resolve()):
        return "dialtrail"
    with contextlib.suppress(ValueError):
        relative = program.relative_to(Path.cwd())
        # A shell runs a name without a slash only from PATH.
        return str(relative) if len(relative.parts) > 1 else f"./{relative}"
    return str(program)


if __name__ == "__main__":
    sys.exit(main())
