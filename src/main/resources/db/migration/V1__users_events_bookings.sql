-- Users, events and bookings. Constraints make wrong states impossible, not just unlikely:
-- the application is expected to respect them, the database refuses anything that does not.

CREATE TABLE users (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  email         TEXT NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
  password_hash TEXT NOT NULL CHECK (length(password_hash) >= 50),
  role          TEXT NOT NULL DEFAULT 'USER' CHECK (role IN ('USER', 'ADMIN')),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE events (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  venue       TEXT NOT NULL CHECK (length(venue) BETWEEN 1 AND 200),
  starts_at   TIMESTAMPTZ NOT NULL,
  capacity    INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 10000000),
  booked      INTEGER NOT NULL DEFAULT 0,
  impressions BIGINT NOT NULL DEFAULT 0 CHECK (impressions >= 0),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- Deleted events stay as rows so that bookings and their history keep their event.
  deleted_at  TIMESTAMPTZ,
  -- The backstop against overselling: no code path can commit more seats than there are.
  CONSTRAINT events_booked_within_capacity CHECK (booked >= 0 AND booked <= capacity),
  CONSTRAINT events_deleted_have_no_seats_booked CHECK (deleted_at IS NULL OR booked = 0)
);
CREATE INDEX events_live_starts_at ON events (starts_at) WHERE deleted_at IS NULL;

CREATE TABLE bookings (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users (id),
  event_id     BIGINT NOT NULL REFERENCES events (id),
  seats        INTEGER NOT NULL CHECK (seats > 0),
  status       TEXT NOT NULL DEFAULT 'CONFIRMED' CHECK (status IN ('CONFIRMED', 'CANCELLED')),
  -- The queue job that created the booking: processing a job twice can never book twice.
  job_id       TEXT NOT NULL CHECK (length(job_id) BETWEEN 1 AND 64),
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  cancelled_at TIMESTAMPTZ,
  CONSTRAINT bookings_job_id_key UNIQUE (job_id),
  CONSTRAINT bookings_cancelled_at_matches_status CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL))
);
CREATE INDEX bookings_event_user_confirmed ON bookings (event_id, user_id) WHERE status = 'CONFIRMED';
CREATE INDEX bookings_user_created ON bookings (user_id, created_at DESC);
