//! The `spotcheck` binary as an operator uses it: first start, demo, tokens, audit verification.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn spotcheck(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spotcheck"))
        .args(args)
        .env("SPOTCHECK_DATA_DIR", data_dir)
        .env_remove("SPOTCHECK_DATABASE_URL")
        .env_remove("SPOTCHECK_ADMIN_PASSWORD")
        .output()
        .expect("run spotcheck")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_first_start_prints_a_random_admin_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = spotcheck(dir.path(), &["migrate"]);
    assert!(first.status.success(), "{first:?}");
    assert!(stdout(&first).contains("password: "), "{}", stdout(&first));
    assert!(dir.path().join("spotcheck.sqlite").exists());
    let second = spotcheck(dir.path(), &["migrate"]);
    assert!(second.status.success());
    assert!(!stdout(&second).contains("password: "), "shown only once");
}

#[test]
fn the_demo_loads_once_and_a_second_load_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = spotcheck(dir.path(), &["demo"]);
    assert!(first.status.success(), "{first:?}");
    let text = stdout(&first);
    assert!(text.contains("3000 firms"), "{text}");
    let again = spotcheck(dir.path(), &["demo"]);
    let text = stdout(&again);
    assert!(text.contains("0 firms"), "{text}");
    assert!(text.contains("0 officers"), "{text}");
    let verify = spotcheck(dir.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stdout(&verify));
}

#[test]
fn a_token_is_printed_for_a_known_user_and_refused_for_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let ok = spotcheck(dir.path(), &["token", "create", "--user", "admin"]);
    assert!(ok.status.success(), "{ok:?}");
    assert!(stdout(&ok)
        .lines()
        .any(|l| l.starts_with("sc_") && l.len() > 60));
    let bad = spotcheck(dir.path(), &["token", "create", "--user", "nobody"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no account \"nobody\""));
}

