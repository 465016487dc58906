SELECT ?32766;
SELECT ?32767;
SELECT ?1 + ?;
SELECT $a::b;
SELECT abs(-1), coalesce(NULL, 1), replace('a', 'a', 'b'), left(1)
