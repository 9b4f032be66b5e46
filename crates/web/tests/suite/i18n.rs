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

/// Translation keys returned by the `key()` methods of the store and the core (`=> "section.key"`
/// where the section is one of the locale's), so that a refusal never shows a bare key.
#[test]
fn keys_named_by_the_store_and_core_are_translated() {
    let zh = keys(ZH_SOURCE);
    let sections: BTreeSet<String> = zh
        .iter()
        .filter_map(|k| k.split('.').next().map(str::to_string))
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut stack = vec![root.join("store/src"), root.join("core/src")];
    let mut missing = Vec::new();
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("=> \"").skip(1) {
                let Some(key) = part.split('"').next() else {
                    continue;
                };
                let is_key = key.contains('.')
                    && key.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b)
                    });
                let section = key.split('.').next().unwrap_or_default();
                if is_key && sections.contains(section) {
                    seen += 1;
                    if !zh.contains(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
    }
    assert!(seen > 5, "the scan finds the keys ({seen})");
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
        assert!(zh.contains(&format!("compliance.rule_{plan}")), "{plan}");
    }
    for standing in ["met", "short", "over", "pending", "overdue"] {
        assert!(zh.contains(&format!("compliance.{standing}")), "{standing}");
    }
    for status in [
        "dispatched",
        "in_progress",
        "submitted",
        "accepted",
        "returned",
        "cancelled",
    ] {
        assert!(zh.contains(&format!("tasks.status_{status}")), "{status}");
    }
    for kind in spotcheck_core::agency::AgencyKind::ALL {
        assert!(
            zh.contains(&format!("agency_kind.{}", kind.as_str())),
            "{kind:?}"
        );
    }
}
