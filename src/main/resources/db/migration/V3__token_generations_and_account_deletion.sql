-- Revocable tokens: every token carries its user's token generation at issue ("gen"); raising the
-- generation refuses every token issued before. Account deletion (GDPR) raises it for good and anonymises
-- the row, which stays so that bookings keep their user.
ALTER TABLE users
  ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0 CHECK (token_generation >= 0),
  ADD COLUMN deleted_at       TIMESTAMPTZ;
-- The generations nodes must know at start: only users whose tokens were ever revoked.
CREATE INDEX users_revoked_idx ON users (id) WHERE token_generation > 0;
