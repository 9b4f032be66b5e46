//! Builds the draw verifier for the browser (`crates/draw-wasm`, target `wasm32-unknown-unknown`)
//! and leaves it in `OUT_DIR/draw.wasm`, which the web crate embeds and serves as
//! `/static/draw.wasm`.
//!
//! The web build never fails because of it: when the target is not installed or the nested build
//! fails, `draw.wasm` is left empty, a warning says how to enable it, and the `/verify` page checks
//! records on the server only.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const PACKAGE: &str = "spotcheck-draw-wasm";
const ARTIFACT: &str = "spotcheck_draw_wasm.wasm";

/// Environment the outer build hands to build scripts that must not reach the nested cargo:
/// flags meant for the host (coverage, sanitizers, `-D warnings` of a lint run), a wrapper such as
/// clippy-driver, and a target or target directory that would make it fight the outer build.
const LEAKING_ENV: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_LLVM_COV",
    "__CARGO_LLVM_COV_RUSTC_WRAPPER",
    "__CARGO_LLVM_COV_RUSTC_WRAPPER_CRATE_NAMES",
    "__CARGO_LLVM_COV_RUSTC_WRAPPER_RUSTFLAGS",
    "CLIPPY_ARGS",
    "CLIPPY_CONF_DIR",
];

fn main() {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    // crates/web -> the workspace root.
    let workspace = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("crates/web lies two levels below the workspace root")
        .to_path_buf();
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join("draw.wasm");
    for path in [
        "crates/draw/src",
        "crates/draw/Cargo.toml",
        "crates/draw-wasm/src",
        "crates/draw-wasm/Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }
    println!("cargo:rerun-if-changed=build.rs");

    let wasm = match build(&workspace) {
        Ok(wasm) => wasm,
        Err(why) => {
            println!("cargo:warning=/static/draw.wasm is empty: {why}");
            println!(
                "cargo:warning=/verify checks records on the server only; to verify in the browser \
                 too, install the target (`rustup target add {TARGET}`) and build again"
            );
            Vec::new()
        }
    };
    std::fs::write(&out, wasm).expect("write draw.wasm into OUT_DIR");
}

/// Runs `$CARGO build -p spotcheck-draw-wasm --target wasm32-unknown-unknown --release` in a
/// target directory of its own (`target/wasm`), so that it never waits for the outer build's lock.
fn build(workspace: &Path) -> Result<Vec<u8>, String> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    if !target_installed(&rustc) {
        return Err(format!("the {TARGET} target is not installed"));
    }
    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let target_dir = workspace.join("target/wasm");
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args(["build", "-p", PACKAGE, "--target", TARGET, "--release"])
        .arg("--target-dir")
        .arg(&target_dir)
        // Small and fast for the browser, whatever the workspace's release profile says.
        .args([
            "--config",
            "profile.release.lto=true",
            "--config",
            "profile.release.codegen-units=1",
            "--config",
            "profile.release.panic=\"abort\"",
            "--config",
            "profile.release.strip=true",
        ]);
    for name in LEAKING_ENV {
        command.env_remove(name);
    }
    // Captured, never inherited: a build script's standard output is read as instructions.
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
        for line in tail.into_iter().rev() {
            println!("cargo:warning=  {line}");
        }
        return Err(format!("building {PACKAGE} for {TARGET} failed"));
    }
    let artifact = target_dir.join(TARGET).join("release").join(ARTIFACT);
    std::fs::read(&artifact).map_err(|e| format!("cannot read {}: {e}", artifact.display()))
}

/// Whether the standard library for the target is there (`rustup target add` puts it there).
fn target_installed(rustc: &OsString) -> bool {
    let Ok(output) = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
    else {
        return false;
    };
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_string();
    output.status.success() && !libdir.is_empty() && Path::new(&libdir).is_dir()
}
