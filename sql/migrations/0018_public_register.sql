-- Issue 13: the public planning register. What is published (case_record.publication; enforcement is unpublished
-- unless staff publish it and the authority publishes enforcement at all), the publicity dates the register shows
-- (computed by the server's publicity rules and stored here by the register service, see
-- server/modules/register/service.ts refreshPublicDates), a data version that bumps whenever anything a public
-- view shows changes, and the public views: the ONLY relations public routes read. Each view names its columns
-- (an allow-list); no party, officer, note, comment author or subscriber ever appears in one.
ALTER TABLE authority ADD COLUMN publish_enforcement boolean NOT NULL DEFAULT false;

CREATE SEQUENCE public_data_version_seq;

ALTER TABLE case_record
  ADD COLUMN publication text NOT NULL DEFAULT 'published'
    CHECK (publication IN ('published', 'unpublished', 'withdrawn')),
  -- from the publicity rules (shared/domain/publicity): the last day of the representation windows and the day after
  ADD COLUMN consultation_end_date  date,
  ADD COLUMN earliest_decision_date date,
  ADD COLUMN public_dates_at        timestamptz,
  ADD COLUMN data_version bigint NOT NULL DEFAULT nextval('public_data_version_seq');

UPDATE case_record SET publication = 'unpublished' WHERE kind = 'enforcement';

-- enforcement cases start unpublished (a complaint is not public until staff decide it may be)
CREATE FUNCTION case_record_public_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.kind = 'enforcement' THEN
    NEW.publication := 'unpublished';
  END IF;
  NEW.data_version := nextval('public_data_version_seq');
  RETURN NEW;
END $$;
CREATE TRIGGER case_record_public_version BEFORE INSERT OR UPDATE ON case_record
  FOR EACH ROW EXECUTE FUNCTION case_record_public_version();

-- a new site, a publicity event or a new constraint check changes what the register shows for the case
CREATE FUNCTION public_version_bump_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE case_record SET data_version = nextval('public_data_version_seq') WHERE id = NEW.case_id;
  RETURN NULL;
END $$;
CREATE TRIGGER case_site_public_version AFTER INSERT OR UPDATE ON case_site
  FOR EACH ROW EXECUTE FUNCTION public_version_bump_case();
CREATE TRIGGER publicity_event_public_version AFTER INSERT OR UPDATE ON publicity_event
  FOR EACH ROW EXECUTE FUNCTION public_version_bump_case();
CREATE TRIGGER constraint_check_public_version AFTER INSERT ON constraint_check
  FOR EACH ROW EXECUTE FUNCTION public_version_bump_case();
CREATE TRIGGER document_public_version AFTER INSERT ON document
  FOR EACH ROW EXECUTE FUNCTION public_version_bump_case();

CREATE FUNCTION authority_public_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.publish_enforcement IS DISTINCT FROM OLD.publish_enforcement THEN
    PERFORM nextval('public_data_version_seq');
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER authority_public_version AFTER UPDATE ON authority
  FOR EACH ROW EXECUTE FUNCTION authority_public_version();

