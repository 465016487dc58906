SELECT * FROM (t1, t2) AS z;
SELECT * FROM (t1 JOIN t2 ON a = x);
SELECT * FROM t3, (t1 JOIN t2 ON a = x);
SELECT * FROM t3 JOIN (t1 JOIN t2 ON a = x) ON t3.a = t1.a;
SELECT * FROM ((t1))
