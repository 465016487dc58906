//! A page as text: stable, line-oriented, one line per header field group, cell and
//! freeblock, so that two renderings diff line by line (and back `touchstone page FILE N`).

use std::fmt::Write;

use touchstone_engine::format::Value;
use touchstone_engine::format::header::{DbHeader, get_u32};

use super::btree::{BtreePage, Cell};
use super::filemap::Role;
use super::payload::{decode_record, read_payload};
use super::{DbImage, Image};

/// Longest text or blob prefix shown per value; longer values are cut and their length and
/// the payload hash shown instead.
const SHOWN_VALUE_BYTES: usize = 32;
/// Freelist trunk leaf numbers per line.
const LEAVES_PER_LINE: usize = 16;

/// Renders page `pgno` of the file `bytes` (a whole database image) as text. Never panics:
/// an undecodable file or a page outside it is described as such.
pub fn describe_page(bytes: &[u8], pgno: u32) -> String {
    match DbImage::open(bytes) {
        Ok(db) => render_page(&db, pgno),
        Err(problem) => format!("cannot decode the file: {problem}\n"),
    }
}

/// Renders page `pgno` of `db`: its role, then what the role says the page holds, then the
/// problems found on it.
pub fn render_page(db: &DbImage<'_>, pgno: u32) -> String {
    let mut out = String::new();
    let image = &db.image;
    let Some(info) = db.map.info(pgno) else {
        let _ = writeln!(out, "page {pgno}: outside the file ({} pages)", image.page_count());
        return out;
    };
    let _ = writeln!(out, "page {pgno} of {}: {}", image.page_count(), info.role);
    if info.claims > 1 {
        let _ = writeln!(out, "reached {} times", info.claims);
    }
    let page = image.page(pgno).unwrap_or_default();
    match info.role {
        Role::Tree { .. } | Role::Unreachable => match BtreePage::decode(image, pgno) {
            Ok(btree) => {
                render_btree(&mut out, image, &btree);
                if info.role == Role::Unreachable {
                    for text in &btree.problems {
                        let _ = writeln!(out, "problem: {text}");
                    }
                }
            }
            Err(problem) => {
                let _ = writeln!(out, "not a b-tree page: {}", problem.text);
                let shown = &page[..page.len().min(SHOWN_VALUE_BYTES)];
                let _ = writeln!(out, "first bytes: {}", hex(shown));
            }
        },
        Role::Overflow { .. } => {
            let used = info.used_bytes.unwrap_or(4);
            let content = page.get(4..used).unwrap_or_default();
            let _ =
                writeln!(out, "next={} payload_bytes={} hash={:016x}", get_u32(page, 0), content.len(), fnv1a(content));
        }
        Role::FreelistTrunk { .. } => render_trunk(&mut out, page, info.used_bytes),
        Role::FreelistLeaf { .. } | Role::LockByte => {}
    }
    for problem in db.map.problems_on(pgno) {
        let _ = writeln!(out, "problem: {}", problem.text);
    }
    out
}

/// The b-tree page lines: database header (page 1), page header, cells, freeblocks,
/// unallocated ranges.
fn render_btree(out: &mut String, image: &Image<'_>, page: &BtreePage) {
    if page.header_offset > 0 {
        render_db_header(out, image.bytes());
    }
    let _ = write!(
        out,
        "{} (0x{:02x}) header @{}: first_freeblock={} cells={} content_start={} fragmented={}",
        page.page_type.name(),
        page.page_type.flag(),
        page.header_offset,
        page.first_freeblock,
        page.cell_count,
        page.content_start,
        page.fragmented_bytes
    );
    if let Some(right) = page.right_child {
        let _ = write!(out, " right_child={right}");
    }
    out.push('\n');
    let _ = writeln!(out, "cell pointers @{}..{}", page.pointers_start(), page.pointers_end());
    let bytes = image.page(page.pgno).unwrap_or_default();
    for (i, cell) in page.cells.iter().enumerate() {
        match cell {
            Ok(cell) => render_cell(out, image, bytes, i, cell),
            Err(text) => {
                let _ = writeln!(out, "cell {i} @{}: undecodable: {text}", page.cell_pointers[i]);
            }
        }
    }
    for f in &page.freeblocks {
        let _ = writeln!(out, "freeblock @{} size={}", f.offset, f.size_bytes);
    }
    for r in page.unallocated() {
        let _ = writeln!(out, "unallocated {}..{} ({} bytes)", r.start, r.end, r.len());
    }
}

