fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
            "sign_in",
            "current_account",
            "catalog_search",
            "sync_status",
        ])),
    )
    .expect("failed to run tauri-build");
}
