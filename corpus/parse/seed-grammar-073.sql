UPDATE t2 SET x = 1, y = 2 WHERE z = 3;
UPDATE t2 SET (x, y) = (1, 2);
UPDATE t2 SET (x, y) = (SELECT 1, 2);
UPDATE t2 SET (x, y) = (1, 2, 3);
UPDATE t2 SET (x) = (1, 2)
