// Generated from the Rust types by src-tauri/src/bindings.rs; do not edit.
// Regenerate with `UPDATE_BINDINGS=1 cargo test -p aicc-partner bindings`.

export type Account = { email: string, name: string, organisation: string, role: Role, };

export type Role = "partner_member" | "partner_admin" | "center_reviewer" | "center_admin";

export type Scope = "read" | "jobs" | "applications" | "full";

export type NewPersonalToken = { name: string, 
/**
 * 1 to [`MAX_PERSONAL_TOKEN_DAYS`]; 90 when not given.
 */
expires_in_days: number | null, 
/**
 * What the token may do; `read` when not given.
 */
scopes: Array<Scope> | null, };

export type PersonalToken = { id: string, name: string, token?: string, scopes: Array<Scope>, created_at: string, expires_at: string, 
/**
 * When it was last presented (to the minute); `None` if never.
 */
last_used_at: string | null, };

export type Action = "read_catalog" | "keep_favourites" | "read_organisation" | "submit_job" | "cancel_own_job" | "cancel_organisation_job" | "edit_application" | "submit_application" | "withdraw_application" | "read_every_application" | "review_application" | "manage_members" | "manage_own_tokens" | "submit_milestone" | "review_milestone" | "register_for_events" | "request_office_hours" | "read_directory" | "edit_directory" | "read_cooperation" | "ask_cooperation" | "answer_cooperation" | "read_courses" | "enrol_in_courses" | "enrol_members" | "read_certifications" | "read_organisation_skills" | "read_every_certification";

export type Standing = { account: Account, may: Array<Action>, };

export type Member = { id: string, email: string, name: string, role: Role, 
/**
 * A deactivated member cannot sign in; their sessions were ended.
 */
active: boolean, };

export type MemberChange = { 
/**
 * `partner_member` or `partner_admin`.
 */
role?: Role, active?: boolean, };

export type NewInvitation = { email: string, name: string, 
/**
 * `partner_member` or `partner_admin`.
 */
role: Role, };

export type Invitation = { id: string, email: string, name: string, role: Role, 
/**
 * RFC 3339.
 */
created_at: string, 
/**
 * RFC 3339.
 */
expires_at: string, code?: string, };

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

export type CenterState = { 
/**
 * Its place in [`AccountList::accounts`], as [`Partner::switch_account`] takes it.
 */
index: number, account: CenterAccount, 
/**
 * The center's address as people read it: host, and port when not
 * the scheme's own.
 */
center: string, 
/**
 * The center's name in English and in Chinese as it gives them
 * (`GET /v1/center`), each else in the other language, else its
 * address.
 */
name_en: string, name_zh: string, shown: boolean, 
/**
 * How its sync stands; `None` when it is signed out (its sign-in is
 * no longer in the keyring, or the center ended its session).
 */
status: SyncStatus | null, unread: number, };

export type CenterCompute = { state: CenterState, 
/**
 * As of `info.fetched_at`.
 */
info: CenterInfo, history: Array<PoolHistory>, };

export type PoolHistory = { pool_id: string, 
/**
 * Oldest first.
 */
samples: Array<PoolSample>, };

export type PoolSample = { 
/**
 * RFC 3339.
 */
at: string, free_npus: number, queued_jobs: number, };

export type StartWindow = { 
/**
 * It would start at once.
 */
now: boolean, 
/**
 * RFC 3339.
 */
p50: string, 
/**
 * RFC 3339.
 */
p90: string, };

export type StartEstimate = { 
/**
 * Whether the center would take it now (the rules of submission).
 */
admissible: boolean, 
/**
 * Why not, when it would not: as submission would refuse it.
 */
refusal: NotAdmissible | null, 
/**
 * When it would start, if it were sent now; `None` when refused.
 */
start: StartWindow | null, 
/**
 * Queued jobs that would start before it.
 */
jobs_ahead: number, 
/**
 * What the start comes from.
 */
source: EstimateSource, 
/**
 * RFC 3339.
 */
estimated_at: string, };

export type ReasonCode = { code: string, params: { [key in string]?: string }, };

