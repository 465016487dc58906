PRAGMA synchronous = 1.5;
PRAGMA cache_size = - 100;
PRAGMA cache_size = -x;
PRAGMA cache_size =;
PRAGMA cache_size()
