//! Planting one of the engine's planted bugs (`touchstone_engine::planted`, feature
//! `planted-bugs`) for a whole process, by the name in the environment variable
//! `TOUCHSTONE_PLANT`: the `touchstone` binary and the fuzz targets call this at start.

/// The variable that names the bug ("delete-skips-third-row").
pub const PLANT_VARIABLE: &str = "TOUCHSTONE_PLANT";

/// Plants the bug `TOUCHSTONE_PLANT` names, if it is set. Errors: an unknown name, or a name
/// given to a build without the `planted-bugs` feature (which would otherwise run unplanted
/// and find nothing, silently).
pub fn plant_from_env() -> Result<(), String> {
    let Ok(name) = std::env::var(PLANT_VARIABLE) else { return Ok(()) };
    let Some(bug) = touchstone_engine::planted::Bug::from_name(&name) else {
        return Err(format!("{PLANT_VARIABLE}={name}: no such planted bug"));
    };
    plant(bug, &name)
}

#[cfg(feature = "planted-bugs")]
fn plant(bug: touchstone_engine::planted::Bug, _name: &str) -> Result<(), String> {
    touchstone_engine::planted::plant(bug);
    Ok(())
}

#[cfg(not(feature = "planted-bugs"))]
fn plant(bug: touchstone_engine::planted::Bug, name: &str) -> Result<(), String> {
    if bug == touchstone_engine::planted::Bug::None {
        return Ok(());
    }
    Err(format!("{PLANT_VARIABLE}={name}: this build has no planted bugs (build with --features planted-bugs)"))
}
