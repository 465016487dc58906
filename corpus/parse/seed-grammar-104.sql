REINDEX t1;
REINDEX main.i1;
REINDEX nocase;
ATTACH ':memory:' AS aux;
ATTACH DATABASE ':memory:' AS aux
