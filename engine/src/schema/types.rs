//! Declared column types: from the type text of a column definition to the type name SQLite
//! reports and the column's affinity (`sqlite3AddColumn`, `sqlite3AffinityType`).

use crate::sql::lexer::dequote;

/// A column's type affinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Affinity {
    Blob,
    Text,
    Numeric,
    Integer,
    Real,
}

/// SQLite's standard type names (`sqlite3StdType`), usable in STRICT tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StdType {
    Any,
    Blob,
    Int,
    Integer,
    Real,
    Text,
}

impl StdType {
    const ALL: [StdType; 6] =
        [StdType::Any, StdType::Blob, StdType::Int, StdType::Integer, StdType::Real, StdType::Text];

    /// The canonical spelling, as `PRAGMA table_info` shows it.
    pub fn name(self) -> &'static str {
        match self {
            StdType::Any => "ANY",
            StdType::Blob => "BLOB",
            StdType::Int => "INT",
            StdType::Integer => "INTEGER",
            StdType::Real => "REAL",
            StdType::Text => "TEXT",
        }
    }

    /// The affinity of a column of this type in an ordinary (not STRICT) table.
    pub fn affinity(self) -> Affinity {
        match self {
            StdType::Any => Affinity::Numeric,
            StdType::Blob => Affinity::Blob,
            StdType::Int | StdType::Integer => Affinity::Integer,
            StdType::Real => Affinity::Real,
            StdType::Text => Affinity::Text,
        }
    }
}

/// What a column's declared type text amounts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredType {
    /// The type name as `PRAGMA table_info` shows it; `None` when there is no type.
    pub name: Option<String>,
    /// Set when the type is exactly one of SQLite's standard names (any case).
    pub std_type: Option<StdType>,
    pub affinity: Affinity,
}

/// True for the characters `sqlite3Isquote` accepts.
fn is_quote(c: u8) -> bool {
    matches!(c, b'"' | b'\'' | b'[' | b'`')
}

/// SQLite's `sqlite3DequoteToken`: drops the first and last byte when the text starts with a
/// quote and holds no other quote character before its last byte.
fn dequote_token(text: &str) -> &str {
    let bytes = text.as_bytes();
    if bytes.len() < 2 || !is_quote(bytes[0]) {
        return text;
    }
    if bytes[1..bytes.len() - 1].iter().any(|&c| is_quote(c)) {
        return text;
    }
    // The first and last bytes are ASCII (a quote, and the last byte of a token ending in a
    // quote or `)`... or an identifier byte); slice on char boundaries only.
    text.get(1..text.len() - 1).unwrap_or(text)
}

/// Removes a trailing `ALWAYS` / `GENERATED ALWAYS` that SQLite's grammar can leave at the end
/// of a type name (the keywords fall back to identifiers there), as `sqlite3AddColumn` does.
fn trim_generated_always(text: &str) -> &str {
    let bytes = text.as_bytes();
    let ends_with = |s: &str, word: &str| {
        s.len() >= word.len() && s.as_bytes()[s.len() - word.len()..].eq_ignore_ascii_case(word.as_bytes())
    };
    if bytes.len() < 16 || !ends_with(text, "always") {
        return text;
    }
    let mut rest = text[..text.len() - 6].trim_end_matches(is_ascii_space);
    if rest.len() >= 9 && ends_with(rest, "generated") {
        rest = rest[..rest.len() - 9].trim_end_matches(is_ascii_space);
    }
    rest
}

fn is_ascii_space(c: char) -> bool {
    c.is_ascii() && crate::sql::lexer::is_space(c as u8)
}

/// The declared type of a column whose type text (as written, `None` when absent) is `raw`.
pub fn declared_type(raw: Option<&str>) -> DeclaredType {
    let text = trim_generated_always(raw.unwrap_or(""));
    let mut text = text;
    if text.len() >= 3 {
        text = dequote_token(text);
        for std_type in StdType::ALL {
            if text.eq_ignore_ascii_case(std_type.name()) {
                return DeclaredType {
                    name: Some(std_type.name().to_string()),
                    std_type: Some(std_type),
                    affinity: std_type.affinity(),
                };
            }
        }
    }
    if text.is_empty() {
        return DeclaredType { name: None, std_type: None, affinity: Affinity::Blob };
    }
    let name = dequote(text);
    let affinity = affinity_of(&name);
    DeclaredType { name: Some(name), std_type: None, affinity }
}

