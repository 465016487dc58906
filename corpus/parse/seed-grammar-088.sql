PRAGMA cache_size(100);
PRAGMA cache_size(-100);
PRAGMA table_info(t1);
PRAGMA table_info('t1');
PRAGMA table_info("t1")
