-- layer_load_skipped_examples: the first five skipped incoming features of each skip reason, for the load report.
-- Parameters:
--   :reference  SQL expression (text) over the incoming row's props: the mapped reference, or NULL::text
--               (built by fieldExpression in server/modules/layers/repo.ts, every field name and text bound)
-- Output: reason (the SkipReason), source (the source's label), fid, reference, detail; by reason, source, fid
SELECT reason, source, fid, reference, detail FROM (
  SELECT skip AS reason, label AS source, fid, :reference AS reference, detail,
         row_number() OVER (PARTITION BY skip ORDER BY src, fid) AS k
  FROM incoming WHERE skip IS NOT NULL) e
WHERE k <= 5 ORDER BY reason, source, fid
