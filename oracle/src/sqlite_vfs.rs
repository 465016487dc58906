//! Real SQLite on any engine [`Vfs`]: the reference and the engine on one (simulated) disk.
//!
//! [`SqliteVfs::register`] registers an implementation of the engine's [`Vfs`] trait with the
//! bundled SQLite (through `rusqlite::ffi`) as an `sqlite3_vfs` under a unique name, and
//! [`SqliteVfs::open`] opens a rusqlite connection on it. Every file call SQLite makes (open,
//! read, write, truncate, sync, size, the five lock levels, delete, access), its clock (`'now'`,
//! through xCurrentTimeInt64) and its sleeps (the busy handler, through xSleep) then go to that
//! `Vfs`: under the simulator's `SimVfs` they are simulated and deterministic.
//!
//! # Why `unsafe` lives here, and only here
//!
//! This module is the one place in the project with `unsafe` code: the oracle crate is
//! `#![deny(unsafe_code)]` and allows it only on this module. Registering a VFS with SQLite
//! means handing C a table of function pointers and raw pointers to Rust memory, and being
//! called back with raw pointers (file structures SQLite allocated, buffers, out-parameters,
//! C strings). Nothing safe can express that, and no maintained crate wraps it for
//! rusqlite 0.41, so the translation is written here once, small and audited: every `unsafe`
//! block carries a `// SAFETY:` comment saying why it is sound, and everything else (flag and
//! error mapping, temp names) is safe code. Every callback runs its Rust part inside
//! [`std::panic::catch_unwind`] and answers the method's failure code on panic, so that a panic
//! in a `Vfs` implementation never unwinds into C.
//!
//! # What SQLite gets, and what it does not
//!
//! - `sqlite3_vfs` version 2 (xCurrentTimeInt64); no system-call overrides, and xDlOpen /
//!   xDlSym answer "nothing" (extensions cannot be loaded through it).
//! - `sqlite3_io_methods` version 1: no shared memory, so SQLite cannot run WAL mode with
//!   shared locking: `PRAGMA journal_mode=WAL` answers `delete` and the journal stays a rollback
//!   journal. (With `PRAGMA locking_mode=EXCLUSIVE` SQLite can still use WAL with its
//!   wal-index in heap memory, as it does on any VFS without xShmMap.) No memory-mapped I/O
//!   either (that needs version 3).
//! - SQLITE_IOCAP_BATCH_ATOMIC is masked off: it would make SQLite send the batch-atomic
//!   file controls, which this adapter does not implement.
//! - xFileControl answers SQLITE_FCNTL_VFSNAME (the registered name) and SQLITE_NOTFOUND to
//!   everything else, which SQLite treats as "not implemented" (e.g. HAS_MOVED: not moved).
//! - Temporary files (SQLite opens them with a NULL name: temp databases, sorter spills,
//!   statement journals past their in-memory size) get the names `/etilqs_<n>`, numbered per
//!   registration from 0 (so a replay names them alike), skipping names that exist, opened
//!   exclusively and deleted on close.
//!
//! # Determinism
//!
//! Time and sleep come from the `Vfs`. Randomness does not: SQLite's own PRNG (journal
//! nonces, `random()`, random rowids, temp names of the unix VFS) is process-global and seeded
//! from the xRandomness of the *default* VFS, never from this one. [`seed_sqlite_prng`] makes
//! it deterministic instead. [`SqliteVfs::open`] also sets the busy timeout to 0 (rusqlite's
//! default is 5 s), since BUSY is an outcome in simulation, not something to wait out.

use rusqlite::ffi;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::ops::{Deref, DerefMut};
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;
use touchstone_engine::error::Error;
use touchstone_engine::vfs::{
    AccessCheck, DeviceCharacteristics, FileKind, LockLevel, OpenAccess, OpenFlags, ReadOutcome, SyncFlags, Vfs,
    VfsFile,
};

/// The longest path (in bytes, without the NUL) that SQLite may ask this VFS for.
pub const MAX_PATHNAME: usize = 512;

/// The prefix of registered names: `touchstone-0`, `touchstone-1`, …
pub const NAME_PREFIX: &str = "touchstone-";

/// Numbers the registrations of this process, for unique names.
static NEXT_REGISTRATION: AtomicU64 = AtomicU64::new(0);

/// How many names of temporary files are tried before xOpen gives up.
const TEMP_NAME_ATTEMPTS: u64 = 1000;

/// A [`Vfs`] registered with SQLite under a unique name; unregistered when the last handle
/// (clone or [`ReferenceConnection`]) drops.
#[derive(Clone)]
pub struct SqliteVfs {
    registration: Arc<Registration>,
}

impl std::fmt::Debug for SqliteVfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteVfs").field("name", &self.name()).finish()
    }
}

/// One registration: the `sqlite3_vfs` SQLite links into its list, and what its callbacks use.
///
/// Both live at stable heap addresses for as long as the registration: the `sqlite3_vfs` was
/// leaked from a `Box` (SQLite writes its `pNext` field, so Rust keeps no reference to it) and
/// is freed in `Drop` after it is unregistered; the state is behind an `Arc` whose address is
/// the `pAppData` of the `sqlite3_vfs`.
struct Registration {
    raw: NonNull<ffi::sqlite3_vfs>,
    state: Arc<VfsState>,
}

