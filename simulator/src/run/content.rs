//! A database's logical content, and copies of a world's files.
//!
//! Content is what the crash and fault checks compare: the rows of `sqlite_schema` and every
//! table's rows in rowid order, rendered as the trace renders values, one line per row. Its
//! hash decides; its text makes the report readable (a line diff of two contents).
//!
//! A [`Snapshot`] is every file of a world as reads see it (volatile bytes). It becomes a
//! fresh world of its own ([`Snapshot::world`]: faults off, no capacity, no locks), where a
//! target's first connection recovers any hot journal exactly as after a restart, so
//! snapshots are how the oracle asks "what does this image recover to?" without touching
//! the run's worlds. [`Snapshot::restore`] puts the files back into a world.

use touchstone_engine::format::value::Value;

use super::{outcome, trace};
use crate::target::{Failure, Target};
use crate::workload::WorldConfig;
use crate::world::{DiskModel, SimVfs};

/// A database's logical content: its text and the text's FNV-1a hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub text: String,
    pub hash: u64,
}

impl Content {
    fn new(text: String) -> Content {
        let hash = trace::fnv1a(text.as_bytes());
        Content { text, hash }
    }
}

/// What reading content gave: the content, or the error that stopped the read.
pub type ContentResult = Result<Content, Failure>;

/// Content or error, as a trace line shows it (the hash, or the code and message).
pub fn show(content: &ContentResult) -> String {
    match content {
        Ok(content) => format!("{:016x}", content.hash),
        Err(failure) => format!("error {} {:?}", failure.code, failure.message),
    }
}

/// Most lines of a content diff in a report.
const DIFF_MAX_LINES: usize = 40;

/// A readable line diff of two contents (`-` first only, `+` second only), cut at
/// [`DIFF_MAX_LINES`] lines.
pub fn diff(first: &ContentResult, second: &ContentResult) -> String {
    let text = |c: &ContentResult| match c {
        Ok(content) => content.text.clone(),
        Err(failure) => format!("error {} {:?}\n", failure.code, failure.message),
    };
    let (a, b) = (text(first), text(second));
    let diff = similar::TextDiff::from_lines(&a, &b);
    let mut lines = Vec::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Equal => continue,
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
        };
        if lines.len() == DIFF_MAX_LINES {
            lines.push("…".to_string());
            break;
        }
        lines.push(format!("{sign}{}", change.value().trim_end()));
    }
    lines.join("\n")
}

/// The budget of reads by real SQLite, which the oracle trusts to end: none.
pub const UNBOUNDED: u64 = u64::MAX;

/// True when `content` is a read that its step budget stopped (SQLITE_INTERRUPT): the
/// target ran away, a failure of class `hang` whatever check was reading.
pub fn interrupted(content: &ContentResult) -> bool {
    matches!(content, Err(failure) if failure.code == crate::target::SQLITE_INTERRUPT)
}

