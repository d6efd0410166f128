"""The sync service's HTTP API: a thin layer over the sync and the services.

Every endpoint but ``/health`` and ``/v1/enrol`` needs a device credential
(``Authorization: Bearer``); without one, or with a revoked one, it answers 401.
Each request is checked against the store (``services.devices``), so the service
keeps no state of its own: two or more can run behind a load balancer against
one PostgreSQL. The store's connections are pooled and bounded (``--pool``).

A push is kept in the store's inbox and replayed by the service's worker thread
(``caseworker.sync.inbox``); the push answers with the report if the replay is done
within ``push_wait`` seconds, else 202 and the batch id (``GET /v1/push/{batch}``).
"""

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from queue import SimpleQueue
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from caseworker import __version__
from caseworker.domain.errors import EnvironmentProblem
from caseworker.domain.rules import RuleSet
from caseworker.domain.users import User
from caseworker.services import devices, recovery
from caseworker.services.errors import NotFound, ServiceError
from caseworker.store.database import Store
from caseworker.sync import inbox
from caseworker.sync.push import SyncGap
from caseworker.sync.remote import Part, StoreRemote
from caseworker.sync.wire import (
    API,
    MAKE_CODE,
    REVOKE,
    CodeAnswer,
    CopyNotice,
    Enrolled,
    EnrolRequest,
    EscrowRequest,
    Health,
    Hello,
    HelloAnswer,
    ManagerRequest,
    Problem,
    PushAnswer,
    PushQueued,
    PushRequest,
    RecoveryKeyAnswer,
    RowsRequest,
    part_line,
)

log = logging.getLogger(__name__)
NDJSON = "application/x-ndjson"
_REFUSALS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "no device credential, or a revoked one"},
    403: {"model": Problem, "description": "refused: the reason says why"},
}

_PUSH_ANSWERS: dict[int | str, dict[str, object]] = {
    202: {
        "model": PushQueued,
        "description": "kept in the service's inbox, not replayed yet: ask GET /v1/push/{batch}",
    },
    409: {"model": Problem, "description": "changes out of order: nothing was applied"},
    500: {"model": Problem, "description": "the service gave up replaying this batch"},
}
PUSH_WAIT = 1.0  # seconds a push waits for its replay before answering 202 (--push-wait)
MAX_WAIT = 10.0  # the longest a laptop may ask GET /v1/push/{batch} to wait
LOOK = 2.0  # seconds between looks in the store while waiting (another instance's worker)

AfterPush = Callable[[Store], None]


