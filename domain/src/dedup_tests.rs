//! Tests of `dedup`: company names, phones, e-mails and credit codes.
use super::*;
use proptest::prelude::*;

fn key(s: &str) -> String {
    normalize_company_name(s, &SuffixList::default())
}

#[test]
fn chinese_legal_forms_brackets_and_widths_fold_together() {
    for variant in [
        "华为技术有限公司",
        "华为技术（有限公司）",
        "华为技术(有限公司)",
        " 华为技术 有限公司 ",
        "华为技术有限责任公司",
        "华为技术股份有限公司",
        "华为技术集团",
        "华为技术集团有限公司",
        "【华为技术】",
        "华为技术",
    ] {
        assert_eq!(key(variant), "华为技术", "{variant}");
    }
}

#[test]
fn latin_names_fold_case_space_punctuation_and_legal_forms() {
    for variant in [
        " HUAWEI  Technologies Co., Ltd.",
        "huawei technologies",
        "Huawei Technologies Co Ltd",
        "ＨＵＡＷＥＩ　Ｔｅｃｈｎｏｌｏｇｉｅｓ",
        "Huawei-Technologies, Inc.",
        "Huawei Technologies LLC",
        "Huawei Technologies GmbH",
        "Huawei Technologies Limited",
    ] {
        assert_eq!(key(variant), "huaweitechnologies", "{variant}");
    }
}

#[test]
fn suffix_words_inside_names_stay() {
    assert_eq!(key("Costco Wholesale"), "costcowholesale");
    assert_eq!(key("Disco Inc."), "disco");
    assert_eq!(key("Co"), "co", "a name that is only a legal form keeps it");
    assert_eq!(key("公司"), "公司");
    assert_eq!(key("有限公司"), "有限公司");
    assert_ne!(key("华为技术"), key("华为"));
}

#[test]
fn a_configured_suffix_list_applies() {
    let list = SuffixList::new(["有限公司", "Pty. Ltd.", "分公司"]);
    assert_eq!(normalize_company_name("华为技术上海分公司", &list), "华为技术上海");
    assert_eq!(normalize_company_name("Acme Pty. Ltd.", &list), "acme");
    assert_eq!(normalize_company_name("华为技术集团", &list), "华为技术集团");
}

#[test]
fn phones_compare_as_national_digits() {
    for p in [
        "+86 138-0013-8000",
        "0086 13800138000",
        "138 0013 8000",
        "8613800138000",
        "＋８６ １３８００１３８０００",
    ] {
        assert_eq!(normalize_phone(p).as_deref(), Some("13800138000"), "{p}");
    }
    assert_eq!(normalize_phone("+86 10 8888 6666").as_deref(), Some("01088886666"));
    assert_eq!(normalize_phone("010-8888-6666").as_deref(), Some("01088886666"));
    assert_eq!(normalize_phone("ext. 12"), None);
    assert_eq!(normalize_phone(""), None);
}

#[test]
fn emails_fold() {
    assert_eq!(
        fold_email(" Li.Lei@Example.COM ").as_deref(),
        Some("li.lei@example.com")
    );
    assert_eq!(fold_email("li.lei＠example.com").as_deref(), Some("li.lei@example.com"));
    assert_eq!(fold_email("nope"), None);
    assert_eq!(fold_email("a@b"), None);
}

#[test]
fn credit_codes_check_their_digit() {
    for ok in [
        "91350100M000100Y43",
        "91440300708461136T",
        "91110108551385082Q",
        " 91110108551385082q ",
        "９１１１０１０８５５１３８５０８２Ｑ",
    ] {
        assert!(CreditCode::parse(ok).is_ok(), "{ok}");
    }
    assert_eq!(
        CreditCode::parse("91110108551385082Q").map(|c| c.as_str().to_owned()),
        Ok("91110108551385082Q".into())
    );
    assert_eq!(
        CreditCode::parse("911100001000000001"),
        Err(CreditCodeError::CheckDigit { expected: 'R' })
    );
    assert_eq!(CreditCode::parse("9111010855138508"), Err(CreditCodeError::Length));
    assert_eq!(
        CreditCode::parse("91110108551385082I"),
        Err(CreditCodeError::Character(18))
    );
    assert_eq!(
        CreditCode::parse("O1110108551385082Q"),
        Err(CreditCodeError::Character(1))
    );
}

