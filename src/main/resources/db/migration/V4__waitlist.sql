-- The waitlist: a booking request sent with {"waitlist": true} that finds its event sold out holds a place
-- here instead of failing. Places are kept in the order their jobs were decided (the identity, taken under the
-- event row lock, so one event's places are numbered in decision order): first in, first promoted. A freed
-- seat (a cancellation, more capacity) books the first place in the transaction that freed it.
CREATE TABLE waitlist (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id    BIGINT NOT NULL REFERENCES events (id),
  user_id     BIGINT NOT NULL REFERENCES users (id),
  seats       INTEGER NOT NULL CHECK (seats > 0),
  -- The job that took the place: its booking, once promoted, carries the same job id (bookings_job_id_key),
  -- so a redelivered job finds its booking, or its place, and takes neither twice.
  job_id      TEXT NOT NULL CHECK (length(job_id) BETWEEN 1 AND 64),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT waitlist_job_id_key UNIQUE (job_id),
  -- One place per user and event.
  CONSTRAINT waitlist_one_place_per_user UNIQUE (event_id, user_id)
);
CREATE INDEX waitlist_event_order ON waitlist (event_id, id);
CREATE INDEX waitlist_user ON waitlist (user_id, created_at);
