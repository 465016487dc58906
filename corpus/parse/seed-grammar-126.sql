PRAGMA optimize;
PRAGMA wal_checkpoint(TRUNCATE);
PRAGMA encoding = "UTF-8";
PRAGMA user_version = 1e3;
EXPLAIN QUERY PLAN WITH c AS (SELECT 1) SELECT * FROM c
