-- address_load_drop_duplicates: the same UPRN twice in an address file: keeps its first row, drops the others
-- from address_incoming (address_load_incoming_create.sql) and returns them for the report.
-- Parameters: none
-- Output: n (row number), uprn of each row dropped
DELETE FROM address_incoming i USING address_incoming j WHERE i.uprn = j.uprn AND i.n > j.n RETURNING i.n, i.uprn
