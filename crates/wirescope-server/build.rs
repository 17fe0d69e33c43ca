//! Builds the web dashboard (web/, Svelte + Vite) with npm so that a plain `cargo build` embeds
//! it. Set WIRESCOPE_SKIP_UI=1 to skip (the server then says the dashboard was not built).

use std::path::Path;
use std::process::Command;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let web = Path::new(&manifest).join("../../web");
    let dist = web.join("dist");
    for watched in [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "svelte.config.js",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=WIRESCOPE_SKIP_UI");
    let skip = std::env::var_os("WIRESCOPE_SKIP_UI").is_some_and(|v| !v.is_empty() && v != "0");
    if skip || !web.join("package.json").exists() {
        if let Err(e) = std::fs::create_dir_all(&dist) {
            panic!("cannot create {}: {e}", dist.display());
        }
        return;
    }
    let npm = |args: &[&str]| {
        let status = Command::new("npm").args(args).current_dir(&web).status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => panic!(
                "`npm {}` in web/ failed ({s}); set WIRESCOPE_SKIP_UI=1 to build without the dashboard",
                args.join(" ")
            ),
            Err(e) => panic!(
                "cannot run npm ({e}): the dashboard needs Node.js and npm to build; set WIRESCOPE_SKIP_UI=1 to build without it"
            ),
        }
    };
    if !web.join("node_modules").exists() {
        npm(&["ci", "--no-audit", "--no-fund"]);
    }
    npm(&["run", "build"]);
}
