"""Slowing down password guessing without letting anyone lock people out or stall the portal.

Failed sign-ins are counted per username and per client address, in the portal's database, so
several portal instances behind a load balancer share one count (`Accounts.sign_in_blocked` and
friends); the rules themselves are here. A name no account has is counted under the client address
only: guessing names never fills the failures table with them, and never blocks a real person.
"""

from __future__ import annotations

MAX_FAILURES = 5  # for one username, from anywhere
# From one address, whatever the names: an office behind one address may mistype a few times a day.
MAX_FAILURES_FROM_ADDRESS = 20
WINDOW_SECONDS = 15 * 60
# Longer names are refused before any hashing (no account can have one: domain/staff.py).
LONGEST_USERNAME = 64
# Argon2 verifications running at once (each takes ~50 ms of a core and 64 MiB): more wait their turn
# off the event loop, so a flood of sign-ins cannot stall every other page.
HASHING_AT_ONCE = 2


def sign_in_blocked(
    failures_in_window: int,
    max_failures: int = MAX_FAILURES,
    *,
    from_address: int = 0,
    max_from_address: int = MAX_FAILURES_FROM_ADDRESS,
) -> bool:
    """Blocked once `max_failures` sign-ins of the username, or `max_from_address` from the client's
    address, failed within the last `WINDOW_SECONDS` (even the right password then waits)."""
    return failures_in_window >= max_failures or from_address >= max_from_address


def username_acceptable(username: str) -> bool:
    """Worth checking a password for at all: a name no account can have is refused without hashing."""
    return 0 < len(username) <= LONGEST_USERNAME
