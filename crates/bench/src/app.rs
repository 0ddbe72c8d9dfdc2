//! The app itself, driven over WebDriver like a person: a keystroke in the
//! catalog's search to its results on screen, the start to the catalog
//! shown, and the memory of the whole process tree (WebKit's processes
//! included) 10 s after — each beside its floor in the same run: an IPC
//! round trip that does no work, and a hello-world Tauri window started and
//! weighed alike.
//!
//! The app runs signed in to the benchmark's portal with the whole catalog
//! already in its store (signed in and synced by `aicc`, as a
//! partner's earlier session would have left it).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aicc_e2e::{Driver, Env, find_within};
use anyhow::{Context as _, bail};
use fantoccini::Client;
use fantoccini::key::Key;

use crate::benches::{Figure, Sizes};
use crate::stats::Samples;

/// The binaries the figures run.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub app: PathBuf,
    pub hello_world: PathBuf,
    pub cli: PathBuf,
    pub portal: PathBuf,
    pub tauri_driver: PathBuf,
}

/// What partners type: names, tasks, hardware, in part and in whole.
const QUERIES: &[&str] = &[
    "resnet", "qwen", "yolo", "bert", "llama", "segment", "vit", "whisper", "glm", "ascend",
];
/// The catalog's first rows are on screen.
const CATALOG_SHOWN: &str = "[data-testid=catalog-list] [role=option]";
/// Memory is read this long after the window is ready.
const SETTLE: Duration = Duration::from_secs(10);
const PATIENCE: Duration = Duration::from_secs(120);
/// How often a start looks for its ready element: WebDriver's default of
/// 250 ms would be most of what is measured.
const POLL: Duration = Duration::from_millis(5);

pub async fn figures(
    portal_url: &str,
    binaries: &Binaries,
    dir: &Path,
    sizes: Sizes,
) -> anyhow::Result<Vec<Figure>> {
    let home = dir.join("app-home");
    prepare_store(portal_url, binaries, &home)?;
    let env = Env {
        app: binaries.app.clone(),
        portal: binaries.portal.clone(),
        tauri_driver: binaries.tauri_driver.clone(),
        out: dir.to_path_buf(),
    };
    let driver = Driver::start(&env, &home)?;
    // A warm-up start, then the measured ones; the last stays open.
    let mut starts = Vec::new();
    let mut app = launch(&driver, CATALOG_SHOWN).await?.0;
    for _ in 0..sizes.runs {
        app.close().await?;
        let (next, took) = launch(&driver, CATALOG_SHOWN).await?;
        starts.push(took);
        app = next;
    }
    tokio::time::sleep(SETTLE).await;
    let memory = process_tree_pss(&binaries.app)?;
    let (typed, round_trips) = keystrokes(&app, sizes).await?;
    app.close().await?;
    drop(driver);

    let hello_env = Env {
        app: binaries.hello_world.clone(),
        ..env
    };
    let hello_home = dir.join("hello-world-home");
    let driver = Driver::start(&hello_env, &hello_home)?;
    let mut hello = launch(&driver, "h1").await?.0;
    let mut hello_starts = Vec::new();
    for _ in 0..sizes.runs {
        hello.close().await?;
        let (next, took) = launch(&driver, "h1").await?;
        hello_starts.push(took);
        hello = next;
    }
    tokio::time::sleep(SETTLE).await;
    let hello_memory = process_tree_pss(&binaries.hello_world)?;
    hello.close().await?;
    drop(driver);

    let typed = Samples::new(typed);
    let round_trip = Samples::new(round_trips).median();
    let (start, hello_start) = (Samples::new(starts), Samples::new(hello_starts).median());
    let (low, high) = typed.spread();
    let (start_low, start_high) = start.spread();
    Ok(vec![
        Figure {
            name: format!(
                "keystroke → results rendered in the app, {} keystrokes",
                typed.len()
            ),
            unit: "ms",
            runs: typed.len(),
            median: typed.median(),
            low,
            high,
            floor_name: "an IPC round trip that does no work",
            floor: Some(round_trip),
            ratio: Some(typed.median() / round_trip),
            target: "median <= 50 ms",
            met: typed.median() <= 50.0,
        },
        Figure {
            name: "app start → catalog shown (whole catalog in the store)".into(),
            unit: "ms",
            runs: start.len(),
            median: start.median(),
            low: start_low,
            high: start_high,
            floor_name: "a hello-world Tauri window's start, alike",
            floor: Some(hello_start),
            ratio: Some(start.median() / hello_start),
            target: "<= 1.5× hello-world",
            met: start.median() <= 1.5 * hello_start,
        },
        Figure {
            name: "app memory 10 s after start (PSS of the process tree)".into(),
            unit: "MiB",
            runs: 1,
            median: memory,
            low: memory,
            high: memory,
            floor_name: "a hello-world Tauri window's, alike",
            floor: Some(hello_memory),
            ratio: Some(memory / hello_memory),
            target: "<= 1.3× hello-world",
            met: memory <= 1.3 * hello_memory,
        },
    ])
}

