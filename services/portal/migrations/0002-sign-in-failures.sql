-- Failed sign-ins per username, shared by every portal instance (the throttle of domain/throttle.py).
-- Only the recent window is kept: older rows are deleted as new failures arrive.
CREATE TABLE sign_in_failures (
    username   text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_by_username ON sign_in_failures (username, failed_at);
CREATE INDEX sign_in_failures_by_age ON sign_in_failures (failed_at);
