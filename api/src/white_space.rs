//! White space as the document spells it and the body check reads it: a
//! leaf that both `crate::doc_rules` (which writes the patterns) and
//! `crate::shape` (which refuses what they refuse) import.

/// Text that must not be empty (`minLength` 1 or more) must not be only
/// white space either: the server trims it, and three spaces would be stored
/// as nothing (issue #40 item 9). Linear to match: the leading white space
/// and the first other character cannot overlap.
pub const FILLED_NO_NUL: &str = r"^\s*[^\s\u0000][^\u0000]*$";

/// [`FILLED_NO_NUL`] as the served document writes it: the body check
/// (`crate::shape`) refuses text of only white space exactly where the
/// document gives this pattern.
pub fn filled_pattern() -> &'static str {
    static SPELLED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| explicit_white_space(FILLED_NO_NUL));
    &SPELLED
}

/// What Rust's `trim` and `char::is_whitespace` call white space (Unicode
/// White_Space), as the inside of a character class. Regex engines disagree
/// on `\s` (U+0085 is white space to Rust and Python, not to ECMAScript or
/// Hypothesis), so the document spells it out.
pub const WHITE_SPACE: &str = r"\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// `pattern` with `\s` and `\S` written as explicit character classes.
pub fn explicit_white_space(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let (mut in_class, mut chars) = (false, pattern.chars());
    while let Some(c) = chars.next() {
        match (c, in_class) {
            ('\\', _) => match chars.next() {
                Some('s') if in_class => out.push_str(WHITE_SPACE),
                Some('s') => out.push_str(&format!("[{WHITE_SPACE}]")),
                Some('S') if !in_class => out.push_str(&format!("[^{WHITE_SPACE}]")),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            ('[', false) => {
                in_class = true;
                out.push(c);
            }
            (']', true) => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}
