// The app's commands, by name. Included by build.rs (for the app manifest
// that Tauri checks capabilities against) and by the crate's tests (which
// keep permissions/app.toml and ui/src/lib/api.ts in step).
pub const COMMANDS: &[&str] = &[
    "sign_in",
    "current_account",
    "list_accounts",
    "switch_account",
    "sign_out",
    "catalog_search",
    "catalog_facets",
    "catalog_model",
    "set_favourite",
    "get_preferences",
    "set_preferences",
    "set_network",
    "pick_ca_bundle",
    "open_external",
    "sync_status",
    "sync_now",
];
