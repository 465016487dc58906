ATTACH ':memory:' AS aux KEY 'k';
ATTACH ':memory:';
ATTACH database AS aux;
DETACH aux;
DETACH DATABASE aux
