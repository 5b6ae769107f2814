"""Named fault points for the fault-injection suite (`tests/reliability/`).

The alert path promises that a page decided is delivered once whatever crashes, and that what a person does
is never undone by a cycle running at the same time; the suite proves it by killing real processes at each
step (decide → record → queue → send → mark sent) and by pausing one process inside its step while another
acts. A step calls `failpoint("dispatch.after_send")`; `YUQING_FAILPOINTS` (comma-separated) arms names:
`name` ends the process on the spot with `os._exit`, as abruptly as `kill -9` (no `finally`, no flush, no
commit); `name=sleep:2.5` pauses there once for that many seconds. Unarmed, a failpoint costs one lookup.
"""

from __future__ import annotations

import os
import sys
import time

from pipeline.config import armed_failpoints

KILLED = 137  # the exit status a shell reports for kill -9

_ARMED = armed_failpoints()
_paused: set[str] = set()


def failpoint(name: str) -> None:
    """Crash or pause here when `name` is armed (see the module docstring)."""
    action = _ARMED.get(name)
    if action is None:
        return
    if action.startswith("sleep:"):
        if name not in _paused:
            _paused.add(name)
            _say(f"failpoint {name}: pausing {action.removeprefix('sleep:')} s")
            time.sleep(float(action.removeprefix("sleep:")))
        return
    _say(f"failpoint {name}: exiting")
    os._exit(KILLED)


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
