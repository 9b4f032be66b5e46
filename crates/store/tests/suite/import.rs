//! Importing and exporting the lists with real files, on every available backend.

use chrono::NaiveDate;
use spotcheck_core::lists::{Lang, ListKind, Reason};
use spotcheck_store::agency::{self, Agency};
use spotcheck_store::import::{self, ImportInput, Rejection, Summary};
use spotcheck_store::testing::{all_backends, TestDb};
use spotcheck_store::{audit, bootstrap, export, firms, special};
use spotcheck_tabular::{Cell, Format, Limits};

const TODAY: &str = "2026-04-10";

fn today() -> NaiveDate {
    TODAY.parse().unwrap()
}

async fn setup(t: &TestDb) -> (Agency, Agency, Agency) {
    bootstrap::ensure_foundation(&t.db, Some("admin password 1"))
        .await
        .unwrap();
    let get =
        |code: &'static str| async move { agency::by_code(&t.db, code).await.unwrap().unwrap() };
    (
        get("650100").await,
        get("650102").await,
        get("650109").await,
    )
}

async fn run(
    t: &TestDb,
    agency: &Agency,
    kind: ListKind,
    name: &str,
    bytes: &[u8],
    apply: bool,
) -> Result<Summary, Rejection> {
    let input = ImportInput {
        kind,
        agency,
        file_name: name,
        bytes,
        today: today(),
        limits: Limits::default(),
    };
    import::run(&t.db, "test", &input, apply, &|_| {})
        .await
        .unwrap()
}

/// Two Tianshan firms with real check characters, as a user's spreadsheet would hold them.
fn firm_rows() -> Vec<Vec<String>> {
    use spotcheck_core::credit_code::CreditCode;
    let code = |n: u32| {
        CreditCode::from_parts('9', '1', "650102", &format!("MA{n:06}"))
            .unwrap()
            .as_str()
            .to_string()
    };
    vec![
        vec![
            code(1),
            "乌鲁木齐天山化工有限公司".into(),
            "天山区".into(),
            "乌鲁木齐市天山区解放南路1号".into(),
            "2614".into(),
            "重点".into(),
        ],
        vec![
            code(2),
            "天山水泥厂".into(),
            "650102".into(),
            "乌鲁木齐市天山区新华路2号".into(),
            "3011".into(),
            "一般".into(),
        ],
    ]
}

const FIRM_HEADERS: [&str; 6] = [
    "统一社会信用代码",
    "单位名称",
    "所在区县",
    "详细地址",
    "行业代码",
    "监管类别",
];

fn xlsx(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = Vec::new();
    let rows = rows
        .iter()
        .map(|r| r.iter().map(|c| Cell::Text(c.clone())).collect());
    spotcheck_tabular::write_xlsx("污染源", headers, rows, &mut out).unwrap();
    out
}

fn csv_text(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = headers.join(",") + "\r\n";
    for r in rows {
        s += &(r.join(",") + "\r\n");
    }
    s
}

