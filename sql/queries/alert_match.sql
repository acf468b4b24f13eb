-- Matches new and newly published applications to alert subscriptions, claims them and returns what to send, in
-- one statement. An application is new to a subscription when it became published (alert_case_published) after
-- the subscription was confirmed; it matches when its site is within radius_m of the centre (ST_DWithin:
-- inclusive, metres in EPSG:27700) or intersects the area. Only confirmed, not unsubscribed subscriptions match,
-- and only what public_application shows (published applications; unpublished and withdrawn never). Each pair is
-- inserted into alert_delivery with ON CONFLICT DO NOTHING: whichever run inserts it sends it, so an application
-- is never sent twice to a subscription, even with several runs at once.
-- Parameters: none
-- Output: one row per subscription with something to send: subscription_id, email, label, radius_m (null for an
--   area), unsubscribe_nonce, applications (json array of { id, reference, slug, address, proposal, type, status,
--   received_date }, newest received first)
WITH found AS (
  SELECT s.id AS subscription_id, a.id AS case_id
    FROM alert_subscription s
    JOIN public_application a ON a.authority_id = s.authority_id
    JOIN alert_case_published p ON p.case_id = a.id AND p.published_at > s.confirmed_at
   WHERE s.confirmed_at IS NOT NULL
     AND s.unsubscribed_at IS NULL
     AND coalesce(a.site_geom, a.point_geom) IS NOT NULL
     AND CASE WHEN s.area IS NOT NULL THEN ST_Intersects(s.area, coalesce(a.site_geom, a.point_geom))
              ELSE ST_DWithin(s.centre, coalesce(a.site_geom, a.point_geom), s.radius_m) END
     AND NOT EXISTS (SELECT 1 FROM alert_delivery d WHERE d.subscription_id = s.id AND d.case_id = a.id)
),
claimed AS (
  INSERT INTO alert_delivery (subscription_id, case_id)
  SELECT subscription_id, case_id FROM found
  ON CONFLICT (subscription_id, case_id) DO NOTHING
  RETURNING subscription_id, case_id
),
touched AS (
  UPDATE alert_subscription s SET last_matched_at = now()
    FROM (SELECT DISTINCT subscription_id FROM claimed) c
   WHERE s.id = c.subscription_id
  RETURNING s.id
)
SELECT s.id AS subscription_id,
       s.email,
       s.label,
       s.radius_m,
       s.unsubscribe_nonce,
       json_agg(json_build_object(
         'id', a.id, 'reference', a.reference, 'slug', a.slug, 'address', a.site_address, 'proposal', a.proposal,
         'type', a.application_type_label, 'status', a.status, 'received_date', a.received_date
       ) ORDER BY a.received_date DESC, a.reference) AS applications
  FROM claimed c
  JOIN alert_subscription s ON s.id = c.subscription_id
  JOIN public_application a ON a.id = c.case_id
 GROUP BY s.id;
