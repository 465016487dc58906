//! touchstone-oracle
