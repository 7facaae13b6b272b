//! Unit tests of `api::doc_rules`, kept in the one test binary so that `make test`
//! does not compile the api crate a second time with `cfg(test)`.

use api::doc_rules::*;

#[test]
fn white_space_is_spelled_out_inside_and_outside_classes() {
    let p = explicit_white_space(r"^\s*[^@\s]+\S\.\[x\]$");
    assert_eq!(
        p,
        format!(r"^[{WHITE_SPACE}]*[^@{WHITE_SPACE}]+[^{WHITE_SPACE}]\.\[x\]$")
    );
    assert_eq!(explicit_white_space(r"[\]\s]"), format!(r"[\]{WHITE_SPACE}]"));
}

#[test]
fn every_white_space_rust_trims_is_in_the_class() {
    let class = regex_class_chars();
    for c in (0..=0x3000u32).filter_map(char::from_u32).filter(|c| c.is_whitespace()) {
        assert!(class.contains(&c), "{c:?} is white space to Rust but not in the class");
    }
    for c in &class {
        assert!(c.is_whitespace(), "{c:?} is in the class but not white space");
    }
}

/// The characters WHITE_SPACE names (escapes and ranges expanded).
fn regex_class_chars() -> Vec<char> {
    let text = WHITE_SPACE
        .replace(r"\t", "\t")
        .replace(r"\n", "\n")
        .replace(r"\f", "\u{c}")
        .replace(r"\r", "\r");
    let mut chars = Vec::new();
    let mut rest = text.as_str();
    let hex = |s: &str| u32::from_str_radix(&s[2..6], 16).ok().and_then(char::from_u32);
    while !rest.is_empty() {
        let c = if rest.starts_with(r"\u") {
            let c = hex(rest).expect("escape");
            rest = &rest[6..];
            c
        } else {
            let c = rest.chars().next().expect("char");
            rest = &rest[c.len_utf8()..];
            c
        };
        if let Some(after) = rest.strip_prefix('-') {
            let end = hex(after).expect("range end");
            rest = &after[6..];
            chars.extend((u32::from(c)..=u32::from(end)).filter_map(char::from_u32));
        } else {
            chars.push(c);
        }
    }
    chars
}
