SELECT a b c FROM t1;
SELECT 1 asc;
SELECT 1 desc, 2 first, 3 last, 4 nulls, 5 key, 6 replace;
SELECT 1 like;
SELECT 1 glob 2
