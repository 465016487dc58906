SELECT f(*), f(), f(DISTINCT a, b) FROM t1;
SELECT count(* );
SELECT count(ALL a) FROM t1;
SELECT count(a ORDER BY b) FROM t1;
SELECT count(ORDER BY b) FROM t1
