-- Issue 13 item 3: alerts. A resident subscribes with an email address and a centre and radius (or an area);
-- nothing is sent until the confirmation link is followed; every alert carries a one-click unsubscribe link.
-- The subscriber's email is personal data: it is in no public view, no public response and no log.
-- Tokens are stored hashed (SHA-256 of the token); the unsubscribe token is derived from the server's secret and
-- the row's unsubscribe_nonce (server/modules/alerts/tokens.ts), so each alert email can carry it again.
CREATE TABLE alert_subscription (
  id                      serial PRIMARY KEY,
  authority_id            int NOT NULL REFERENCES authority (id),
  email                   text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  centre                  geometry(Point, 27700),
  area                    geometry(Polygon, 27700),
  radius_m                int CHECK (radius_m BETWEEN 1 AND 5000),
  -- what the resident typed (postcode, address or grid reference), shown back in emails
  label                   text NOT NULL CHECK (length(label) BETWEEN 1 AND 300),
  confirm_token_hash      text NOT NULL UNIQUE,
  unsubscribe_token_hash  text NOT NULL UNIQUE,
  unsubscribe_nonce       text NOT NULL,
  confirmed_at            timestamptz,
  unsubscribed_at         timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  last_matched_at         timestamptz,
  -- a centre with a radius, or an area
  CHECK ((centre IS NOT NULL AND radius_m IS NOT NULL AND area IS NULL)
      OR (area IS NOT NULL AND centre IS NULL AND radius_m IS NULL)),
  CHECK (area IS NULL OR (ST_IsValid(area) AND NOT ST_IsEmpty(area)))
);
CREATE INDEX alert_subscription_live_idx ON alert_subscription (authority_id)
  WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL;
CREATE INDEX alert_subscription_centre_gix ON alert_subscription USING gist (centre) WHERE centre IS NOT NULL;
CREATE INDEX alert_subscription_area_gix ON alert_subscription USING gist (area) WHERE area IS NOT NULL;

-- Which application went to which subscription: the unique pair means an application is never sent twice.
CREATE TABLE alert_delivery (
  subscription_id int NOT NULL REFERENCES alert_subscription (id) ON DELETE CASCADE,
  case_id         int NOT NULL REFERENCES case_record (id) ON DELETE CASCADE,
  sent_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, case_id)
);
CREATE INDEX alert_delivery_case_idx ON alert_delivery (case_id);

-- When each case last became published (created published, or changed to published): "new and newly published"
-- for a subscription means published after it was confirmed. Kept by a trigger, beside case_record.
CREATE TABLE alert_case_published (
  case_id      int PRIMARY KEY REFERENCES case_record (id) ON DELETE CASCADE,
  published_at timestamptz NOT NULL
);
INSERT INTO alert_case_published (case_id, published_at)
SELECT id, created_at FROM case_record WHERE publication = 'published';

CREATE FUNCTION alert_case_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.publication = 'published' AND (TG_OP = 'INSERT' OR OLD.publication IS DISTINCT FROM 'published') THEN
    INSERT INTO alert_case_published (case_id, published_at) VALUES (NEW.id, now())
    ON CONFLICT (case_id) DO UPDATE SET published_at = EXCLUDED.published_at;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER case_record_alert_published AFTER INSERT OR UPDATE OF publication ON case_record
  FOR EACH ROW EXECUTE FUNCTION alert_case_published();

-- Messages the recording Notifier "sent" (server/modules/notify): the default when no GOV.UK Notify key is set,
-- and what tests read. Personal data: never exposed publicly or logged.
CREATE TABLE notify_outbox (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  template        text NOT NULL,
  to_address      text NOT NULL,
  personalisation jsonb NOT NULL DEFAULT '{}',
  reference       text,
  unsubscribe_url text,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX notify_outbox_created_idx ON notify_outbox (created_at);

-- down
DROP TABLE IF EXISTS notify_outbox;
DROP TRIGGER IF EXISTS case_record_alert_published ON case_record;
DROP FUNCTION IF EXISTS alert_case_published();
DROP TABLE IF EXISTS alert_case_published;
DROP TABLE IF EXISTS alert_delivery;
DROP TABLE IF EXISTS alert_subscription;
