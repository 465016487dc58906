//! The storage layer: a database as tables and indexes rather than pages.
//!
//! [`Database`] joins the b-tree layer with the catalog read from `sqlite_schema`: DDL
//! (CREATE TABLE / CREATE INDEX / DROP), rows inserted and deleted with every index kept in
//! step, scans, and transactions. It is what the SQL executor builds on, and what the
//! storage acceptance tests drive directly.
//!
//! Values are stored as given: column affinity is applied by the SQL layer before a row
//! reaches this one. Constraints checked here: NOT NULL, rowid uniqueness, UNIQUE and
//! PRIMARY KEY indexes (conflict = ABORT; the other conflict resolutions are the SQL
//! layer's). Every call outside an explicit transaction runs in its own (autocommit)
//! transaction, committed on success and rolled back on error, as SQLite does.

pub mod catalog;
pub mod ddl_check;
pub mod integrity;
pub(crate) mod integrity_record;
pub mod rows;

pub use catalog::{Catalog, Index, Table};
pub use ddl_check::{DdlCheck, check_ddl};
pub use integrity::{IntegrityOptions, IntegrityOutcome};
pub use rows::ReadSummary;

use crate::btree::{Btree, TxnState};
use crate::error::{Error, Result};
use crate::format::header::offset;
use crate::pager::PagerConfig;
use crate::vfs::Vfs;
use std::sync::Arc;

/// A connection to one database file at the storage level.
#[derive(Debug)]
pub struct Database {
    bt: Btree,
    catalog: Catalog,
    /// True once the catalog has been read in the current transaction.
    catalog_current: bool,
    /// True while `catalog` holds a schema read from the file (SQLite's DB_SchemaLoaded):
    /// statements then compile against it without a transaction, and the cookie check at
    /// their start ([`Database::begin_txn`]) catches a schema another connection changed.
    catalog_loaded: bool,
    /// The catalog holds changes not committed (SQLite's DBFLAG_SchemaChange): the current
    /// transaction changed the schema, or a schema load began since the last commit without
    /// a clean start (see [`Database::load_catalog_if_needed`]). Rolling back discards the
    /// catalog; committing clears the flag.
    schema_changed: bool,
    /// Inside BEGIN ... COMMIT (else each call is its own transaction).
    explicit: bool,
}

impl Database {
    /// Opens (or creates) the database `path` through `vfs`.
    pub fn open(vfs: Arc<dyn Vfs>, path: &str, config: PagerConfig) -> Result<Database> {
        Ok(Database {
            bt: Btree::open(vfs, path, config)?,
            catalog: Catalog::default(),
            catalog_current: false,
            catalog_loaded: false,
            schema_changed: false,
            explicit: false,
        })
    }

    /// The b-tree layer (statistics, cursors for tools).
    pub fn btree(&mut self) -> &mut Btree {
        &mut self.bt
    }

    /// The catalog as last read (call inside a transaction for a current one).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// True while the catalog holds a schema read from the file, which may be stale: another
    /// connection may have changed the schema since (sqlite3_prepare compiles against it all
    /// the same; the statement's cookie check catches the change when it runs).
    pub fn catalog_loaded(&self) -> bool {
        self.catalog_loaded
    }

    /// Discards the catalog (sqlite3ResetAllSchemasOfConnection): the next statement reads
    /// sqlite_schema again, in a transaction of its own if none is open.
    pub fn forget_catalog(&mut self) {
        self.catalog_current = false;
        self.catalog_loaded = false;
        self.catalog.cookie = u32::MAX;
    }

    /// schemaIsValid: true when the file's schema cookie differs from the catalog's, in which
    /// case the catalog is discarded. Reads the cookie in the open transaction, or in a read
    /// transaction of its own; when that cannot start (BUSY, I/O error) the answer is false,
    /// as in SQLite, and the caller keeps the error it had.
    pub fn catalog_is_stale(&mut self) -> bool {
        let started = self.bt.txn() == TxnState::None;
        if started && self.bt.begin_read().is_err() {
            return false;
        }
        let stale = match self.bt.get_meta(offset::SCHEMA_COOKIE) {
            Ok(cookie) => cookie != self.catalog.cookie,
            Err(_) => false,
        };
        if started {
            self.bt.end_read();
        }
        if stale {
            self.forget_catalog();
        }
        stale
    }

    /// The transaction ended: a rollback discards the catalog when it holds uncommitted
    /// changes (the undone DDL, or a load flagged as such); a commit makes them committed
    /// (sqlite3CommitInternalChanges). The next transaction checks the cookie either way.
    fn end_of_txn(&mut self, rolled_back: bool) {
        if rolled_back {
            self.discard_uncommitted_schema();
        }
        self.schema_changed = false;
        self.catalog_current = false;
    }

