-- Login sessions with rotating refresh tokens, and disabled accounts (issue 14).
-- A session is one login (one device); its refresh tokens form one family: each use consumes the token and
-- issues the next. A consumed token presented again means it was copied, so the whole session is revoked.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;

CREATE TABLE auth_sessions (
  id             UUID PRIMARY KEY,
  user_id        BIGINT NOT NULL REFERENCES users (id),
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at     TIMESTAMPTZ,
  revoked_reason TEXT CHECK (revoked_reason IN ('LOGOUT', 'REFRESH_TOKEN_REUSED', 'PASSWORD_CHANGED', 'ACCOUNT_DISABLED')),
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
-- A user's live sessions (revoked together on a password change or when the account is disabled).
CREATE INDEX auth_sessions_live_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL;
-- The sessions revoked lately, read by every node at start (their access tokens may not have expired yet).
CREATE INDEX auth_sessions_revoked_idx ON auth_sessions (revoked_at) WHERE revoked_at IS NOT NULL;

-- Only the SHA-256 of a refresh token is kept: a copy of this table renews no session.
CREATE TABLE refresh_tokens (
  token_hash  BYTEA PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  session_id  UUID NOT NULL REFERENCES auth_sessions (id),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at  TIMESTAMPTZ NOT NULL,
  consumed_at TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
