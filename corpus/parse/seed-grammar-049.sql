SELECT count(*) filter FROM t1;
SELECT (1) over (x);
SELECT (1) filter (where 1);
SELECT sum(a) OVER (PARTITION a) FROM t1;
SELECT sum(a) OVER (partition) FROM t1