/// How many centers the app is measured signed in to.
const CENTERS: [usize; 3] = [1, 3, 5];

/// The app left idle, signed in to 1, 3 and 5 centers at once (each live:
/// its own session, store, engine and event stream): its memory 10 s after
/// the start, and the CPU it uses over `sizes.idle` after that. The first
/// center is the benchmark's portal with its catalog already synced in
/// `home`; the others are demo portals with the seed catalog.
pub async fn centers(binaries: &Binaries, dir: &Path, sizes: Sizes) -> anyhow::Result<Vec<Figure>> {
    let home = dir.join("app-home");
    let env = Env {
        app: binaries.app.clone(),
        portal: binaries.portal.clone(),
        tauri_driver: binaries.tauri_driver.clone(),
        out: dir.to_path_buf(),
    };
    let ticks_per_second = clock_ticks();
    let mut others = Vec::new();
    let mut measured = Vec::new();
    for n in CENTERS {
        while others.len() + 1 < n {
            let portal = aicc_e2e::Portal::start_demo(
                &env,
                &dir.join(format!("center-{n}-{}", others.len())),
            )?;
            prepare_store(&portal.url, binaries, &home)?;
            others.push(portal);
        }
        let driver = Driver::start(&env, &home)?;
        let app = launch(&driver, CATALOG_SHOWN).await?.0;
        tokio::time::sleep(SETTLE).await;
        let memory = process_tree_pss(&binaries.app)?;
        let (before, started) = (process_tree_ticks(&binaries.app)?, Instant::now());
        tokio::time::sleep(sizes.idle).await;
        let used = process_tree_ticks(&binaries.app)?.saturating_sub(before) as f64;
        let cpu = 100.0 * used / ticks_per_second / started.elapsed().as_secs_f64();
        app.close().await?;
        drop(driver);
        measured.push((n, memory, cpu));
    }
    let &(_, one_memory, one_cpu) = measured.first().context("no measure")?;
    let mut figures = Vec::new();
    for &(n, memory, cpu) in &measured[1..] {
        figures.push(Figure {
            name: format!("app memory idle, {n} centers signed in (PSS of the process tree)"),
            unit: "MiB",
            runs: 1,
            median: memory,
            low: memory,
            high: memory,
            floor_name: "the same app signed in to one center",
            floor: Some(one_memory),
            ratio: Some(memory / one_memory),
            target: "<= 1.1× one center per center added",
            met: memory <= one_memory * (1.0 + 0.1 * (n - 1) as f64),
        });
        figures.push(Figure {
            name: format!(
                "app CPU idle, {n} centers signed in, over {} s",
                sizes.idle.as_secs()
            ),
            unit: "% of a core",
            runs: 1,
            median: cpu,
            low: cpu,
            high: cpu,
            floor_name: "the same app signed in to one center",
            floor: Some(one_cpu),
            ratio: (one_cpu > 0.0).then(|| cpu / one_cpu),
            target: "<= 1 % of a core",
            met: cpu <= 1.0,
        });
    }
    Ok(figures)
}

/// Signs the app's home in as the demo partner and syncs the catalog.
fn prepare_store(portal_url: &str, binaries: &Binaries, home: &Path) -> anyhow::Result<()> {
    let cli = |args: &[&str]| {
        let mut command = Command::new(&binaries.cli);
        command
            .args(args)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null());
        command
    };
    let mut sign_in = cli(&[
        "login",
        "--center",
        portal_url,
        "--email",
        "partner@demo.aicc",
    ])
    .spawn()
    .context("cannot run aicc")?;
    if let Some(mut stdin) = sign_in.stdin.take() {
        writeln!(stdin, "demo-password")?;
    }
    if !sign_in.wait()?.success() {
        bail!("aicc could not sign in to the benchmark's portal");
    }
    if !cli(&["sync"]).status()?.success() {
        bail!("aicc could not sync the catalog");
    }
    Ok(())
}

