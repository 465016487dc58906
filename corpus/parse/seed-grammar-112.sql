CREATE TABLE t9 AS;
CREATE TABLE t9 AS (SELECT 1);
garbage;
SELECT 1 garbage garbage;
1
