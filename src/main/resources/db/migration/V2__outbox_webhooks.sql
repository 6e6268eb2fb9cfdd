-- The transactional outbox and what it feeds: webhook endpoints and one delivery row per message and target.
-- A notification row is written in the same transaction as the change it announces (a booking decision, a
-- cancellation), so nothing is announced that did not commit and nothing committed goes unannounced.

CREATE TABLE outbox (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The shard of the event: the node that owns shard N dispatches partition N.
  partition      INTEGER NOT NULL CHECK (partition >= 0),
  event_type     TEXT NOT NULL CHECK (event_type IN ('booking.confirmed', 'booking.failed', 'booking.cancelled',
                                                     'booking.waitlisted', 'booking.promoted')),
  -- One row per fact: a job decided twice (its acknowledgement was lost) announces its outcome once.
  dedup_key      TEXT NOT NULL CHECK (length(dedup_key) BETWEEN 1 AND 200),
  user_id        BIGINT,
  payload        JSONB NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- Set once the row's deliveries (one per subscribed webhook, one email) have been written.
  fanned_out_at  TIMESTAMPTZ,
  CONSTRAINT outbox_dedup_key_key UNIQUE (dedup_key)
);
CREATE INDEX outbox_to_fan_out ON outbox (partition, id) WHERE fanned_out_at IS NULL;

CREATE TABLE webhooks (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  url         TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
  events      TEXT[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 5),
  -- Standard Webhooks secret: "whsec_" and the base64 of 32 random bytes.
  secret      TEXT NOT NULL CHECK (secret LIKE 'whsec\_%'),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- Deleted endpoints stay as rows so that their delivery history keeps its endpoint.
  deleted_at  TIMESTAMPTZ
);

CREATE TABLE notification_deliveries (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id        BIGINT NOT NULL REFERENCES outbox (id),
  partition        INTEGER NOT NULL CHECK (partition >= 0),
  channel          TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
  webhook_id       BIGINT REFERENCES webhooks (id),
  status           TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
  -- Attempts started (a claim counts one, so an attempt cut short by a crash counts too).
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- When the next attempt is due; while an attempt is under way, when its claim lapses.
  next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_status      INTEGER,
  last_error       TEXT,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  delivered_at     TIMESTAMPTZ,
  CONSTRAINT deliveries_webhook_matches_channel CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL)),
  CONSTRAINT deliveries_delivered_at_matches_status CHECK ((status = 'DELIVERED') = (delivered_at IS NOT NULL))
);
CREATE UNIQUE INDEX deliveries_one_per_webhook ON notification_deliveries (outbox_id, webhook_id) WHERE channel = 'webhook';
CREATE UNIQUE INDEX deliveries_one_email ON notification_deliveries (outbox_id) WHERE channel = 'email';
CREATE INDEX deliveries_due ON notification_deliveries (partition, next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX deliveries_of_webhook ON notification_deliveries (webhook_id, id DESC) WHERE webhook_id IS NOT NULL;