export type Programme = { id: string, name: string, description: string, 
/**
 * The center staff running it, as "Name <e-mail>".
 */
staff: Array<string>, };

export type Cohort = { id: string, name: string, 
/**
 * ISO dates, e.g. `2026-09-01`.
 */
starts_on: string, ends_on: string, };

export type Enrolment = { programme: Programme, cohort: Cohort, 
/**
 * RFC 3339.
 */
enrolled_at: string, };

export type Milestone = { id: string, title: string, description: string, 
/**
 * What the center expects to see, e.g. "inference at ≥ 25 FPS per
 * stream on Atlas 300I Duo, with the conversion notes".
 */
deliverable: string, 
/**
 * ISO date.
 */
due_on: string, state: MilestoneState, 
/**
 * The evidence last sent, if any.
 */
evidence: Evidence | null, 
/**
 * The files of the evidence (the report, the benchmark log), added
 * while the milestone is planned or changes were asked for.
 */
attachments: Array<Attachment>, 
/**
 * The reviewer's last comment, if any.
 */
review_comment: string | null, 
/**
 * Every transition, oldest first.
 */
timeline: Array<MilestoneTransition>, created_at: string, updated_at: string, };

export type MilestoneState = "planned" | "submitted" | "accepted" | "changes_requested";

export type MilestoneTransition = { from: MilestoneState | null, to: MilestoneState, actor: string, at: string, comment: string | null, };

export type Evidence = { 
/**
 * What was done and where to see it.
 */
text: string, };

export type IncubationView = { 
/**
 * `None` when the organisation is not enrolled (or before the first
 * sync): the app shows no incubation section.
 */
enrolment: Enrolment | null, 
/**
 * By due date.
 */
milestones: Array<MilestoneView>, };

export type MilestoneView = { milestone: Milestone, due: Due, 
/**
 * Whether the startup may send evidence now: the state allows it and
 * none is on its way (who may is the permission table's to say).
 */
may_submit: boolean, 
/**
 * Set while its evidence waits in the outbox (or was refused).
 */
outbox: OutboxEntry | null, 
/**
 * Files of the evidence waiting in the outbox (or refused).
 */
uploads: Array<OutboxEntry>, };

export type Due = "done" | "with_reviewer" | "overdue" | "soon" | "later";

export type Credit = { id: string, npu_hours: number, 
/**
 * Why the center granted them, e.g. "Adapting the inspection model".
 */
reason: string, granted_at: string, expires_at: string, 
/**
 * Spent by jobs so far.
 */
npu_hours_used: number, 
/**
 * What jobs spent of it, by job and hour, oldest first.
 */
usage: Array<CreditUsage>, };

export type CreditUsage = { job_id: string, 
/**
 * The start of the hour.
 */
hour: string, npu_hours: number, };

export type CreditCharge = { credit_id: string, npu_hours: number, };

export type CreditView = { credit: Credit, 
/**
 * Not spent; nothing once expired.
 */
npu_hours_left: number, expired: boolean, 
/**
 * Hours left and expiring within [`WARN_DAYS`].
 */
expiring_soon: boolean, };

export type CreditsView = { 
/**
 * Those worth something first, the soonest-expiring first (the order
 * jobs spend them in); then the expired and spent, the latest to
 * expire first.
 */
credits: Array<CreditView>, 
/**
 * Of the grants not expired.
 */
npu_hours_granted: number, npu_hours_used: number, npu_hours_left: number, 
/**
 * Left on grants expiring soon.
 */
npu_hours_expiring_soon: number, 
/**
 * From the first grant to now, oldest first.
 */
burn_down: Array<BurnPoint>, };

export type BurnPoint = { at: string, npu_hours_left: number, };

export type CohortEvent = { id: string, 
/**
 * The cohort it is for.
 */
cohort_id: string, kind: EventKind, title: string, description: string, starts_at: string, ends_at: string, 
/**
 * A room or an address; empty for an event held online only.
 */
place: string, 
/**
 * Where to join online, if it can be.
 */
link: string | null, seats: number, seats_taken: number, 
/**
 * Waiting for a seat.
 */
waitlisted: number, 
/**
 * The caller's own registration, if any.
 */
mine: Registration | null, };

