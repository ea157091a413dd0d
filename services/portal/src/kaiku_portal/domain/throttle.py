"""Slowing down password guessing: after a few failed sign-ins for one username, it waits a while.

The failures are counted in the portal's database, so several portal instances behind a load balancer
share one count (`Accounts.sign_in_blocked` and friends); the rule itself is here.
"""

from __future__ import annotations

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def sign_in_blocked(failures_in_window: int, max_failures: int = MAX_FAILURES) -> bool:
    """Blocked once `max_failures` sign-ins failed within the last `WINDOW_SECONDS` (even the right password)."""
    return failures_in_window >= max_failures