#[test]
fn similarity_ranks_near_names() {
    assert_eq!(name_similarity("华为技术", "华为技术"), 1.0);
    assert!(name_similarity(&key("深圳市华为技术有限公司"), &key("华为技术有限公司")) >= SIMILAR_THRESHOLD);
    assert!(name_similarity("huaweitechnologies", "huaweitechnology") >= SIMILAR_THRESHOLD);
    assert!(name_similarity("huaweitechnologies", "alibabagroup") < 0.6);
    assert!(name_similarity(&key("腾讯科技"), &key("华为技术")) < SIMILAR_THRESHOLD);
    assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 0.001);
    assert!((jaro_winkler("dwayne", "duane") - 0.84).abs() < 0.001);
    assert_eq!(jaro_winkler("", ""), 1.0);
    assert_eq!(jaro_winkler("abc", ""), 0.0);
}

#[test]
fn reversed_keys_read_backwards_by_character() {
    assert_eq!(reversed_key(&key("北京字节跳动科技有限公司")), "技科动跳节字京北");
    assert_eq!(reversed_key(""), "");
}

proptest! {
    /// A key is a fixed point: normalising it again changes nothing, unless
    /// stripping uncovered another ending (then it only gets shorter).
    #[test]
    fn keys_are_stable(name in "[a-zA-Z华为技术有限公司集团 ,.()（）]{0,30}") {
        let k = key(&name);
        let again = key(&k);
        prop_assert!(again == k || k.ends_with(&again), "{name:?}: {k:?} then {again:?}");
        prop_assert!(!k.chars().any(|c| c.is_whitespace() || c.is_ascii_punctuation()));
        prop_assert_eq!(k.clone(), k.to_lowercase());
    }

    /// Case, width and spacing never change the key.
    #[test]
    fn presentation_does_not_matter(name in "[a-z华为技术]{1,12}( [a-z华为技术]{1,12}){0,3}") {
        let shouted = name.to_uppercase();
        let spaced = name.replace(' ', "   ");
        let wide: String = name.chars().map(|c| if c.is_ascii_lowercase() { char::from_u32(c as u32 - 0x61 + 0xFF41).unwrap_or(c) } else { c }).collect();
        prop_assert_eq!(key(&name), key(&shouted));
        prop_assert_eq!(key(&name), key(&spaced));
        prop_assert_eq!(key(&name), key(&wide));
    }

    #[test]
    fn similarity_is_symmetric_and_bounded(a in "[a-z华为]{0,10}", b in "[a-z华为]{0,10}") {
        let s = name_similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&s));
        prop_assert!((s - name_similarity(&b, &a)).abs() < 1e-9);
    }

    /// Any 17 valid characters plus the computed check character parse.
    #[test]
    fn computed_check_digits_are_accepted(body in "[0-9A-HJ-NP-RTUWXY]{17}") {
        let values: Vec<u32> = body.chars().map(|c| CREDIT_CODE_CHARS.find(c).unwrap_or(0) as u32).collect();
        let sum: u32 = values.iter().zip(CREDIT_CODE_WEIGHTS).map(|(v, w)| v * w).sum();
        let check = CREDIT_CODE_CHARS.chars().nth(((31 - sum % 31) % 31) as usize).unwrap_or('0');
        let code = format!("{body}{check}");
        prop_assert!(CreditCode::parse(&code).is_ok());
    }
}

#[test]
fn request_keys_say_nothing_given_apart_from_a_bad_value() {
    assert_eq!(phone_key(None), Ok(None));
    assert_eq!(phone_key(Some("   ")), Ok(None));
    assert_eq!(phone_key(Some("+86 138-0013-8000")), Ok(Some("13800138000".into())));
    assert_eq!(phone_key(Some("12-34")), Err(KeyError::Phone));
    assert_eq!(email_key(Some(" Li@Example.COM ")), Ok(Some("li@example.com".into())));
    assert_eq!(email_key(Some("")), Ok(None));
    assert_eq!(email_key(Some("not-an-address")), Err(KeyError::Email));
    assert_eq!(KeyError::Phone.field(), "phone");
    assert_eq!(KeyError::Email.field(), "email");
}

#[test]
fn a_company_name_carries_its_keys() {
    let Some(n) = CompanyName::parse("  北京字节跳动科技有限公司 ", &SuffixList::default()) else {
        panic!("a name with letters parses");
    };
    assert_eq!(n.display(), "北京字节跳动科技有限公司");
    assert_eq!(n.key(), key("北京字节跳动科技有限公司"));
    assert_eq!(n.reversed(), reversed_key(n.key()));
    assert_eq!(
        CompanyName::parse("北京字节跳动科技（有限公司）", &SuffixList::default()).map(|m| m.key().to_owned()),
        Some(n.key().to_owned())
    );
    assert_eq!(CompanyName::parse("（ · ）", &SuffixList::default()), None);
    assert_eq!(CompanyName::parse("  ", &SuffixList::default()), None);
}