export type EventKind = "demo_day" | "training" | "hackathon" | "workshop";

export type Registration = { registered_at: string, 
/**
 * `None` with a seat; else the place on the waitlist, from 1.
 */
waitlist_position: number | null, };

export type EventView = { event: CohortEvent, 
/**
 * Begun: registration is closed.
 */
begun: boolean, 
/**
 * Set while a registration or its cancelling waits in the outbox (or
 * was refused).
 */
outbox: OutboxEntry | null, };

export type Mentor = { id: string, name: string, 
/**
 * What they know, e.g. "MindSpore training, model conversion with ATC".
 */
expertise: string, 
/**
 * The languages they hold office hours in, as tags: `zh-CN`, `en`.
 */
languages: Array<string>, };

export type OfficeHours = { id: string, mentor: Mentor, topic: string, slots: Array<string>, state: OfficeHoursState, 
/**
 * The slot the mentor took, when accepted.
 */
chosen_slot: string | null, 
/**
 * The mentor's note: where to meet, or why not.
 */
note: string | null, requested_by: string, created_at: string, updated_at: string, };

export type OfficeHoursRequest = { mentor_id: string, 
/**
 * What the startup wants to talk about.
 */
topic: string, 
/**
 * One to [`MOST_SLOTS`] start times (RFC 3339) the mentor may choose
 * from; each an hour long.
 */
slots: Array<string>, };

export type OfficeHoursState = "requested" | "accepted" | "declined";

export type OfficeHoursView = { office_hours: OfficeHours, 
/**
 * Set while it waits in the outbox (or was refused).
 */
outbox: OutboxEntry | null, };

export type MentorsView = { mentors: Array<Mentor>, office_hours: Array<OfficeHoursView>, };

export type Solution = { 
/**
 * The id of the application it was certified through.
 */
id: string, name: string, description: string, industries: Array<string>, 
/**
 * e.g. "Atlas 800T A2", "Atlas 300I Duo".
 */
hardware: Array<string>, frameworks: Array<string>, certificate_id: string, 
/**
 * When the center certified it (RFC 3339).
 */
certified_at: string, 
/**
 * When its certificate ends (RFC 3339), [`CERTIFICATE_VALID_DAYS`]
 * after it was given.
 */
expires_at: string, partner: Partner, updated_at: string, };

export type Partner = { 
/**
 * The organisation's id at the center.
 */
id: string, name: string, kind: OrganisationKind, 
/**
 * How others reach it, when it chose to say.
 */
contact: PublicContact | null, };

export type PublicContact = { name: string, email: string, 
/**
 * An `https://` address.
 */
website: string, };

export type SolutionProfile = { listed: boolean, show_description: boolean, show_industries: boolean, show_hardware: boolean, show_frameworks: boolean, };

export type CertificateStatus = "valid" | "expired" | "revoked" | "unknown";

export type CertificateCheck = { certificate_id: string, status: CertificateStatus, 
/**
 * The organisation holding it; none when unknown.
 */
holder: string | null, solution_name: string | null, 
/**
 * The solution's id when the directory lists it.
 */
solution_id: string | null, certified_at: string | null, expires_at: string | null, revoked_at: string | null, 
/**
 * Why the center revoked it.
 */
revoked_reason: string | null, };

export type CheckedCertificate = { check: CertificateCheck, 
/**
 * Set when the answer is the local directory's, as synced then: it
 * may be out of date (a revocation since is not in it).
 */
from_copy_synced_at: string | null, };

export type CooperationOffer = "data" | "integration" | "channel" | "domain_expertise" | "deployment";

export type CooperationAsk = { solution_id: string, message: string, offers: Array<CooperationOffer>, };

export type CooperationAnswer = { accept: boolean, note: string, };

export type CooperationState = "asked" | "accepted" | "declined";

export type Direction = "sent" | "received";

export type Cooperation = { id: string, direction: Direction, solution_id: string, solution_name: string, 
/**
 * The organisation that asked.
 */
from_partner: string, 
/**
 * The solution's owner.
 */
to_partner: string, 
/**
 * Who asked: their name and e-mail address, for the owner to reply.
 */
asked_by: string, message: string, offers: Array<CooperationOffer>, state: CooperationState, note: string | null, answered_by: string | null, created_at: string, updated_at: string, };

