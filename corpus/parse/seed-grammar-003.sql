SELECT 1 end;
SELECT 1 window;
SELECT 1 over;
SELECT 1 filter;
SELECT 1 offset