// SAFETY: `raw` is only dereferenced by SQLite (which guards the VFS list with its own mutex
// and calls the methods from whichever thread runs a connection) and freed once, in `Drop`,
// when no other handle exists. The state it points to is `Send + Sync` (an `Arc<dyn Vfs>`,
// where `Vfs: Send + Sync`, strings and an atomic), so the registration may move between and
// be shared by threads.
unsafe impl Send for Registration {}
// SAFETY: as for `Send`: no `&self` method reads or writes through `raw`.
unsafe impl Sync for Registration {}

/// What the VFS callbacks reach through `pAppData`.
struct VfsState {
    vfs: Arc<dyn Vfs>,
    name: String,
    c_name: Arc<CStr>,
    /// The number of the next temporary file name to try.
    next_temp: AtomicU64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: `raw` came from `Box::leak` in `register` and is freed only here, once.
        // Unregistering first removes SQLite's only pointer to it (unregistering a VFS that is
        // not registered is a no-op). No connection uses it any more: each
        // `ReferenceConnection` holds an `Arc` to this registration and closes its connection
        // first; a connection whose close failed is unreachable and never called again.
        unsafe {
            ffi::sqlite3_vfs_unregister(self.raw.as_ptr());
            drop(Box::from_raw(self.raw.as_ptr()));
        }
    }
}

impl SqliteVfs {
    /// Registers `vfs` with SQLite under a new name (`touchstone-<n>`), not as the default VFS.
    /// Errors: SQLite's, if registration fails (it does not, short of memory).
    pub fn register(vfs: Arc<dyn Vfs>) -> rusqlite::Result<SqliteVfs> {
        let number = NEXT_REGISTRATION.fetch_add(1, Ordering::Relaxed);
        let name = format!("{NAME_PREFIX}{number}");
        let c_name: Arc<CStr> = CString::new(name.clone()).map_err(rusqlite::Error::NulError)?.into();
        let state = Arc::new(VfsState { vfs, name, c_name, next_temp: AtomicU64::new(0) });
        let raw = NonNull::from(Box::leak(Box::new(ffi::sqlite3_vfs {
            iVersion: 2,
            szOsFile: c_int::try_from(size_of::<AdapterFile>()).unwrap_or(c_int::MAX),
            mxPathname: MAX_PATHNAME as c_int,
            pNext: ptr::null_mut(),
            zName: state.c_name.as_ptr(),
            pAppData: Arc::as_ptr(&state).cast_mut().cast::<c_void>(),
            xOpen: Some(x_open),
            xDelete: Some(x_delete),
            xAccess: Some(x_access),
            xFullPathname: Some(x_full_pathname),
            xDlOpen: Some(x_dl_open),
            xDlError: Some(x_dl_error),
            xDlSym: Some(x_dl_sym),
            xDlClose: Some(x_dl_close),
            xRandomness: Some(x_randomness),
            xSleep: Some(x_sleep),
            xCurrentTime: Some(x_current_time),
            xGetLastError: Some(x_get_last_error),
            xCurrentTimeInt64: Some(x_current_time_int64),
            xSetSystemCall: None,
            xGetSystemCall: None,
            xNextSystemCall: None,
        })));
        // Built before registering, so that a failure frees the struct (through `Drop`).
        let registration = Registration { raw, state };
        // SAFETY: `raw` points to a fully initialized `sqlite3_vfs` whose name and app data
        // live as long as `registration`, which unregisters it before freeing anything; its
        // methods are the `extern "C"` functions below. `makeDflt` 0: never the default VFS.
        let rc = unsafe { ffi::sqlite3_vfs_register(raw.as_ptr(), 0) };
        if rc != ffi::SQLITE_OK {
            return Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), Some("sqlite3_vfs_register".into())));
        }
        Ok(SqliteVfs { registration: Arc::new(registration) })
    }

    /// The name SQLite knows this VFS by.
    pub fn name(&self) -> &str {
        &self.registration.state.name
    }

    /// The registered [`Vfs`].
    pub fn vfs(&self) -> &Arc<dyn Vfs> {
        &self.registration.state.vfs
    }

    /// Opens `path` read-write (created if missing) on this VFS, with busy timeout 0. The
    /// connection keeps the registration alive.
    pub fn open(&self, path: &str) -> rusqlite::Result<ReferenceConnection> {
        let conn = rusqlite::Connection::open_with_flags_and_vfs(path, rusqlite::OpenFlags::default(), self.name())?;
        conn.busy_timeout(Duration::ZERO)?;
        Ok(ReferenceConnection { conn, _vfs: self.clone() })
    }
}

/// True when SQLite knows a VFS called `name` (`sqlite3_vfs_find`).
pub fn is_vfs_registered(name: &str) -> bool {
    let Ok(c_name) = CString::new(name) else {
        return false;
    };
    // SAFETY: `c_name` is a NUL-terminated string that outlives the call; sqlite3_vfs_find
    // only reads it, and the pointer it returns is only compared with null.
    !unsafe { ffi::sqlite3_vfs_find(c_name.as_ptr()) }.is_null()
}

/// A rusqlite connection on a [`SqliteVfs`], plus the registration it needs.
///
/// Field order matters: the connection drops (closes) before the registration.
pub struct ReferenceConnection {
    conn: rusqlite::Connection,
    _vfs: SqliteVfs,
}

