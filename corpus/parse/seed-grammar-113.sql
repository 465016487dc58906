(;
;;
SELECT 1;;
 -- only a comment;
CREATE
