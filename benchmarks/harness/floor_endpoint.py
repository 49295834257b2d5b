"""``/floor``: the least a durable collector can do per event in Python on this server, served
next to ``/bare`` in the same process. It reads the body, parses it as JSON (no validation, no
redaction), and appends it as one row to a table of its own through the raw driver (sqlite3 or
psycopg: no SQLAlchemy), in a group commit on a thread of its own (many requests, one commit,
as the collector's writer does), and answers once its commit is done. Its ratio to ``/bare``
is a ceiling for the collector's: what is left once the journal row, its commit and the JSON
parse are paid, with no leasing, no project, no memory and no deriver.
"""

from __future__ import annotations

import asyncio
import json
import queue
import sqlite3
import threading
from typing import Any

from sqlalchemy.engine import make_url

FLOOR_PATH = "/floor"
BODY = b'{"number":null}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))]
MAX_BATCH = 256
FAILED = [(b"content-type", b"text/plain"), (b"content-length", b"0")]


class FloorWriter:
    def __init__(self, database_url: str) -> None:
        self.url = make_url(database_url)
        self.jobs: queue.SimpleQueue[tuple[str, asyncio.Future[bool], Any]] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None

    async def append(self, text: str) -> bool:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        if self.thread is None:
            self.thread = threading.Thread(target=self.work, name="floor-writer", daemon=True)
            self.thread.start()
        self.jobs.put((text, future, loop))
        return await future

    def connect(self) -> tuple[Any, str]:
        if self.url.get_backend_name() == "sqlite":
            connection: Any = sqlite3.connect(self.url.database or "", isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")  # as the app's engine
            connection.execute(
                "CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, body TEXT)"
            )
            return connection, "INSERT INTO bench_floor (body) VALUES (?)"
        import psycopg

        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as creating:
            creating.execute("CREATE TABLE IF NOT EXISTS bench_floor (id BIGSERIAL, body TEXT)")
        return psycopg.connect(dsn), "INSERT INTO bench_floor (body) VALUES (%s)"

    def work(self) -> None:
        connection, insert = self.connect()
        sqlite = isinstance(connection, sqlite3.Connection)
        while True:
            batch = [self.jobs.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self.jobs.get_nowait())
                except queue.Empty:
                    break
            cursor = connection.cursor()
            if sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(insert, [(text,) for text, _, _ in batch])
            connection.commit() if not sqlite else cursor.execute("COMMIT")
            by_loop: dict[Any, list[asyncio.Future[bool]]] = {}
            for _, future, loop in batch:
                by_loop.setdefault(loop, []).append(future)
            for loop, futures in by_loop.items():
                loop.call_soon_threadsafe(settle, futures)


def settle(futures: list[asyncio.Future[bool]]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(True)


async def floor(writer: FloorWriter, receive: Any, send: Any) -> None:
    chunks = []
    more_body = True
    while more_body:
        message = await receive()
        if message["type"] != "http.request":
            return
        chunks.append(message.get("body", b""))
        more_body = message.get("more_body", False)
    event = json.loads(b"".join(chunks))
    await writer.append(json.dumps(event, separators=(",", ":")))
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