/// Reads the whole content through `conn`: inside its open transaction if it has one (its
/// own uncommitted changes included), else in a read transaction of its own. Each
/// statement of the read may run `budget` VM instructions, as a step of the run may (the
/// plan's `step_op_budget`): a target that runs away while its content is read (a row it
/// loops on, say) ends the read with SQLITE_INTERRUPT instead of running forever.
/// Errors: the first failure of a prepare or step.
pub fn read<T: Target>(target: &T, conn: &T::Conn, budget: u64) -> ContentResult {
    let mut text = String::new();
    let mut tables = Vec::new();
    target.set_step_budget(conn, budget);
    let mut stmt = target.prepare(conn, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name")?;
    while let Some(row) = target.step(&mut stmt)? {
        let shown: Vec<String> = row.iter().map(outcome::render_value).collect();
        text.push_str(&shown.join("|"));
        text.push('\n');
        if let (Some(Value::Text(kind)), Some(Value::Text(name))) = (row.first(), row.get(1))
            && kind == b"table"
        {
            tables.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    drop(stmt);
    for table in tables {
        let quoted = table.replace('"', "\"\"");
        target.set_step_budget(conn, budget);
        let mut stmt = target.prepare(conn, &format!("SELECT rowid, * FROM \"{quoted}\" ORDER BY rowid"))?;
        while let Some(row) = target.step(&mut stmt)? {
            let shown: Vec<String> = row.iter().map(outcome::render_value).collect();
            text.push_str(&table);
            text.push(':');
            text.push_str(&shown.join("|"));
            text.push('\n');
        }
    }
    Ok(Content::new(text))
}

/// Opens a fresh connection of `target` on `world` (recovering any hot journal) and reads
/// the whole content, each statement within `budget` (see [`read`]). Errors: the open's or
/// the read's failure.
pub fn read_fresh<T: Target>(target: &T, world: &SimVfs, config: &WorldConfig, budget: u64) -> ContentResult {
    let conn = target.open(world, config)?;
    read(target, &conn, budget)
}

/// Runs `PRAGMA integrity_check` through a fresh connection of `target` on `world`.
/// Returns the rows it gave ("ok" alone when the file is sound). Errors: open or step.
pub fn integrity_check<T: Target>(target: &T, world: &SimVfs, config: &WorldConfig) -> Result<Vec<String>, Failure> {
    let conn = target.open(world, config)?;
    let mut stmt = target.prepare(&conn, "PRAGMA integrity_check")?;
    let mut rows = Vec::new();
    while let Some(row) = target.step(&mut stmt)? {
        let shown: Vec<String> = row
            .iter()
            .map(|value| match value {
                Value::Text(text) => String::from_utf8_lossy(text).into_owned(),
                other => outcome::render_value(other),
            })
            .collect();
        rows.push(shown.join("|"));
    }
    Ok(rows)
}

/// Every file of a world, as reads see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// (normalized path, bytes), in path order.
    files: Vec<(String, Vec<u8>)>,
}

impl Snapshot {
    /// The files of `world` now (its volatile view: after a crash, the settled image).
    pub fn of(world: &SimVfs) -> Snapshot {
        let files =
            world.file_paths().into_iter().filter_map(|path| world.file_bytes(&path).map(|b| (path, b))).collect();
        Snapshot { files }
    }

    /// Total bytes held.
    pub fn len_bytes(&self) -> usize {
        self.files.iter().map(|(_, bytes)| bytes.len()).sum()
    }

    /// A new world holding these files durably: faults off, no capacity, nothing locked,
    /// the sector size and device of `disk`, randomness from `seed`.
    pub fn world(&self, seed: u64, disk: DiskModel) -> SimVfs {
        let world = SimVfs::new(seed, DiskModel { capacity_bytes: None, ..disk });
        self.write_into(&world);
        world
    }

    /// Makes `world`'s files exactly these (files it has beyond them are removed). The
    /// world's handles must all be closed: a handle still open would keep stale bytes.
    pub fn restore(&self, world: &SimVfs) {
        for path in world.file_paths() {
            if !self.files.iter().any(|(p, _)| *p == path) {
                world.remove_file(&path);
            }
        }
        self.write_into(world);
    }

    fn write_into(&self, world: &SimVfs) {
        for (path, bytes) in &self.files {
            // set_file_bytes fails only for an unnormalizable path (these come from a world)
            // or when memory cannot be had; the content read afterwards then shows the loss.
            let _ = world.set_file_bytes(path, bytes);
        }
    }
}

/// What the image in `snapshot` recovers to, read by `target` on a copy of it, each
/// statement within `budget` (see [`read`]).
pub fn recovered<T: Target>(
    target: &T,
    snapshot: &Snapshot,
    config: &WorldConfig,
    disk: DiskModel,
    budget: u64,
) -> ContentResult {
    let world = snapshot.world(config.sim_seed, disk);
    read_fresh(target, &world, config, budget)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::sqlite::SqliteTarget;

    fn disk() -> DiskModel {
        DiskModel::plain_4k()
    }

    fn config() -> WorldConfig {
        WorldConfig { page_size_bytes: 4096, ..WorldConfig::default() }
    }

    #[test]
    fn snapshot_recovers_committed_content_only() {
        let world = SimVfs::new(1, disk());
        let target = SqliteTarget;
        let conn = target.open(&world, &config()).unwrap();
        for sql in ["CREATE TABLE t(a)", "INSERT INTO t VALUES (1)", "BEGIN", "INSERT INTO t VALUES (2)"] {
            let mut stmt = target.prepare(&conn, sql).unwrap();
            while target.step(&mut stmt).unwrap().is_some() {}
        }
        let inside = read(&target, &conn, UNBOUNDED).unwrap();
        assert!(inside.text.contains("t:2|2"), "{}", inside.text);
        let committed = recovered(&target, &Snapshot::of(&world), &config(), disk(), UNBOUNDED).unwrap();
        assert!(committed.text.contains("t:1|1") && !committed.text.contains("t:2|2"), "{}", committed.text);
        assert_ne!(inside.hash, committed.hash);
        assert!(diff(&Ok(inside), &Ok(committed)).contains("-t:2|2"));
    }

    #[test]
    fn restore_replaces_and_removes_files() {
        let a = SimVfs::new(1, disk());
        a.set_file_bytes("/x", b"one").unwrap();
        let snapshot = Snapshot::of(&a);
        let b = SimVfs::new(2, disk());
        b.set_file_bytes("/x", b"two").unwrap();
        b.set_file_bytes("/y", b"gone").unwrap();
        snapshot.restore(&b);
        assert_eq!(b.file_paths(), vec!["/x".to_string()]);
        assert_eq!(b.file_bytes("/x").unwrap(), b"one");
        assert_eq!(snapshot.len_bytes(), 3);
    }
}