impl ReferenceConnection {
    /// The VFS the connection runs on.
    pub fn sqlite_vfs(&self) -> &SqliteVfs {
        &self._vfs
    }
}

impl Deref for ReferenceConnection {
    type Target = rusqlite::Connection;

    fn deref(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

impl DerefMut for ReferenceConnection {
    fn deref_mut(&mut self) -> &mut rusqlite::Connection {
        &mut self.conn
    }
}

/// The seed that stands in for 0 in [`seed_sqlite_prng`] (SQLite reads 0 as "unseeded").
pub const ZERO_SEED_STANDIN: u32 = 0x9e37_79b9;

/// Makes SQLite's own PRNG deterministic from `seed`: what it draws next (journal nonces,
/// `random()`, `randomblob()`, random rowids) is a function of `seed` and of the draws since.
///
/// `sqlite3_test_control(SQLITE_TESTCTRL_PRNG_SEED, seed, NULL)`: the PRNG restarts from a
/// ChaCha20 state keyed by `seed` alone instead of the default VFS's xRandomness. SQLite
/// treats 0 as "go back to OS randomness", so 0 is replaced by [`ZERO_SEED_STANDIN`].
///
/// Seed before opening the run's connections: every connection open draws 16 bytes from the
/// PRNG (FTS5's per-connection setup, compiled into the bundled SQLite), so opens count as
/// draws of the stream.
///
/// The PRNG is process-global and this call is not synchronized with SQLite's readers of the
/// seed: call it when no other thread is inside SQLite, and do not interleave runs that rely
/// on it on several threads of one process (each draw of one run would move the others'
/// streams). Call it at the start of every run.
///
/// Before the first seeding it opens one real (temporary) file through SQLite's unix VFS. The
/// unix VFS resets the PRNG at the first file it opens in a process unless its xRandomness
/// ran before (a fork check keyed on the pid, which a seeded PRNG never sets): that reset
/// would restart the stream in the middle of whichever run first touches a real file (an
/// L0 comparison, say), so that run would draw differently from its replay in a process that
/// touched one earlier. (`tests/sqlite_prng_first_unix_open.rs` shows it.)
pub fn seed_sqlite_prng(seed: u32) {
    static PRIME_UNIX_VFS: Once = Once::new();
    PRIME_UNIX_VFS.call_once(prime_unix_vfs);
    let seed = if seed == 0 { ZERO_SEED_STANDIN } else { seed };
    // SAFETY: SQLITE_TESTCTRL_PRNG_SEED reads exactly two variadic arguments, an int and an
    // `sqlite3*`; both are passed with those C types, and a NULL database is allowed. The call
    // stores the seed in SQLite's global configuration and resets the PRNG under its mutex.
    unsafe {
        ffi::sqlite3_test_control(ffi::SQLITE_TESTCTRL_PRNG_SEED, seed as c_int, ptr::null_mut::<ffi::sqlite3>());
    }
}

/// Opens a file through SQLite's unix VFS once, so that its first-open PRNG reset is spent.
fn prime_unix_vfs() {
    // Best effort: if no temporary directory is available, no run can touch real files either.
    if let Ok(dir) = tempfile::tempdir() {
        let _ = rusqlite::Connection::open(dir.path().join("prime.db"));
    }
}

// ---------------------------------------------------------------------------------------------
// The file structure and the glue shared by the callbacks.

/// What SQLite allocates `szOsFile` bytes for: an `sqlite3_file` (whose only field, the method
/// table, must come first) followed by the Rust side of the open file.
#[repr(C)]
struct AdapterFile {
    base: ffi::sqlite3_file,
    /// `None` until xOpen succeeds and after xClose.
    open: Option<OpenFile>,
}

/// SQLite's allocations are 8-byte aligned (and `sqlite3_file`s inside its structures are at
/// 8-byte rounded offsets), which is all `AdapterFile` needs.
const _: () = assert!(align_of::<AdapterFile>() <= 8);

/// An open file: the engine's handle and the registration's name (for VFSNAME).
struct OpenFile {
    file: Box<dyn VfsFile>,
    vfs_name: Arc<CStr>,
}

/// The method table of every file this adapter opens.
static IO_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

/// Runs `body`, answering `on_panic` if it panics: no panic may unwind into C.
fn guard<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// SQLite's (extended) result code for an engine error.
fn result_code(error: &Error) -> c_int {
    match error.extended_code() {
        0 => ffi::SQLITE_IOERR,
        code => code,
    }
}

/// The registration state behind a VFS pointer.
///
/// # Safety
/// `vfs` is a `sqlite3_vfs` made by [`SqliteVfs::register`] and still registered (SQLite only
/// calls the methods of registered VFSes, which are alive: see `Registration`).
unsafe fn state_of<'a>(vfs: *mut ffi::sqlite3_vfs) -> &'a VfsState {
    // SAFETY: by the contract, `vfs` is live and its `pAppData` is `Arc::as_ptr` of the
    // registration's state, which lives as long as the registration. Reading the one field
    // does not race with SQLite's writes to `pNext`. The state is only read through `&`.
    unsafe { &*(*vfs).pAppData.cast_const().cast::<VfsState>() }
}

/// Runs `body` on the open file behind `file`; `on_failure` if it is closed or `body` panics.
///
/// # Safety
/// `file` is a `sqlite3_file` that [`x_open`] initialized and SQLite passes to one of this
/// adapter's io methods; SQLite calls the methods of one file one at a time.
unsafe fn with_file(
    file: *mut ffi::sqlite3_file,
    on_failure: c_int,
    body: impl FnOnce(&mut OpenFile) -> c_int,
) -> c_int {
    // SAFETY: by the contract, `file` points to an `AdapterFile` that x_open wrote (SQLite
    // allocated `szOsFile` suitably aligned bytes for it), and nothing else accesses it while
    // this method runs.
    let adapter = unsafe { &mut *file.cast::<AdapterFile>() };
    match adapter.open.as_mut() {
        Some(open) => guard(on_failure, || body(open)),
        None => on_failure,
    }
}

/// The buffer `ptr[..len]` SQLite passed for reading into; empty for a null or empty one.
///
/// # Safety
/// Unless null or `len <= 0`, `ptr` is valid for `len` bytes of writes, and nothing else
/// accesses them for `'a`.
unsafe fn bytes_mut<'a>(ptr: *mut c_void, len: c_int) -> &'a mut [u8] {
    match usize::try_from(len) {
        Ok(len) if len > 0 && !ptr.is_null() => {
            // SAFETY: by the contract, `ptr` is valid and unaliased for `len` bytes.
            unsafe { std::slice::from_raw_parts_mut(ptr.cast::<u8>(), len) }
        }
        _ => &mut [],
    }
}

/// The bytes `ptr[..len]` SQLite passed for writing; empty for a null or empty buffer.
///
/// # Safety
/// Unless null or `len <= 0`, `ptr` is valid for `len` bytes of reads, unchanged for `'a`.
unsafe fn bytes<'a>(ptr: *const c_void, len: c_int) -> &'a [u8] {
    match usize::try_from(len) {
        Ok(len) if len > 0 && !ptr.is_null() => {
            // SAFETY: by the contract, `ptr` is valid for `len` bytes of reads.
            unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) }
        }
        _ => &[],
    }
}

