SELECT * FROM (SELECT 1) INDEXED BY i1;
SELECT * FROM json_each('[1]');
SELECT * FROM json_each('[1]') AS j;
SELECT * FROM json_each('[1]') INDEXED BY i1;
SELECT * FROM main.json_each('[1]')
