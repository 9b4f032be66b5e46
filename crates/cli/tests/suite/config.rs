//! The configuration file and the logs, through the real binary: the file's values apply, flags
//! and environment variables override them, an unknown key is refused by name, and
//! `--log-format json` writes one JSON object per line with the request's fields.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn spotcheck(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spotcheck"));
    command
        .current_dir(dir)
        .args(args)
        .env(
            "SPOTCHECK_ADMIN_PASSWORD",
            "admin password for config tests",
        )
        .env_remove("SPOTCHECK_DATA_DIR")
        .env_remove("SPOTCHECK_DATABASE_URL")
        .env_remove("SPOTCHECK_CONFIG")
        .env_remove("SPOTCHECK_LOG")
        .env_remove("SPOTCHECK_LOG_FORMAT")
        .env_remove("SPOTCHECK_LISTEN");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run spotcheck")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_file_sets_the_data_folder_and_flags_and_environment_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir(&etc).unwrap();
    let config = etc.join("spotcheck.toml");
    // Relative to the file's folder, not to the current directory.
    std::fs::write(&config, "[database]\ndata_dir = \"from-file\"\n").unwrap();
    let config = config.to_str().unwrap();

    let out = spotcheck(dir.path(), &["--config", config, "migrate"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(etc.join("from-file/spotcheck.sqlite").exists());

    let out = spotcheck(
        dir.path(),
        &["migrate", "--data-dir", "from-flag"],
        &[("SPOTCHECK_CONFIG", config)],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.path().join("from-flag/spotcheck.sqlite").exists());

    let out = spotcheck(
        dir.path(),
        &["--config", config, "migrate"],
        &[("SPOTCHECK_DATA_DIR", "from-env")],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.path().join("from-env/spotcheck.sqlite").exists());
}

#[test]
fn an_unknown_key_is_refused_naming_it_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(
        &config,
        "[server]\nlisten = \"127.0.0.1:8080\"\nsecure_cookie = true\n",
    )
    .unwrap();
    let out = spotcheck(
        dir.path(),
        &["--config", config.to_str().unwrap(), "migrate"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("secure_cookie"), "{message}");
    assert!(message.contains("bad.toml"), "{message}");
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created when the file is refused"
    );
}

#[test]
fn the_example_file_is_accepted() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/spotcheck.example.toml"
    );
    let dir = tempfile::tempdir().unwrap();
    // The example names a PostgreSQL server that does not exist here: the file is read and
    // accepted, then the command runs against the SQLite URL given in the environment.
    let url = format!("sqlite://{}", dir.path().join("spotcheck.sqlite").display());
    let out = spotcheck(
        dir.path(),
        &["--config", example, "migrate"],
        &[("SPOTCHECK_DATABASE_URL", &url)],
    );
    assert!(out.status.success(), "{}", text(&out));
}

/// `serve` with the listen address and the JSON format from the file: each log line is a JSON
/// object, and the request to /healthz is one of them with its method, route, status and
/// latency.
#[test]
fn json_logs_carry_the_request_fields() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("spotcheck.toml");
    std::fs::write(
        &config,
        "[server]\nlisten = \"127.0.0.1:0\"\n[log]\nformat = \"json\"\n[database]\ndata_dir = \"data\"\n",
    )
    .unwrap();
    let log = dir.path().join("server.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_spotcheck"))
        .current_dir(dir.path())
        .args(["--config", config.to_str().unwrap(), "serve"])
        .env(
            "SPOTCHECK_ADMIN_PASSWORD",
            "admin password for config tests",
        )
        .env_remove("SPOTCHECK_DATA_DIR")
        .env_remove("SPOTCHECK_DATABASE_URL")
        .env_remove("SPOTCHECK_CONFIG")
        .env_remove("SPOTCHECK_LOG")
        .env_remove("SPOTCHECK_LOG_FORMAT")
        .env_remove("SPOTCHECK_LISTEN")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start the server");
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let address = first
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .map(|a| a.trim_end_matches('/').to_string());
    let Some(address) = address else {
        let _ = server.kill();
        panic!("no address printed: {first}");
    };
    assert!(!address.ends_with(":8080"), "the file's listen applies");
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let _ = server.kill();
    let _ = server.wait();

    let lines = std::fs::read_to_string(&log).unwrap();
    let events: Vec<serde_json::Value> = lines
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let request = events
        .iter()
        .find(|e| e["route"] == "/healthz")
        .unwrap_or_else(|| panic!("no request line in:\n{lines}"));
    assert_eq!(request["method"], "GET", "{request}");
    assert_eq!(request["status"], 200, "{request}");
    assert!(request["latency_ms"].is_number(), "{request}");
    assert_eq!(request["level"], "INFO", "{request}");
    assert_eq!(request["target"], "spotcheck::request", "{request}");
    assert_eq!(request["message"], "request", "{request}");
    assert!(request["timestamp"].is_string(), "{request}");
}