/// The path SQLite passed, or `None` for a null pointer or a name that is not UTF-8.
///
/// # Safety
/// Unless null, `ptr` is a NUL-terminated string valid for `'a`.
unsafe fn path_arg<'a>(ptr: *const c_char) -> Option<&'a str> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: by the contract, `ptr` is a NUL-terminated string valid for `'a`.
    unsafe { CStr::from_ptr(ptr) }.to_str().ok()
}

/// Stores `value` in SQLite's out-parameter `out`, unless it is null.
///
/// # Safety
/// Unless null, `out` is valid and aligned for a write of `T`.
unsafe fn put<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: by the contract, `out` is valid and aligned for a write of `T`.
        unsafe { out.write(value) }
    }
}

/// Writes `text`, cut to fit and NUL-terminated, into SQLite's buffer `out[..capacity]`;
/// false if it had to be cut (or there is no buffer).
///
/// # Safety
/// Unless null or `capacity <= 0`, `out` is valid for `capacity` bytes of writes.
unsafe fn put_c_string(out: *mut c_char, capacity: c_int, text: &str) -> bool {
    // SAFETY: forwarded contract: `out` is valid for `capacity` bytes.
    let buf = unsafe { bytes_mut(out.cast::<c_void>(), capacity) };
    let Some(room) = buf.len().checked_sub(1) else {
        return false;
    };
    let len = text.len().min(room);
    buf[..len].copy_from_slice(&text.as_bytes()[..len]);
    buf[len] = 0;
    len == text.len()
}

// ---------------------------------------------------------------------------------------------
// sqlite3_vfs methods.

/// xOpen: opens `z_name` (or a new temporary file when it is null) as `flags` say.
///
/// # Safety
/// SQLite's xOpen contract: `vfs` is this adapter's registered VFS, `z_name` null or a path,
/// `file` points to `szOsFile` writable bytes, `out_flags` null or writable.
unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    z_name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let file = file.cast::<AdapterFile>();
    // SAFETY: SQLite gives xOpen `szOsFile` (= size of `AdapterFile`) bytes, 8-byte aligned
    // (see the assertion on `AdapterFile`), possibly uninitialized: `write` initializes them
    // without reading or dropping the old contents. A null method table tells SQLite not to
    // call xClose if the open fails.
    unsafe { file.write(AdapterFile { base: ffi::sqlite3_file { pMethods: ptr::null() }, open: None }) };
    // SAFETY: SQLite calls xOpen only on a registered VFS (`state_of`'s contract).
    let state = unsafe { state_of(vfs) };
    let name = if z_name.is_null() {
        None
    } else {
        // SAFETY: a non-null `z_name` is a NUL-terminated path valid during the call.
        match unsafe { path_arg(z_name) } {
            Some(name) => Some(name),
            None => return ffi::SQLITE_CANTOPEN,
        }
    };
    let opened = guard(Err(ffi::SQLITE_CANTOPEN), || open_file(state, name, flags));
    match opened {
        Ok(file_box) => {
            // SAFETY: `file` was initialized above and SQLite does not touch it before xOpen
            // returns.
            let adapter = unsafe { &mut *file };
            adapter.open = Some(OpenFile { file: file_box, vfs_name: Arc::clone(&state.c_name) });
            adapter.base.pMethods = &IO_METHODS;
            // SAFETY: `out_flags` is null or a writable int (xOpen's contract).
            unsafe { put(out_flags, flags) };
            ffi::SQLITE_OK
        }
        Err(rc) => rc,
    }
}