/// SQLite's `sqlite3AffinityType`: the affinity a type name gives, by the substrings it holds
/// (INT; CHAR, CLOB, TEXT; BLOB; REAL, FLOA, DOUB; else NUMERIC), case-insensitively.
pub fn affinity_of(type_name: &str) -> Affinity {
    let mut window: u32 = 0;
    let mut affinity = Affinity::Numeric;
    let word = |s: &[u8; 4]| u32::from_be_bytes(*s);
    for &byte in type_name.as_bytes() {
        window = (window << 8) | u32::from(byte.to_ascii_lowercase());
        if window == word(b"char") || window == word(b"clob") || window == word(b"text") {
            affinity = Affinity::Text;
        } else if window == word(b"blob") && matches!(affinity, Affinity::Numeric | Affinity::Real) {
            affinity = Affinity::Blob;
        } else if (window == word(b"real") || window == word(b"floa") || window == word(b"doub"))
            && affinity == Affinity::Numeric
        {
            affinity = Affinity::Real;
        } else if window & 0x00ff_ffff == u32::from_be_bytes([0, b'i', b'n', b't']) {
            return Affinity::Integer;
        }
    }
    affinity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affinity_rules() {
        let cases = [
            ("INT", Affinity::Integer),
            ("TINYINT", Affinity::Integer),
            ("BIGINT UNSIGNED", Affinity::Integer),
            ("VARCHAR(255)", Affinity::Text),
            ("NCHAR", Affinity::Text),
            ("CLOB", Affinity::Text),
            ("TEXT", Affinity::Text),
            ("BLOB", Affinity::Blob),
            ("REAL", Affinity::Real),
            ("DOUBLE PRECISION", Affinity::Real),
            ("FLOAT", Affinity::Real),
            ("NUMERIC", Affinity::Numeric),
            ("DECIMAL(10,5)", Affinity::Numeric),
            ("BOOLEAN", Affinity::Numeric),
            ("DATETIME", Affinity::Numeric),
            ("BLOBINT", Affinity::Integer),
            ("CHARINT", Affinity::Integer),
            ("FLOATING POINT", Affinity::Integer),
            ("TEXTBLOB", Affinity::Text),
            ("REALBLOB", Affinity::Blob),
            ("", Affinity::Numeric),
        ];
        for (name, want) in cases {
            assert_eq!(affinity_of(name), want, "{name}");
        }
    }

    #[test]
    fn declared_types() {
        let t = |raw: &str| declared_type(Some(raw));
        assert_eq!(t("integer").name.as_deref(), Some("INTEGER"));
        assert_eq!(t("integer").std_type, Some(StdType::Integer));
        assert_eq!(t("\"INTEGER\"").std_type, Some(StdType::Integer));
        assert_eq!(t("integer(5)").name.as_deref(), Some("integer(5)"));
        assert_eq!(t("integer(5)").std_type, None);
        assert_eq!(t("'my type'").name.as_deref(), Some("my type"));
        assert_eq!(t("[x y](1, -2)").name.as_deref(), Some("x y](1, -2"));
        assert_eq!(t("\"a\" b").name.as_deref(), Some("a"));
        assert_eq!(t("int GENERATED ALWAYS").name.as_deref(), Some("INT"));
        assert_eq!(t("GENERATED ALWAYS").name, None);
        assert_eq!(t("GENERATED ALWAYS").affinity, Affinity::Blob);
        assert_eq!(t("x ALWAYS").name.as_deref(), Some("x ALWAYS"));
        assert_eq!(t("verylongtypename ALWAYS").name.as_deref(), Some("verylongtypename"));
        assert_eq!(t("ANY").affinity, Affinity::Numeric);
        assert_eq!(declared_type(None).name, None);
        assert_eq!(declared_type(None).affinity, Affinity::Blob);
    }
}
