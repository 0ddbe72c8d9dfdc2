// The app's commands, each named once as `module::command`: the invoke
// handler (lib.rs), the app manifest and the capability's permission
// (build.rs, which writes permissions/app.toml) and the tests that keep
// ui/src/lib/api.ts in step all come from this list. Included as source by
// build.rs and lib.rs, so it holds nothing but the macros.

/// Calls the macro `$then` with every command, as `module::command, …`.
macro_rules! with_commands {
    ($then:ident) => {
        $then! {
            account::sign_in,
            account::current_account,
            account::session_only,
            account::list_accounts,
            account::list_centers,
            account::compute,
            account::switch_account,
            account::sign_out,
            account::list_personal_tokens,
            account::create_personal_token,
            account::revoke_personal_token,
            members::my_standing,
            members::list_members,
            members::change_member,
            members::list_invitations,
            members::invite_member,
            members::withdraw_invitation,
            catalog::catalog_search,
            catalog::catalog_facets,
            catalog::catalog_model,
            catalog::set_favourite,
            settings::get_preferences,
            settings::set_preferences,
            settings::set_network,
            settings::pick_ca_bundle,
            system::open_external,
            sync::sync_status,
            sync::sync_now,
            jobs::center_info,
            jobs::check_job_request,
            jobs::create_job,
            jobs::create_job_at,
            jobs::estimate_everywhere,
            jobs::revise_job,
            jobs::discard_write,
            jobs::outbox_entries,
            jobs::list_jobs,
            jobs::get_job,
            jobs::cancel_job,
            jobs::job_logs,
            jobs::job_metrics,
            notifications::inbox,
            notifications::mark_read,
            applications::check_uscc,
            applications::check_application,
            applications::save_draft,
            applications::get_draft,
            applications::save_application,
            applications::submit_application,
            applications::withdraw_application,
            applications::attach_file,
            applications::list_applications,
            applications::get_application,
            incubation::incubation,
            incubation::credits,
            incubation::cohort_events,
            incubation::register_for_event,
            incubation::mentors,
            incubation::request_office_hours,
            incubation::get_milestone,
            incubation::submit_milestone,
            incubation::attach_evidence,
            directory::directory_search,
            directory::directory_facets,
            directory::directory_solution,
            directory::partner_solutions,
            directory::check_certificate,
            directory::list_cooperation,
            directory::get_cooperation,
            directory::ask_cooperation,
            directory::answer_cooperation,
            directory::edit_solution,
            directory::set_directory_contact,
            talent::search_courses,
            talent::course_facets,
            talent::get_course,
            talent::enrol_in_session,
            talent::skills,
        }
    };
}

/// The commands' names, for `with_commands!`.
#[allow(unused_macros)] // lib.rs uses it in tests only
macro_rules! command_names {
    ($($module:ident::$command:ident,)*) => {
        &[$(stringify!($command)),*]
    };
}