#[tokio::test]
async fn an_xlsx_import_is_previewed_applied_and_a_second_import_changes_nothing() {
    for t in all_backends().await {
        let (_, tianshan, _) = setup(&t).await;
        let file = xlsx(&FIRM_HEADERS, &firm_rows());
        let preview = run(&t, &tianshan, ListKind::Firms, "firms.xlsx", &file, false)
            .await
            .unwrap();
        assert_eq!(
            (
                preview.rows,
                preview.new,
                preview.changed,
                preview.unchanged
            ),
            (2, 2, 0, 0)
        );
        let none = firms::search(
            &t.db,
            &firms::FirmQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(none.items.is_empty(), "a preview writes nothing");
        let applied = run(&t, &tianshan, ListKind::Firms, "firms.xlsx", &file, true)
            .await
            .unwrap();
        assert_eq!(applied.new, 2);
        let again = run(&t, &tianshan, ListKind::Firms, "firms.xlsx", &file, true)
            .await
            .unwrap();
        assert_eq!((again.new, again.changed, again.unchanged), (0, 0, 2));
        let mut changed_rows = firm_rows();
        changed_rows[1][1] = "天山水泥有限公司".into();
        let changed = run(
            &t,
            &tianshan,
            ListKind::Firms,
            "firms.xlsx",
            &xlsx(&FIRM_HEADERS, &changed_rows),
            true,
        )
        .await
        .unwrap();
        assert_eq!((changed.new, changed.changed, changed.unchanged), (0, 1, 1));
        assert!(matches!(
            audit::verify(&t.db).await.unwrap(),
            audit::ChainCheck::Intact { .. }
        ));
    }
}

#[tokio::test]
async fn a_gbk_csv_from_excel_and_a_utf8_csv_with_bom_read_the_same() {
    for t in all_backends().await {
        let (_, tianshan, _) = setup(&t).await;
        let text = csv_text(&FIRM_HEADERS, &firm_rows());
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
        assert!(!unmappable);
        let preview = run(&t, &tianshan, ListKind::Firms, "firms.csv", &gbk, false)
            .await
            .unwrap();
        assert_eq!(preview.new, 2);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let applied = run(&t, &tianshan, ListKind::Firms, "firms.csv", &bom, true)
            .await
            .unwrap();
        assert_eq!(applied.new, 2);
        let firm = firms::search(
            &t.db,
            &firms::FirmQuery {
                text: Some("化工有限".into()),
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            firm.items[0].name, "乌鲁木齐天山化工有限公司",
            "no mojibake"
        );
    }
}

#[tokio::test]
async fn one_bad_row_refuses_the_whole_file_naming_row_and_column() {
    for t in all_backends().await {
        let (_, tianshan, _) = setup(&t).await;
        let mut rows = firm_rows();
        let mut bad = rows[0].clone();
        let wrong = if bad[0].ends_with('0') { "1" } else { "0" };
        bad[0].replace_range(17..18, wrong);
        rows.push(bad);
        // The bad row also lacks its name, district and industry: four problems in three rows.
        for column in [1, 2, 4] {
            rows[2][column] = String::new();
        }
        let Err(Rejection::Rows {
            errors,
            rows: counted,
        }) = run(
            &t,
            &tianshan,
            ListKind::Firms,
            "f.xlsx",
            &xlsx(&FIRM_HEADERS, &rows),
            true,
        )
        .await
        else {
            panic!("refused");
        };
        assert_eq!(counted, 3, "the file's data rows, not rows plus problems");
        assert!(errors.len() > counted, "{errors:?}");
        let e = errors
            .iter()
            .find(|e| e.row == Some(4))
            .expect("row 4 (header is row 1)");
        assert_eq!(e.column.as_deref(), Some("统一社会信用代码"));
        assert!(
            e.message(Lang::Zh).contains("第 4 行"),
            "{}",
            e.message(Lang::Zh)
        );
        let none = firms::search(
            &t.db,
            &firms::FirmQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(none.items.is_empty(), "nothing written");
        let lines: Vec<_> = errors
            .iter()
            .map(|e| export::ReportLine::of(e, Lang::Zh))
            .collect();
        let report = export::error_report(&lines, Lang::Zh, Format::Xlsx).unwrap();
        let table = spotcheck_tabular::read(&report, Format::Xlsx, &Limits::default()).unwrap();
        assert_eq!(table.headers, vec!["行号", "列", "问题及处理办法"]);
        assert!(table.rows().any(|r| r.cells[0] == "4"));
    }
}

#[tokio::test]
async fn a_truncated_workbook_and_a_missing_column_are_refused_with_what_to_do() {
    for t in all_backends().await {
        let (_, tianshan, _) = setup(&t).await;
        let file = xlsx(&FIRM_HEADERS, &firm_rows());
        let half = &file[..file.len() / 2];
        let Err(Rejection::File(e)) =
            run(&t, &tianshan, ListKind::Firms, "f.xlsx", half, true).await
        else {
            panic!()
        };
        assert!(!e.message(spotcheck_tabular::Lang::Zh).is_empty());
        let Err(Rejection::Rows { errors, .. }) = run(
            &t,
            &tianshan,
            ListKind::Firms,
            "f.csv",
            "统一社会信用代码,单位名称\r\nx,y\r\n".as_bytes(),
            true,
        )
        .await
        else {
            panic!()
        };
        assert!(errors
            .iter()
            .any(|e| e.column.as_deref() == Some("所在区县")
                && matches!(e.reason, Reason::MissingColumn)));
    }
}

#[tokio::test]
async fn an_industry_code_typed_as_a_number_that_lost_its_zero_is_refused() {
    for t in all_backends().await {
        let (_, tianshan, _) = setup(&t).await;
        // 0313 (pig farming) typed into a number cell is kept by Excel as 313, which would read
        // as a group of division 31 (steel).
        let rows: Vec<Vec<Cell>> = firm_rows()
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .enumerate()
                    .map(|(i, c)| match i {
                        4 => Cell::Integer(313),
                        _ => Cell::Text(c),
                    })
                    .collect()
            })
            .collect();
        let mut file = Vec::new();
        spotcheck_tabular::write_xlsx("污染源", &FIRM_HEADERS, rows.into_iter(), &mut file)
            .unwrap();
        let Err(Rejection::Rows { errors, .. }) =
            run(&t, &tianshan, ListKind::Firms, "f.xlsx", &file, true).await
        else {
            panic!("refused");
        };
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].row, Some(2));
        assert_eq!(errors[0].column.as_deref(), Some("行业代码"));
        assert!(
            errors[0].message(Lang::Zh).contains("0313"),
            "{}",
            errors[0].message(Lang::Zh)
        );
        // The same three digits typed as text are a group code, taken as typed.
        let mut text_rows = firm_rows();
        for r in &mut text_rows {
            r[4] = "313".into();
        }
        let done = run(
            &t,
            &tianshan,
            ListKind::Firms,
            "f.xlsx",
            &xlsx(&FIRM_HEADERS, &text_rows),
            false,
        )
        .await;
        assert!(done.is_ok(), "{done:?}");
    }
}

