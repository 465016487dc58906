VALUES (1), (2), (3);
VALUES (1), (1, 2);
VALUES (1, 2), (3);
VALUES;
VALUES ()
