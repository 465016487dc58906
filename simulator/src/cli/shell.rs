//! `touchstone sql FILE.db [SQL]`: a shell on the engine in the manner of the sqlite3
//! command-line program (src/shell.c.in and ext/qrf/qrf.c of SQLite), in its batch list mode.
//!
//! - Input: the SQL argument, run as one piece; or else standard input, read line by line, a
//!   piece run as soon as it ends with a complete statement (`sqlite3_complete`). A line
//!   starting with `.` where no statement is pending is a dot-command; a line starting with
//!   `#` there is a comment.
//! - Output: each result row on one line, values separated by `|`; NULL as an empty string;
//!   integers in decimal; REALs as `sqlite3_column_text` renders them (the engine's
//!   `render_real`, SQLite's `%!.17g` shortened); text and blobs as their bytes up to the first
//!   NUL, control characters other than tab, newline and CR-LF shown as `^X` (`X` = the byte
//!   plus 0x40), as QRF's default escape does. No header line.
//! - Errors, on stderr: `Parse error near line N: MESSAGE` for a statement that fails to
//!   prepare (with ` (CODE)` after the message when the extended result code is above 1) and
//!   `Error near line N: MESSAGE` for one that fails while running; for the argument, `in 2nd
//!   command line argument` (the argument's position in the equivalent sqlite3 command line)
//!   instead of `near line N`. The SQL excerpt with `^--- error here` that sqlite3 adds when it
//!   knows the error's offset is not printed: the engine does not report offsets.
//! - Exit status: after an error in the argument, 1 at once; on standard input, reading stops
//!   at the first error with `-bail` and goes on without it, and the status is 1 if any
//!   statement failed. A database that cannot be opened is an error with status 1.
//! - Dot-commands: `.tables ?PATTERN?` (table and view names, in columns as the classic
//!   sqlite3 shell lays them out), `.schema ?PATTERN?` (the stored CREATE statements, each
//!   followed by `;`), `.quit`, `.exit ?CODE?`. Both listings are queries of `sqlite_schema`
//!   run on the engine.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use touchstone_engine::conn::{Connection, params_from_iter};
use touchstone_engine::eval::printf::render_real;
use touchstone_engine::format::value::{Value, ValueRef};
use touchstone_engine::sql::parse_statements;

use super::complete::is_complete;
use touchstone_simulator::panics;

/// Where a piece of SQL came from, for error messages.
#[derive(Clone, Copy)]
enum Origin {
    /// The command-line argument at this position of the equivalent sqlite3 command line.
    Argument(usize),
    /// Standard input, the piece starting at this line.
    Line(usize),
}

/// A value as list mode shows it (qrfRenderValue with the batch defaults).
pub fn render_value(v: ValueRef<'_>, out: &mut Vec<u8>) {
    match v {
        ValueRef::Null => {}
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(r) => out.extend_from_slice(render_real(r).as_bytes()),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            // The C string ends at the first NUL.
            let t = t.split(|&b| b == 0).next().unwrap_or_default();
            for (i, &c) in t.iter().enumerate() {
                let literal = c > 0x1f || c == b'\t' || c == b'\n' || (c == b'\r' && t.get(i + 1) == Some(&b'\n'));
                if literal {
                    out.push(c);
                } else {
                    out.push(b'^');
                    out.push(c + 0x40);
                }
            }
        }
    }
}

/// The shell's state.
struct Shell {
    conn: Connection,
    out: std::io::BufWriter<std::io::Stdout>,
}

/// How a piece of SQL ended.
enum PieceError {
    Prepare(String),
    Run(String),
}

impl Shell {
    fn flush(&mut self) {
        let _ = self.out.flush();
    }

    /// Prints an error as the shell does.
    fn report(&mut self, origin: Origin, error: PieceError) {
        self.flush();
        let (kind, message) = match error {
            PieceError::Prepare(m) => ("Parse error", m),
            PieceError::Run(m) => ("Error", m),
        };
        match origin {
            Origin::Argument(n) => {
                eprintln!("{kind} in {} command line argument: {message}", touchstone_engine::error::ordinal(n))
            }
            Origin::Line(n) => eprintln!("{kind} near line {n}: {message}"),
        }
    }

