-- public_tile_version: the register's current public data version (the public_data_version view of
-- 0018_public_register.sql), which public tile URLs and the TileJSON carry.
-- Parameters: none
-- Output: version int8
SELECT version::int8 AS version FROM public_data_version
