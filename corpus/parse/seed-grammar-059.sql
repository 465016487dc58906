SELECT 'unterminated;
SELECT "a;
SELECT [a;
SELECT x'0';
SELECT #1
