//! Hostile text through every text field: quotes, markup and SQL sent through each field of every
//! list's record form and through the other forms that take free text. Nothing answers 5xx,
//! nothing comes back as live markup, what a field accepts is stored and shown exactly as typed,
//! and the database is intact afterwards (the tables are all there and the audit chain holds).

use crate::common::{csrf_of, TestApp};
use spotcheck_store::demo::DEMO_PASSWORD;
use spotcheck_store::testing::all_backends;

/// Quotes of both kinds, a closing tag and a script, SQL that would drop a table or widen a
/// condition if it were pasted into a statement, LIKE wildcards, a backslash and Chinese.
const PAYLOAD: &str =
    "x'); DROP TABLE firm; -- \"><script>alert('x')</script> ' OR '1'='1 %_\\ 污染源";

/// The live form of the payload's markup, which must never come back.
const LIVE: &str = "<script>alert(";

/// `(name, value)` of every text input of a page's form (without the CSRF field).
fn inputs(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for piece in html.split("<input ").skip(1) {
        let tag = &piece[..piece.find('>').unwrap_or(piece.len())];
        let attr = |name: &str| {
            let marker = format!("{name}=\"");
            tag.find(&marker).map(|at| {
                let rest = &tag[at + marker.len()..];
                rest[..rest.find('"').unwrap_or(rest.len())].to_string()
            })
        };
        let Some(name) = attr("name") else { continue };
        if name == "csrf" || attr("type").is_some_and(|t| t != "text") {
            continue;
        }
        out.push((name, unescape(&attr("value").unwrap_or_default())));
    }
    out
}

/// Undoes the template's escaping of an attribute value.
fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The id of the first record linked from a list page.
fn first_record(html: &str, kind: &str) -> Option<String> {
    let marker = format!("href=\"/lists/{kind}/");
    html.match_indices(&marker).find_map(|(at, _)| {
        let rest = &html[at + marker.len()..];
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!id.is_empty()).then_some(id)
    })
}

#[tokio::test]
async fn hostile_text_in_every_field_is_kept_as_text_and_breaks_nothing() {
    for db in all_backends().await {
        let app = TestApp::spawn(db).await;
        let (task_id, _) = crate::common::demo_task_of_officer(&app).await;
        let c = TestApp::client();
        app.login(&c, "tianshan", DEMO_PASSWORD).await;
        let mut accepted = Vec::new();
        let mut tried = 0;
        for kind in [
            "officers",
            "firms",
            "projects",
            "penalties",
            "complaints",
            "problems",
        ] {
            let (status, list) = app.get_text(&c, &format!("/lists/{kind}")).await;
            assert_eq!(status, 200, "{kind}");
            let Some(id) = first_record(&list, kind) else {
                continue;
            };
            let path = format!("/lists/{kind}/{id}");
            let (status, form) = app.get_text(&c, &path).await;
            assert_eq!(status, 200, "{path}");
            let fields = inputs(&form);
            assert!(fields.len() >= 3, "{path}: {fields:?}");
            for (target, _) in &fields {
                tried += 1;
                // The record as it stands, with the payload in one field.
                let (_, form) = app.get_text(&c, &path).await;
                let mut body = vec![("csrf".to_string(), csrf_of(&form))];
                body.extend(inputs(&form).into_iter().map(|(name, value)| {
                    let value = if &name == target {
                        PAYLOAD.to_string()
                    } else {
                        value
                    };
                    (name, value)
                }));
                let r = c.post(app.url(&path)).form(&body).send().await.unwrap();
                let status = r.status().as_u16();
                let text = r.text().await.unwrap();
                assert!(
                    matches!(status, 303 | 422),
                    "{path} {target}: {status}\n{text}"
                );
                assert!(!text.contains(LIVE), "{path} {target} echoes live markup");
                if status == 303 {
                    // Stored exactly, shown as text.
                    let (_, again) = app.get_text(&c, &path).await;
                    assert!(!again.contains(LIVE), "{path} {target}");
                    let stored = inputs(&again)
                        .into_iter()
                        .find(|(n, _)| n == target)
                        .map(|(_, v)| v);
                    assert_eq!(stored.as_deref(), Some(PAYLOAD), "{path} {target}");
                    let (_, listed) = app.get_text(&c, &format!("/lists/{kind}?q=DROP")).await;
                    assert!(!listed.contains(LIVE), "{kind} list");
                    accepted.push(format!("{kind}.{target}"));
                }
            }
        }
        // Free text accepted by the lists: names, addresses, descriptions at least.
        assert!(
            accepted.iter().any(|f| f.starts_with("firms.")),
            "{accepted:?}"
        );

        // The other forms that take free text.
        let (_, page) = app.get_text(&c, "/conflicts").await;
        let csrf = csrf_of(&page);
        let task = spotcheck_store::tasks::get(&app.db, "", task_id)
            .await
            .unwrap()
            .unwrap();
        let team: Vec<String> = serde_json::from_str(&task.officers).unwrap();
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                "/conflicts".into(),
                vec![
                    ("officer", team[0].as_str()),
                    ("firm", task.credit_code.as_str()),
                    ("reason", PAYLOAD),
                ],
            ),
            (
                format!("/tasks/{task_id}/reassign"),
                vec![("officer", team[1].as_str()), ("reason", PAYLOAD)],
            ),
            ("/firms".into(), vec![("q", PAYLOAD)]),
        ];
        for (path, fields) in &posts {
            tried += 1;
            let mut body = vec![("csrf", csrf.as_str())];
            body.extend(fields.iter().copied());
            let r = if path == "/firms" {
                c.get(app.url(path)).query(&fields).send().await.unwrap()
            } else {
                c.post(app.url(path)).form(&body).send().await.unwrap()
            };
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            assert!(status < 500, "{path}: {status}");
            assert!(!text.contains(LIVE), "{path}");
        }
        for page in [
            "/conflicts",
            &format!("/tasks/{task_id}"),
            "/supervision",
            "/",
        ] {
            let (status, text) = app.get_text(&c, page).await;
            assert_eq!(status, 200, "{page}");
            assert!(!text.contains(LIVE), "{page}");
        }
        let (_, conflicts) = app.get_text(&c, "/conflicts").await;
        assert!(
            conflicts.contains("&lt;script&gt;alert(") || conflicts.contains("&#60;script"),
            "the reason is shown, as text"
        );
        let reasons: Vec<String> = spotcheck_store::conflicts::list(&app.db, "")
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.reason)
            .collect();
        assert!(reasons.iter().any(|r| r == PAYLOAD), "stored exactly");

        // The database is whole: every table still answers and the audit chain verifies.
        let tianshan = spotcheck_store::agency::by_code(&app.db, "650102")
            .await
            .unwrap()
            .unwrap();
        let counts = spotcheck_store::registry::counts_of(&app.db, tianshan.id)
            .await
            .unwrap();
        assert!(counts.key_firms > 0 && counts.officers > 0, "{counts:?}");
        assert!(matches!(
            spotcheck_store::audit::verify(&app.db).await.unwrap(),
            spotcheck_store::audit::ChainCheck::Intact { .. }
        ));
        assert!(tried > 20, "{tried} fields tried");
        eprintln!(
            "hostile text: {tried} fields and forms tried, {} list fields stored it exactly",
            accepted.len()
        );
    }
}
