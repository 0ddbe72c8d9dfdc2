// The one place the UI talks to Rust: a typed wrapper per command, over the
// declarations generated from the Rust types (bindings.ts). A Rust test keeps
// this list and the app's commands in step.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  Account,
  AccountList,
  ApplicationForm,
  ApplicationView,
  CenterInfo,
  Draft,
  Evidence,
  IncubationView,
  CreditsView,
  EventView,
  MentorsView,
  OfficeHoursRequest,
  CheckedCertificate,
  CooperationAnswer,
  CooperationAsk,
  CooperationView,
  DirectoryPage,
  FacetCounts,
  DirectoryQuery,
  PublicContact,
  Solution,
  SolutionProfile,
  MilestoneView,
  OpenRoute,
  FieldProblem,
  Inbox,
  Invitation,
  JobRequest,
  JobState,
  JobView,
  LogPage,
  Member,
  MemberChange,
  MetricSeries,
  OutboxEntry,
  CatalogQuery,
  CenterAccount,
  CenterCompute,
  CenterEstimate,
  CenterState,
  CommandError,
  Facets,
  ModelPage,
  NetworkSettings,
  NewInvitation,
  NewPersonalToken,
  PersonalToken,
  Preferences,
  SearchPage,
  Standing,
  SyncReport,
  Course,
  CourseQuery,
  CourseView,
  Found,
  Skills,
} from './bindings';

export const SYNC_REPORT_EVENT = 'sync-report';
export const OPEN_ROUTE_EVENT = 'open-route';