/// One line for one cell: place, size, child, key, payload and its record.
fn render_cell(out: &mut String, image: &Image<'_>, page: &[u8], index: usize, cell: &Cell) {
    let _ = write!(out, "cell {index} @{} size={}:", cell.offset, cell.size_bytes);
    if let Some(left) = cell.left_child {
        let _ = write!(out, " left={left}");
    }
    if let Some(rowid) = cell.rowid {
        let _ = write!(out, " rowid={rowid}");
    }
    if cell.left_child.is_some() && cell.rowid.is_some() {
        // Table interior cells carry no payload.
        out.push('\n');
        return;
    }
    let _ = write!(out, " payload={} local={}", cell.payload_bytes, cell.local.len());
    if let Some(first) = cell.first_overflow {
        let _ = write!(out, " overflow={first}");
    }
    match read_payload(image, page, cell) {
        Ok(payload) => {
            let (record, cut) = match decode_record(&payload) {
                Ok(values) => render_values(&values),
                Err(text) => (text, false),
            };
            if cut || cell.first_overflow.is_some() {
                let _ = write!(out, " hash={:016x}", fnv1a(&payload));
            }
            let _ = writeln!(out, " {record}");
        }
        Err(text) => {
            let _ = writeln!(out, " incomplete payload: {text}");
        }
    }
}

/// The database header fields, one group per line (masked fields included: the diff shows
/// them; the comparator decides whether they matter).
fn render_db_header(out: &mut String, bytes: &[u8]) {
    match DbHeader::parse(bytes) {
        Ok(h) => {
            let _ = writeln!(
                out,
                "db header: page_size={} write_version={} read_version={} reserved={}",
                h.page_size, h.write_version, h.read_version, h.reserved_bytes
            );
            let _ = writeln!(
                out,
                "db header: change_counter={} version_valid_for={} version_number={}",
                h.change_counter, h.version_valid_for, h.version_number
            );
            let _ = writeln!(
                out,
                "db header: page_count={} freelist_trunk={} freelist_count={}",
                h.page_count, h.freelist_trunk, h.freelist_count
            );
            let _ = writeln!(
                out,
                "db header: schema_cookie={} schema_format={} text_encoding={} default_cache_size={}",
                h.schema_cookie, h.schema_format, h.text_encoding, h.default_cache_size
            );
            let _ = writeln!(
                out,
                "db header: user_version={} application_id={} largest_root={} incremental_vacuum={}",
                h.user_version, h.application_id, h.largest_root, h.incremental_vacuum
            );
        }
        Err(e) => {
            let _ = writeln!(out, "db header: invalid: {e}");
        }
    }
}

/// A freelist trunk: next trunk, leaf count, leaf numbers.
fn render_trunk(out: &mut String, page: &[u8], used_bytes: Option<usize>) {
    let _ = writeln!(out, "next_trunk={} leaf_count={}", get_u32(page, 0), get_u32(page, 4));
    let shown_leaves = used_bytes.unwrap_or(8).saturating_sub(8) / 4;
    let leaves: Vec<u32> = (0..shown_leaves).map(|i| get_u32(page, 8 + 4 * i)).collect();
    for chunk in leaves.chunks(LEAVES_PER_LINE) {
        let line: Vec<String> = chunk.iter().map(u32::to_string).collect();
        let _ = writeln!(out, "leaves: {}", line.join(" "));
    }
}

/// A record as `(v1, v2, ...)`; the flag says whether a value was cut short.
pub fn render_values(values: &[Value]) -> (String, bool) {
    let mut cut = false;
    let parts: Vec<String> = values
        .iter()
        .map(|v| {
            let (text, was_cut) = render_value(v);
            cut |= was_cut;
            text
        })
        .collect();
    (format!("({})", parts.join(", ")), cut)
}

/// One value in SQL-literal style; long texts and blobs are cut to a prefix plus their length.
fn render_value(value: &Value) -> (String, bool) {
    match value {
        Value::Null => ("NULL".to_string(), false),
        Value::Integer(i) => (i.to_string(), false),
        // Debug prints the shortest text that reads back to the same bits.
        Value::Real(r) => (format!("{r:?}"), false),
        Value::Text(t) => {
            let shown = &t[..t.len().min(SHOWN_VALUE_BYTES)];
            let text = String::from_utf8_lossy(shown).replace('\'', "''");
            let text: String = text.escape_debug().collect();
            if shown.len() < t.len() {
                (format!("'{text}'…[{} bytes]", t.len()), true)
            } else {
                (format!("'{text}'"), false)
            }
        }
        Value::Blob(b) => {
            let shown = &b[..b.len().min(SHOWN_VALUE_BYTES)];
            if shown.len() < b.len() {
                (format!("x'{}'…[{} bytes]", hex(shown), b.len()), true)
            } else {
                (format!("x'{}'", hex(shown)), false)
            }
        }
    }
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// FNV-1a, 64 bits: a short, stable fingerprint of long payloads in renderings.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}