/// xOpen's Rust part: flags mapped to [`OpenFlags`], temporary names chosen.
fn open_file(state: &VfsState, name: Option<&str>, flags: c_int) -> Result<Box<dyn VfsFile>, c_int> {
    let kind = match flags & 0x000F_FF00 {
        ffi::SQLITE_OPEN_MAIN_DB => FileKind::MainDb,
        ffi::SQLITE_OPEN_MAIN_JOURNAL => FileKind::MainJournal,
        ffi::SQLITE_OPEN_TEMP_DB | ffi::SQLITE_OPEN_TRANSIENT_DB => FileKind::TempDb,
        ffi::SQLITE_OPEN_TEMP_JOURNAL => FileKind::TempJournal,
        ffi::SQLITE_OPEN_SUBJOURNAL => FileKind::SubJournal,
        ffi::SQLITE_OPEN_SUPER_JOURNAL => FileKind::SuperJournal,
        ffi::SQLITE_OPEN_WAL => FileKind::Wal,
        _ if name.is_none() => FileKind::TempDb,
        _ => FileKind::MainDb,
    };
    let access = if flags & ffi::SQLITE_OPEN_READWRITE == 0 {
        OpenAccess::ReadOnly
    } else if flags & ffi::SQLITE_OPEN_CREATE != 0 {
        OpenAccess::ReadWriteCreate
    } else {
        OpenAccess::ReadWrite
    };
    let open_flags = OpenFlags {
        kind,
        access,
        exclusive: flags & ffi::SQLITE_OPEN_EXCLUSIVE != 0,
        delete_on_close: flags & ffi::SQLITE_OPEN_DELETEONCLOSE != 0,
    };
    if let Some(name) = name {
        return state.vfs.open(name, open_flags).map_err(|error| result_code(&error));
    }
    // A temporary file: the next free name of this registration, created exclusively (as
    // SQLite always asks for NULL names) so that it is never another handle's file. The name
    // is checked only after a failed open, so a successful one costs one Vfs call.
    let open_flags = OpenFlags { exclusive: true, access: OpenAccess::ReadWriteCreate, ..open_flags };
    let mut last_error = ffi::SQLITE_CANTOPEN;
    for _ in 0..TEMP_NAME_ATTEMPTS {
        let path = format!("/etilqs_{}", state.next_temp.fetch_add(1, Ordering::Relaxed));
        match state.vfs.open(&path, open_flags) {
            Ok(file) => return Ok(file),
            Err(error) => last_error = result_code(&error),
        }
        // Taken (by another registration on the same Vfs, or a file left behind): try the next
        // name. Any other failure is the answer.
        if !state.vfs.access(&path, AccessCheck::ReadWrite).unwrap_or(false) {
            return Err(last_error);
        }
    }
    Err(last_error)
}

/// xDelete: deletes `z_name`, syncing its directory when `sync_dir` is set.
///
/// # Safety
/// SQLite's contract: `vfs` registered, `z_name` a NUL-terminated path.
unsafe extern "C" fn x_delete(vfs: *mut ffi::sqlite3_vfs, z_name: *const c_char, sync_dir: c_int) -> c_int {
    // SAFETY: SQLite calls xDelete only on a registered VFS.
    let state = unsafe { state_of(vfs) };
    // SAFETY: `z_name` is a NUL-terminated path valid during the call.
    let Some(path) = (unsafe { path_arg(z_name) }) else {
        return ffi::SQLITE_IOERR_DELETE;
    };
    guard(ffi::SQLITE_IOERR_DELETE, || match state.vfs.delete(path, sync_dir != 0) {
        Ok(()) => ffi::SQLITE_OK,
        Err(error) => result_code(&error),
    })
}

/// xAccess: answers SQLITE_ACCESS_EXISTS / READWRITE / READ about `z_name` in `res_out`.
///
/// # Safety
/// SQLite's contract: `vfs` registered, `z_name` a NUL-terminated path, `res_out` writable.
unsafe extern "C" fn x_access(
    vfs: *mut ffi::sqlite3_vfs,
    z_name: *const c_char,
    flags: c_int,
    res_out: *mut c_int,
) -> c_int {
    // SAFETY: SQLite calls xAccess only on a registered VFS.
    let state = unsafe { state_of(vfs) };
    // SAFETY: `z_name` is a NUL-terminated path valid during the call.
    let path = unsafe { path_arg(z_name) };
    let check = match flags {
        ffi::SQLITE_ACCESS_READWRITE => AccessCheck::ReadWrite,
        ffi::SQLITE_ACCESS_READ => AccessCheck::Read,
        _ => AccessCheck::Exists,
    };
    let answer = guard(Err(ffi::SQLITE_IOERR_ACCESS), || match path {
        // A name that is not UTF-8 names no file this Vfs can have.
        None => Ok(false),
        Some(path) => state.vfs.access(path, check).map_err(|error| result_code(&error)),
    });
    match answer {
        Ok(exists) => {
            // SAFETY: `res_out` is a writable int (xAccess's contract).
            unsafe { put(res_out, c_int::from(exists)) };
            ffi::SQLITE_OK
        }
        Err(rc) => rc,
    }
}