export const api = {
  signIn: (
    url: string,
    email: string,
    password: string,
    network: NetworkSettings | null = null,
    proxyPassword: string | null = null,
    allowPlainHttp = false,
    invitationCode: string | null = null,
    sessionOnly = false,
  ) =>
    invoke<Account>('sign_in', {
      url,
      email,
      password,
      network,
      proxyPassword,
      allowPlainHttp,
      invitationCode,
      sessionOnly,
    }),
  sessionOnly: () => invoke<boolean>('session_only'),
  currentAccount: () => invoke<CenterAccount | null>('current_account'),
  listAccounts: () => invoke<AccountList>('list_accounts'),
  listCenters: () => invoke<CenterState[]>('list_centers'),
  compute: () => invoke<CenterCompute[]>('compute'),
  switchAccount: (index: number) => invoke<null>('switch_account', { index }),
  signOut: () => invoke<null>('sign_out'),
  listPersonalTokens: () => invoke<PersonalToken[]>('list_personal_tokens'),
  createPersonalToken: (token: NewPersonalToken) =>
    invoke<PersonalToken>('create_personal_token', { new: token }),
  revokePersonalToken: (id: string) => invoke<null>('revoke_personal_token', { id }),
  myStanding: () => invoke<Standing>('my_standing'),
  listMembers: () => invoke<Member[]>('list_members'),
  changeMember: (id: string, change: MemberChange) =>
    invoke<Member>('change_member', { id, change }),
  listInvitations: () => invoke<Invitation[]>('list_invitations'),
  inviteMember: (invitation: NewInvitation) =>
    invoke<Invitation>('invite_member', { new: invitation }),
  withdrawInvitation: (id: string) => invoke<null>('withdraw_invitation', { id }),
  catalogSearch: (query: CatalogQuery, offset: number, limit: number) =>
    invoke<SearchPage>('catalog_search', { query, offset, limit }),
  catalogFacets: (query: CatalogQuery) => invoke<Facets>('catalog_facets', { query }),
  catalogModel: (id: string) => invoke<ModelPage | null>('catalog_model', { id }),
  setFavourite: (id: string, favourite: boolean) =>
    invoke<null>('set_favourite', { id, favourite }),
  getPreferences: () => invoke<Preferences>('get_preferences'),
  setPreferences: (preferences: Preferences) => invoke<null>('set_preferences', { preferences }),
  setNetwork: (network: NetworkSettings, proxyPassword: string | null) =>
    invoke<null>('set_network', { network, proxyPassword }),
  pickCaBundle: (title: string) => invoke<string | null>('pick_ca_bundle', { title }),
  openExternal: (url: string) => invoke<null>('open_external', { url }),
  syncStatus: () => invoke<SyncReport>('sync_status'),
  syncNow: () => invoke<null>('sync_now'),
  centerInfo: () => invoke<CenterInfo>('center_info'),
  checkJobRequest: (request: JobRequest) =>
    invoke<FieldProblem | null>('check_job_request', { request }),
  createJob: (request: JobRequest, draftId: string) =>
    invoke<string>('create_job', { request, draftId }),
  createJobAt: (index: number, request: JobRequest, draftId: string) =>
    invoke<string>('create_job_at', { index, request, draftId }),
  estimateEverywhere: (request: JobRequest) =>
    invoke<CenterEstimate[]>('estimate_everywhere', { request }),
  reviseJob: (seq: number, localId: string, request: JobRequest) =>
    invoke<null>('revise_job', { seq, localId, request }),
  discardWrite: (seq: number) => invoke<null>('discard_write', { seq }),
  outboxEntries: (about: string | null = null) =>
    invoke<OutboxEntry[]>('outbox_entries', { about }),
  listJobs: (states: JobState[]) => invoke<JobView[]>('list_jobs', { states }),
  getJob: (id: string) => invoke<JobView | null>('get_job', { id }),
  cancelJob: (id: string) => invoke<null>('cancel_job', { id }),
  jobLogs: (id: string, after: number) => invoke<LogPage>('job_logs', { id, after }),
  jobMetrics: (id: string) => invoke<MetricSeries[]>('job_metrics', { id }),
  inbox: () => invoke<Inbox>('inbox'),
  markRead: (id: number | null) => invoke<null>('mark_read', { id }),
  checkUscc: (code: string) => invoke<string | null>('check_uscc', { code }),
  checkApplication: (form: ApplicationForm) =>
    invoke<FieldProblem | null>('check_application', { form }),
  saveDraft: (draft: Draft) => invoke<null>('save_draft', { draft }),
  getDraft: (id: string) => invoke<Draft | null>('get_draft', { id }),
  saveApplication: (id: string | null, form: ApplicationForm) =>
    invoke<string>('save_application', { id, form }),
  submitApplication: (id: string | null, form: ApplicationForm, draftId: string) =>
    invoke<string>('submit_application', { id, form, draftId }),
  withdrawApplication: (id: string) => invoke<null>('withdraw_application', { id }),
  attachFile: (id: string, title: string) => invoke<string | null>('attach_file', { id, title }),
  listApplications: () => invoke<ApplicationView[]>('list_applications'),
  getApplication: (id: string) => invoke<ApplicationView | null>('get_application', { id }),
  incubation: () => invoke<IncubationView>('incubation'),
  credits: () => invoke<CreditsView>('credits'),
  cohortEvents: () => invoke<EventView[]>('cohort_events'),
  registerForEvent: (id: string, register: boolean) =>
    invoke<null>('register_for_event', { id, register }),
  mentors: () => invoke<MentorsView>('mentors'),
  requestOfficeHours: (request: OfficeHoursRequest) =>
    invoke<string>('request_office_hours', { request }),
  getMilestone: (id: string) => invoke<MilestoneView | null>('get_milestone', { id }),
  attachEvidence: (id: string, title: string) =>
    invoke<string | null>('attach_evidence', { id, title }),
  submitMilestone: (id: string, evidence: Evidence, draftId: string) =>
    invoke<null>('submit_milestone', { id, evidence, draftId }),
  directorySearch: (query: DirectoryQuery) => invoke<DirectoryPage>('directory_search', { query }),
  directoryFacets: (query: DirectoryQuery) => invoke<FacetCounts[]>('directory_facets', { query }),
  directorySolution: (id: string) => invoke<Solution | null>('directory_solution', { id }),
  partnerSolutions: (partnerId: string) => invoke<Solution[]>('partner_solutions', { partnerId }),
  checkCertificate: (certificateId: string) =>
    invoke<CheckedCertificate>('check_certificate', { certificateId }),
  listCooperation: () => invoke<CooperationView[]>('list_cooperation'),
  getCooperation: (id: string) => invoke<CooperationView | null>('get_cooperation', { id }),
  askCooperation: (ask: CooperationAsk) => invoke<string>('ask_cooperation', { ask }),
  answerCooperation: (id: string, answer: CooperationAnswer) =>
    invoke<null>('answer_cooperation', { id, answer }),
  editSolution: (id: string, profile: SolutionProfile) =>
    invoke<null>('edit_solution', { id, profile }),
  setDirectoryContact: (contact: PublicContact | null) =>
    invoke<null>('set_directory_contact', { contact }),
  searchCourses: (query: CourseQuery) => invoke<Found<Course>>('search_courses', { query }),
  courseFacets: (query: CourseQuery) => invoke<FacetCounts[]>('course_facets', { query }),
  getCourse: (id: string) => invoke<CourseView | null>('get_course', { id }),
  enrolInSession: (sessionId: string, email: string | null, enrolling: boolean) =>
    invoke<null>('enrol_in_session', { sessionId, email, enrolling }),
  skills: () => invoke<Skills>('skills'),
  onSyncReport: (handler: (report: SyncReport) => void): Promise<UnlistenFn> =>
    listen<SyncReport>(SYNC_REPORT_EVENT, (event) => handler(event.payload)),
  onOpenRoute: (handler: (open: OpenRoute) => void): Promise<UnlistenFn> =>
    listen<OpenRoute>(OPEN_ROUTE_EVENT, (event) => handler(event.payload)),
};

/** A search for everything, by relevance: the starting point of every query. */
export const EVERYTHING: CatalogQuery = {
  text: '',
  task: null,
  domain: null,
  framework: null,
  hardware: null,
  license: null,
  min_parameters: null,
  max_parameters: null,
  favourites_only: false,
  sort: 'relevance',
};

/** Whether a rejected command carries the app's `{ code, message }` error. */
export function isCommandError(error: unknown): error is CommandError {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof (error as { code: unknown }).code === 'string'
  );
}