#[tokio::test]
async fn a_credit_code_typed_as_a_number_is_refused_at_its_cell_and_an_ignored_one_is_not() {
    for t in all_backends().await {
        let (_, tianshan, _) = setup(&t).await;
        // An all-digit code typed into a number cell: Excel keeps 15 of its 18 digits.
        let mut headers = FIRM_HEADERS.to_vec();
        headers.push("身份证号");
        let file = |code_as_number: bool| {
            let rows: Vec<Vec<Cell>> = firm_rows()
                .into_iter()
                .map(|r| {
                    let mut cells: Vec<Cell> = r.into_iter().map(Cell::Text).collect();
                    if code_as_number {
                        cells[0] = Cell::Number(916501020000000355.0);
                    }
                    // A column the import ignores, holding an 18-digit number.
                    cells.push(Cell::Number(650102199001011234.0));
                    cells
                })
                .collect();
            let mut out = Vec::new();
            spotcheck_tabular::write_xlsx("污染源", &headers, rows.into_iter(), &mut out).unwrap();
            out
        };
        let Err(Rejection::Rows { errors, .. }) =
            run(&t, &tianshan, ListKind::Firms, "f.xlsx", &file(true), false).await
        else {
            panic!("refused");
        };
        assert_eq!(errors[0].row, Some(2));
        assert_eq!(errors[0].column.as_deref(), Some("统一社会信用代码"));
        assert_eq!(errors[0].reason, Reason::LongNumber);
        assert!(errors[0].message(Lang::Zh).contains("设置为“文本”格式"));
        let done = run(
            &t,
            &tianshan,
            ListKind::Firms,
            "f.xlsx",
            &file(false),
            false,
        )
        .await;
        assert!(done.is_ok(), "an ignored column is not read: {done:?}");
    }
}

#[tokio::test]
async fn an_empty_template_is_refused_rather_than_imported_as_nothing() {
    for t in all_backends().await {
        let (_, tianshan, _) = setup(&t).await;
        let head = audit::recent(&t.db, None, 1).await.unwrap()[0].seq;
        let csv = csv_text(&FIRM_HEADERS, &[]) + ",,,,,\r\n";
        for (name, bytes) in [
            ("f.csv", csv.into_bytes()),
            ("f.xlsx", xlsx(&FIRM_HEADERS, &[])),
        ] {
            let Err(Rejection::Rows { errors, rows }) =
                run(&t, &tianshan, ListKind::Firms, name, &bytes, true).await
            else {
                panic!("{name}: refused");
            };
            assert_eq!(rows, 0);
            assert!(
                matches!(errors[..], [ref e] if e.reason == Reason::NoRows),
                "{errors:?}"
            );
            assert!(errors[0].message(Lang::Zh).contains("没有数据行"));
        }
        assert_eq!(
            audit::recent(&t.db, None, 1).await.unwrap()[0].seq,
            head,
            "no import in the log"
        );
    }
}

#[tokio::test]
async fn a_firm_on_another_districts_list_is_refused() {
    for t in all_backends().await {
        let (city, tianshan, midong) = setup(&t).await;
        run(
            &t,
            &tianshan,
            ListKind::Firms,
            "f.xlsx",
            &xlsx(&FIRM_HEADERS, &firm_rows()),
            true,
        )
        .await
        .unwrap();
        // Midong tries to list Tianshan's firm (with its own district): refused.
        let mut rows = vec![firm_rows()[0].clone()];
        rows[0][2] = "米东区".into();
        let Err(Rejection::Rows { errors, .. }) = run(
            &t,
            &midong,
            ListKind::Firms,
            "f.xlsx",
            &xlsx(&FIRM_HEADERS, &rows),
            true,
        )
        .await
        else {
            panic!("refused")
        };
        assert!(errors.iter().any(
            |e| matches!(&e.reason, Reason::ClaimedElsewhere { agency } if agency == "天山区分局")
        ));
        // The city may move it (it oversees both).
        let moved = run(
            &t,
            &city,
            ListKind::Firms,
            "f.xlsx",
            &xlsx(&FIRM_HEADERS, &rows),
            true,
        )
        .await
        .unwrap();
        assert_eq!(moved.changed, 1);
    }
}

