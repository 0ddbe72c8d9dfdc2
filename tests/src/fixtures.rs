//! What the tests of the portal and of the client core send: a complete
//! partner application, a small training job, a PDF that passes the
//! portal's content check.

use serde_json::{Value, json};

/// The smallest file the portal takes as a PDF.
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// A partner application with every field a submission needs.
pub fn application_form() -> Value {
    json!({
        "organisation_name": "Demo Robotics",
        "uscc": "914403001922038216",
        "organisation_kind": "incubated_startup",
        "contact_name": "Li Wei",
        "contact_email": "li.wei@robotics.example.cn",
        "contact_phone": "+86 311 8888 6666",
        "industries": ["manufacturing"],
        "solution_name": "Weld seam inspection",
        "solution_description": "Detects weld defects on Atlas 300I Duo at the line.",
        "target_hardware": ["Atlas 300I Duo"],
        "frameworks": ["MindSpore"],
        "tier": "certified"
    })
}

/// A one-NPU, six-minute fine-tune called `name` on the demo's Atlas pool.
pub fn small_job(name: &str) -> Value {
    json!({
        "name": name,
        "base_model": {"model_id": "resnet50", "version": null},
        "custom_image": null,
        "dataset_uri": "obs://demo-robotics/defects",
        "pool_id": "atlas-800t-a2",
        "nodes": 1,
        "npus_per_node": 1,
        "max_hours": 0.1,
        "hyperparameters": {},
        "priority": "normal",
        "note": ""
    })
}
