//! SQLite's LogEst arithmetic (`sqlite3LogEst`, `sqlite3LogEstAdd`, where.c's `estLog`):
//! estimates as integers of about 10·log2(x), so that 10 is a factor 2 and a sum of two estimates saturates at the larger one. The path
//! solver adds costs this way, so that two join orders whose costs differ by less than the
//! rounding tie as in SQLite and are told apart by its next criteria (rows, then the cost
//! without the sort).

use super::choose::logest;

/// An estimate as SQLite keeps it: about 10·log2(x).
pub(super) type LogEst = i16;

/// The LogEst of the sum of two estimates (sqlite3LogEstAdd): the larger, plus a little
/// when the other is within a factor 2^5 of it.
pub(super) fn add(a: LogEst, b: LogEst) -> LogEst {
    const X: [i16; 32] =
        [10, 10, 9, 9, 8, 8, 7, 7, 7, 6, 6, 6, 5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2];
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    let gap = i32::from(hi) - i32::from(lo);
    if gap > 49 {
        hi
    } else if gap > 31 {
        hi.saturating_add(1)
    } else {
        hi.saturating_add(X[gap as usize])
    }
}

/// where.c's estLog: the LogEst of log2 of the rows `n` estimates (0 up to 2 rows).
pub(super) fn est_log(n: LogEst) -> LogEst {
    if n <= 10 { 0 } else { logest(n.max(0) as u64) - 33 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logest_arithmetic_is_sqlites() {
        assert_eq!(logest(1), 0);
        assert_eq!(logest(1_048_576), 200);
        assert_eq!(logest(20), 43);
        assert_eq!(logest(25), 46);
        // Values from where.c's comments and the plans of seed 2489 (default scenario
        // without faults): a scan of 212 after a search of 61 over 200 rows.
        assert_eq!(add(261, 212), 262);
        assert_eq!(add(300, 262), 301);
        assert_eq!(add(255, 300), 301);
        assert_eq!(add(43, 13), 45);
        assert_eq!(add(5, 5), 15);
        assert_eq!(add(100, 0), 100);
        assert_eq!(est_log(200), 43);
        assert_eq!(est_log(10), 0);
    }
}
