// The app's commands, by name. Included by build.rs (for the app manifest
// that Tauri checks capabilities against) and by the crate (for the tests
// that keep permissions/app.toml and ui/src/lib/api.ts in step).
pub const COMMANDS: &[&str] = &[
    "sign_in",
    "current_account",
    "catalog_search",
    "sync_status",
];