export type CooperationView = { cooperation: Cooperation, 
/**
 * Set while a write about it waits in the outbox (or was refused).
 */
outbox: OutboxEntry | null, };

export type DirectoryQuery = { text: string, industry: string | null, hardware: string | null, framework: string | null, kind: OrganisationKind | null, offset: number, limit: number, };

export type DirectoryPage = { found: Found<Solution>, 
/**
 * When the directory was last synced; `None` before its first sync.
 */
synced_at: string | null, };

export type Found<T> = { total: number, items: Array<T>, };

export type CourseLevel = "foundation" | "intermediate" | "advanced";

export type Course = { id: string, title: string, summary: string, level: CourseLevel, 
/**
 * The language it is taught in, as a tag: `zh-CN`, `en`.
 */
language: string, 
/**
 * Teaching hours in all.
 */
duration_hours: number, 
/**
 * e.g. "Ascend C", "CANN", "MindSpore".
 */
topics: Array<string>, 
/**
 * What an engineer should know first, in words.
 */
prerequisites: Array<string>, 
/**
 * Its sessions, past and to come, soonest first.
 */
sessions: Array<CourseSession>, };

export type CourseSession = { id: string, starts_at: string, ends_at: string, 
/**
 * A room or an address; empty for a session held online only.
 */
place: string, 
/**
 * Where to join online, if it can be.
 */
link: string | null, seats: number, seats_taken: number, 
/**
 * Waiting for a seat.
 */
waitlisted: number, 
/**
 * The caller's organisation's engineers enrolled or waiting, in the
 * order they came.
 */
enrolled: Array<Enrolled>, };

export type Enrolled = { email: string, name: string, 
/**
 * The caller themself.
 */
you: boolean, enrolled_at: string, 
/**
 * Who enrolled them, when it was not themself (their partner admin).
 */
enrolled_by: string | null, 
/**
 * `None` with a seat; else the place on the waitlist, from 1.
 */
waitlist_position: number | null, };

export type CourseQuery = { text: string, level: CourseLevel | null, 
/**
 * `zh-CN` or `en`.
 */
language: string | null, topic: string | null, offset: number, limit: number, };

export type CourseView = { course: Course, sessions: Array<SessionView>, };

export type SessionView = { session: CourseSession, 
/**
 * Begun: enrolment is closed.
 */
begun: boolean, 
/**
 * Enrolments and cancellings waiting in the outbox (or refused).
 */
outbox: Array<OutboxEntry>, };

export type CertificationLevel = "associate" | "professional" | "expert";

export type Certification = { 
/**
 * e.g. AICC-ENG-2026-000042.
 */
id: string, 
/**
 * e.g. "Ascend C Operator Developer".
 */
name: string, level: CertificationLevel, holder: Holder, 
/**
 * The day it was given (YYYY-MM-DD).
 */
issued_on: string, 
/**
 * The last day it holds (YYYY-MM-DD).
 */
expires_on: string, };

export type Holder = { email: string, name: string, 
/**
 * The organisation they were at when it was recorded.
 */
organisation: string, };

export type CertificationStanding = "valid" | "expires_soon" | "expired";

export type HeldCertification = { certification: Certification, standing: CertificationStanding, };

export type HolderSkills = { email: string, name: string, organisation: string, certifications: Array<HeldCertification>, };

export type Skills = { holders: Array<HolderSkills>, 
/**
 * How many certifications expire within [`EXPIRES_SOON_DAYS`].
 */
expiring_soon: number, 
/**
 * When they were last synced; `None` before the first sync.
 */
synced_at: string | null, };

export type FacetCounts = { facet: string, values: Array<ValueCount>, };

export type ValueCount = { value: string, count: number, };

export type EstimateSource = "replay" | "cluster" | "replay_and_cluster";

