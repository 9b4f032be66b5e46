//! Tampering with a stored draw is found on every available backend: the recomputation from the
//! stored input disagrees with an edited output, the result hash beside it or the one in the
//! audit log, and the check names the draw and the field.

use spotcheck_store::draws::PlanKind;
use spotcheck_store::integrity::check_draws;
use spotcheck_store::testing::{self, all_backends};
use spotcheck_store::{agency, on_db};

#[tokio::test]
async fn an_edited_draw_record_is_named_by_the_check() {
    for t in all_backends().await {
        let db = &t.db;
        testing::with_demo(db).await;
        let tianshan = agency::by_code(db, "650102").await.unwrap().unwrap();
        let drawn = testing::drawn(
            db,
            &tianshan,
            PlanKind::Key,
            "2026Q2",
            "2026-03-20".parse().unwrap(),
            "dice:38172645091827364510",
        )
        .await;
        let clean = check_draws(db, &|_, _| {}).await.unwrap();
        assert_eq!((clean.checked, clean.problems.len()), (1, 0), "{clean:?}");

        let output = drawn.output.clone().unwrap();
        let set_output = |text: String| {
            let id = drawn.id;
            async move {
                // Written as text in place of the deflated result (as a record drawn before
                // migration 0015 holds it), which is what is read.
                on_db!(db, |p| sqlx::query(
                    "UPDATE draw_record SET output = $1, output_deflated = NULL WHERE id = $2"
                )
                .bind(&text)
                .bind(id)
                .execute(p)
                .await
                .unwrap()
                .rows_affected());
            }
        };
        // Another firm put in place of the first one drawn.
        let mut edited: serde_json::Value = serde_json::from_str(&output).unwrap();
        edited["selected"][0]["unit"] = "91650102MA00000000".into();
        set_output(edited.to_string()).await;
        let found = check_draws(db, &|_, _| {}).await.unwrap();
        assert_eq!(found.problems.len(), 1, "{found:?}");
        assert_eq!(found.problems[0].draw_id, drawn.id);
        assert_eq!(found.problems[0].field, "selected[0].unit");

        // A whole other result with its own hash: the audit log still holds the real one.
        let mut edited: serde_json::Value = serde_json::from_str(&output).unwrap();
        edited["result_sha256"] = "0".repeat(64).into();
        set_output(edited.to_string()).await;
        let fields: Vec<String> = check_draws(db, &|_, _| {})
            .await
            .unwrap()
            .problems
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert!(fields.contains(&"result_sha256".to_string()), "{fields:?}");
        assert!(
            fields.contains(&"result_sha256 column".to_string()),
            "{fields:?}"
        );
        assert!(fields.contains(&"audit log".to_string()), "{fields:?}");

        // Put back, it agrees again.
        set_output(output.clone()).await;
        assert!(check_draws(db, &|_, _| {})
            .await
            .unwrap()
            .problems
            .is_empty());

        // The deflated result damaged: the check names the draw instead of stopping.
        let deflated = {
            use std::io::Write;
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Default::default());
            e.write_all(output.as_bytes()).unwrap();
            let mut bytes = e.finish().unwrap();
            bytes.truncate(bytes.len() / 2);
            bytes
        };
        on_db!(db, |p| sqlx::query(
            "UPDATE draw_record SET output = '', output_deflated = $1 WHERE id = $2"
        )
        .bind(&deflated)
        .bind(drawn.id)
        .execute(p)
        .await
        .unwrap()
        .rows_affected());
        let found = check_draws(db, &|_, _| {}).await.unwrap();
        assert_eq!(found.checked, 1);
        assert_eq!(found.problems.len(), 1, "{found:?}");
        assert_eq!(
            (found.problems[0].draw_id, found.problems[0].field.as_str()),
            (drawn.id, "record")
        );
        assert!(
            found.problems[0]
                .found
                .contains(&format!("draw {}", drawn.id)),
            "{found:?}"
        );
    }
}