def create_app(
    store: Store,
    rules: Callable[[], RuleSet],
    after_push: AfterPush | None = None,
    lifespan: Any = None,
    push_wait: float = PUSH_WAIT,
) -> FastAPI:
    """The service over ``store``; ``rules`` gives the rules in force for each push;
    ``after_push`` runs after a push changed the store (the audit seal); ``lifespan``
    runs while the service does (the daily seal). The replay worker runs while the
    service does, and a push waits ``push_wait`` seconds for its replay."""
    replayer = inbox.ReplayWorker(store, rules, after_push)

    @contextlib.asynccontextmanager
    async def running(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if lifespan is not None:
                await stack.enter_async_context(lifespan(app))
            replayer.start()
            try:
                yield
            finally:  # stopped between two store transactions: a batch part-way stays queued
                await run_in_threadpool(replayer.stop)

    app = FastAPI(
        lifespan=running,
        title="Caseworker sync service",
        version=__version__,
        description="Laptops push their signed changes and pull the team's. "
        "See docs/sync-service.md.",
    )
    bearer = HTTPBearer(auto_error=False, description="the device credential from enrolment")

    def device(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> uuid.UUID:
        try:
            return devices.authenticate(store, credentials.credentials if credentials else None)
        except devices.NotEnrolled as exc:
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc

    Device = Annotated[uuid.UUID, Depends(device)]

    def remote(device_id: uuid.UUID | None = None) -> StoreRemote:
        return StoreRemote(store, rules(), signed=True, device_id=device_id)

    def claim(client_id: uuid.UUID, device_id: uuid.UUID) -> None:
        try:
            devices.claim_client(store, client_id, device_id)
        except devices.AnotherLaptop as exc:
            raise HTTPException(403, str(exc)) from exc

    @app.exception_handler(EnvironmentProblem)
    def _environment(_request: Request, exc: EnvironmentProblem) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(ServiceError)
    def _refused(_request: Request, exc: ServiceError) -> JSONResponse:
        code = 404 if isinstance(exc, NotFound) else 403
        return JSONResponse({"detail": str(exc)}, status_code=code)

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> Health:
        """Answers without credentials: is the service up and its store reachable?"""
        return Health(status="ok", schema_revision=store.current_revision() or "")

    @app.post(
        f"{API}/enrol",
        response_model=Enrolled,
        responses={401: _REFUSALS[401]},
        tags=["devices"],
    )
    def enrol(request: EnrolRequest) -> Enrolled:
        """Exchange a manager's one-time code for this laptop's device credential."""
        try:
            device_id, token = devices.enrol(store, request.code, request.name)
        except devices.NotEnrolled as exc:
            raise HTTPException(401, str(exc)) from exc
        log.info("device %s enrolled", device_id)
        return Enrolled(device_id=device_id, token=token)

    @app.post(f"{API}/hello", response_model=HelloAnswer, responses=_REFUSALS, tags=["sync"])
    def hello(request: Hello, device_id: Device) -> HelloAnswer:
        """Before a push: has the store seen later changes from this client id?"""
        claim(request.client_id, device_id)
        devices.seen(store, device_id)
        here = remote()
        return HelloAnswer(
            restored=here.restored(request.client_id, request.next_mutation_id),
            version=here.version(),
        )

    async def answer(batch: int, changes: int, wait: float) -> PushAnswer | JSONResponse:
        """The batch's report if the worker finishes it within ``wait`` seconds, else
        202 with the batch id. Waiting holds no thread and no database connection: it
        listens for this process's worker, and looks in the store now and then for a
        batch another instance replayed."""
        deadline = time.monotonic() + wait
        loop = asyncio.get_running_loop()
        heard = asyncio.Event()

        def tell() -> None:  # on the worker's thread
            loop.call_soon_threadsafe(heard.set)

        outcome = replayer.listen(batch, tell)
        try:
            while outcome is None and (left := deadline - time.monotonic()) > 0:
                try:
                    await asyncio.wait_for(heard.wait(), timeout=min(left, LOOK))
                except TimeoutError:  # replayed by another instance's worker?
                    if time.monotonic() >= deadline:
                        break  # looked at once, below
                    found = await run_in_threadpool(inbox.outcome_of, store, batch)
                    if found is not None and found.outcome.state != inbox.QUEUED:
                        return _answered(found.outcome)
                    continue
                outcome = replayer.finished(batch)
        finally:
            replayer.unlisten(batch, tell)
        if outcome is not None:
            return _answered(outcome)
        found = await run_in_threadpool(inbox.outcome_of, store, batch)
        if found is not None and found.outcome.state != inbox.QUEUED:
            return _answered(found.outcome)
        queued = PushQueued(batch=batch, changes=changes)
        return JSONResponse(queued.model_dump(), status_code=202)

    @app.post(
        f"{API}/push",
        response_model=PushAnswer,
        responses={**_REFUSALS, **_PUSH_ANSWERS},
        tags=["sync"],
    )
    async def push(request: PushRequest, device_id: Device) -> PushAnswer | JSONResponse:
        """Keep the laptop's changes in the service's inbox (committed before any answer),
        to be replayed in order, each as its signed author. If the replay is done within
        the service's wait (``--push-wait``, 1 s by default) the answer is its report
        (200); otherwise 202 with the batch id, whose report ``GET /v1/push/{batch}``
        gives when it is ready. Changes out of order are refused whole (409)."""

        def keep() -> inbox.Stored | None:
            claim(request.client_id, device_id)
            if not request.entries:
                return None
            entries = [e.model_dump(mode="json") for e in request.entries]
            return inbox.enqueue(store, request.client_id, device_id, entries, request.blocked)

        try:
            stored = await run_in_threadpool(keep)
        except SyncGap as exc:
            raise HTTPException(409, str(exc)) from exc
        if stored is None:
            return PushAnswer()
        replayer.wake()
        return await answer(stored.batch, stored.changes, push_wait)

    @app.get(
        f"{API}/push/{{batch}}",
        response_model=PushAnswer,
        responses={
            **_REFUSALS,
            **_PUSH_ANSWERS,
            404: {"model": Problem, "description": "no such batch"},
        },
        tags=["sync"],
    )
    async def push_outcome(
        batch: int,
        device_id: Device,
        wait: Annotated[float | None, Query(ge=0, le=MAX_WAIT)] = None,
    ) -> PushAnswer | JSONResponse:
        """The report of a push answered 202, as the push would have answered: 200 once
        replayed, 202 while it waits (after waiting up to ``wait`` seconds, the
        service's push wait by default, for it to finish). Only the laptop that pushed
        it may ask."""
        found = await run_in_threadpool(inbox.outcome_of, store, batch)
        if found is None:
            raise HTTPException(404, "The team store has no such batch of changes.")
        await run_in_threadpool(claim, found.client_id, device_id)
        if found.outcome.state != inbox.QUEUED:
            return _answered(found.outcome)
        return await answer(batch, found.changes, push_wait if wait is None else wait)

    @app.post(f"{API}/copied", status_code=204, responses=_REFUSALS, tags=["sync"])
    def copied(request: CopyNotice, device_id: Device) -> None:
        """The laptop found its data folder is a copy and took a new identity."""
        claim(request.old_client_id, device_id)
        claim(request.new_client_id, device_id)
        remote().note_copy(request.old_client_id, request.new_client_id)

    @app.get(f"{API}/version", response_model=int, responses=_REFUSALS, tags=["sync"])
    def version(_device_id: Device) -> int:
        """The store's version: a laptop pulls up to it."""
        return remote().version()

    @app.get(
        f"{API}/pull",
        responses={**_REFUSALS, 200: {"content": {NDJSON: {}}}},
        response_class=Response,
        tags=["sync"],
    )
    def pull(
        device_id: Device,
        client_id: uuid.UUID,
        after: Annotated[int, Query(ge=0)],
        upto: Annotated[int, Query(ge=0)],
    ) -> Response:
        """Everything the store changed in ``after < version <= upto``, as JSON lines:
        this client's answers first, then each table's rows, households with members."""
        claim(client_id, device_id)
        return _lines(remote().page(client_id, after, upto))

    @app.post(
        f"{API}/rows",
        responses={**_REFUSALS, 200: {"content": {NDJSON: {}}}},
        response_class=Response,
        tags=["sync"],
    )
    def rows(request: RowsRequest, _device_id: Device) -> Response:
        """The store's copies of the rows named (a laptop rebasing a change)."""
        return _lines(remote().rows([list(pair) for pair in request.touched]))

    @app.get(
        f"{API}/recovery-key",
        response_model=RecoveryKeyAnswer,
        responses={**_REFUSALS, 404: {"model": Problem, "description": "no recovery key yet"}},
        tags=["recovery"],
    )
    def recovery_key(device_id: Device) -> RecoveryKeyAnswer:
        """The team's public recovery key, for the laptop to seal its store key to."""
        team = recovery.current_key(store)
        if team is None:
            raise HTTPException(404, recovery.NO_RECOVERY_KEY)
        mine = recovery.escrowed_to(store, device_id)
        return RecoveryKeyAnswer(
            public_key=team.public_key, key_id=team.key_id, escrowed=mine == team.key_id
        )

    @app.put(f"{API}/escrow", status_code=204, responses=_REFUSALS, tags=["recovery"])
    def escrow(request: EscrowRequest, device_id: Device) -> None:
        """Keep this laptop's store key, sealed to the team's recovery key (the service
        cannot open it); audited without the value."""
        kid = recovery.save_escrow(store, device_id, request.sealed)
        log.info("device %s escrowed its store key to recovery key %s", device_id, kid)

    def manager(request: ManagerRequest, action: str) -> User:
        return devices.signed_by_manager(
            store, request.manager_id, action, request.fields(), request.signature
        )

    @app.post(
        f"{API}/devices/codes", response_model=CodeAnswer, responses=_REFUSALS, tags=["devices"]
    )
    def make_code(request: ManagerRequest, _device_id: Device) -> CodeAnswer:
        """A manager, signed in on their laptop, makes a one-time enrolment code."""
        code = devices.make_code(store, manager(request, MAKE_CODE), request.replaces)
        return CodeAnswer(code=code, hours=devices.CODE_HOURS)

    @app.post(f"{API}/devices/revoke", status_code=204, responses=_REFUSALS, tags=["devices"])
    def revoke(request: ManagerRequest, _device_id: Device) -> None:
        """A manager, signed in on their laptop, revokes a laptop from its next request."""
        if request.device is None:
            raise HTTPException(422, "Say which laptop to revoke (its device id).")
        devices.revoke(store, manager(request, REVOKE), request.device)

    return app


def _answered(outcome: inbox.Outcome) -> PushAnswer:
    """A replayed batch's report, answered as a push always was: counts, or "a copy",
    or 409 for changes out of order, or 500 for a batch the service gave up on."""
    if outcome.state == inbox.REFUSED:
        raise HTTPException(409, outcome.problem)
    if outcome.state == inbox.FAILED:
        raise HTTPException(500, outcome.problem)
    return PushAnswer(
        applied=outcome.applied,
        refused=outcome.refused,
        duplicates=outcome.duplicates,
        waiting=outcome.waiting,
        copied=outcome.copied,
    )


def _lines(parts: Iterator[Part]) -> Response:
    """The parts as JSON lines, sent as they are made: the laptop decodes and applies
    a part while the service reads and writes the next (on two cores, at the same
    time). A thread of its own reads the store to the end whether or not the laptop
    keeps reading, so a laptop that stops half-way never leaves a store session (a
    pooled connection; on SQLite, a lock that blocks every push) held by a suspended
    generator. A failure before the first part (the store unreachable) is the answer's
    status; one after it cuts the answer off, and the laptop's page rolls back."""
    made: SimpleQueue[bytes | BaseException | None] = SimpleQueue()

    def read_to_the_end() -> None:
        try:
            with closing(parts):  # type: ignore[type-var]
                for part in parts:
                    made.put(part_line(part))
        except BaseException as exc:  # handed to the answer (or its status)
            made.put(exc)
        else:
            made.put(None)

    threading.Thread(target=read_to_the_end, name="pull answer", daemon=True).start()
    first = made.get()
    if isinstance(first, BaseException):
        raise first
    if first is None:
        return Response(b"", media_type=NDJSON)

    def lines() -> Iterator[bytes]:
        yield first
        while (line := made.get()) is not None:
            if isinstance(line, BaseException):
                log.warning("an answer was cut off: %s", type(line).__name__)
                raise line
            yield line

    return StreamingResponse(lines(), media_type=NDJSON)