-- planning.data.gov.uk planning-application-type names (shared/domain/codelists/planning-application-type.json)
CREATE TABLE application_type_label (
  reference text PRIMARY KEY,
  name      text NOT NULL
);
INSERT INTO application_type_label (reference, name) VALUES
  ('hh', 'Householder planning application'),
  ('full', 'Full planning permission'),
  ('outline', 'Outline planning base type'),
  ('reserved-matters', 'Reserved matters'),
  ('demolition-con-area', 'Planning permission for relevant demolition in a conservation area'),
  ('lbc', 'Listed building consent'),
  ('advertising', 'Advertising consent'),
  ('ldc', 'Lawful development certificate base type'),
  ('prior-approval', 'Prior approval base type'),
  ('s73', 'Removal or variation of a condition following grant of planning permission'),
  ('approval-condition', 'Approval of details reserved by condition'),
  ('consent-under-tpo', 'Consent under TPO'),
  ('non-material-amendment', 'Non-material amendment (S96a)'),
  ('pip', 'Permission in principle'),
  ('extraction-oil-gas', 'Development relating to the onshore extraction of oil and gas'),
  ('hedgerow-removal', 'Hedgerow removal notice'),
  ('notice-trees-in-con-area', 'Notification of proposed works to trees in a conservation area'),
  ('waste-dev', 'Waste development'),
  ('land-drainage-consent', 'Land Drainage Consent'),
  ('footpath-diversion', 'Footpath diversion'),
  ('overhead-lines', 'Circular 14/90 Overhead lines'),
  ('nsips', 'Nationally Significant Infrastructure Projects (NSIPs)'),
  ('mod-construction-hours', 'Modification of conditions relating to construction working hours'),
  ('extend-duration-permission', 'Additional environmental approval to extend the duration of a planning permission'),
  ('mineral-extraction', 'Mineral extraction or associated development'),
  ('mod-discharge-s106', 'Modification or discharge of a Section 106 planning obligation'),
  ('twao', 'Transport and works act order'),
  ('change-of-use', 'Change of use planning application'),
  ('reg-3', 'Regulation 3 planning application'),
  ('reg-4', 'Regulation 4 planning application'),
  ('mineral-app', 'Mineral planning applications'),
  ('technical-details-consent', 'Technical Details Consent'),
  ('romp', 'Review of mineral permission (ROMP)'),
  ('haz-substance-consent', 'Hazardous Substances Consent'),
  ('psi-app', 'Public Service Infrastructure applications'),
  ('ldc-existing-use', 'Lawful development certificate: Existing Use'),
  ('ldc-prospective-use', 'Lawful development certificate: Proposed Use'),
  ('ldc-proposed-work-lb', 'Lawful development certficate: Proposed Work to a Listed Building'),
  ('outline-some', 'Outline Planning Permission with Some Matters Reserved'),
  ('outline-all', 'Outline Planning Permission with All Matters Reserved'),
  ('pa-extension', 'Prior approval: Larger Home Extension'),
  ('pa-storey', 'Prior approval: Additional storeys'),
  ('pa-demo-building', 'Demolition of building'),
  ('cho-agri-to-dwh', 'Change of use from agricultural buildings to dwellinghouses'),
  ('cho-commercial-to-dwh', 'Change of use from commercial buildings to dwellinghouses'),
  ('cho-commercial-to-mixed', 'Change of use from commercial buildings to mixed use'),
  ('cho-sui-to-dwh', 'Change of use from sui generis uses to dwellinghouses'),
  ('cho-agri-to-flexcom', 'Change of use from agriculture to flexible commercial use'),
  ('cho-agri-to-school', 'Change of use from agriculture to state-funded school'),
  ('cho-comm-to-school', 'Change of use from commercial buildings to state-funded school'),
  ('cho-amusements-to-dwh', 'Change of use from amusements or casinos to dwellinghouses'),
  ('pa-flats-de-blocks', 'New flats on detached blocks of flats'),
  ('pa-flats-de-comm', 'New flats on detached commercial buildings'),
  ('pa-flats-terr-comm', 'New flats on terraced commercial buildings'),
  ('pa-flats-de-dwh', 'New flats on detached dwellinghouses'),
  ('pa-flats-terr-dwh', 'New flats on terraced dwellinghouses'),
  ('pa-demo-replace-dwh', 'Demolish and replace with dwellinghouses'),
  ('pa-ecomms-network', 'Electronic communications network development'),
  ('pa-build-agri-forest', 'Building for agricultural or forestry use'),
  ('pa-road-agri-forest', 'Private road for agricultural or forestry use'),
  ('pa-excavate-agri', 'Excavation or waste deposit for agriculture'),
  ('pa-fish-struct', 'Tank cage or structure for fish farming'),
  ('pa-col-fac-shop', 'Collection facility for a shop'),
  ('pa-roof-solar-nondom', 'Roof-mounted solar PV on non-domestic building'),
  ('pa-uni-building', 'University building works'),
  ('pa-movable-structure', 'Movable structure for historic attraction or listed hospitality use'),
  ('pa-accom-defence', 'Accommodation on closed defence site'),
  ('pa-solar-eq-dom', 'Solar equipment on domestic premises'),
  ('pa-sa-solar-dom', 'Stand-alone solar equipment on domestic premises'),
  ('pa-sa-solar-nondom', 'Stand-alone solar equipment on non-domestic premises'),
  ('pa-solar-nondom-park', 'Solar canopy on non-domestic parking'),
  ('pa-tmp-school-vacant-comm', 'Temporary school on vacant commercial land'),
  ('pa-tmp-use-comm-film', 'Temporary use for commercial film-making');

