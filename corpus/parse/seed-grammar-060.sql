SELECT raise(ignore);
SELECT RAISE(ABORT, 'x');
SELECT (1, 2);
SELECT (1, 2) = (1, 2);
SELECT ((1, 2))
