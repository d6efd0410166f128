"""The laptop's side of the sync service: the :class:`~caseworker.sync.remote.Remote`
questions asked over HTTPS.

Plain HTTP is allowed only to this machine (a trial, a test): a device credential
must never cross a network in clear. A request that fails on the way (no network,
a timeout, a service restarting) is tried again with backoff; that is safe for
every request, because the store recognises a change it has applied already.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
import uuid
from collections.abc import Callable, Generator, Sequence
from queue import Full, Queue
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from caseworker.domain import clock, signing
from caseworker.domain.signing import PrivateKey
from caseworker.store.errors import ConnectionLost, StoreUnavailable
from caseworker.sync.push import CopiedStore, Entry, PushReport
from caseworker.sync.remote import Part
from caseworker.sync.wire import (
    API,
    MAKE_CODE,
    REVOKE,
    CodeAnswer,
    CopyNotice,
    Enrolled,
    EnrolRequest,
    EscrowRequest,
    Hello,
    HelloAnswer,
    ManagerRequest,
    PushAnswer,
    PushQueued,
    PushRequest,
    RecoveryKeyAnswer,
    RowsRequest,
    WireEntry,
    read_part,
)

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
PUSH_CHUNK = 2_000  # changes per request: a few MB at most
RETRIES = 4  # then the sync stops; the app tries again later, nothing is lost
BACKOFF = 0.5  # seconds before the first retry; doubled each time
PATIENCE = 60.0  # seconds a push waits for the service to replay a batch it answered 202
ASK_WAIT = 5.0  # seconds the service is asked to hold each question about a batch


class ServiceRefused(StoreUnavailable):
    """The service answered, and said no: its reason is the message."""


def is_service(address: str) -> bool:
    return address.startswith(("http://", "https://"))


def check_address(address: str, what: str = "The sync service address") -> str:
    """The service's base address, refused if it would send a credential in clear (or,
    for a directory feed, let anyone on the way change what the family is told)."""
    url = httpx.URL(address.rstrip("/"))
    if url.scheme == "https":
        return str(url)
    if url.scheme == "http" and is_loopback(url.host):
        return str(url)
    raise StoreUnavailable(
        f"{what} must start with https:// (plain http is only for this "
        f"machine, like http://127.0.0.1); {url.scheme}://{url.host} is not safe to use."
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def enrol(
    address: str, code: str, name: str, transport: httpx.BaseTransport | None = None
) -> Enrolled:
    with httpx.Client(base_url=check_address(address), timeout=30, transport=transport) as client:
        return _answer(
            _retrying(
                lambda: client.post(f"{API}/enrol", json=_body(EnrolRequest(code=code, name=name)))
            ),
            Enrolled,
        )


class HttpRemote:
    """The team store, through its sync service."""

    def __init__(
        self,
        address: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        patience: float = PATIENCE,
    ) -> None:
        self._client = httpx.Client(
            base_url=check_address(address),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(120, connect=10),
            transport=transport,
        )
        self._sleep = sleep
        self.patience = patience  # seconds a push waits for the service's replay
        self._outstanding: list[PushQueued] = []  # batches kept by the service, outcome unknown

    def restored(self, client_id: uuid.UUID, next_mutation_id: int) -> bool:
        hello = Hello(client_id=client_id, next_mutation_id=next_mutation_id)
        return self._post("hello", hello, HelloAnswer).restored

    def push(self, client_id: uuid.UUID, entries: list[Entry], blocked: set[str]) -> PushReport:
        """Send the changes and wait (up to ``patience``) for the service to replay them.
        A batch the service kept but had not replayed in that time is counted ``queued``:
        its changes stay pending here (held back from pulls, nothing lost) and its
        outcome is asked for first at the next push."""
        report = PushReport()
        self.collect(report)  # batches an earlier sync stopped waiting for, in order
        self.send(client_id, entries, blocked, report)
        self.collect(report)
        return report

    def send(
        self, client_id: uuid.UUID, entries: list[Entry], blocked: set[str], report: PushReport
    ) -> None:
        """Send the changes in chunks; each chunk's answer is its report (added to
        ``report``) or, answered 202, a batch the service kept to replay (``collect``)."""
        for start in range(0, len(entries), PUSH_CHUNK):
            request = PushRequest(
                client_id=client_id,
                entries=[WireEntry.of(e) for e in entries[start : start + PUSH_CHUNK]],
                blocked=sorted(blocked),
            )
            body = _body(request)
            response = self._send(lambda: self._client.post(f"{API}/push", json=body))  # noqa: B023
            if response.status_code == 202:
                self._outstanding.append(_answer(response, PushQueued))
            else:
                self._count(_answer(response, PushAnswer), report)

    def collect(self, report: PushReport, patience: float | None = None) -> None:
        """Ask the service for the outcome of each batch it kept, oldest first, until
        all are known or ``patience`` (seconds; the remote's own by default) runs out.
        Each question is held by the service for a few seconds (it answers as soon as
        the batch is replayed); between them the laptop backs off a little."""
        deadline = time.monotonic() + (self.patience if patience is None else patience)
        delay = 0.1
        while self._outstanding:
            batch = self._outstanding[0]
            left = max(0.0, deadline - time.monotonic())
            params = {"wait": round(min(left, ASK_WAIT), 3)}
            path = f"{API}/push/{batch.batch}"
            response = _retrying(
                lambda: self._client.get(path, params=params),  # noqa: B023
                self._sleep,
            )
            if response.status_code == 202:
                if time.monotonic() >= deadline:
                    break
                self._sleep(min(delay, max(0.0, deadline - time.monotonic())))
                delay = min(delay * 2, 2.0)
                continue
            self._outstanding.pop(0)
            if response.status_code == 404:  # the service no longer has it: sent again
                log.warning("the sync service has no batch %d: sent again", batch.batch)
                continue
            self._count(_answer(response, PushAnswer), report)
        report.queued += sum(b.changes for b in self._outstanding)

    def _count(self, answer: PushAnswer, report: PushReport) -> None:
        if answer.copied:
            self._outstanding.clear()  # all under the old identity: sent again under the new
            raise CopiedStore("The team store says this data folder is a copy.")
        got = answer.report()
        report.applied += got.applied
        report.refused += got.refused
        report.duplicates += got.duplicates
        report.waiting += got.waiting

    def note_copy(self, old: uuid.UUID, new: uuid.UUID) -> None:
        notice = CopyNotice(old_client_id=old, new_client_id=new)
        self._send(lambda: self._client.post(f"{API}/copied", json=_body(notice)))

    def version(self) -> int:
        return int(self._send(lambda: self._client.get(f"{API}/version")).json())

    def page(self, client_id: uuid.UUID, after: int, upto: int) -> Generator[Part, None, None]:
        params = {"client_id": client_id.hex, "after": after, "upto": upto}
        yield from read_ahead(self._lines("GET", f"{API}/pull", params=params))

    def rows(self, touched: Sequence[Sequence[str]]) -> Generator[Part, None, None]:
        request = RowsRequest(touched=[(t, k) for t, k in touched])
        yield from self._lines("POST", f"{API}/rows", json=_body(request))

    def close(self) -> None:
        self._client.close()

    def _post(self, name: str, body: BaseModel, answer: type[T]) -> T:
        return _answer(
            self._send(lambda: self._client.post(f"{API}/{name}", json=_body(body))), answer
        )

    def _send(self, request: Callable[[], httpx.Response]) -> httpx.Response:
        response = _retrying(request, self._sleep)
        _raise_for(response)
        return response

    def _lines(self, method: str, path: str, **kwargs: Any) -> Generator[Part, None, None]:
        """A streamed answer, part by part. Cut off half-way, it raises ``ConnectionLost``:
        the caller's transaction rolls back and the next pull asks again."""
        try:
            with self._client.stream(method, path, **kwargs) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for(response)
                for line in response.iter_lines():
                    if line:
                        yield read_part(line)
        except httpx.TransportError as exc:
            raise ConnectionLost(shared=True) from exc

    def recovery_key(self) -> RecoveryKeyAnswer | None:
        """The team's public recovery key (and whether this laptop escrowed to it), or
        None when the team has none yet."""
        response = _retrying(lambda: self._client.get(f"{API}/recovery-key"), self._sleep)
        if response.status_code == 404:
            return None
        return _answer(response, RecoveryKeyAnswer)

    def escrow(self, sealed: str) -> None:
        """Send this laptop's store key, sealed to the team's recovery key (never in
        clear: the service refuses anything that is not sealed text)."""
        body = _body(EscrowRequest(sealed=sealed))
        self._send(lambda: self._client.put(f"{API}/escrow", json=body))

    def make_code(
        self, manager_id: uuid.UUID, key: PrivateKey, replaces: uuid.UUID | None = None
    ) -> CodeAnswer:
        """A one-time enrolment code, asked for by a manager signed in here."""
        request = _signed(
            MAKE_CODE, ManagerRequest(manager_id=manager_id, at="", replaces=replaces), key
        )
        return self._post("devices/codes", request, CodeAnswer)

    def revoke(self, manager_id: uuid.UUID, key: PrivateKey, device: uuid.UUID) -> None:
        request = _signed(REVOKE, ManagerRequest(manager_id=manager_id, at="", device=device), key)
        self._send(lambda: self._client.post(f"{API}/devices/revoke", json=_body(request)))


AHEAD = 3  # parts read and decoded ahead of the one being applied (a few MB)
_END = object()


def read_ahead(parts: Generator[Part, None, None]) -> Generator[Part, None, None]:
    """``parts``, received and decoded in a thread of their own while the caller applies
    the one before (SQLite writes without holding the interpreter). At most ``AHEAD``
    parts wait; a failure there is raised here, in order; closed early (the caller's
    page failed), the reading stops at the next part and the answer is closed."""
    ready: Queue[object] = Queue(maxsize=AHEAD)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def receive() -> None:
        try:
            for part in parts:
                if not hand_over(part):
                    return
        except BaseException as exc:  # raised to the caller, in its place
            hand_over(exc)
        else:
            hand_over(_END)
        finally:
            parts.close()

    reader = threading.Thread(target=receive, name="sync page reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join()


def _signed(action: str, request: ManagerRequest, key: PrivateKey) -> ManagerRequest:
    """``request`` stamped now and signed with the manager's key."""
    stamped = request.model_copy(update={"at": clock.now().isoformat()})
    signature = signing.sign(key, signing.request_message(action, stamped.fields()))
    return stamped.model_copy(update={"signature": signature})


def _body(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def _retrying(
    request: Callable[[], httpx.Response], sleep: Callable[[float], None] = time.sleep
) -> httpx.Response:
    """Send, trying again with backoff after a failure on the way or a service that is
    restarting (503); then give up with ``ConnectionLost``: nothing is lost here."""
    delay = BACKOFF
    for attempt in range(RETRIES + 1):
        try:
            response = request()
        except httpx.TransportError as exc:
            log.warning(
                "sync request failed on the way (%s), attempt %d", type(exc).__name__, attempt + 1
            )
            if attempt == RETRIES:
                raise ConnectionLost(shared=True) from exc
        else:
            if response.status_code != 503 or attempt == RETRIES:
                return response
            log.warning("sync service unavailable (503), attempt %d", attempt + 1)
        sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        detail = str(response.json().get("detail", ""))
    except ValueError:
        detail = ""
    if response.status_code == 503:
        raise ConnectionLost(detail or None, shared=True)
    raise ServiceRefused(
        detail or f"The sync service refused the request ({response.status_code})."
    )


def _answer(response: httpx.Response, model: type[T]) -> T:
    _raise_for(response)
    return model.model_validate(response.json())
