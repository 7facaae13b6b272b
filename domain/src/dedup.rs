//! Duplicate rules (撞单): the normalised forms of company names, phones, e-mail
//! addresses and unified social credit codes (统一社会信用代码) under which two
//! records are the same customer, and a similarity score for near names.

use unicode_normalization::UnicodeNormalization;

use crate::vocabulary::FieldCode;

/// Legal-form words dropped from the end of a Latin-script name, compared as
/// whole words after punctuation is removed ("Co., Ltd." is `co` `ltd`).
pub const LATIN_SUFFIXES: &[&str] = &[
    "co",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "corp",
    "corporation",
    "company",
    "gmbh",
    "plc",
    "ag",
    "sa",
    "bv",
    "pte",
    "pty",
    "kg",
];

/// Legal-form endings dropped from a Chinese name, longest first.
pub const CJK_SUFFIXES: &[&str] = &["股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司"];

/// Which legal-form endings to remove; the defaults above unless an admin configures others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuffixList {
    latin: Vec<String>,
    cjk: Vec<String>,
}

impl Default for SuffixList {
    fn default() -> Self {
        SuffixList::new(LATIN_SUFFIXES.iter().chain(CJK_SUFFIXES).copied())
    }
}

impl SuffixList {
    /// Builds a list from words in any form ("Co., Ltd.", "有限公司"): each is
    /// normalised like a name and sorted into Latin words or CJK endings.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> SuffixList {
        let mut latin = Vec::new();
        let mut cjk = Vec::new();
        for w in words {
            let tokens = tokens(w);
            if tokens.iter().all(|t| t.chars().all(|c| c.is_ascii_alphanumeric())) {
                latin.extend(tokens);
            } else {
                cjk.push(tokens.concat());
            }
        }
        latin.sort();
        latin.dedup();
        cjk.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b)));
        cjk.dedup();
        SuffixList { latin, cjk }
    }
}

/// Punctuation of any script, including CJK brackets and full stops, and symbols
/// that separate words in company names.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || matches!(c,
            '\u{2000}'..='\u{206F}'   // general punctuation: ‘’“”—…·
            | '\u{3000}'..='\u{303F}' // CJK symbols and punctuation: 、。「」『』【】〈〉《》
            | '\u{FE10}'..='\u{FE1F}' | '\u{FE30}'..='\u{FE4F}' // vertical and compatibility forms
            | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}'
            | '·' | '・')
}

/// NFKC (full width to half width), lower case, words split at punctuation.
fn tokens(raw: &str) -> Vec<String> {
    let folded: String = raw.nfkc().flat_map(char::to_lowercase).collect();
    folded
        .split(is_separator)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The key under which two company names are the same customer: NFKC, case
/// folded, punctuation and spaces removed, legal-form endings removed.
/// "华为技术有限公司", "华为技术（有限公司）" and " 华为技术 " share the key
/// `华为技术`; " HUAWEI  Technologies Co., Ltd." and "huawei technologies" share
/// `huaweitechnologies`. A name that is nothing but a legal form keeps it.
pub fn normalize_company_name(raw: &str, suffixes: &SuffixList) -> String {
    let mut words = tokens(raw);
    while words.len() > 1 && words.last().is_some_and(|w| suffixes.latin.iter().any(|s| s == w)) {
        words.pop();
    }
    let full = words.concat();
    let mut key = full.as_str();
    'strip: loop {
        if suffixes.cjk.iter().any(|s| s == key) {
            break; // nothing but a legal form: keep it
        }
        for suffix in &suffixes.cjk {
            if let Some(rest) = key.strip_suffix(suffix.as_str())
                && !rest.is_empty()
            {
                key = rest;
                continue 'strip;
            }
        }
        break;
    }
    key.to_owned()
}

/// A phone number as digits, without the +86 / 0086 country prefix, so
/// "+86 138-0013-8000", "0086 13800138000" and "138 0013 8000" compare equal.
/// `None` when fewer than 5 digits remain.
pub fn normalize_phone(raw: &str) -> Option<String> {
    // ASCII and full-width digits (what a Chinese input method types)
    let digits: String = raw
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')),
            _ => None,
        })
        .collect();
    let trimmed = raw.trim_start();
    let international = trimmed.starts_with('+') || trimmed.starts_with('＋') || digits.starts_with("00");
    if digits.len() < 5 {
        return None;
    }
    // a number is at least five digits; a country code is dropped only when
    // five remain (so the rule is "five digits", as the API document says)
    let mut rest = digits.as_str();
    if let Some(r) = rest.strip_prefix("0086").filter(|r| r.len() >= 5) {
        rest = r;
    } else if let Some(r) = rest
        .strip_prefix("86")
        .filter(|r| (international || r.len() == 11) && r.len() >= 5)
    {
        rest = r;
    }
    // a landline written internationally drops its trunk 0: +86 10 1234 5678 is 010 1234 5678
    let mobile = rest.starts_with('1') && rest.len() == 11;
    let local = if international && !mobile && !rest.starts_with('0') && rest.len() >= 9 {
        format!("0{rest}")
    } else {
        rest.to_owned()
    };
    Some(local)
}

/// An e-mail address folded for comparison: trimmed, NFKC, lower case.
pub fn fold_email(raw: &str) -> Option<String> {
    // white space is judged as typed (NFKC turns some characters into a space)
    let typed = raw.trim();
    let e: String = typed.nfkc().flat_map(char::to_lowercase).collect();
    let (local, domain) = e.split_once('@')?;
    (!local.is_empty() && domain.contains('.') && !typed.chars().any(char::is_whitespace)).then_some(e)
}