-- the point each application is found by ("near me", clustered map points): on the current site's surface
CREATE INDEX case_site_current_point_gix ON case_site USING gist (ST_PointOnSurface(geom)) WHERE superseded_at IS NULL;
CREATE INDEX case_record_public_idx ON case_record (authority_id, received_date DESC)
  WHERE kind = 'application' AND publication = 'published';
CREATE INDEX case_record_decided_idx ON case_record (authority_id, decision_date DESC) WHERE decision_date IS NOT NULL;

-- The register's applications: published planning applications only.
CREATE VIEW public_application AS
SELECT c.id,
       c.authority_id,
       c.reference,
       replace(c.reference, '/', '-') AS slug,
       c.kind,
       c.application_type,
       coalesce(t.name, c.application_type) AS application_type_label,
       c.description AS proposal,
       c.site_address,
       coalesce(
         (SELECT a.postcode FROM address a WHERE a.uprn = c.uprns[1]),
         substring(upper(c.site_address) FROM '([A-Z]{1,2}[0-9][A-Z0-9]{0,1} {0,1}[0-9][A-Z]{2})')
       ) AS postcode,
       NULL::text AS ward,
       c.status,
       c.decision,
       c.decision_date,
       c.received_date,
       c.valid_date,
       c.consultation_end_date,
       c.earliest_decision_date,
       -- the effective target: the latest agreed extension of time, else the target date (as the staff API shows)
       coalesce(
         (SELECT (e ->> 'newTargetDate')::date FROM jsonb_array_elements(c.extensions_of_time) e
           ORDER BY e ->> 'agreedOn' DESC LIMIT 1),
         c.target_date
       ) AS target_date,
       s.geom AS site_geom,
       ST_PointOnSurface(s.geom) AS point_geom,
       c.updated_at,
       c.data_version
  FROM case_record c
  LEFT JOIN case_site s ON s.case_id = c.id AND s.superseded_at IS NULL
  LEFT JOIN application_type_label t ON t.reference = c.application_type
 WHERE c.kind = 'application' AND c.publication = 'published';

-- Enforcement, only when the authority publishes it and staff published the case: street level, nothing else.
CREATE VIEW public_enforcement AS
SELECT c.id,
       c.authority_id,
       c.reference,
       replace(c.reference, '/', '-') AS slug,
       -- the street after a house number ("12 High Street, London" -> "High Street"); no number, no street
       trim((regexp_match(c.site_address, '(^|,\s*)[0-9][0-9A-Za-z]*([-–][0-9][0-9A-Za-z]*){0,1}\s+([^,0-9]+)'))[3]) AS street,
       NULL::text AS ward,
       c.status,
       c.received_date AS opened_date,
       ST_SnapToGrid(coalesce(c.location, ST_PointOnSurface(s.geom)), 100) AS point_geom,
       c.data_version
  FROM case_record c
  JOIN authority au ON au.id = c.authority_id AND au.publish_enforcement
  LEFT JOIN case_site s ON s.case_id = c.id AND s.superseded_at IS NULL
 WHERE c.kind = 'enforcement' AND c.publication = 'published';

-- Publicity done for a published application: the kind and the date, nothing else (no notes, places, newspapers).
CREATE VIEW public_publicity_event AS
SELECT e.case_id AS application_id, e.kind, e.date
  FROM publicity_event e
  JOIN public_application p ON p.id = e.case_id
 WHERE e.voided_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM publicity_event n WHERE n.supersedes = e.id);

-- The constraints summary: each layer's title and status from the latest stored check (no hits, notes or officers).
CREATE VIEW public_constraint_summary AS
SELECT k.case_id AS application_id,
       k.created_at::date AS checked_on,
       l ->> 'layerId' AS layer_id,
       l ->> 'title' AS title,
       l ->> 'category' AS category,
       l ->> 'status' AS status
  FROM (SELECT DISTINCT ON (cc.case_id) cc.case_id, cc.created_at, cc.result
          FROM constraint_check cc
          JOIN public_application p ON p.id = cc.case_id
         ORDER BY cc.case_id, cc.id DESC) k
  CROSS JOIN LATERAL jsonb_array_elements(k.result -> 'layers') l;

