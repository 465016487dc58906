//! Bugs planted on purpose, so that tests can show the simulator catches each kind.
//!
//! Only with the `planted-bugs` feature does [`plant`] exist and can [`active`] return true;
//! without it `active` is a constant `false` that the compiler removes with the code it
//! guards. The selected bug is process-global (tests and the simulator's worker processes
//! set it once, before any run).

/// The bugs that can be planted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Bug {
    /// No bug.
    None = 0,
    /// A DELETE that removes three or more rows through a b-tree cursor leaves the third
    /// row in place (its index entries go) while counting it as deleted: a lost delete.
    DeleteSkipsThirdRow = 1,
}

impl Bug {
    /// The bug named `name` ("delete-skips-third-row"), if any.
    pub fn from_name(name: &str) -> Option<Bug> {
        match name {
            "none" => Some(Bug::None),
            "delete-skips-third-row" => Some(Bug::DeleteSkipsThirdRow),
            _ => None,
        }
    }
}

#[cfg(feature = "planted-bugs")]
static ACTIVE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Plants `bug` (replacing any other) for the whole process.
#[cfg(feature = "planted-bugs")]
pub fn plant(bug: Bug) {
    ACTIVE.store(bug as u32, std::sync::atomic::Ordering::Relaxed);
}

/// True when `bug` is planted.
#[inline]
pub fn active(bug: Bug) -> bool {
    #[cfg(feature = "planted-bugs")]
    {
        ACTIVE.load(std::sync::atomic::Ordering::Relaxed) == bug as u32
    }
    #[cfg(not(feature = "planted-bugs"))]
    {
        let _ = bug;
        false
    }
}
