SELECT a.count(*) FROM t1;
SELECT CURRENT_TIME();
SELECT 1 -- comment;
SELECT 1 /* unterminated comment;
SELECT 1; SELECT 2
