// Generated from the Rust types by src-tauri/src/bindings.rs; do not edit.
// Regenerate with `UPDATE_BINDINGS=1 cargo test -p aicc-partner bindings`.

export type Account = { email: string, name: string, organisation: string, role: Role, };

export type Role = "partner_member" | "partner_admin" | "center_reviewer" | "center_admin";

export type CenterAccount = { 
/**
 * The portal's address.
 */
url: string, email: string, 
/**
 * How to reach this center: proxy, CA, certificate checks.
 */
network: NetworkSettings, };

export type AccountList = { accounts: Array<CenterAccount>, active: number | null, };

export type Preferences = { 
/**
 * `system` follows the OS; otherwise `en` or `zh-CN`.
 */
language: string, 
/**
 * `system` follows the OS; otherwise `light` or `dark`.
 */
theme: string, 
/**
 * Closing the window leaves the app syncing in the tray.
 */
keep_running_in_tray: boolean, 
/**
 * Desktop notifications when a job ends.
 */
notify_jobs: boolean, 
/**
 * Desktop notifications when an application changes state.
 */
notify_applications: boolean, };

export type NetworkSettings = { proxy: ProxySetting, 
/**
 * A PEM file of CA certificates to trust besides the system's.
 */
ca_bundle: string | null, 
/**
 * Accept any certificate. Unsafe; only for a center the user chose it for.
 */
accept_invalid_certificates: boolean, };

export type ProxySetting = { "mode": "system" } | { "mode": "none" } | { "mode": "manual", url: string, 
/**
 * The proxy's user name; its password lives in the OS keyring.
 */
username: string | null, 
/**
 * Hosts reached directly, e.g. `localhost, .corp.example, 10.0.0.0/8`.
 */
no_proxy: string, };

export type Framework = "mindspore" | "pytorch_npu" | "tensorflow" | "paddlepaddle" | "onnx";

export type Model = { 
/**
 * Stable, URL-safe id, e.g. `resnet50` or `qwen3-32b`.
 */
id: string, name: string, provider: string, 
/**
 * What the model does, e.g. "Image Classification", "LLM".
 */
task: string, 
/**
 * The field it belongs to, e.g. "Image", "Text", "Audio".
 */
domain: string, 
/**
 * Industries it is offered for, e.g. "manufacturing", "transport".
 */
industries: Array<string>, framework: Framework, 
/**
 * Hardware it runs on, e.g. "Atlas 800T A2".
 */
hardware: Array<string>, 
/**
 * Parameter count, when known.
 */
parameters: number | null, license: string, versions: Array<ModelVersion>, metrics: Array<Metric>, recipes: Array<TrainingRecipe>, 
/**
 * The model card, Markdown. Never trusted: sanitised before display.
 */
card: string, source_url: string | null, downloads: number, stars: number, 
/**
 * RFC 3339.
 */
updated_at: string, };

export type ModelVersion = { version: string, 
/**
 * RFC 3339 date.
 */
date: string, 
/**
 * e.g. "ckpt", "mindir", "om", "onnx".
 */
formats: Array<string>, size_bytes: number | null, download_url: string | null, };

export type Metric = { dataset: string, metric: string, value: number, };

export type TrainingRecipe = { name: string, sequence_length: string | null, backend: string | null, nodes: number, npus_per_node: number, 
/**
 * Passed the center's official tests (otherwise: under test).
 */
certified: boolean, recipe_url: string | null, };

export type ModelDetail = { model: Model, favourite: boolean, };

export type ModelSummary = { id: string, name: string, provider: string, task: string, domain: string, framework: Framework, parameters: number | null, stars: number, updated_at: string, favourite: boolean, };

export type Facets = { task: Array<FacetCount>, domain: Array<FacetCount>, framework: Array<FacetCount>, hardware: Array<FacetCount>, license: Array<FacetCount>, };

export type FacetCount = { value: string, count: number, };

export type CatalogQuery = { text: string, task: string | null, domain: string | null, framework: Framework | null, hardware: string | null, license: string | null, min_parameters: number | null, max_parameters: number | null, favourites_only: boolean, sort: Sort, };

export type Sort = "relevance" | "name" | "updated" | "stars";

export type SearchPage = { 
/**
 * How many models match in all.
 */
total: number, models: Array<ModelSummary>, };

export type SyncStatus = { "state": "idle" } | { "state": "syncing", received: number, total: number | null, } | { "state": "up_to_date", at: string, } | { "state": "offline", since: string, retry_at: string, reason: string, } | { "state": "error", code: ErrorCode, message: string, retry_at: string | null, };

export type SyncReport = { status: SyncStatus, 
/**
 * When the catalog was last brought up to date (RFC 3339), if ever.
 */
catalog_synced_at: string | null, 
/**
 * Writes waiting to be sent, and writes the center refused.
 */
outbox_pending: number, outbox_refused: number, 
/**
 * Whether the center's live event stream is connected.
 */
live: boolean, };

export type ErrorCode = "offline" | "wrong_credentials" | "session_ended" | "not_a_portal" | "untrusted_certificate" | "keyring_unavailable" | "invalid_input" | "portal" | "newer_store" | "internal";

export type CommandError = { code: ErrorCode, message: string, };
