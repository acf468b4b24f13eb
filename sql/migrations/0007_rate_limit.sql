-- Request rate limits (sign-in attempts) counted in PostgreSQL, so every Redline process behind a load balancer
-- shares one count per key (server/modules/auth/rate-limit-store.ts). A row is one key's current window.
CREATE TABLE rate_limit (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  reset_at timestamptz NOT NULL
);
CREATE INDEX rate_limit_reset_at ON rate_limit (reset_at);

-- down
DROP TABLE IF EXISTS rate_limit;