export type NotAdmissible = { 
/**
 * The error code submission would answer, e.g. `quota_exceeded`.
 */
code: string, 
/**
 * The request's field at fault, if one is.
 */
field: string | null, message: string, 
/**
 * The same as `message`, as a code the app words.
 */
reason: ReasonCode | null, };

export type CenterEstimate = { state: CenterState, 
/**
 * The pool there the request would run on; `None` when the center
 * has none that fits, or not the model.
 */
pool: Pool | null, 
/**
 * The center's answer; `None` when it was not asked (no pool, or it
 * cannot be reached) or could not answer (`error`).
 */
estimate: StartEstimate | null, error: string | null, 
/**
 * The organisation's NPU-hours left there, as last synced.
 */
npu_hours_left: number | null, 
/**
 * The admissible one that would start soonest.
 */
suggested: boolean, };

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
 * Desktop notifications when a job ends or credits expire soon.
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

export type ModelPage = { model: Model, favourite: boolean, 
/**
 * The nodes × NPUs a training request on the model starts with
 * ([`Model::recipe_to_train_with`]).
 */
recipe: TrainingRecipe | null, };

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
live: boolean, 
/**
 * The attachment being sent right now, if any.
 */
upload: Upload | null, };

export type Job = { id: string, request: JobRequest, state: JobState, 
/**
 * Why the job is in its state: the queue reason, the failure cause,
 * in the center's English words.
 */
reason: string | null, 
/**
 * The same reason as a code the app words in its user's language.
 */
reason_code: ReasonCode | null, 
/**
 * Training progress, when running or ended.
 */
step: number, total_steps: number, 
/**
 * NPU-hours charged so far.
 */
npu_hours_used: number, 
/**
 * The part of `npu_hours_used` paid by granted credits, by grant;
 * the rest came from the quota.
 */
credits_used: Array<CreditCharge>, 
/**
 * RFC 3339: since when the center cannot tell the job's state because
 * its cluster does not answer; absent while it can.
 */
unknown_since: string | null, 
/**
 * When the center expected it to start, as it said when the job was
 * submitted; absent for jobs from before estimates.
 */
estimated_start: StartWindow | null, submitted_by: string, 
/**
 * Every state the job went through, oldest first.
 */
timeline: Array<JobTransition>, artifacts: Array<Artifact>, 
/**
 * RFC 3339.
 */
created_at: string, updated_at: string, };

export type JobRequest = { name: string, 
/**
 * A catalog model to start from, or none with a custom image.
 */
base_model: ModelRef | null, 
/**
 * A container image to run instead of a catalog model.
 */
custom_image: string | null, 
/**
 * Where the training data is, e.g. `obs://bucket/data` or `s3://…`.
 */
dataset_uri: string, pool_id: string, nodes: number, npus_per_node: number, 
/**
 * The job is stopped after this many hours.
 */
max_hours: number, 
/**
 * Key → scalar value (string, number or boolean).
 */
hyperparameters: Record<string, string | number | boolean>, priority: Priority, note: string, };

export type ModelRef = { model_id: string, version: string | null, };

export type Priority = "low" | "normal" | "high";

export type JobState = "submitted" | "rejected" | "queued" | "running" | "cancelling" | "succeeded" | "failed" | "cancelled";

export type JobOutcome = "active" | "succeeded" | "failed";

export type JobTransition = { state: JobState, at: string, reason: string | null, reason_code: ReasonCode | null, };

export type Artifact = { name: string, size_bytes: number, uri: string, };

export type LogPage = { lines: Array<LogLine>, 
/**
 * Send as `after` to follow the log.
 */
next: number, 
/**
 * Whether the job can still write more lines.
 */
open: boolean, };

export type LogLine = { seq: number, at: string, text: string, };

export type MetricSeries = { 
/**
 * e.g. `loss`, `accuracy`, `throughput`.
 */
name: string, steps: Array<number>, values: Array<number>, };

export type Pool = { id: string, name: string, 
/**
 * e.g. "Ascend 910B".
 */
npu_kind: string, 
/**
 * The flavour: NPUs in one node; a job asks for whole nodes of it.
 */
npus_per_node: number, total_npus: number, free_npus: number, queued_jobs: number, };

