PRAGMA journal_mode = DELETE;
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;
PRAGMA foreign_keys = off;
PRAGMA secure_delete = DEFAULT