/// Starts the window and waits until `ready` shows; returns how long it took.
async fn launch(driver: &Driver, ready: &str) -> anyhow::Result<(Client, Duration)> {
    // The previous instance's exit is not part of this start (and the
    // hello-world, with no single-instance lock, never waits for it).
    driver.previous_gone().await?;
    let started = Instant::now();
    let app = driver.launch().await?;
    app.wait()
        .every(POLL)
        .at_most(PATIENCE)
        .for_element(fantoccini::Locator::Css(ready))
        .await
        .with_context(|| format!("nothing matching `{ready}` appeared"))?;
    Ok((app, started.elapsed()))
}

/// Types each query a key at a time, waiting for each key's results; returns
/// the measured keystrokes and as many IPC round trips.
async fn keystrokes(app: &Client, sizes: Sizes) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    let search = find_within(app, "input[name=search]", PATIENCE).await?;
    let mut typed = Vec::new();
    for query in QUERIES.iter().take(sizes.search_repeats.max(2)) {
        search.click().await?;
        search.send_keys(&format!("{}a", Key::Control)).await?;
        search.send_keys(&Key::Backspace.to_string()).await?;
        // The cleared search's own results come first.
        tokio::time::sleep(Duration::from_millis(500)).await;
        for c in query.chars() {
            let before = measures(app).await?.len();
            search.send_keys(&c.to_string()).await?;
            let deadline = Instant::now() + PATIENCE;
            loop {
                let now = measures(app).await?;
                if now.len() > before {
                    typed.push(Duration::from_secs_f64(now[now.len() - 1] / 1000.0));
                    break;
                }
                if Instant::now() > deadline {
                    bail!("the results of typing {c:?} in {query:?} never showed");
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    let mut round_trips = Vec::new();
    for _ in 0..typed.len() {
        let ms = app
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const start = performance.now();
                 window.__TAURI_INTERNALS__.invoke('sync_status').then(() => done(performance.now() - start));",
                vec![],
            )
            .await?
            .as_f64()
            .context("the round trip returned no time")?;
        round_trips.push(Duration::from_secs_f64(ms / 1000.0));
    }
    Ok((typed, round_trips))
}

/// The durations (ms) of every keystroke measured so far (see ui/src/lib/timing.ts).
async fn measures(app: &Client) -> anyhow::Result<Vec<f64>> {
    let value = app
        .execute(
            "return performance.getEntriesByName('aicc:keystroke-to-results').map(e => e.duration);",
            vec![],
        )
        .await?;
    Ok(value
        .as_array()
        .context("no performance entries")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect())
}

/// The process running `binary` and every process under it.
fn process_tree(binary: &Path) -> anyhow::Result<Vec<u32>> {
    let binary = binary.canonicalize()?;
    let mut parents: HashMap<u32, u32> = HashMap::new();
    let mut roots = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Some(pid) = entry?
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The parent is the second field after the command's closing parenthesis.
        if let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok())
        {
            parents.insert(pid, ppid);
        }
        if std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary) {
            roots.push(pid);
        }
    }
    let [root] = roots[..] else {
        bail!("expected one running {}, found {roots:?}", binary.display());
    };
    let in_tree = |mut pid: u32| loop {
        if pid == root {
            return true;
        }
        match parents.get(&pid) {
            Some(&parent) if parent != 0 && parent != pid => pid = parent,
            _ => return false,
        }
    };
    Ok(parents
        .keys()
        .copied()
        .filter(|&pid| in_tree(pid))
        .collect())
}

/// PSS in MiB of the process running `binary` and every process under it.
fn process_tree_pss(binary: &Path) -> anyhow::Result<f64> {
    let mut kib = 0u64;
    for pid in process_tree(binary)? {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        kib += rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0);
    }
    Ok(kib as f64 / 1024.0)
}

/// The CPU time, in clock ticks, the process tree running `binary` has
/// used so far (user and system).
fn process_tree_ticks(binary: &Path) -> anyhow::Result<u64> {
    let mut ticks = 0;
    for pid in process_tree(binary)? {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // utime and stime: the 12th and 13th fields after the command.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        ticks += fields
            .get(11..13)
            .into_iter()
            .flatten()
            .filter_map(|f| f.parse::<u64>().ok())
            .sum::<u64>();
    }
    Ok(ticks)
}

/// Clock ticks per second, as the kernel counts CPU time in /proc.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}
