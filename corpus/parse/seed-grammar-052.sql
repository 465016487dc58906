SELECT 'a' || 'b' -> '$' ->> '$';
SELECT 1 << 2 >> 3 & 4 | 5;
SELECT 1 < 2, 1 <= 2, 1 > 2, 1 >= 2, 1 = 2, 1 == 2, 1 != 2, 1 <> 2;
SELECT 1 IS 2, 1 IS NOT 2, 1 IS DISTINCT FROM 2, 1 IS NOT DISTINCT FROM 2;
SELECT 1 ISNULL, 1 NOTNULL, 1 NOT NULL, 1 IS NULL
