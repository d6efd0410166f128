"""How screens learn that a store changed: the services tell them, once it has committed.

Every change a person makes is a ``@mutation`` (``services.outbox``); once its
transaction has committed (the outermost one, when a use case such as
``drop_in.save_visit`` joins several changes in one), the services call whoever
watches that store. Screens watch through here, not through a listener on every
database session in the process (issue 18): they hear of the changes made through
the services to their own store, and of nothing that was rolled back.

A listener may be called from any thread that committed; it should only schedule
work for its own thread (the sync status bar starts a timer through a queued signal).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlmodel import Session

from caseworker.store.database import Store

Listener = Callable[[], None]

_PENDING = "caseworker.notice_pending"  # session.info: its commit will be told already
_lock = threading.Lock()
_watchers: WeakKeyDictionary[Store, list[Listener]] = WeakKeyDictionary()


def watch(store: Store, listener: Listener) -> Callable[[], None]:
    """Call ``listener`` after each committed change to ``store``; returns how to stop."""
    with _lock:
        _watchers.setdefault(store, []).append(listener)

    def stop() -> None:
        with _lock:
            listeners = _watchers.get(store, [])
            if listener in listeners:
                listeners.remove(listener)

    return stop


def tell_when_committed(store: Store, session: Session) -> None:
    """Tell ``store``'s watchers once ``session`` commits, however many changes it holds.

    A session that rolls back is closed and dropped by ``Store.unit_of_work``, with the
    listener added here, which is then never called.
    """
    with _lock:
        if not _watchers.get(store) or session.info.get(_PENDING):
            return
    session.info[_PENDING] = True

    def committed(_session: Session) -> None:
        session.info.pop(_PENDING, None)
        with _lock:
            listeners = list(_watchers.get(store, []))
        for listener in listeners:
            listener()

    event.listen(session, "after_commit", committed, once=True)
