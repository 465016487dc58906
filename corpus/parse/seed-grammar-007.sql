SELECT count(DISTINCT b) FROM t1;
SELECT group_concat(b, ',' ORDER BY a DESC) FROM t1;
SELECT a+1 /* comment */ FROM t1;
SELECT (SELECT 1);
SELECT (SELECT a FROM t1 WHERE a = t2.x) FROM t2
