EXPLAIN CREATE TABLE t9(a);
EXPLAIN PRAGMA cache_size;
SAVEPOINT a; RELEASE a;
SELECT 1 /* a */ ; /* b */ SELECT 2;
SELECT [select], "from", `where` FROM t1 AS [order]