    /// The schema half of sqlite3RollbackAll: when the catalog holds uncommitted changes
    /// (DBFLAG_SchemaChange) it is discarded (sqlite3ResetAllSchemasOfConnection, which
    /// also clears the flag), so the next statement must read sqlite_schema again, taking
    /// a SHARED lock to prepare. Called by a rollback, and by a statement that fails in
    /// autocommit mode with no transaction of its own to roll back (sqlite3VdbeHalt calls
    /// sqlite3RollbackAll for it all the same).
    pub fn discard_uncommitted_schema(&mut self) {
        if self.schema_changed {
            self.forget_catalog();
        }
        self.schema_changed = false;
    }

    /// True outside BEGIN ... COMMIT.
    pub fn is_autocommit(&self) -> bool {
        !self.explicit
    }

    /// BEGIN (DEFERRED): later calls share one transaction until [`Database::commit`].
    pub fn begin(&mut self) -> Result<()> {
        if self.explicit {
            return Err(Error::new(crate::ErrorCode::Error, "cannot start a transaction within a transaction"));
        }
        self.explicit = true;
        Ok(())
    }

    /// COMMIT. On `Busy` the transaction stays open and may be committed again.
    pub fn commit(&mut self) -> Result<()> {
        if !self.explicit {
            return Err(Error::new(crate::ErrorCode::Error, "cannot commit - no transaction is active"));
        }
        self.bt.commit()?;
        self.explicit = false;
        self.end_of_txn(false);
        Ok(())
    }

    /// ROLLBACK.
    pub fn rollback(&mut self) -> Result<()> {
        if !self.explicit {
            return Err(Error::new(crate::ErrorCode::Error, "cannot rollback - no transaction is active"));
        }
        self.explicit = false;
        self.end_of_txn(true);
        self.bt.rollback()
    }

    /// Opens savepoints until `count` are open; requires the write transaction of an explicit
    /// BEGIN (savepoint numbers are the caller's: SQL savepoints, then statement journals).
    pub fn open_savepoints(&mut self, count: usize) -> Result<()> {
        self.bt.begin_write(false)?;
        self.bt.open_savepoints(count)
    }

    /// Savepoints open.
    pub fn savepoint_count(&self) -> usize {
        self.bt.savepoint_count()
    }

    /// Closes savepoint `index` and every later one, keeping their changes.
    pub fn release_savepoint(&mut self, index: usize) -> Result<()> {
        self.bt.release_savepoint(index)
    }

    /// Undoes every change since savepoint `index` opened (rows, indexes and schema), keeping
    /// it open; `None` undoes every change of the write transaction, keeping it open and
    /// closing every savepoint (the ROLLBACK TO of the SQL savepoint that began it).
    pub fn rollback_to_savepoint(&mut self, index: Option<usize>) -> Result<()> {
        let r = self.bt.rollback_to_savepoint(index);
        self.rolled_back_to_savepoint();
        r
    }

    /// OP_Savepoint's ROLLBACK TO, for the schema: when the catalog holds uncommitted changes
    /// (DBFLAG_SchemaChange) it is discarded and read again when next needed, and the flag
    /// stays set (sqlite3ResetAllSchemasOfConnection, then the flag set again). This holds
    /// whether or not the savepoint had anything to undo.
    pub fn rolled_back_to_savepoint(&mut self) {
        if self.schema_changed {
            self.forget_catalog();
        }
    }

    /// Starts or joins a transaction for an SQL statement (OP_Transaction): a read
    /// transaction, or a write transaction when `write`. When another connection changed the
    /// schema since the catalog was read, the catalog is discarded (sqlite3ResetOneSchema):
    /// the statement, compiled against it, fails its cookie check and is prepared again.
    /// The caller ends the transaction with [`Database::commit_txn`] or
    /// [`Database::rollback_txn`].
    pub fn begin_txn(&mut self, write: bool) -> Result<()> {
        if write {
            self.bt.begin_write(false)?;
        } else {
            self.bt.begin_read()?;
        }
        if !self.catalog_current {
            let cookie = self.bt.get_meta(offset::SCHEMA_COOKIE)?;
            if self.catalog_loaded && cookie == self.catalog.cookie {
                self.catalog_current = true;
            } else {
                self.forget_catalog();
            }
        }
        Ok(())
    }

    /// BEGIN IMMEDIATE / EXCLUSIVE: a write transaction at once (EXCLUSIVE when `exclusive`).
    /// Like SQLite's (OP_Transaction without a cookie check) it leaves the catalog alone;
    /// the next statement checks it.
    pub fn begin_write_txn(&mut self, exclusive: bool) -> Result<()> {
        self.bt.begin_write(exclusive)
    }

