DROP;
DROP TABLE;
DROP foo t1;
SELECT x.* FROM (SELECT 1 AS p) x;
SELECT * FROM t1 AS "x" JOIN t2 AS 'y' ON "x".a = 'y'.x