-- The decision notice of a decided, published application, when it names no one (personal_data false).
CREATE VIEW public_document AS
SELECT DISTINCT ON (d.case_id) d.id, d.case_id AS application_id, d.kind, d.title, d.bytes, d.pages, d.sha256,
       d.created_at, d.pdf
  FROM document d
  JOIN public_application p ON p.id = d.case_id
 WHERE d.kind = 'decision-notice' AND NOT d.personal_data AND p.decision_date IS NOT NULL
 ORDER BY d.case_id, d.id DESC;

-- Postcodes for "near me": the centre of the postcode's address points.
CREATE VIEW public_postcode AS
SELECT place_postcode_key(a.postcode) AS postcode_key,
       min(a.postcode) AS postcode,
       avg(ST_X(a.geom)) AS x,
       avg(ST_Y(a.geom)) AS y
  FROM address a
 WHERE a.postcode IS NOT NULL
 GROUP BY place_postcode_key(a.postcode);

-- The register's data version: changes whenever anything a public view shows may have changed. It is a one-row
-- table (not the sequence's last_value, which PostgreSQL logs only every 32 values, so a replica would lag), bumped
-- once per transaction that changed a case (every public change updates case_record: see the triggers above) or the
-- authority's publish_enforcement, by a deferred trigger: the row is locked only at commit, after every other lock
-- the transaction takes (no deadlock), so versions follow commit order and a tile read at version V under one
-- snapshot is exactly the data of V.
CREATE TABLE public_data_state (
  id      boolean PRIMARY KEY DEFAULT true CHECK (id),
  version bigint NOT NULL
);
INSERT INTO public_data_state (id, version) VALUES (true, 1);

CREATE FUNCTION public_data_state_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'authority' THEN
    -- (a separate IF: plpgsql would plan NEW.publish_enforcement for case_record rows too)
    IF to_jsonb(NEW) -> 'publish_enforcement' IS NOT DISTINCT FROM to_jsonb(OLD) -> 'publish_enforcement' THEN
      RETURN NULL;
    END IF;
  END IF;
  -- once per transaction is enough
  IF current_setting('redline.public_bumped', true) = txid_current()::text THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('redline.public_bumped', txid_current()::text, true);
  UPDATE public_data_state SET version = version + 1;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER case_record_public_state AFTER INSERT OR UPDATE OR DELETE ON case_record
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public_data_state_bump();
CREATE CONSTRAINT TRIGGER authority_public_state AFTER UPDATE ON authority
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public_data_state_bump();

CREATE VIEW public_data_version AS
SELECT version FROM public_data_state;

-- down
DROP VIEW IF EXISTS public_data_version;
DROP TRIGGER IF EXISTS authority_public_state ON authority;
DROP TRIGGER IF EXISTS case_record_public_state ON case_record;
DROP FUNCTION IF EXISTS public_data_state_bump();
DROP TABLE IF EXISTS public_data_state;
DROP VIEW IF EXISTS public_postcode, public_document, public_constraint_summary,
  public_publicity_event, public_enforcement, public_application;
DROP INDEX IF EXISTS case_record_decided_idx;
DROP INDEX IF EXISTS case_record_public_idx;
DROP INDEX IF EXISTS case_site_current_point_gix;
DROP TABLE IF EXISTS application_type_label;
DROP TRIGGER IF EXISTS authority_public_version ON authority;
DROP TRIGGER IF EXISTS document_public_version ON document;
DROP TRIGGER IF EXISTS constraint_check_public_version ON constraint_check;
DROP TRIGGER IF EXISTS publicity_event_public_version ON publicity_event;
DROP TRIGGER IF EXISTS case_site_public_version ON case_site;
DROP TRIGGER IF EXISTS case_record_public_version ON case_record;
DROP FUNCTION IF EXISTS authority_public_version(), public_version_bump_case(), case_record_public_version();
ALTER TABLE case_record
  DROP COLUMN IF EXISTS data_version,
  DROP COLUMN IF EXISTS public_dates_at,
  DROP COLUMN IF EXISTS earliest_decision_date,
  DROP COLUMN IF EXISTS consultation_end_date,
  DROP COLUMN IF EXISTS publication;
DROP SEQUENCE IF EXISTS public_data_version_seq;
ALTER TABLE authority DROP COLUMN IF EXISTS publish_enforcement;
