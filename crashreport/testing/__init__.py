"""crashreport.testing: prove, in your own tests, that nothing is sent without consent.

For a host application's test suite. With pytest, the plugin that comes with
crashreport gives these as fixtures (``crashreport_sent``,
``crashreport_answers``, ``crashreport_guard``, ``crashreport_outbox``) and
the ``crashreport_guard`` ini option and marker; anywhere else, use
``watch()``::

    from crashreport import testing

    with testing.watch(guard=True) as seen:
        seen.answers.script(testing.VIEW, testing.SEND)
        run_the_app_until_it_crashes()
    assert [sent.consent for sent in seen.recording.sent] == ["prompt"]
    seen.recording.assert_no_secrets("hunter2-planted")

What a ``Watch`` does while it runs:

- it records every conversation of the consent prompt (what was shown,
  how it ended) and every report handed to a transport -- JSON, Sentry, or
  a report sent again from the outbox -- with its payload and the text
  shown before the yes (``Recording``);
- it checks each send: a report goes only if it is the very report a
  "Send report" made in this run, or one agreed to earlier and sent again
  from the outbox queue. Anything else is blocked (never delivered) and,
  under the guard, fails the test with the report's id;
- ``deliver=False`` (the default of ``watch()`` and of the
  ``crashreport_sent`` fixture): consented reports are recorded and
  answered as delivered, and nothing leaves the process (a report sent
  again from the outbox is answered "try again later" instead, so it stays
  there); ``deliver=True``: they also go to the real server (a test server
  on 127.0.0.1, say);
- under the guard, a report handled as a dry run, and a ``dry_run()``
  block, may open no socket (connect, send, or even a name lookup): the
  socket is refused and the test fails.

``Answers`` scripts the prompt's answers through the real prompt code (the
same select, key bindings and time limit a person gets). It is a test API
only: no environment variable, flag or configuration answers the prompt.

``assert_no_secrets`` fails if a planted string is in anything shown,
offered or sent.

A watch sees the process it runs in (every thread of it): a program the
test starts as a subprocess is not watched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from crashreport.testing._answers import Answers
from crashreport.testing._guard import CheckFailed, Guard
from crashreport.testing._outbox import Outbox
from crashreport.testing._records import (
    Conversation,
    Recording,
    SecretLeaked,
    Sent,
    assert_no_secrets,
)
from crashreport.testing._sockets import SocketBlocked
from crashreport.testing._steps import (
    CLOSE,
    CTRL_C,
    CTRL_D,
    DONT_SEND,
    NOBODY,
    SEND,
    VIEW,
    WAIT,
    Step,
    comment,
    save,
)
from crashreport.testing._watch import Watch

__all__ = [
    "CLOSE",
    "CTRL_C",
    "CTRL_D",
    "DONT_SEND",
    "NOBODY",
    "SEND",
    "VIEW",
    "WAIT",
    "Answers",
    "CheckFailed",
    "Conversation",
    "Guard",
    "Outbox",
    "Recording",
    "SecretLeaked",
    "Sent",
    "SocketBlocked",
    "Step",
    "Watch",
    "assert_no_secrets",
    "comment",
    "save",
    "watch",
]


# the failures a test shows read as ours, not as a private module's
for _error in (CheckFailed, SecretLeaked, SocketBlocked):
    _error.__module__ = __name__


@contextmanager
def watch(*, deliver: bool = False, guard: bool = False) -> Iterator[Watch]:
    """Watch crashreport for the block; raise ``CheckFailed`` at its end if
    anything was wrong (under ``guard``, or with scripted answers).

    ``deliver``: whether consented reports also go to the real server.
    """
    with Watch(deliver=deliver, guard=guard) as seen:
        yield seen
