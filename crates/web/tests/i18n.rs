//! Every UI string is translated: both locale files hold the same keys, and every key that the
//! templates and handlers name exists.

use std::collections::BTreeSet;

use spotcheck_web::i18n::{parse_locale, EN_SOURCE, ZH_SOURCE};

fn keys(src: &str) -> BTreeSet<String> {
    parse_locale(src).into_keys().collect()
}

#[test]
fn chinese_and_english_have_the_same_keys() {
    let zh = keys(ZH_SOURCE);
    let en = keys(EN_SOURCE);
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh: {only_zh:?}; only in en: {only_en:?}"
    );
}

/// Collects the string literals passed to `get("…")`, `fmt("…"` and error keys in the sources.
fn used_keys() -> BTreeSet<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = BTreeSet::new();
    let mut stack = vec![root.join("templates"), root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in ["get(\"", "fmt(\"", "BadRequest(\"", "=> \"error."] {
                for part in text.split(marker).skip(1) {
                    let prefix = if marker.starts_with("=>") {
                        "error."
                    } else {
                        ""
                    };
                    if let Some(key) = part.split('"').next() {
                        if key.contains('.') || !prefix.is_empty() {
                            found.insert(format!("{prefix}{key}"));
                        }
                    }
                }
            }
        }
    }
    found
}

#[test]
fn every_key_named_in_templates_and_code_is_translated() {
    let zh = keys(ZH_SOURCE);
    let used = used_keys();
    assert!(used.len() > 30, "the scan finds the keys ({})", used.len());
    let missing: Vec<_> = used.iter().filter(|k| !zh.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "keys without a translation: {missing:?}"
    );
}

#[test]
fn dynamic_role_duty_and_agency_kind_keys_are_translated() {
    let zh = keys(ZH_SOURCE);
    for role in spotcheck_core::role::Role::ALL {
        assert!(zh.contains(&format!("role.{}", role.as_str())), "{role:?}");
    }
    for duty in spotcheck_core::calendar::DutyKind::ALL {
        assert!(zh.contains(&format!("duty.{}", duty.as_str())), "{duty:?}");
    }
    for plan in ["key", "special", "general"] {
        assert!(zh.contains(&format!("plan.kind_{plan}")), "{plan}");
    }
    for kind in spotcheck_core::agency::AgencyKind::ALL {
        assert!(
            zh.contains(&format!("agency_kind.{}", kind.as_str())),
            "{kind:?}"
        );
    }
}
