//! The demo's talent platform: a course list for Ascend developers, in
//! Chinese and English, with sessions in the weeks after the demo starts
//! (one with its single seat taken by another partner's engineer, so an
//! enrolment waits), and certifications of the demo's engineers, one of
//! them expiring within weeks. Every person and code here is made up.

use aicc_api::talent::{CERTIFICATION_VALID_YEARS, CertificationLevel, CourseLevel};
use rusqlite::Connection;

use super::store::{self, CoursePlan, Recorded};
use crate::error::ApiError;
use crate::gathering::Occasion;

/// A session of a demo course: days from today, the hour of the day in
/// UTC it starts, hours long, place, link, seats.
type DemoSession = (i64, i64, i64, &'static str, Option<&'static str>, u32);

/// A course and its sessions.
struct DemoCourse {
    title: &'static str,
    summary: &'static str,
    level: CourseLevel,
    language: &'static str,
    duration_hours: u32,
    topics: &'static [&'static str],
    prerequisites: &'static [&'static str],
    sessions: &'static [DemoSession],
}

const ROOM: &str = "Demo AI Computing Center, training room 3";
const LAB: &str = "Demo AI Computing Center, Lab B";
const ONLINE: Option<&str> = Some("https://meeting.demo-aicc.example.cn/j/880412");

const COURSES: &[DemoCourse] = &[
    DemoCourse {
        title: "Ascend C operator development",
        summary: "Write, tile and debug custom operators in Ascend C: the vector and cube units, \
                  double buffering, and measuring an operator with msprof.",
        level: CourseLevel::Advanced,
        language: "en",
        duration_hours: 16,
        topics: &["Ascend C", "CANN", "Operators"],
        prerequisites: &["C++", "CANN fundamentals"],
        sessions: &[(12, 1, 8, LAB, None, 1), (40, 1, 8, LAB, None, 12)],
    },
    DemoCourse {
        title: "CANN fundamentals",
        summary: "How a model runs on an Ascend NPU: the CANN stack, AscendCL, graph mode, \
                  and reading a profile.",
        level: CourseLevel::Foundation,
        language: "en",
        duration_hours: 6,
        topics: &["CANN", "AscendCL"],
        prerequisites: &["Python"],
        sessions: &[(5, 1, 6, ROOM, ONLINE, 40), (26, 1, 6, "", ONLINE, 200)],
    },
    DemoCourse {
        title: "MindSpore 模型开发入门",
        summary: "从数据集到训练循环：用 MindSpore 在昇腾 NPU 上构建、训练并评估一个图像分类模型。",
        level: CourseLevel::Foundation,
        language: "zh-CN",
        duration_hours: 8,
        topics: &["MindSpore", "Training"],
        prerequisites: &["Python", "深度学习基础"],
        sessions: &[(7, 1, 8, ROOM, None, 30), (21, 1, 8, ROOM, ONLINE, 30)],
    },
    DemoCourse {
        title: "MindSpeed-LLM 大模型微调实战",
        summary: "在 Atlas 800T A2 上用 MindSpeed-LLM 做 LoRA 与全参微调：数据处理、并行策略、断点续训与评测。",
        level: CourseLevel::Advanced,
        language: "zh-CN",
        duration_hours: 12,
        topics: &["MindSpeed-LLM", "LoRA", "Fine-tuning"],
        prerequisites: &["MindSpore 模型开发入门", "PyTorch"],
        sessions: &[(14, 1, 6, LAB, ONLINE, 20)],
    },
    DemoCourse {
        title: "Model conversion with ATC",
        summary: "Convert ONNX and TensorFlow models to offline models for Atlas 300I Duo, \
                  check their accuracy and tune their input shapes.",
        level: CourseLevel::Intermediate,
        language: "en",
        duration_hours: 4,
        topics: &["ATC", "Inference", "CANN"],
        prerequisites: &["CANN fundamentals"],
        sessions: &[(9, 6, 4, LAB, None, 16)],
    },
    DemoCourse {
        title: "昇腾推理部署与性能调优",
        summary: "用 MindIE 部署大模型推理服务：批处理、量化、显存规划与吞吐测试。",
        level: CourseLevel::Intermediate,
        language: "zh-CN",
        duration_hours: 8,
        topics: &["MindIE", "Inference", "Quantisation"],
        prerequisites: &["CANN fundamentals"],
        sessions: &[(19, 1, 8, ROOM, ONLINE, 40)],
    },
    DemoCourse {
        title: "Distributed training on Atlas clusters",
        summary: "Data, tensor and pipeline parallelism across Atlas 800T A2 nodes: HCCL, \
                  ranks and topology, and finding the slow link.",
        level: CourseLevel::Advanced,
        language: "en",
        duration_hours: 12,
        topics: &["Distributed training", "HCCL", "MindSpore"],
        prerequisites: &["MindSpore 模型开发入门"],
        sessions: &[(33, 1, 6, ROOM, ONLINE, 24)],
    },
    DemoCourse {
        title: "PyTorch 模型迁移到昇腾",
        summary: "用 torch_npu 把现有 PyTorch 训练脚本迁移到昇腾：算子适配、精度比对与性能分析。",
        level: CourseLevel::Intermediate,
        language: "zh-CN",
        duration_hours: 6,
        topics: &["PyTorch", "Migration", "torch_npu"],
        prerequisites: &["PyTorch"],
        sessions: &[(10, 1, 6, "", ONLINE, 150)],
    },
];