#[tokio::test]
async fn audit_verify_names_the_first_edited_event() {
    let dir = tempfile::tempdir().unwrap();
    assert!(spotcheck(dir.path(), &["migrate"]).status.success());
    let url = spotcheck_store::Db::sqlite_url_in(dir.path());
    let db = spotcheck_store::Db::connect(&url).await.unwrap();
    let spotcheck_store::Db::Sqlite(pool) = &db else {
        unreachable!("a SQLite URL")
    };
    sqlx::query("UPDATE audit_event SET payload = '{}' WHERE seq = 4")
        .execute(pool)
        .await
        .unwrap();
    db.close().await;
    let out = spotcheck(dir.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("BROKEN at event 4"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn serve_answers_health_checks_on_the_address_it_prints() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_spotcheck"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SPOTCHECK_DATA_DIR", dir.path())
        .env("SPOTCHECK_ADMIN_PASSWORD", "a password for this test")
        .env_remove("SPOTCHECK_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(str::to_string)
        })
        .expect("the server prints its address");
    let health = format!("{url}healthz");
    let mut answer = None;
    for _ in 0..50 {
        if let Ok(body) = http_get(&health) {
            answer = Some(body);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let answer = answer.expect("the server answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A minimal HTTP GET over a TCP socket (enough for a health check).
fn http_get(url: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut s = std::net::TcpStream::connect(host)?;
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

#[test]
fn a_list_exported_as_a_template_imports_and_a_bad_file_is_refused_with_rows_named() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("firms.xlsx");
    let out = spotcheck(
        dir.path(),
        &[
            "export",
            "firms",
            "--template",
            "--out",
            template.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let dry = spotcheck(
        dir.path(),
        &["import", "firms", template.to_str().unwrap(), "--dry-run"],
    );
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        stdout(&dry).contains("将导入 1 行污染源名录（650100）：新增 1，变更 0，未变 0"),
        "{}",
        stdout(&dry)
    );
    let dry_en = spotcheck(
        dir.path(),
        &[
            "import",
            "firms",
            template.to_str().unwrap(),
            "--dry-run",
            "--lang",
            "en",
        ],
    );
    assert!(
        stdout(&dry_en).contains("would import 1 rows of firms for 650100: 1 new"),
        "{}",
        stdout(&dry_en)
    );
    let real = spotcheck(dir.path(), &["import", "firms", template.to_str().unwrap()]);
    assert!(stdout(&real).contains("已导入 1 行"), "{}", stdout(&real));
    let again = spotcheck(
        dir.path(),
        &[
            "import",
            "firms",
            template.to_str().unwrap(),
            "--lang",
            "en",
        ],
    );
    assert!(
        stdout(&again).contains("0 new, 0 changed, 1 unchanged"),
        "{}",
        stdout(&again)
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "统一社会信用代码,单位名称,所在区县,详细地址,行业代码,监管类别\n91350100M000100Y44,甲厂,天山区,某路1号,2614,重点\n").unwrap();
    let report = dir.path().join("errors.xlsx");
    let refused = spotcheck(
        dir.path(),
        &[
            "import",
            "firms",
            bad.to_str().unwrap(),
            "--errors-out",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("第 2 行") && err.contains("统一社会信用代码"),
        "{err}"
    );
    assert!(
        err.contains("1 行中共 1 处问题，未导入任何数据") && err.contains("错误报告："),
        "the command's own lines in the language asked for too: {err}"
    );
    assert!(report.exists());
    // A file refused as a whole (here: empty) gets its report too.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let whole = dir.path().join("whole.xlsx");
    let refused = spotcheck(
        dir.path(),
        &[
            "import",
            "firms",
            empty.to_str().unwrap(),
            "--errors-out",
            whole.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    let bytes = std::fs::read(&whole).expect("a report of the refused file");
    let table =
        spotcheck_tabular::read_file("whole.xlsx", &bytes, &spotcheck_tabular::Limits::default())
            .unwrap();
    let lines: Vec<_> = table.rows().collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        lines[0].cells[2],
        spotcheck_tabular::TabularError::Empty.message(spotcheck_tabular::Lang::Zh)
    );

    let csv = spotcheck(dir.path(), &["export", "firms", "--format", "csv"]);
    assert!(csv.status.success());
    assert!(String::from_utf8_lossy(&csv.stdout).contains("统一社会信用代码"));
}

#[test]
fn a_development_zone_is_added_under_the_city_and_refused_twice() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "agency",
        "add",
        "--code",
        "650100-etdz",
        "--parent",
        "650100",
        "--kind",
        "zone_branch",
        "--division",
        "650100",
        "--name-zh",
        "经济技术开发区分局",
        "--name-en",
        "Economic development zone branch",
    ];
    let out = spotcheck(dir.path(), &args);
    assert!(out.status.success(), "{out:?}");
    let list = stdout(&spotcheck(dir.path(), &["agency", "list"]));
    assert!(
        list.contains("  650100-etdz  zone_branch  经济技术开发区分局"),
        "{list}"
    );
    let again = spotcheck(dir.path(), &args);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = spotcheck(
        dir.path(),
        &[
            "agency",
            "add",
            "--code",
            "x",
            "--division",
            "123",
            "--name-zh",
            "甲",
            "--name-en",
            "A",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn an_account_is_added_with_a_role_and_a_printed_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = spotcheck(
        dir.path(),
        &[
            "account",
            "add",
            "wangfang",
            "--agency",
            "650103",
            "--role",
            "district_admin",
            "--name",
            "王芳",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.contains("added wangfang (district_admin) at 650103"),
        "{text}"
    );
    assert!(text
        .lines()
        .any(|l| l.starts_with("password: ") && l.len() == "password: ".len() + 20));
    let again = spotcheck(
        dir.path(),
        &[
            "account", "add", "wangfang", "--agency", "650103", "--role", "officer", "--name",
            "王芳",
        ],
    );
    assert_eq!(again.status.code(), Some(2), "usernames are unique");
    let bad = spotcheck(
        dir.path(),
        &[
            "account", "add", "x", "--agency", "650103", "--role", "root", "--name", "X",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown role"));

    // Only a security administrator resets a password (not the system administrator: the
    // duties are separate); the new one is printed once.
    let added = spotcheck(
        dir.path(),
        &[
            "account",
            "add",
            "chenjing",
            "--agency",
            "650100",
            "--role",
            "security_admin",
            "--name",
            "陈静",
        ],
    );
    assert!(added.status.success(), "{added:?}");
    for by in ["wangfang", "admin"] {
        let refused = spotcheck(
            dir.path(),
            &["account", "reset-password", "wangfang", "--by", by],
        );
        assert_eq!(refused.status.code(), Some(2), "{by}");
    }
    let reset = spotcheck(
        dir.path(),
        &["account", "reset-password", "wangfang", "--by", "chenjing"],
    );
    assert!(reset.status.success(), "{reset:?}");
    assert!(stdout(&reset).starts_with("new password of wangfang: "));
}

#[test]
fn a_draw_runs_from_the_command_line_and_its_export_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let quarter = crate::common::this_quarter().to_string();
    assert!(spotcheck(dir.path(), &["demo"]).status.success());
    let created = stdout(&spotcheck(
        dir.path(),
        &[
            "plan", "create", "--agency", "650102", "--kind", "key", "--period", &quarter,
        ],
    ));
    let id = created
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    let frozen = spotcheck(dir.path(), &["draw", "freeze", &id]);
    assert!(stdout(&frozen).contains("population_sha256"), "{frozen:?}");
    let bad = spotcheck(
        dir.path(),
        &[
            "draw",
            "seed",
            &id,
            "--randomness",
            "dice:123",
            "--witness",
            "王芳",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let seeded = spotcheck(
        dir.path(),
        &[
            "draw",
            "seed",
            &id,
            "--randomness",
            "dice:38172645091827364510",
            "--witness",
            "王芳",
            "--witness",
            "李军",
        ],
    );
    assert!(seeded.status.success(), "{seeded:?}");
    let executed = stdout(&spotcheck(dir.path(), &["draw", "execute", &id]));
    assert!(executed.contains("tasks dispatched"), "{executed}");
    let record = dir.path().join("record.json");
    assert!(spotcheck(
        dir.path(),
        &["draw", "export", &id, "--out", record.to_str().unwrap()]
    )
    .status
    .success());
    let verify = spotcheck(dir.path(), &["draw", "verify", record.to_str().unwrap()]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let listed = stdout(&spotcheck(dir.path(), &["plan", "list"]));
    assert!(listed.contains("drawn "), "{listed}");

    // The year against the rules: this quarter's key draw is met.
    let table = stdout(&spotcheck(
        dir.path(),
        &[
            "plan",
            "compliance",
            "--agency",
            "650102",
            "--year",
            &quarter[..4],
        ],
    ));
    let row = table
        .lines()
        .find(|l| l.starts_with(&format!("key\t{quarter}")))
        .unwrap();
    assert!(row.ends_with("\tmet"), "{table}");

    // A sick officer's place goes to one drawn at random, with the reason.
    let mine = stdout(&spotcheck(
        dir.path(),
        &["task", "list", "--officer", "placeholder"],
    ));
    assert!(mine.is_empty(), "nobody has that certificate");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let first = &record["output"]["selected"][0];
    let sick = first["officers"][0].as_str().unwrap();
    let task = stdout(&spotcheck(dir.path(), &["task", "list", "--officer", sick]));
    let task_id = task
        .lines()
        .find(|l| l.contains(first["unit"].as_str().unwrap()))
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    let no_reason = spotcheck(
        dir.path(),
        &[
            "task",
            "reassign",
            &task_id,
            "--officer",
            sick,
            "--reason",
            "",
            "--by",
            "tianshan",
        ],
    );
    assert_eq!(no_reason.status.code(), Some(2));
    let moved = spotcheck(
        dir.path(),
        &[
            "task",
            "reassign",
            &task_id,
            "--officer",
            sick,
            "--reason",
            "病休",
            "--by",
            "tianshan",
        ],
    );
    assert!(
        stdout(&moved).contains(&format!("{sick} replaced by")),
        "{moved:?}"
    );

    // The verify command recomputes the stored draw; an edit of it outside the application is
    // named, with the draw and the field, and the exit code says so.
    let verified = spotcheck(dir.path(), &["audit", "verify"]);
    assert!(verified.status.success(), "{verified:?}");
    assert!(stdout(&verified).contains("draws agree: 1 executed draws"));
    let file = dir.path().join("spotcheck.sqlite");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        sqlx::query("UPDATE draw_record SET result_sha256 = 'forged' WHERE plan_id = $1")
            .bind(id.parse::<i64>().unwrap())
            .execute(&mut c)
            .await
            .unwrap();
    });
    let forged = spotcheck(dir.path(), &["audit", "verify"]);
    assert_eq!(forged.status.code(), Some(1));
    assert!(
        stdout(&forged).contains("DISAGREES in result_sha256 column"),
        "{}",
        stdout(&forged)
    );
}

#[test]
fn a_looser_plan_and_a_conflict_outside_the_jurisdiction_are_refused_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let quarter = crate::common::this_quarter().to_string();
    assert!(spotcheck(dir.path(), &["demo"]).status.success());
    let loose = spotcheck(
        dir.path(),
        &[
            "plan", "create", "--agency", "650102", "--kind", "key", "--period", &quarter,
            "--rate", "10",
        ],
    );
    assert_eq!(loose.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&loose.stderr).contains("R-DRAW-KEY-2"));
    let foreign = spotcheck(
        dir.path(),
        &[
            "conflict",
            "declare",
            "--officer",
            "no-such-certificate",
            "--firm",
            "91650100000000000X",
            "--reason",
            "亲属",
            "--by",
            "tianshan",
        ],
    );
    assert_eq!(foreign.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&foreign.stderr).contains("no officer"));
}

#[test]
fn a_years_archive_is_exported_and_verified_and_a_changed_copy_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let quarter = crate::common::this_quarter().to_string();
    assert!(spotcheck(dir.path(), &["demo"]).status.success());
    let created = stdout(&spotcheck(
        dir.path(),
        &[
            "plan", "create", "--agency", "650109", "--kind", "key", "--period", &quarter,
        ],
    ));
    let id = created
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    assert!(spotcheck(dir.path(), &["draw", "freeze", &id])
        .status
        .success());
    let seeded = spotcheck(
        dir.path(),
        &[
            "draw",
            "seed",
            &id,
            "--randomness",
            "dice:38172645091827364510",
            "--witness",
            "王芳",
        ],
    );
    assert!(seeded.status.success(), "{seeded:?}");
    let executed = stdout(&spotcheck(dir.path(), &["draw", "execute", &id]));
    assert!(executed.contains("tasks dispatched"), "{executed}");

    let year = quarter[..4].to_string();
    let zip = dir.path().join("archive.zip");
    let exported = spotcheck(
        dir.path(),
        &[
            "archive",
            "export",
            "--agency",
            "650109",
            "--year",
            &year,
            "--out",
            zip.to_str().unwrap(),
        ],
    );
    assert!(exported.status.success(), "{exported:?}");
    assert!(
        stdout(&exported).contains("manifest sha256 "),
        "{exported:?}"
    );
    assert!(!dir.path().join("archive.zip.partial").exists());
    let verified = spotcheck(dir.path(), &["archive", "verify", zip.to_str().unwrap()]);
    assert_eq!(verified.status.code(), Some(0), "{verified:?}");
    let text = stdout(&verified);
    assert!(text.contains("archive intact"), "{text}");
    assert!(text.contains("1 draw records draw again"), "{text}");

    // One byte of the year-end firm list changed in a copy.
    let mut bytes = std::fs::read(&zip).unwrap();
    let list = format!("lists/firms-{year}-12-31.xlsx");
    let name = list.as_bytes();
    let at = bytes.windows(name.len()).position(|w| w == name).unwrap();
    bytes[at + name.len() + 200] ^= 0x01;
    let tampered = dir.path().join("tampered.zip");
    std::fs::write(&tampered, &bytes).unwrap();
    let broken = spotcheck(
        dir.path(),
        &["archive", "verify", tampered.to_str().unwrap()],
    );
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert!(
        stdout(&broken).contains(&format!("BROKEN: {list}")),
        "{}",
        stdout(&broken)
    );

    let not_a_zip = dir.path().join("not.zip");
    std::fs::write(&not_a_zip, b"not a zip").unwrap();
    let unreadable = spotcheck(
        dir.path(),
        &["archive", "verify", not_a_zip.to_str().unwrap()],
    );
    assert_eq!(unreadable.status.code(), Some(2), "{unreadable:?}");
}
