-- Issue 14 item 1: the authority's contact details printed on its letters, notices and decision notices (postal
-- address, phone, email, website, the online comment and view-the-plans URL templates with {reference}, a logo, the
-- OS licence number and copyright owner), and each officer's email and phone (the case officer on a letter).
ALTER TABLE authority
  ADD COLUMN address_lines text[] NOT NULL DEFAULT '{}',
  ADD COLUMN postcode text,
  ADD COLUMN phone text,
  ADD COLUMN email text,
  ADD COLUMN website text,
  ADD COLUMN comment_url_template text,
  ADD COLUMN plans_url_template text,
  ADD COLUMN logo_media_type text CHECK (logo_media_type IN ('image/png', 'image/svg+xml')),
  ADD COLUMN logo_data bytea,
  ADD COLUMN os_licence_number text,
  ADD COLUMN copyright_owner text,
  ADD COLUMN details_version int NOT NULL DEFAULT 1,
  ADD CONSTRAINT authority_logo_complete CHECK ((logo_media_type IS NULL) = (logo_data IS NULL));

ALTER TABLE app_user
  ADD COLUMN email text,
  ADD COLUMN phone text;

-- down
ALTER TABLE app_user DROP COLUMN IF EXISTS phone, DROP COLUMN IF EXISTS email;
ALTER TABLE authority
  DROP CONSTRAINT IF EXISTS authority_logo_complete,
  DROP COLUMN IF EXISTS details_version,
  DROP COLUMN IF EXISTS copyright_owner,
  DROP COLUMN IF EXISTS os_licence_number,
  DROP COLUMN IF EXISTS logo_data,
  DROP COLUMN IF EXISTS logo_media_type,
  DROP COLUMN IF EXISTS plans_url_template,
  DROP COLUMN IF EXISTS comment_url_template,
  DROP COLUMN IF EXISTS website,
  DROP COLUMN IF EXISTS email,
  DROP COLUMN IF EXISTS phone,
  DROP COLUMN IF EXISTS postcode,
  DROP COLUMN IF EXISTS address_lines;