/// xFullPathname: the `Vfs`'s canonical form of `z_name`, NUL-terminated, into
/// `z_out[..n_out]`; SQLITE_CANTOPEN if it does not fit.
///
/// # Safety
/// SQLite's contract: `vfs` registered, `z_name` a NUL-terminated path, `z_out` writable for
/// `n_out` bytes.
unsafe extern "C" fn x_full_pathname(
    vfs: *mut ffi::sqlite3_vfs,
    z_name: *const c_char,
    n_out: c_int,
    z_out: *mut c_char,
) -> c_int {
    // SAFETY: SQLite calls xFullPathname only on a registered VFS.
    let state = unsafe { state_of(vfs) };
    // SAFETY: `z_name` is a NUL-terminated path valid during the call.
    let Some(path) = (unsafe { path_arg(z_name) }) else {
        return ffi::SQLITE_CANTOPEN;
    };
    let full = guard(Err(ffi::SQLITE_CANTOPEN), || state.vfs.full_path(path).map_err(|error| result_code(&error)));
    match full {
        Ok(full) if !full.contains('\0') => {
            // SAFETY: `z_out` is writable for `n_out` bytes (xFullPathname's contract).
            if unsafe { put_c_string(z_out, n_out, &full) } { ffi::SQLITE_OK } else { ffi::SQLITE_CANTOPEN }
        }
        Ok(_) => ffi::SQLITE_CANTOPEN,
        Err(rc) => rc,
    }
}

/// xDlOpen: no shared libraries through this VFS.
extern "C" fn x_dl_open(_vfs: *mut ffi::sqlite3_vfs, _filename: *const c_char) -> *mut c_void {
    ptr::null_mut()
}

/// xDlError: says why xDlOpen failed.
///
/// # Safety
/// SQLite's contract: `z_err` writable for `n_byte` bytes.
unsafe extern "C" fn x_dl_error(_vfs: *mut ffi::sqlite3_vfs, n_byte: c_int, z_err: *mut c_char) {
    // SAFETY: `z_err` is writable for `n_byte` bytes (xDlError's contract).
    unsafe { put_c_string(z_err, n_byte, "a touchstone VFS cannot load shared libraries") };
}

/// The type of xDlSym's answer.
type DlSymbol = Option<unsafe extern "C" fn(*mut ffi::sqlite3_vfs, *mut c_void, *const c_char)>;

/// xDlSym: no symbols (xDlOpen never opens anything).
extern "C" fn x_dl_sym(_vfs: *mut ffi::sqlite3_vfs, _handle: *mut c_void, _symbol: *const c_char) -> DlSymbol {
    None
}

/// xDlClose: nothing was opened.
extern "C" fn x_dl_close(_vfs: *mut ffi::sqlite3_vfs, _handle: *mut c_void) {}

/// xRandomness: `n_byte` bytes from the `Vfs`'s randomness (SQLite asks only the default VFS;
/// see the module documentation).
///
/// # Safety
/// SQLite's contract: `vfs` registered, `z_out` writable for `n_byte` bytes.
unsafe extern "C" fn x_randomness(vfs: *mut ffi::sqlite3_vfs, n_byte: c_int, z_out: *mut c_char) -> c_int {
    // SAFETY: SQLite calls xRandomness only on a registered VFS.
    let state = unsafe { state_of(vfs) };
    // SAFETY: `z_out` is writable for `n_byte` bytes (xRandomness's contract).
    let buf = unsafe { bytes_mut(z_out.cast::<c_void>(), n_byte) };
    let len = buf.len();
    guard(0, || {
        state.vfs.randomness(buf);
        c_int::try_from(len).unwrap_or(0)
    })
}

/// xSleep: sleeps in the `Vfs`'s time; answers the microseconds slept.
///
/// # Safety
/// SQLite's contract: `vfs` registered.
unsafe extern "C" fn x_sleep(vfs: *mut ffi::sqlite3_vfs, microseconds: c_int) -> c_int {
    // SAFETY: SQLite calls xSleep only on a registered VFS.
    let state = unsafe { state_of(vfs) };
    let asked = u64::try_from(microseconds).unwrap_or(0);
    guard(0, || c_int::try_from(state.vfs.sleep(asked)).unwrap_or(c_int::MAX))
}

/// Milliseconds in a day, for xCurrentTime's Julian day numbers.
const MS_PER_DAY: f64 = 86_400_000.0;

/// xCurrentTime: the `Vfs`'s time as a Julian day number.
///
/// # Safety
/// SQLite's contract: `vfs` registered, `out` writable.
unsafe extern "C" fn x_current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    // SAFETY: SQLite calls xCurrentTime only on a registered VFS.
    let state = unsafe { state_of(vfs) };
    match guard(None, || Some(state.vfs.current_time_ms())) {
        Some(ms) => {
            // SAFETY: `out` is a writable double (xCurrentTime's contract).
            unsafe { put(out, ms as f64 / MS_PER_DAY) };
            ffi::SQLITE_OK
        }
        None => ffi::SQLITE_ERROR,
    }
}

