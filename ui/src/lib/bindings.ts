// Generated from the Rust types by src-tauri/src/bindings.rs; do not edit.
// Regenerate with `UPDATE_BINDINGS=1 cargo test -p aicc-partner bindings`.

export type Account = { email: string, name: string, organisation: string, role: Role, };

export type Role = "partner_member" | "partner_admin" | "center_reviewer" | "center_admin";

export type CenterAccount = { 
/**
 * The portal's address.
 */
url: string, email: string, };

export type Framework = "mindspore" | "pytorch_npu" | "tensorflow" | "paddlepaddle" | "onnx";

export type ModelSummary = { id: string, name: string, provider: string, task: string, domain: string, framework: Framework, parameters: number | null, };

export type SearchPage = { 
/**
 * How many models match in all.
 */
total: number, models: Array<ModelSummary>, };

export type SyncStatus = { "state": "idle" } | { "state": "syncing", received: number, } | { "state": "up_to_date", at: string, } | { "state": "offline", since: string, retry_at: string, reason: string, } | { "state": "error", code: ErrorCode, message: string, retry_at: string | null, };

export type SyncReport = { status: SyncStatus, 
/**
 * When the catalog was last brought up to date (RFC 3339), if ever.
 */
catalog_synced_at: string | null, };

export type ErrorCode = "offline" | "wrong_credentials" | "session_ended" | "not_a_portal" | "untrusted_certificate" | "keyring_unavailable" | "invalid_input" | "portal" | "newer_store" | "internal";

export type CommandError = { code: ErrorCode, message: string, };
