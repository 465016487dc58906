SELECT 1 AS offset;
SELECT 1 AS left, 2 AS inner;
SELECT 1 left;
SELECT 1 indexed;
SELECT DISTINCT a FROM t1
