//! Every list query that grows with the province can be answered from an index: the firm pages
//! and searches, a register page, an officer's tasks, a draw's tasks and the audit log, as each
//! backend's planner plans them. `spotcheck bench scale` prints the same plans at a million firms.

use spotcheck_store::explain;
use spotcheck_store::tasks;
use spotcheck_store::testing::{self, all_backends};

#[tokio::test]
async fn every_list_query_can_be_answered_from_an_index() {
    for t in all_backends().await {
        // Tasks to plan over, and an officer who has some.
        let (_, record) = testing::demo_with_key_draw(&t.db).await;
        let output: spotcheck_draw::DrawOutput =
            serde_json::from_str(record.output.as_deref().unwrap()).unwrap();
        let officer = &output.selected[0].officers[0];
        assert!(!tasks::for_officer(&t.db, officer).await.unwrap().is_empty());

        let plans = explain::list_queries(&t.db, true).await.unwrap();
        let names: Vec<&str> = plans.iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "firms, first page",
                "firms, page at 90%",
                "firms of one district",
                "firms by name",
                "firms by credit-code prefix",
                "register page (officers)",
                "tasks of an officer",
                "tasks of a draw",
                "audit log page"
            ]
        );
        for plan in &plans {
            assert!(!plan.plan.is_empty(), "{}: no plan", plan.name);
            assert!(
                plan.full_scans.is_empty(),
                "{:?}: {} reads {:?} whole: {}",
                t.db.backend(),
                plan.name,
                plan.full_scans,
                plan.plan
            );
        }
    }
}
