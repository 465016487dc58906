//! `sqlite3_complete`: whether a text ends with a complete SQL statement, so that the shell
//! knows when to run what it has read (complete.c, on the engine's tokenizer).
//!
//! A text is complete when it ends with a `;` that ends a statement: not inside a string, a
//! quoted identifier or a comment, and not inside the body of a CREATE TRIGGER, where `;`
//! separates the body's statements until `END;`. The state machine is complete.c's.

use touchstone_engine::sql::lexer::{Lexer, TokenKind};

/// The token classes of complete.c.
#[derive(Clone, Copy)]
enum Class {
    Semi = 0,
    Ws = 1,
    Other = 2,
    Explain = 3,
    Create = 4,
    Temp = 5,
    Trigger = 6,
    End = 7,
}

/// complete.c's transition table: `TRANS[state][class]`. States: 0 invalid, 1 start, 2 normal,
/// 3 explain, 4 create, 5 trigger, 6 semi (inside a trigger body), 7 end.
const TRANS: [[u8; 8]; 8] = [
    [1, 0, 2, 3, 4, 2, 2, 2],
    [1, 1, 2, 3, 4, 2, 2, 2],
    [1, 2, 2, 2, 2, 2, 2, 2],
    [1, 3, 3, 2, 4, 2, 2, 2],
    [1, 4, 2, 2, 2, 4, 5, 2],
    [6, 5, 5, 5, 5, 5, 5, 5],
    [6, 6, 5, 5, 5, 5, 5, 7],
    [1, 7, 5, 5, 5, 5, 5, 5],
];

/// The class of a word token, by its text as complete.c matches it.
fn word_class(text: &str) -> Class {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "create" => Class::Create,
        "trigger" => Class::Trigger,
        "temp" | "temporary" => Class::Temp,
        "end" => Class::End,
        "explain" => Class::Explain,
        _ => Class::Other,
    }
}

/// True when `sql` ends with a complete statement (`sqlite3_complete`).
pub fn is_complete(sql: &str) -> bool {
    let mut state = 0usize;
    for token in Lexer::new(sql) {
        let text = token.span.text(sql);
        let class = match token.kind {
            TokenKind::Semi => Class::Semi,
            TokenKind::Space => Class::Ws,
            TokenKind::Comment => {
                // An unterminated block comment runs to the end: the statement goes on.
                if text.starts_with("/*") && (text.len() < 4 || !text.ends_with("*/")) {
                    return false;
                }
                Class::Ws
            }
            TokenKind::Illegal => {
                // An unterminated string or quoted identifier: more input is needed.
                if text.starts_with(['\'', '"', '`', '[']) {
                    return false;
                }
                Class::Other
            }
            TokenKind::Keyword(_) | TokenKind::Id => word_class(text),
            _ => Class::Other,
        };
        state = TRANS[state][class as usize] as usize;
    }
    state == 1
}

#[cfg(test)]
mod tests {
    use super::is_complete;

    #[test]
    fn statements_end_at_a_semicolon_outside_strings_comments_and_trigger_bodies() {
        assert!(is_complete("SELECT 1;"));
        assert!(is_complete("SELECT 1; -- done\n"));
        assert!(!is_complete("SELECT 1"));
        assert!(!is_complete("SELECT ';"));
        assert!(!is_complete("SELECT 1 /* ; */"));
        assert!(!is_complete("SELECT 1; /* open"));
        assert!(is_complete("SELECT 'a;b';"));
        assert!(!is_complete("CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1;"));
        assert!(is_complete("CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; END;"));
        assert!(is_complete("CREATE TEMP TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; END;"));
        assert!(is_complete("CREATE TABLE end(x);"));
        assert!(!is_complete(""));
        assert!(!is_complete("  \n"));
    }
}
