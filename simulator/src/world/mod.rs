//! The simulated world: `SimVfs` (being built, issue 4).