    /// Runs every statement of `sql`, printing rows; stops at the first error.
    fn run_piece(&mut self, sql: &str) -> Result<(), PieceError> {
        for parsed in parse_statements(sql) {
            let parsed = parsed.map_err(|e| PieceError::Prepare(prepare_message(&e)))?;
            let text = sql.get(parsed.span.start..parsed.span.end).unwrap_or(sql).to_string();
            let conn = &self.conn;
            let out = &mut self.out;
            let result = panics::catch(|| -> Result<(), PieceError> {
                let mut stmt =
                    conn.prepare_parsed(parsed, text).map_err(|e| PieceError::Prepare(prepare_message(&e)))?;
                // Unbound parameters are NULL, as in the shell without `.parameter` bindings.
                let nulls = std::iter::repeat_n(Value::Null, stmt.parameter_count());
                let mut rows =
                    stmt.query(params_from_iter(nulls)).map_err(|e| PieceError::Run(e.message().to_string()))?;
                let mut line = Vec::new();
                while let Some(row) = rows.next().map_err(|e| PieceError::Run(e.message().to_string()))? {
                    line.clear();
                    for (i, v) in row.values().iter().enumerate() {
                        if i > 0 {
                            line.push(b'|');
                        }
                        render_value(v.as_ref(), &mut line);
                    }
                    line.push(b'\n');
                    let _ = out.write_all(&line);
                }
                Ok(())
            });
            match result {
                Ok(r) => r?,
                Err(panic) => return Err(PieceError::Run(format!("internal error (engine panic): {panic}"))),
            }
        }
        Ok(())
    }

    /// Runs a query of the schema with one optional text parameter; returns its first column.
    fn schema_query(&mut self, sql: &str, pattern: Option<&str>) -> Result<Vec<Vec<u8>>, String> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| e.message().to_string())?;
        let params: Vec<Value> = pattern.map(Value::text).into_iter().collect();
        let mut rows = stmt.query(params_from_iter(params)).map_err(|e| e.message().to_string())?;
        let mut names = Vec::new();
        while let Some(row) = rows.next().map_err(|e| e.message().to_string())? {
            let mut v = Vec::new();
            if let Some(value) = row.values().first() {
                render_value(value.as_ref(), &mut v);
            }
            names.push(v);
        }
        Ok(names)
    }

    /// Runs a dot-command; `Err(code)` asks the shell to exit with `code`. Returns false on
    /// error.
    fn dot_command(&mut self, line: &str) -> Result<bool, u8> {
        let args: Vec<&str> = line[1..].split_whitespace().collect();
        let Some(&cmd) = args.first() else {
            return Ok(true);
        };
        let pattern = args.get(1).copied();
        match cmd {
            "tables" | "table" | "tabl" | "tab" | "ta" => {
                let sql = format!(
                    "SELECT name FROM sqlite_schema WHERE type IN ('table','view') \
                     AND name NOT LIKE 'sqlite__%' ESCAPE '_'{} ORDER BY 1",
                    if pattern.is_some() { " AND name LIKE ?1" } else { "" }
                );
                match panics::catch(|| self.schema_query(&sql, pattern)).unwrap_or_else(Err) {
                    Ok(names) => {
                        self.print_columns(&names);
                        Ok(true)
                    }
                    Err(e) => {
                        self.flush();
                        eprintln!("Error: {e}");
                        Ok(false)
                    }
                }
            }
            "schema" => {
                let sql = format!(
                    "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL \
                     AND name NOT LIKE 'sqlite__%' ESCAPE '_'{} ORDER BY rowid",
                    if pattern.is_some() { " AND tbl_name LIKE ?1" } else { "" }
                );
                match panics::catch(|| self.schema_query(&sql, pattern)).unwrap_or_else(Err) {
                    Ok(texts) => {
                        for t in texts {
                            let _ = self.out.write_all(&t);
                            let _ = self.out.write_all(b";\n");
                        }
                        Ok(true)
                    }
                    Err(e) => {
                        self.flush();
                        eprintln!("Error: {e}");
                        Ok(false)
                    }
                }
            }
            "quit" | "q" => Err(0),
            "exit" => Err(pattern.and_then(|c| c.parse::<i64>().ok()).map_or(0, |c| c as u8)),
            _ => {
                self.flush();
                eprintln!("Error: unknown command or invalid arguments:  \"{cmd}\". Enter \".help\" for help");
                Ok(false)
            }
        }
    }

    /// Names in columns: as many columns of the longest name plus two spaces as fit in 80
    /// characters, filled top to bottom (the classic `.tables` layout).
    fn print_columns(&mut self, names: &[Vec<u8>]) {
        if names.is_empty() {
            return;
        }
        let width = names.iter().map(Vec::len).max().unwrap_or(0);
        let ncol = (80 / (width + 2)).max(1);
        let nrow = names.len().div_ceil(ncol);
        for i in 0..nrow {
            let mut line = Vec::new();
            for (k, name) in names.iter().enumerate().skip(i).step_by(nrow) {
                if k >= nrow {
                    line.extend_from_slice(b"  ");
                }
                line.extend_from_slice(name);
                line.resize(line.len() + width - name.len(), b' ');
            }
            line.push(b'\n');
            let _ = self.out.write_all(&line);
        }
    }
}

