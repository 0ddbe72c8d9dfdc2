//! A hello-world Tauri window built with the same toolchain and profile as
//! AICC Partner: `cargo xtask bench` compares the app's bundle with its.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("hello world failed: {e}");
        std::process::exit(1);
    }
}
