-- One more hit for a rate-limit key: starts a new window when the key has none or its window has ended.
-- Parameters:
--   :key        text     the limiter's prefix and the client's key (e.g. "login:ip:203.0.113.9")
--   :window_ms  integer  the window's length in milliseconds
-- Output: hits (integer, in this window, this one included), reset_at (timestamptz, when the window ends)
INSERT INTO rate_limit AS r (key, hits, reset_at)
VALUES (:key, 1, now() + make_interval(secs => :window_ms::double precision / 1000))
ON CONFLICT (key) DO UPDATE
  SET hits = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.hits + 1 END,
      reset_at = CASE WHEN r.reset_at <= now() THEN EXCLUDED.reset_at ELSE r.reset_at END
RETURNING hits, reset_at;
