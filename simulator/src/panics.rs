//! Engine calls that may panic, run so that the panic is reported and the caller goes on.
//!
//! A panic in the engine is a bug of the engine; the sqllogictest runner counts it as the
//! failure of one record ("PANIC: ...") and the shell reports it as an error, instead of the
//! whole process ending. [`quiet_hook`] installs a hook that, inside [`catch`], keeps the
//! message and location for `catch` to return instead of printing them; a panic anywhere else
//! goes to the default hook as usual.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// The text of a panic payload (`panic!` with a literal or a formatted message).
fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

/// Installs a panic hook that records the message and location of a panic inside [`catch`]
/// instead of printing them.
pub fn quiet_hook() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !CATCHING.with(Cell::get) {
            default(info);
            return;
        }
        let mut text = payload_text(info.payload());
        if let Some(loc) = info.location() {
            text = format!("{text} (at {}:{})", loc.file(), loc.line());
        }
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(text));
    }));
}

/// Runs `f`; a panic becomes `Err` with the panic's message (and location, under
/// [`quiet_hook`]).
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    LAST_PANIC.with(|last| last.borrow_mut().take());
    let outer = CATCHING.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|payload| {
        LAST_PANIC.with(|last| last.borrow_mut().take()).unwrap_or_else(|| payload_text(payload.as_ref()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        quiet_hook();
        assert_eq!(catch(|| 7), Ok(7));
        let err = catch(|| -> u32 { panic!("boom {}", 3) }).unwrap_err();
        assert!(err.starts_with("boom 3 (at "), "{err}");
        let _ = panic::take_hook();
    }
}