/// xCurrentTimeInt64: the `Vfs`'s time in milliseconds since the Julian epoch.
///
/// # Safety
/// SQLite's contract: `vfs` registered, `out` writable.
unsafe extern "C" fn x_current_time_int64(vfs: *mut ffi::sqlite3_vfs, out: *mut ffi::sqlite3_int64) -> c_int {
    // SAFETY: SQLite calls xCurrentTimeInt64 only on a registered VFS.
    let state = unsafe { state_of(vfs) };
    match guard(None, || Some(state.vfs.current_time_ms())) {
        Some(ms) => {
            // SAFETY: `out` is a writable 64-bit integer (xCurrentTimeInt64's contract).
            unsafe { put(out, ms) };
            ffi::SQLITE_OK
        }
        None => ffi::SQLITE_ERROR,
    }
}

/// xGetLastError: no OS error numbers to report.
extern "C" fn x_get_last_error(_vfs: *mut ffi::sqlite3_vfs, _n_byte: c_int, _z_err: *mut c_char) -> c_int {
    0
}

// ---------------------------------------------------------------------------------------------
// sqlite3_io_methods.

/// xClose: drops the engine's handle (releasing its locks). SQLite does not call the file's
/// methods again.
///
/// # Safety
/// SQLite's contract: `file` was opened by [`x_open`] and is not used during or after the call.
unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: `file` points to the `AdapterFile` x_open initialized, used by nobody else now.
    let adapter = unsafe { &mut *file.cast::<AdapterFile>() };
    let open = adapter.open.take();
    guard(ffi::SQLITE_IOERR_CLOSE, || {
        drop(open);
        ffi::SQLITE_OK
    })
}

/// xRead: `amount` bytes at `offset` into `buf`; a read past the end zero-fills the rest and
/// answers SQLITE_IOERR_SHORT_READ.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`], `buf` writable for `amount` bytes.
unsafe extern "C" fn x_read(file: *mut ffi::sqlite3_file, buf: *mut c_void, amount: c_int, offset: i64) -> c_int {
    let Ok(offset) = u64::try_from(offset) else {
        return ffi::SQLITE_IOERR_READ;
    };
    // SAFETY: `buf` is writable for `amount` bytes, and SQLite does not touch it during xRead.
    let buf = unsafe { bytes_mut(buf, amount) };
    // SAFETY: `file` is an open file of this adapter (xRead's contract).
    unsafe {
        with_file(file, ffi::SQLITE_IOERR_READ, |open| match open.file.read_at(buf, offset) {
            Ok(ReadOutcome::Full) => ffi::SQLITE_OK,
            Ok(ReadOutcome::Short { bytes_read }) => {
                // SQLite relies on the zero fill; do not trust every Vfs to have done it.
                let start = bytes_read.min(buf.len());
                buf[start..].fill(0);
                ffi::SQLITE_IOERR_SHORT_READ
            }
            Err(error) => result_code(&error),
        })
    }
}

/// xWrite: `amount` bytes of `buf` at `offset`.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`], `buf` readable for `amount` bytes.
unsafe extern "C" fn x_write(file: *mut ffi::sqlite3_file, buf: *const c_void, amount: c_int, offset: i64) -> c_int {
    let Ok(offset) = u64::try_from(offset) else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    // SAFETY: `buf` is readable for `amount` bytes and unchanged during xWrite.
    let buf = unsafe { bytes(buf, amount) };
    // SAFETY: `file` is an open file of this adapter (xWrite's contract).
    unsafe {
        with_file(file, ffi::SQLITE_IOERR_WRITE, |open| match open.file.write_at(buf, offset) {
            Ok(()) => ffi::SQLITE_OK,
            Err(error) => result_code(&error),
        })
    }
}

/// xTruncate: sets the file's size.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`].
unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    let Ok(size) = u64::try_from(size) else {
        return ffi::SQLITE_IOERR_TRUNCATE;
    };
    // SAFETY: `file` is an open file of this adapter (xTruncate's contract).
    unsafe {
        with_file(file, ffi::SQLITE_IOERR_TRUNCATE, |open| match open.file.truncate(size) {
            Ok(()) => ffi::SQLITE_OK,
            Err(error) => result_code(&error),
        })
    }
}

/// xSync: SQLITE_SYNC_NORMAL / FULL, optionally | DATAONLY.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`].
unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    let sync =
        SyncFlags { full: flags & 0x0F == ffi::SQLITE_SYNC_FULL, data_only: flags & ffi::SQLITE_SYNC_DATAONLY != 0 };
    // SAFETY: `file` is an open file of this adapter (xSync's contract).
    unsafe {
        with_file(file, ffi::SQLITE_IOERR_FSYNC, |open| match open.file.sync(sync) {
            Ok(()) => ffi::SQLITE_OK,
            Err(error) => result_code(&error),
        })
    }
}

/// xFileSize: the file's size into `size_out`.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`], `size_out` writable.
unsafe extern "C" fn x_file_size(file: *mut ffi::sqlite3_file, size_out: *mut ffi::sqlite3_int64) -> c_int {
    let mut size = 0u64;
    // SAFETY: `file` is an open file of this adapter (xFileSize's contract).
    let rc = unsafe {
        with_file(file, ffi::SQLITE_IOERR_FSTAT, |open| match open.file.size() {
            Ok(bytes) => {
                size = bytes;
                ffi::SQLITE_OK
            }
            Err(error) => result_code(&error),
        })
    };
    if rc == ffi::SQLITE_OK {
        // SAFETY: `size_out` is a writable 64-bit integer (xFileSize's contract).
        unsafe { put(size_out, i64::try_from(size).unwrap_or(i64::MAX)) };
    }
    rc
}