    /// sqlite3Init: makes sure the catalog holds the schema, reading sqlite_schema in the
    /// open transaction, or in a read transaction of its own that ends at once (so a
    /// statement that fails to prepare leaves no lock behind). BUSY when that read
    /// transaction cannot start.
    ///
    /// The uncommitted-schema flag follows SQLite's: sqlite3InitOne enters sqlite_schema's
    /// own definition in the schema before it opens the read transaction, which sets
    /// DBFLAG_SchemaChange, and only a load that completes clears it again, and only when
    /// it was clear when the load began (sqlite3Init's commit_internal). So after a load
    /// refused with BUSY the next load, even one that succeeds, leaves the flag set until
    /// the transaction ends: a COMMIT clears it, a ROLLBACK (or a failed autocommit
    /// statement) discards the catalog just read, and the statement after that must read
    /// sqlite_schema again, taking a SHARED lock to prepare.
    pub fn load_catalog_if_needed(&mut self) -> Result<()> {
        if self.catalog_loaded {
            return Ok(());
        }
        let commit_internal = !self.schema_changed;
        self.schema_changed = true;
        let r = if self.bt.txn() != TxnState::None {
            self.refresh_catalog()
        } else {
            self.bt.begin_read()?;
            let r = self.refresh_catalog();
            self.bt.end_read();
            self.catalog_current = false;
            r
        };
        if r.is_ok() && commit_internal {
            self.schema_changed = false;
        }
        r
    }

    /// Commits the transaction begun by [`Database::begin_txn`] (ends a read transaction).
    /// On `Busy` the transaction stays open.
    pub fn commit_txn(&mut self) -> Result<()> {
        self.bt.commit()?;
        self.end_of_txn(false);
        Ok(())
    }

    /// Rolls the transaction back (ends a read transaction). The catalog is read again when
    /// next needed, since a rolled-back DDL statement may have changed it.
    pub fn rollback_txn(&mut self) -> Result<()> {
        self.end_of_txn(true);
        self.bt.rollback()
    }

    /// The state of the b-tree transaction.
    pub fn txn_state(&self) -> TxnState {
        self.bt.txn()
    }

    /// Runs a CREATE / DROP statement inside the current write transaction (the caller rolls
    /// the statement back when it fails). Each DDL change bumps the schema cookie before it
    /// touches the catalog, as SQLite's programs run OP_SetCookie before OP_ParseSchema: a
    /// statement that failed after that point leaves a catalog the rollback makes stale, and
    /// it is discarded; one that failed before (a CREATE UNIQUE INDEX over duplicate values)
    /// leaves it as it was, and, as in SQLite, the next statement compiles without reading
    /// the schema again.
    pub fn run_ddl_in_txn(&mut self, sql: &str) -> Result<()> {
        let changed_before = std::mem::take(&mut self.schema_changed);
        let r = self.run_ddl(sql);
        if r.is_err() && self.schema_changed {
            self.forget_catalog();
        }
        self.schema_changed |= changed_before;
        r
    }

    /// Marks the catalog stale after the schema cookie was written directly (PRAGMA
    /// schema_version = N): it is read again at the next statement.
    pub fn invalidate_catalog(&mut self) {
        self.schema_changed = true;
        self.forget_catalog();
    }

    /// Runs `f` in a read transaction with a current catalog.
    pub(crate) fn with_read<T>(&mut self, f: impl FnOnce(&mut Database) -> Result<T>) -> Result<T> {
        let started = self.bt.txn() == TxnState::None;
        let r = self.bt.begin_read().and_then(|()| self.refresh_catalog()).and_then(|()| f(self));
        if started && !self.explicit {
            self.bt.end_read();
            self.catalog_current = false;
        }
        r
    }

    /// Runs `f` in a write transaction with a current catalog; in autocommit mode the
    /// transaction commits when `f` succeeds and rolls back when anything fails.
    pub(crate) fn with_write<T>(&mut self, f: impl FnOnce(&mut Database) -> Result<T>) -> Result<T> {
        let r = self.bt.begin_write(false).and_then(|()| self.refresh_catalog()).and_then(|()| f(self));
        if self.explicit {
            return r;
        }
        let r = r.and_then(|v| self.bt.commit().map(|()| v));
        if self.bt.txn() != TxnState::None {
            let _ = self.bt.rollback();
        }
        self.end_of_txn(r.is_err());
        r
    }

    /// Re-reads sqlite_schema when this transaction has not read it yet and the schema
    /// cookie differs from the one it was read at (another connection changed the schema).
    fn refresh_catalog(&mut self) -> Result<()> {
        if self.catalog_current {
            return Ok(());
        }
        let cookie = self.bt.get_meta(offset::SCHEMA_COOKIE)?;
        if cookie != self.catalog.cookie || !self.catalog_loaded {
            self.catalog_loaded = false;
            self.catalog = self.load_catalog()?;
            self.catalog_loaded = true;
        }
        self.catalog_current = true;
        Ok(())
    }

    /// Runs one DDL statement (CREATE TABLE, CREATE INDEX, DROP TABLE, DROP INDEX).
    pub fn execute_ddl(&mut self, sql: &str) -> Result<()> {
        self.with_write(|db| db.run_ddl_in_txn(sql))
    }

    /// The table `name` from a current catalog.
    pub fn table(&mut self, name: &str) -> Result<std::rc::Rc<Table>> {
        self.with_read(|db| {
            db.catalog
                .table(name)
                .cloned()
                .ok_or_else(|| Error::new(crate::ErrorCode::Error, format!("no such table: {name}")))
        })
    }
}