/// The demo's courses and certifications, once, as of `now`
/// (milliseconds).
pub fn seed(conn: &Connection, reviewer: &str, now: i64) -> Result<(), ApiError> {
    let seeded: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM courses)", [], |r| r.get(0))?;
    if seeded {
        return Ok(());
    }
    let day = 86_400_000;
    let hour = 3_600_000;
    let today = now - now.rem_euclid(day);
    let other = crate::admin::user_id(conn, "member@other.aicc")?;
    for course in COURSES {
        let owned = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (topics, prerequisites) = (owned(course.topics), owned(course.prerequisites));
        let id = store::add_course(
            conn,
            &CoursePlan {
                title: course.title,
                summary: course.summary,
                level: course.level,
                language: course.language,
                duration_hours: course.duration_hours,
                topics: &topics,
                prerequisites: &prerequisites,
            },
            now - 30 * day,
        )?;
        for &(days, at, hours, place, link, seats) in course.sessions {
            let starts_at = today + days * day + at * hour;
            let session = store::add_session(
                conn,
                &id,
                &Occasion {
                    starts_at,
                    ends_at: starts_at + hours * hour,
                    place,
                    link,
                    seats,
                },
                now - 30 * day,
            )?;
            // The lab's single bench: another partner's engineer has it.
            if seats == 1 {
                store::enrol(conn, &session, other, None, now - 2 * day)?;
            }
        }
    }
    let date = |at: i64| {
        time::OffsetDateTime::from_unix_timestamp(at / 1000)
            .map(|t| t.date().to_string())
            .unwrap_or_default()
    };
    let years = i64::from(CERTIFICATION_VALID_YEARS) * 365 * day;
    for (email, name, level, issued) in [
        (
            "partner@demo.aicc",
            "MindSpore Model Developer",
            CertificationLevel::Professional,
            // Expires in about five weeks.
            now - years + 35 * day,
        ),
        (
            "engineer@demo.aicc",
            "Ascend C Operator Developer",
            CertificationLevel::Associate,
            now - 170 * day,
        ),
        (
            "engineer@demo.aicc",
            "CANN Application Developer",
            CertificationLevel::Professional,
            now - 400 * day,
        ),
        (
            "member@other.aicc",
            "CANN Application Developer",
            CertificationLevel::Associate,
            now - 90 * day,
        ),
    ] {
        store::record(
            conn,
            &Recorded {
                email,
                name,
                level,
                issued_on: &date(issued),
                expires_on: None,
                staff: reviewer,
            },
            now,
        )?;
    }
    Ok(())
}