export type Quota = { npu_hours_total: number, 
/**
 * Charged to the quota for jobs that ran (what credits paid is not).
 */
npu_hours_used: number, 
/**
 * Held from the quota for queued and running jobs at their maximum,
 * beyond what credits hold for them.
 */
npu_hours_reserved: number, 
/**
 * The quota's own NPU-hours left. Below zero when it is overdrawn:
 * hours a job ran after the credits paying for it expired fall to the
 * quota, which may not have had them.
 */
npu_hours_remaining: number, 
/**
 * The longest a job may run.
 */
max_job_hours: number, 
/**
 * The shortest a job may ask to run.
 */
min_job_hours: number, 
/**
 * Granted credits (`incubation::Credit`) not expired, not spent and
 * not held for jobs not ended: spent before the quota.
 */
credit_npu_hours_left: number, };

export type CenterInfo = { pools: Array<Pool>, quota: Quota | null, 
/**
 * Unknown until the first sync: the screens then offer everything and
 * the center decides.
 */
standing: Standing | null, fetched_at: string | null, };

export type JobView = { job: Job, 
/**
 * Only on this computer: the center has not given it an id yet.
 */
local: boolean, 
/**
 * Set while the request (or its cancellation) is in the outbox.
 */
outbox: OutboxEntry | null, 
/**
 * Whether the account's role lets it cancel this job (its own, or as
 * a partner admin anyone's); unknown before the first sync.
 */
may_cancel: boolean | null, };

export type OutboxEntry = { seq: number, write: Write, 
/**
 * `None` while waiting to be sent.
 */
refusal: Refusal | null, attempts: number, created_at: string, };

export type Upload = { 
/**
 * The application's id on the center.
 */
application_id: string, file_name: string, sent_bytes: number, total_bytes: number, };

export type Write = { "kind": "create_job", local_id: string, request: JobRequest, } | { "kind": "cancel_job", job_id: string, } | { "kind": "create_application", local_id: string, form: ApplicationForm, } | { "kind": "update_application", application_id: string, form: ApplicationForm, } | { "kind": "submit_application", application_id: string, } | { "kind": "withdraw_application", application_id: string, } | { "kind": "upload_attachment", application_id: string, file_name: string, } | { "kind": "set_favourite", model_id: string, favourite: boolean, } | { "kind": "submit_milestone", milestone_id: string, evidence: Evidence, } | { "kind": "register_for_event", event_id: string, } | { "kind": "cancel_event_registration", event_id: string, } | { "kind": "upload_evidence", milestone_id: string, file_name: string, } | { "kind": "request_office_hours", local_id: string, request: OfficeHoursRequest, } | { "kind": "ask_cooperation", local_id: string, ask: CooperationAsk, } | { "kind": "answer_cooperation", cooperation_id: string, answer: CooperationAnswer, } | { "kind": "edit_directory_solution", solution_id: string, profile: SolutionProfile, } | { "kind": "set_directory_contact", contact: PublicContact | null, } | { "kind": "enrol", session_id: string, email: string | null, } | { "kind": "cancel_enrolment", session_id: string, email: string | null, };

export type Refusal = { code: string | null, message: string, 
/**
 * The form field at fault, as the portal names it.
 */
field: string | null, 
/**
 * The same as `message`, as a code the window words in its user's
 * language; `None` when the center gave none.
 */
reason: ReasonCode | null, };

export type FieldProblem = { field: string, 
/**
 * What is wrong, as the code the window words.
 */
reason: ReasonCode, 
/**
 * The same in English.
 */
message: string, };

export type ApplicationForm = { organisation_name: string, 
/**
 * Unified social credit code, checked with GB 32100-2015.
 */
uscc: string, organisation_kind: OrganisationKind | null, contact_name: string, contact_email: string, contact_phone: string, industries: Array<string>, solution_name: string, solution_description: string, 
/**
 * e.g. "Atlas 800T A2", "Atlas 300I Duo".
 */
target_hardware: Array<string>, frameworks: Array<string>, tier: ProgrammeTier | null, };