#[tokio::test]
async fn a_penalty_case_makes_its_firm_a_special_source_until_rectified() {
    for t in all_backends().await {
        let (_, tianshan, _) = setup(&t).await;
        run(
            &t,
            &tianshan,
            ListKind::Firms,
            "f.xlsx",
            &xlsx(&FIRM_HEADERS, &firm_rows()),
            true,
        )
        .await
        .unwrap();
        let code = firm_rows()[0][0].clone();
        let headers = [
            "统一社会信用代码",
            "处罚决定书文号",
            "决定日期",
            "违法行为",
            "执法措施",
        ];
        let rows = vec![vec![
            code.clone(),
            "乌环罚〔2026〕12号".into(),
            "2026-03-05".into(),
            "超标排放废气".into(),
            "查封扣押".into(),
        ]];
        let applied = run(
            &t,
            &tianshan,
            ListKind::Penalties,
            "p.xlsx",
            &xlsx(&headers, &rows),
            true,
        )
        .await
        .unwrap();
        assert_eq!(applied.new, 1);
        let open = special::list(&t.db, &tianshan.path, true).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(
            (
                open[0].credit_code.as_str(),
                open[0].reason_kind.as_str(),
                open[0].since_quarter.as_str()
            ),
            (code.as_str(), "penalty", "2026Q1")
        );
        assert!(
            special::rectify(&t.db, "legal", open[0].id, "  ", spotcheck_store::now())
                .await
                .is_err(),
            "evidence required"
        );
        special::rectify(
            &t.db,
            "legal",
            open[0].id,
            "整改验收意见书 乌环验〔2026〕3号",
            spotcheck_store::now(),
        )
        .await
        .unwrap();
        assert!(special::list(&t.db, &tianshan.path, true)
            .await
            .unwrap()
            .is_empty());
        // A case naming a firm that is not on the list is refused.
        let stranger = vec![vec![
            "91350100M000100Y43".into(),
            "乌环罚〔2026〕13号".into(),
            "2026-03-06".into(),
            "未批先建".into(),
            "".into(),
        ]];
        let Err(Rejection::Rows { errors, .. }) = run(
            &t,
            &tianshan,
            ListKind::Penalties,
            "p.xlsx",
            &xlsx(&headers, &stranger),
            true,
        )
        .await
        else {
            panic!("refused")
        };
        assert!(matches!(errors[0].reason, Reason::UnknownFirm { .. }));
    }
}

#[tokio::test]
async fn an_export_imports_again_unchanged() {
    for t in all_backends().await {
        let (city, tianshan, _) = setup(&t).await;
        run(
            &t,
            &tianshan,
            ListKind::Firms,
            "f.xlsx",
            &xlsx(&FIRM_HEADERS, &firm_rows()),
            true,
        )
        .await
        .unwrap();
        for (format, name) in [(Format::Xlsx, "x.xlsx"), (Format::Csv, "x.csv")] {
            let file = export::list(&t.db, ListKind::Firms, &city.path, format, &|_| {})
                .await
                .unwrap();
            let again = run(&t, &tianshan, ListKind::Firms, name, &file, false)
                .await
                .unwrap();
            assert_eq!(
                (again.rows, again.new, again.changed, again.unchanged),
                (2, 0, 0, 2),
                "{format:?}"
            );
        }
    }
}

#[tokio::test]
async fn exported_text_that_looks_like_a_formula_is_neutralised_and_templates_are_valid() {
    for t in all_backends().await {
        let (city, tianshan, _) = setup(&t).await;
        let mut rows = firm_rows();
        rows[1][1] = "=HYPERLINK(\"http://x\")水泥厂".into();
        run(
            &t,
            &tianshan,
            ListKind::Firms,
            "f.xlsx",
            &xlsx(&FIRM_HEADERS, &rows),
            true,
        )
        .await
        .unwrap();
        // In the file the text carries the guard quote, so a spreadsheet shows it as text …
        let csv = export::list(&t.db, ListKind::Firms, &city.path, Format::Csv, &|_| {})
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&csv).contains("'=HYPERLINK"));
        // … and reading the export back gives the text as it was entered.
        for format in [Format::Xlsx, Format::Csv] {
            let file = export::list(&t.db, ListKind::Firms, &city.path, format, &|_| {})
                .await
                .unwrap();
            let table = spotcheck_tabular::read(&file, format, &Limits::default()).unwrap();
            let name_col = table.column(&["单位名称"]).unwrap();
            assert!(
                table.rows().any(|r| r.cells[name_col] == rows[1][1]),
                "{format:?}"
            );
        }
        for kind in ListKind::ALL {
            let template = export::template(kind, Format::Xlsx).unwrap();
            assert!(
                spotcheck_tabular::read(&template, Format::Xlsx, &Limits::default()).is_ok(),
                "{kind}"
            );
        }
    }
}
