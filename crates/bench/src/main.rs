//! `aicc-bench`: measures AICC Partner's speed beside the physical floor of
//! each figure, measured in the same run. `cargo xtask bench` builds and runs
//! it; `--quick` runs everything at tiny sizes so the benchmarks cannot rot.

mod app;
mod benches;
mod generate;
mod hanging;
mod portal;
mod stats;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::benches::{Figure, Sizes};

#[derive(Parser)]
#[command(name = "aicc-bench", about = "Measure AICC Partner against its floors")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once, at start
enum Task {
    /// Write a catalog of COUNT models shaped like the center's (JSON, for
    /// `aicc-portal admin import-models`).
    Generate {
        #[arg(long)]
        count: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Run every benchmark and write OUT/report.json.
    Run {
        /// Tiny sizes: checks that every benchmark still runs.
        #[arg(long)]
        quick: bool,
        /// The `aicc-portal` binary to measure.
        #[arg(long)]
        portal: PathBuf,
        /// Another catalog size than the run's, e.g. to profile one figure.
        #[arg(long)]
        models: Option<usize>,
        /// Another directory size than the run's, e.g. the full 50,000
        /// beside an otherwise quick run.
        #[arg(long)]
        solutions: Option<usize>,
        /// Another number of jobs for the start-estimate workload than the
        /// run's, e.g. the full 400 beside an otherwise quick run.
        #[arg(long)]
        workload: Option<usize>,
        /// The app's release .deb, to weigh against `--deb-floor`.
        #[arg(long, requires = "deb_floor")]
        deb: Option<PathBuf>,
        /// A hello-world Tauri window's release .deb.
        #[arg(long)]
        deb_floor: Option<PathBuf>,
        /// The app to drive over WebDriver for its keystroke, start and
        /// memory figures (needs a desktop session with a Secret Service).
        #[arg(long, requires_all = ["hello_world", "cli", "tauri_driver"])]
        app: Option<PathBuf>,
        /// A hello-world Tauri window built like `--app`.
        #[arg(long)]
        hello_world: Option<PathBuf>,
        /// `aicc`, to sign the app in and fill its store.
        #[arg(long)]
        cli: Option<PathBuf>,
        #[arg(long)]
        tauri_driver: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
}

/// What `report.json` holds.
#[derive(Debug, Serialize)]
struct Report {
    quick: bool,
    cpus: usize,
    os: String,
    figures: Vec<Figure>,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Task::Generate { count, out } => {
            std::fs::write(&out, serde_json::to_vec(&generate::catalog(count, 42))?)?;
            println!("{count} models written to {}", out.display());
            Ok(())
        }
        Task::Run {
            quick,
            portal,
            models,
            solutions,
            workload,
            deb,
            deb_floor,
            app,
            hello_world,
            cli,
            tauri_driver,
            out,
        } => {
            let binaries = match (app, hello_world, cli, tauri_driver) {
                (Some(app), Some(hello_world), Some(cli), Some(tauri_driver)) => {
                    Some(app::Binaries {
                        app,
                        hello_world,
                        cli,
                        portal: portal.clone(),
                        tauri_driver,
                    })
                }
                _ => None,
            };
            let sized = if quick { Sizes::QUICK } else { Sizes::FULL };
            let sizes = Sizes {
                models: models.unwrap_or(sized.models),
                solutions: solutions.unwrap_or(sized.solutions),
                workload: workload.unwrap_or(sized.workload),
                ..sized
            };
            run(quick, &portal, sizes, deb.zip(deb_floor), binaries, &out)
        }
    }
}

fn run(
    quick: bool,
    portal_binary: &std::path::Path,
    sizes: Sizes,
    installers: Option<(PathBuf, PathBuf)>,
    binaries: Option<app::Binaries>,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    eprintln!("generating {} models…", sizes.models);
    let models = generate::catalog(sizes.models, 42);
    eprintln!("importing them into a portal…");
    let portal = portal::PortalProcess::start(portal_binary, dir.path(), &models)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut figures = runtime.block_on(async {
        eprintln!("first full sync…");
        let (full, session, store, file) = benches::full_sync(&portal, dir.path(), sizes).await?;
        eprintln!("incremental sync…");
        let incremental =
            benches::incremental_sync(&portal, &session, &store, &models, sizes).await?;
        eprintln!("local search…");
        let search = benches::search(&store, &file, sizes).await?;
        eprintln!("portal under load…");
        let load = benches::portal_load(&portal, &session, &store, sizes).await?;
        eprintln!("portal while its cluster hangs…");
        let hanging = benches::hanging_cluster(
            portal_binary,
            dir.path(),
            &models[..models.len().min(2_000)],
            sizes,
        )
        .await?;
        Ok::<_, anyhow::Error>(vec![full, incremental, search, load, hanging])
    })?;
    eprintln!("directory search…");
    figures.extend(benches::directory_search(dir.path(), sizes)?);
    eprintln!("scheduler…");
    figures.push(benches::scheduler(dir.path(), sizes)?);
    eprintln!("start estimates on a generated workload…");
    figures.extend(benches::estimates(dir.path(), sizes)?);
    if let Some((app, floor)) = installers {
        figures.push(benches::installer_size(&app, &floor)?);
    }
    if let Some(binaries) = binaries {
        eprintln!("the app: keystrokes, start and memory…");
        figures.extend(runtime.block_on(app::figures(
            &portal.url,
            &binaries,
            dir.path(),
            sizes,
        ))?);
        eprintln!("the app signed in to several centers at once…");
        figures.extend(runtime.block_on(app::centers(&binaries, dir.path(), sizes))?);
    }
    drop(portal);

    print_table(&figures);
    let report = Report {
        quick,
        cpus: std::thread::available_parallelism().map_or(1, usize::from),
        os: std::env::consts::OS.to_owned(),
        figures,
    };
    std::fs::create_dir_all(out)?;
    let file = out.join("report.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&report)?)?;
    println!("\nwritten to {}", file.display());
    Ok(())
}

fn print_table(figures: &[Figure]) {
    println!("| figure | median | spread | floor | × floor | target | met |");
    println!("|---|---|---|---|---|---|---|");
    for f in figures {
        let number = |v: f64| {
            if v >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        };
        println!(
            "| {} | {} {} | {}–{} | {} | {} | {} | {} |",
            f.name,
            number(f.median),
            f.unit,
            number(f.low),
            number(f.high),
            f.floor.map_or_else(
                || "—".to_owned(),
                |v| format!("{} ({})", number(v), f.floor_name)
            ),
            f.ratio
                .map_or_else(|| "—".to_owned(), |r| format!("{r:.2}")),
            f.target,
            if f.met { "yes" } else { "no" }
        );
    }
}