/// A company name (公司名) as given, with its duplicate key and the key
/// reversed (for look-ups by the key's end), built once: every place that
/// stores or compares a customer's name takes them from here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyName {
    display: String,
    key: String,
    reversed: String,
}

impl CompanyName {
    /// The name, trimmed, and its keys; `None` when it has no letters or
    /// digits (nothing to tell two companies apart by).
    pub fn parse(raw: &str, suffixes: &SuffixList) -> Option<CompanyName> {
        let key = normalize_company_name(raw, suffixes);
        (!key.is_empty()).then(|| CompanyName {
            display: raw.trim().to_owned(),
            reversed: reversed_key(&key),
            key,
        })
    }

    /// The name as shown.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The duplicate key: two names with one key are one company (撞单).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key reversed, for finding names that end alike.
    pub fn reversed(&self) -> &str {
        &self.reversed
    }
}

/// Why a contact detail given in a request cannot be a duplicate key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a phone number has at least 5 digits")]
    Phone,
    #[error("not an e-mail address")]
    Email,
}

impl KeyError {
    /// The field error code: `phone` or `email`.
    pub fn code(self) -> FieldCode {
        match self {
            KeyError::Phone => FieldCode::Phone,
            KeyError::Email => FieldCode::Email,
        }
    }

    /// The request field the value was given in.
    pub fn field(self) -> &'static str {
        match self {
            KeyError::Phone => "phone",
            KeyError::Email => "email",
        }
    }
}

/// The duplicate key of a phone number given in a request (customers,
/// contacts and leads share it): `None` when nothing is given (absent or
/// blank), an error for a value that is no phone number.
pub fn phone_key(value: Option<&str>) -> Result<Option<String>, KeyError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => normalize_phone(v).map(Some).ok_or(KeyError::Phone),
    }
}

/// The duplicate key of an e-mail address given in a request, as [`phone_key`].
pub fn email_key(value: Option<&str>) -> Result<Option<String>, KeyError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => fold_email(v).map(Some).ok_or(KeyError::Email),
    }
}

/// The characters of a unified social credit code, in value order (no I, O, S, V, Z).
const CREDIT_CODE_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_CODE_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a credit code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters")]
    Length,
    #[error("character {0} of the credit code is not allowed (digits and A-Y without I, O, S, V, Z)")]
    Character(usize),
    #[error("the credit code's check character is wrong: expected {expected}")]
    CheckDigit { expected: char },
}

impl CreditCodeError {
    /// The field error code: `checksum` for a wrong check character, else `credit_code`.
    pub fn code(&self) -> FieldCode {
        match self {
            CreditCodeError::CheckDigit { .. } => FieldCode::Checksum,
            _ => FieldCode::CreditCode,
        }
    }
}

/// A valid unified social credit code (GB 32100-2015), upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

impl CreditCode {
    /// Accepts full-width characters, lower case and surrounding spaces.
    pub fn parse(raw: &str) -> Result<CreditCode, CreditCodeError> {
        let code: String = raw
            .trim()
            .nfkc()
            .flat_map(char::to_uppercase)
            .filter(|c| !c.is_whitespace())
            .collect();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::Length);
        }
        let mut values = Vec::with_capacity(18);
        for (i, c) in chars.iter().enumerate() {
            let v = CREDIT_CODE_CHARS.find(*c).ok_or(CreditCodeError::Character(i + 1))?;
            values.push(u32::try_from(v).map_err(|_| CreditCodeError::Character(i + 1))?);
        }
        let sum: u32 = values.iter().zip(CREDIT_CODE_WEIGHTS).map(|(v, w)| v * w).sum();
        let check = (31 - sum % 31) % 31;
        let expected = CREDIT_CODE_CHARS.chars().nth(check as usize).unwrap_or('0');
        if chars[17] != expected {
            return Err(CreditCodeError::CheckDigit { expected });
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name key read backwards (by characters): stored beside the key so that
/// "ends like" is an index prefix scan. The one place it is computed.
pub fn reversed_key(name_key: &str) -> String {
    name_key.chars().rev().collect()
}

/// Jaro-Winkler similarity of two strings (by characters), 0.0 to 1.0.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_matched = vec![false; a.len()];
    let mut b_matched = vec![false; b.len()];
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_matched[j] && b[j] == *ca {
                a_matched[i] = true;
                b_matched[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let a_seq = a.iter().zip(&a_matched).filter(|(_, m)| **m).map(|(c, _)| c);
    let b_seq = b.iter().zip(&b_matched).filter(|(_, m)| **m).map(|(c, _)| c);
    let transpositions = a_seq.zip(b_seq).filter(|(x, y)| x != y).count() / 2;
    let m = matches as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64) / m) / 3.0;
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// How alike two normalised name keys are, 0.0 to 1.0: Jaro-Winkler, raised
/// when one key contains the other (深圳市华为技术 / 华为技术).
pub fn name_similarity(key_a: &str, key_b: &str) -> f64 {
    if key_a == key_b {
        return 1.0;
    }
    let jw = jaro_winkler(key_a, key_b);
    let (short, long) = if key_a.chars().count() <= key_b.chars().count() {
        (key_a, key_b)
    } else {
        (key_b, key_a)
    };
    let short_len = short.chars().count();
    if short_len >= 2 && long.contains(short) {
        let ratio = short_len as f64 / long.chars().count() as f64;
        return jw.max(0.85 + 0.1 * ratio);
    }
    jw
}

/// Scores at or above this are reported as similar (a warning, never a block).
pub const SIMILAR_THRESHOLD: f64 = 0.88;

#[cfg(test)]
#[path = "dedup_tests.rs"]
mod tests;
