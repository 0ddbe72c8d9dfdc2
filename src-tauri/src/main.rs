// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Some((name, value)) = aicc_partner::rendering::environment() {
        // SAFETY: nothing else runs yet: no thread has been started that
        // could read the environment while it changes.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(name, value);
        }
    }
    aicc_partner::run();
}