/// SQLite's lock level number as a [`LockLevel`].
fn lock_level(level: c_int) -> Option<LockLevel> {
    Some(match level {
        ffi::SQLITE_LOCK_NONE => LockLevel::None,
        ffi::SQLITE_LOCK_SHARED => LockLevel::Shared,
        ffi::SQLITE_LOCK_RESERVED => LockLevel::Reserved,
        ffi::SQLITE_LOCK_PENDING => LockLevel::Pending,
        ffi::SQLITE_LOCK_EXCLUSIVE => LockLevel::Exclusive,
        _ => return None,
    })
}

/// xLock: raises the lock to `level` (a no-op if it is held already, as in os_unix.c);
/// SQLITE_BUSY when another handle is in the way.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`].
unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    let Some(level) = lock_level(level) else {
        return ffi::SQLITE_MISUSE;
    };
    // SAFETY: `file` is an open file of this adapter (xLock's contract).
    unsafe {
        with_file(file, ffi::SQLITE_IOERR_LOCK, |open| {
            if open.file.lock_level() >= level {
                return ffi::SQLITE_OK;
            }
            match open.file.lock(level) {
                Ok(()) => ffi::SQLITE_OK,
                Err(error) => result_code(&error),
            }
        })
    }
}

/// xUnlock: lowers the lock to `level` (SHARED or NONE; a no-op if it is that low already).
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`].
unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    let Some(level) = lock_level(level) else {
        return ffi::SQLITE_MISUSE;
    };
    // SAFETY: `file` is an open file of this adapter (xUnlock's contract).
    unsafe {
        with_file(file, ffi::SQLITE_IOERR_UNLOCK, |open| {
            if open.file.lock_level() <= level {
                return ffi::SQLITE_OK;
            }
            match open.file.unlock(level) {
                Ok(()) => ffi::SQLITE_OK,
                Err(error) => result_code(&error),
            }
        })
    }
}

/// xCheckReservedLock: whether any handle holds RESERVED or above, into `res_out`.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`], `res_out` writable.
unsafe extern "C" fn x_check_reserved_lock(file: *mut ffi::sqlite3_file, res_out: *mut c_int) -> c_int {
    let mut reserved = false;
    // SAFETY: `file` is an open file of this adapter (xCheckReservedLock's contract).
    let rc = unsafe {
        with_file(file, ffi::SQLITE_IOERR_CHECKRESERVEDLOCK, |open| match open.file.check_reserved_lock() {
            Ok(held) => {
                reserved = held;
                ffi::SQLITE_OK
            }
            Err(error) => result_code(&error),
        })
    };
    if rc == ffi::SQLITE_OK {
        // SAFETY: `res_out` is a writable int (xCheckReservedLock's contract).
        unsafe { put(res_out, c_int::from(reserved)) };
    }
    rc
}

/// xFileControl: SQLITE_FCNTL_VFSNAME answers the registered name; everything else is
/// SQLITE_NOTFOUND ("not implemented"), which SQLite handles for every opcode it sends.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`]; for VFSNAME, `arg` is a writable `char*`.
unsafe extern "C" fn x_file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    if op != ffi::SQLITE_FCNTL_VFSNAME {
        return ffi::SQLITE_NOTFOUND;
    }
    let mut name: *const c_char = ptr::null();
    // SAFETY: `file` is an open file of this adapter (xFileControl's contract).
    let rc = unsafe {
        with_file(file, ffi::SQLITE_NOTFOUND, |open| {
            name = open.vfs_name.as_ptr();
            ffi::SQLITE_OK
        })
    };
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    // SAFETY: "%s" takes one NUL-terminated string, which `name` is (the registration's
    // name, alive: the open file holds an `Arc` of it). sqlite3_mprintf returns memory SQLite
    // frees with sqlite3_free, as VFSNAME requires; `arg` is a writable `char*` (the contract).
    unsafe {
        let copy = ffi::sqlite3_mprintf(c"%s".as_ptr(), name);
        put(arg.cast::<*mut c_char>(), copy);
    }
    ffi::SQLITE_OK
}

/// xSectorSize: the device's sector size.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`].
unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    /// SQLITE_DEFAULT_SECTOR_SIZE, for a closed handle or a panic.
    const DEFAULT: c_int = 4096;
    // SAFETY: `file` is an open file of this adapter (xSectorSize's contract).
    unsafe { with_file(file, DEFAULT, |open| c_int::try_from(open.file.sector_size()).unwrap_or(DEFAULT)) }
}

/// xDeviceCharacteristics: the device's SQLITE_IOCAP_* bits, without BATCH_ATOMIC.
///
/// # Safety
/// SQLite's contract: `file` opened by [`x_open`].
unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: `file` is an open file of this adapter (xDeviceCharacteristics's contract).
    unsafe {
        with_file(file, 0, |open| {
            let bits = open.file.device_characteristics().0 & !DeviceCharacteristics::BATCH_ATOMIC;
            c_int::try_from(bits).unwrap_or(0)
        })
    }
}