export type Application = { id: string, form: ApplicationForm, state: ApplicationState, attachments: Array<Attachment>, 
/**
 * Every transition, oldest first.
 */
timeline: Array<ApplicationTransition>, 
/**
 * Set once certified, e.g. `AICC-ASC-2026-000042`.
 */
certificate_id: string | null, created_at: string, updated_at: string, };

export type ApplicationState = "draft" | "submitted" | "under_review" | "changes_requested" | "approved" | "rejected" | "adapting" | "certified" | "withdrawn";

export type ApplicationTransition = { from: ApplicationState | null, to: ApplicationState, actor: string, at: string, comment: string | null, };

export type Attachment = { id: string, file_name: string, 
/**
 * `application/pdf`, `image/png` or `image/jpeg`, from the content.
 */
media_type: string, size_bytes: number, sha256: string, };

export type ApplicationView = { application: Application, 
/**
 * Only on this computer: the center has not given it an id yet.
 */
local: boolean, 
/**
 * Set while a change to it is in the outbox.
 */
outbox: OutboxEntry | null, 
/**
 * Whether its state lets the partner withdraw it (the center has not
 * decided yet); who may is the permission table's to say.
 */
may_withdraw: boolean, };

export type Draft = { id: string, kind: DraftKind, 
/**
 * The form as typed, e.g. an `ApplicationForm` or a `JobRequest` in progress.
 */
body: unknown, updated_at: string, };

export type DraftKind = "application" | "job" | "milestone";

export type OrganisationKind = "incubated_startup" | "isv" | "ihv" | "si" | "research_institute" | "university";

export type ProgrammeTier = "registered" | "certified" | "premier";

export type Collection = "catalog" | "jobs" | "applications" | "milestones" | "credits" | "cohort_events" | "office_hours" | "directory" | "cooperation" | "courses" | "certifications";

export type Notification = { id: number, 
/**
 * What it is about: `jobs`, `applications`, `milestones` or `credits`.
 */
collection: Collection, item_id: string, 
/**
 * The page a click opens, e.g. `/jobs/job_…`: the item's own.
 */
route: string, 
/**
 * The state reached, e.g. `succeeded` or `changes_requested`.
 */
state: string, 
/**
 * The job's or solution's name.
 */
title: string, created_at: string, read: boolean, };

export type Inbox = { notifications: Array<Notification>, unread: number, };

export type OpenRoute = { route: string, notification: number, switched: boolean, };

export type ErrorCode = "offline" | "wrong_credentials" | "session_ended" | "not_signed_in" | "not_a_portal" | "untrusted_certificate" | "plain_http" | "keyring_unavailable" | "invalid_input" | "refused" | "portal" | "newer_store" | "disk_full" | "internal";

export type CommandError = { code: ErrorCode, message: string, 
/**
 * What the center or the core said, as a code the UI words in the
 * user's language; `None` where the error has none.
 */
reason: ReasonCode | null, };

/** The shortest password an invited member may choose. */
export const MIN_PASSWORD_CHARS = 10;

/** The states in which a job has ended (`JobState::is_final`). */
export const FINAL_JOB_STATES: readonly JobState[] = ["rejected","succeeded","failed","cancelled"];

/** The outcomes, in the order the jobs list offers them (`JobOutcome::ALL`). */
export const JOB_OUTCOMES: readonly JobOutcome[] = ["active","succeeded","failed"];

/** How each state stands or ended (`JobState::outcome`). */
export const JOB_OUTCOME: Readonly<Record<JobState, JobOutcome>> = {"cancelled":"failed","cancelling":"active","failed":"failed","queued":"active","rejected":"failed","running":"active","submitted":"active","succeeded":"succeeded"};

/** The states in which a job may still be cancelled (`JobState::may_be_cancelled`). */
export const CANCELLABLE_JOB_STATES: readonly JobState[] = ["submitted","queued","running"];

/** Every framework the catalog knows (`Framework::ALL`). */
export const FRAMEWORKS: readonly Framework[] = ["mindspore","pytorch_npu","tensorflow","paddlepaddle","onnx"];

/** Every order the catalog can be shown in (`Sort::ALL`). */
export const SORTS: readonly Sort[] = ["relevance","name","updated","stars"];
