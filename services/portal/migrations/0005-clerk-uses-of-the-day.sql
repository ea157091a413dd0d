-- depends: 0004-sign-in-by-address-and-oidc-subject
-- The box office's undo list (issue 19): the uses a clerk recorded today, kept per account so that
-- an earlier mistake can still be undone after signing in again. Page state like sessions.data, not
-- the register: usage holds the uses and judges every undo; a row only names what to offer (the
-- card code, the performance by its name, the tickets), never a person, and is dropped after a day.
CREATE TABLE clerk_uses (
    redemption_id    text PRIMARY KEY,
    account_id       uuid NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    card_code        text NOT NULL,
    performance_id   text NOT NULL,
    performance_name text NOT NULL,
    starts_at        timestamptz,
    adult_tickets    integer NOT NULL,
    child_tickets    integer NOT NULL
);
CREATE INDEX clerk_uses_by_account ON clerk_uses (account_id, recorded_at);
