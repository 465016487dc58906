PRAGMA cache_size;
PRAGMA cache_size = 100;
PRAGMA cache_size = -100;
PRAGMA cache_size = +100;
PRAGMA main.cache_size = 100
