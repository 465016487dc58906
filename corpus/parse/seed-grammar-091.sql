PRAGMA cache_size = 1 + 1;
PRAGMA cache_size = 1_000;
PRAGMA;
PRAGMA main.;
PRAGMA no_such_pragma
