//! Attachments on customers, deals and contracts: which records take them,
//! the organisation's limits (size and types), and a safe file name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The records that take attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttachedTo {
    Customer,
    Opportunity,
    Contract,
}

impl AttachedTo {
    pub const ALL: [AttachedTo; 3] = [AttachedTo::Customer, AttachedTo::Opportunity, AttachedTo::Contract];

    pub fn as_str(self) -> &'static str {
        match self {
            AttachedTo::Customer => "customer",
            AttachedTo::Opportunity => "opportunity",
            AttachedTo::Contract => "contract",
        }
    }
}

impl fmt::Display for AttachedTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AttachedTo {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        AttachedTo::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a record that takes attachments"))
    }
}

/// Default largest file: 20 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;
/// No setting may allow more than this (the upload is held in memory).
pub const CEILING_BYTES: u64 = 100 * 1024 * 1024;

/// The organisation's attachment limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachmentSettings {
    /// Largest file in bytes.
    pub max_bytes: u64,
    /// Media types accepted: exact (`application/pdf`) or a family (`image/*`).
    pub allowed_types: Vec<String>,
}

impl Default for AttachmentSettings {
    fn default() -> Self {
        AttachmentSettings {
            max_bytes: DEFAULT_MAX_BYTES,
            allowed_types: [
                "application/pdf",
                "image/*",
                "text/plain",
                "text/csv",
                "application/msword",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.ms-excel",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/zip",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

impl AttachmentSettings {
    /// Does the list accept this media type (parameters and case ignored)?
    pub fn accepts(&self, content_type: &str) -> bool {
        let essence = media_essence(content_type);
        if essence.is_empty() || !essence.contains('/') {
            return false;
        }
        self.allowed_types.iter().any(|allowed| {
            let allowed = allowed.trim().to_ascii_lowercase();
            match allowed.strip_suffix("/*") {
                Some(family) => essence.split('/').next() == Some(family),
                None => allowed == essence,
            }
        })
    }

    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.max_bytes == 0 || self.max_bytes > CEILING_BYTES {
            return Some(("max_bytes", format!("between 1 and {CEILING_BYTES} bytes")));
        }
        for (i, t) in self.allowed_types.iter().enumerate() {
            let t = t.trim();
            let valid = t.split_once('/').is_some_and(|(a, b)| {
                let token =
                    |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c));
                token(a) && (b == "*" || token(b))
            });
            if !valid {
                return Some((
                    "allowed_types",
                    format!("entry {i} is not a media type such as application/pdf or image/*"),
                ));
            }
        }
        None
    }
}

/// `type/subtype` of a media type, lower-case, without parameters.
pub fn media_essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// A file name safe to store and to send back in `Content-Disposition`: the
/// last path component, without control characters or quotes, at most 200
/// characters; `None` when nothing is left.
pub fn clean_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect::<String>()
        .trim()
        .chars()
        .take(200)
        .collect::<String>()
        .trim_end()
        .to_owned();
    let meaningful = !cleaned.is_empty() && cleaned != "." && cleaned != "..";
    meaningful.then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn media_types_match_exactly_or_by_family() {
        let s = AttachmentSettings::default();
        assert!(s.accepts("application/pdf"));
        assert!(s.accepts("Application/PDF; charset=binary"));
        assert!(s.accepts("image/png"));
        assert!(!s.accepts("application/x-msdownload"));
        assert!(!s.accepts("imagex/png"));
        assert!(!s.accepts(""));
        assert!(!s.accepts("image"));
    }

    #[test]
    fn settings_are_checked() {
        assert_eq!(AttachmentSettings::default().problem(), None);
        let zero = AttachmentSettings {
            max_bytes: 0,
            ..AttachmentSettings::default()
        };
        assert_eq!(zero.problem().map(|p| p.0), Some("max_bytes"));
        let bad = AttachmentSettings {
            allowed_types: vec!["pdf".into()],
            ..AttachmentSettings::default()
        };
        assert_eq!(bad.problem().map(|p| p.0), Some("allowed_types"));
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("合同 2026.pdf").as_deref(), Some("合同 2026.pdf"));
        assert_eq!(clean_file_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            clean_file_name("C:\\Users\\li\\报价.xlsx").as_deref(),
            Some("报价.xlsx")
        );
        assert_eq!(clean_file_name("a\"b\r\n.txt").as_deref(), Some("ab.txt"));
        assert_eq!(clean_file_name("dir/"), None);
        assert_eq!(clean_file_name(".."), None);
        assert_eq!(clean_file_name("   "), None);
    }

    #[test]
    fn every_kind_reads_back() {
        for a in AttachedTo::ALL {
            assert_eq!(a.as_str().parse::<AttachedTo>(), Ok(a));
        }
        assert!("lead".parse::<AttachedTo>().is_err());
    }

    proptest! {
        #[test]
        fn a_clean_name_is_one_safe_component(name in ".{0,300}") {
            if let Some(clean) = clean_file_name(&name) {
                prop_assert!(!clean.contains(['/', '\\', '"']));
                prop_assert!(!clean.chars().any(char::is_control));
                prop_assert!(clean.chars().count() <= 200);
                prop_assert!(clean != "." && clean != "..");
                prop_assert_eq!(clean_file_name(&clean), Some(clean.clone()));
            }
        }
    }
}
