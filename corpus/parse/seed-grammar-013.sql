SELECT * FROM t1 'x';
SELECT * FROM t1 replace;
SELECT * FROM t1 window;
SELECT * FROM t1 left;
SELECT * FROM t1 natural
