SELECT 't1'.* FROM t1;
SELECT "t1".*, t2.* FROM t1, t2;
SELECT a.b.* FROM t1;
SELECT a AS x, b y, c 'z', a "w", b AS [v] FROM t1;
SELECT a AS FROM t1
