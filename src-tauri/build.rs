include!("src/commands/list.rs");

const COMMANDS: &[&str] = with_commands!(command_names);

/// The permission the main window's capability grants: every command in
/// the list, and no other.
fn permission() -> String {
    let mut toml = String::from(
        "# Written by build.rs from src/commands/list.rs; do not edit.\n\
         [[permission]]\n\
         identifier = \"allow-app-commands\"\n\
         description = \"The app's own commands, each a thin call into the client core.\"\n\
         commands.allow = [\n",
    );
    for command in COMMANDS {
        toml.push_str(&format!("  \"{command}\",\n"));
    }
    toml.push_str("]\n");
    toml
}

fn main() {
    // Written only when the list changed, so the build does not see its
    // own output as a change.
    let path = std::path::Path::new("permissions/app.toml");
    let fresh = permission();
    if std::fs::read_to_string(path).ok().as_deref() != Some(fresh.as_str())
        && let Err(e) = std::fs::write(path, fresh)
    {
        eprintln!("cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
    println!("cargo::rerun-if-changed=src/commands/list.rs");
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
