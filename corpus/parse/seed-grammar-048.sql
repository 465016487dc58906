SELECT sum(a) FILTER (a > 1) FROM t1;
SELECT sum(DISTINCT a) OVER () FROM t1;
SELECT group_concat(b ORDER BY a) OVER () FROM t1;
SELECT count(*) OVER win FROM t1;
SELECT count(*) over FROM t1