/// The message of a preparation error as save_err_msg words it: the extended code is added
/// when it is above 1.
fn prepare_message(e: &touchstone_engine::Error) -> String {
    let code = e.extended_code();
    if code > 1 { format!("{} ({code})", e.message()) } else { e.message().to_string() }
}

/// `touchstone sql`: see the module documentation.
pub fn run(file: &Path, sql: Option<&str>, bail: bool) -> ExitCode {
    panics::quiet_hook();
    let conn = match panics::catch(|| Connection::open(file)) {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => {
            eprintln!("Error: unable to open database \"{}\": {}", file.display(), e.message());
            return ExitCode::from(1);
        }
        Err(panic) => {
            eprintln!("Error: unable to open database \"{}\": engine panic: {panic}", file.display());
            return ExitCode::from(1);
        }
    };
    let mut shell = Shell { conn, out: std::io::BufWriter::new(std::io::stdout()) };
    let code = match sql {
        Some(sql) => run_argument(&mut shell, sql, if bail { 3 } else { 2 }),
        None => run_stdin(&mut shell, bail),
    };
    shell.flush();
    ExitCode::from(code)
}

/// The SQL argument (position `argn` in the equivalent sqlite3 command line).
fn run_argument(shell: &mut Shell, sql: &str, argn: usize) -> u8 {
    if sql.starts_with('.') {
        return match shell.dot_command(sql) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(code) => code,
        };
    }
    match shell.run_piece(sql) {
        Ok(()) => 0,
        Err(e) => {
            shell.report(Origin::Argument(argn), e);
            1
        }
    }
}

/// Standard input, line by line (process_input).
fn run_stdin(shell: &mut Shell, bail: bool) -> u8 {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut pending = String::new();
    let mut start_line = 0;
    let mut lineno = 0;
    let mut errors = 0usize;
    let mut raw = Vec::new();
    loop {
        if errors > 0 && bail {
            break;
        }
        raw.clear();
        match input.read_until(b'\n', &mut raw) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                shell.flush();
                eprintln!("Error: cannot read standard input: {e}");
                return 1;
            }
        }
        lineno += 1;
        let mut line = String::from_utf8_lossy(&raw).into_owned();
        if line.ends_with('\n') {
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
        }
        if pending.is_empty() {
            if line.trim().is_empty() {
                continue;
            }
            if line.starts_with('.') {
                match shell.dot_command(&line) {
                    Ok(true) => {}
                    Ok(false) => errors += 1,
                    Err(code) => return code,
                }
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            pending.push_str(line.trim_start());
            start_line = lineno;
        } else {
            pending.push('\n');
            pending.push_str(&line);
        }
        if line.contains(';') && is_complete(&pending) {
            if let Err(e) = shell.run_piece(&pending) {
                shell.report(Origin::Line(start_line), e);
                errors += 1;
            }
            pending.clear();
        }
    }
    let stopped = errors > 0 && bail;
    if !stopped && !pending.trim().is_empty() {
        // Possibly incomplete: the parser says so.
        if let Err(e) = shell.run_piece(&pending) {
            shell.report(Origin::Line(start_line), e);
            errors += 1;
        }
    }
    u8::from(errors > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_mode_values() {
        let show = |v: ValueRef<'_>| {
            let mut out = Vec::new();
            render_value(v, &mut out);
            out
        };
        assert_eq!(show(ValueRef::Null), b"");
        assert_eq!(show(ValueRef::Integer(-3)), b"-3");
        assert_eq!(show(ValueRef::Real(0.1)), b"0.1");
        assert_eq!(show(ValueRef::Real(1.0)), b"1.0");
        assert_eq!(show(ValueRef::Text(b"a\x01b\tc\r\nd\re")), b"a^Ab\tc\r\nd^Me");
        assert_eq!(show(ValueRef::Blob(b"ab\0cd")), b"ab");
        assert_eq!(touchstone_engine::error::ordinal(2), "2nd");
        assert_eq!(touchstone_engine::error::ordinal(11), "11th");
        assert_eq!(touchstone_engine::error::ordinal(23), "23rd");
    }
}
