VACUUM main;
VACUUM INTO '/nonexistent/dir/x.db';
VACUUM main INTO 'x.db';
VACUUM 1;
REINDEX
