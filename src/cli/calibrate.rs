//! `knotless calibrate`: watches the user sit well for a few seconds, saves the baseline as a
//! profile and prints a summary; `--slouch` adds a deliberate slouch to an existing profile.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use super::GlobalArgs;
use super::settings::Settings;
use crate::capture::{FrameSource, Pacing, RecordedSession};
use crate::config::Config;
use crate::display;
use crate::pose::Backend;
use crate::posture::profile::{self, ProfileName};
use crate::posture::{Baseline, Calibrator, MeasureKind, Observation, mean_luma};

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Profile to save (one per camera and desk set-up, e.g. `laptop`, `desk`).
    #[arg(long, default_value = profile::DEFAULT_PROFILE, value_name = "NAME")]
    pub profile: ProfileName,

    /// How long to watch, in seconds [default: calibration.seconds from the config].
    #[arg(long, value_name = "N")]
    pub seconds: Option<f32>,

    /// Calibrate from a recorded session (a folder of frames) instead of the camera.
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,

    /// Frame rate of a recorded session without a frames.csv index.
    #[arg(long, value_name = "F")]
    pub fps: Option<f64>,

    /// Record a deliberate slouch into the existing profile, so that thresholds sit midway
    /// between your good and your slouched posture.
    #[arg(long)]
    pub slouch: bool,

    /// Pose model to use [default: monitor.model from the config].
    #[arg(long, value_enum)]
    pub model: Option<Backend>,

    /// Threads for inference [default: monitor.threads from the config].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Opens the configured camera as a frame source.
pub fn open_camera_source(config: &Config) -> Result<Box<dyn FrameSource + Send>> {
    let settings = camera_settings(config);
    let camera = crate::capture::open_camera(&settings).with_context(|| {
        format!(
            "could not open camera {}; list cameras with `knotless devices`, or replay a recorded \
             session with --source DIR",
            settings.label()
        )
    })?;
    Ok(Box::new(camera))
}

/// The camera the config asks for.
pub fn camera_settings(config: &Config) -> crate::capture::CameraSettings {
    let c = &config.camera;
    crate::capture::CameraSettings {
        index: Some(c.index),
        name: c.name.clone(),
        width: c.width,
        height: c.height,
        fps: c.fps.ceil().max(1.0) as u32,
    }
}

pub fn run(global: &GlobalArgs, args: CalibrateArgs) -> Result<ExitCode> {
    let mut settings = Settings::load(global)?;
    if let Some(seconds) = args.seconds {
        settings.set_by_flag("--seconds", "calibration.seconds", |c| {
            c.calibration.seconds = seconds;
        })?;
    }
    if let Some(model) = args.model {
        settings.set_by_flag("--model", "monitor.model", |c| c.monitor.model = model)?;
    }
    if let Some(threads) = args.threads {
        settings.set_by_flag("--threads", "monitor.threads", |c| c.monitor.threads = threads)?;
    }
    let config = &settings.config;
    let data_dir = settings.data_dir()?;
    let seconds = config.calibration.seconds;
    let model = config.monitor.model;
    // Fail before the long part: a slouch needs an upright baseline to add to.
    let existing = if args.slouch {
        let baseline = settings.load_profile(&args.profile)?;
        if baseline.backend != model {
            bail!(
                "profile {} was calibrated with {}, not {}; record the slouch with the same \
                 model (--model {})",
                args.profile,
                display::model_name(baseline.backend),
                display::model_name(model),
                display::model_flag(baseline.backend)
            );
        }
        Some(baseline)
    } else {
        None
    };

    let mut source: Box<dyn FrameSource> = match &args.source {
        Some(dir) => {
            Box::new(RecordedSession::open(dir, args.fps, Pacing::Max).with_context(|| {
                format!("could not open the recorded session {}", dir.display())
            })?)
        }
        None => open_camera_source(config)?,
    };
    let mut estimator =
        crate::pose::load_estimator_with(model, &global.model_files(), config.monitor.threads)
            .context("could not load the pose model")?;

    let settings_cal = config.calibration.settings();
    let mut calibrator = Calibrator::new(settings_cal, config.camera.model(), model)
        .with_options(config.posture.measure_options(model.model_kind()));
    let what = if args.slouch {
        "slouch the way you usually do"
    } else {
        "sit upright and relaxed, looking at the screen"
    };
    eprintln!(
        "Calibrating profile {} for {seconds:.0} s with {}: {what}.",
        args.profile,
        display::model_name(model)
    );
    let limit_ms = (seconds * 1000.0) as u64;
    let mut first_t = None;
    let stderr = std::io::stderr();
    let live = std::io::IsTerminal::is_terminal(&stderr);
    while let Some(frame) = source.next_frame().context("could not read a frame")? {
        let start = *first_t.get_or_insert(frame.t_ms);
        if frame.t_ms.saturating_sub(start) > limit_ms {
            break;
        }
        let pose = estimator.estimate(&frame.image).context("pose estimation failed")?;
        let verdict = calibrator.push(Observation {
            pose: pose.as_ref(),
            mean_luma: mean_luma(&frame.image),
            t_ms: frame.t_ms,
        });
        tracing::debug!(seq = frame.seq, ?verdict, "calibration frame");
        // Redrawn in place on a terminal; one line every 10 frames otherwise (logs, pipes).
        let mut err = stderr.lock();
        if live {
            let _ = write!(err, "\r{}", progress(&calibrator));
            let _ = err.flush();
        } else if calibrator.counts().total().is_multiple_of(10) {
            let _ = writeln!(err, "{}", progress(&calibrator));
        }
    }
    if live {
        eprintln!();
    } else {
        eprintln!("{}", progress(&calibrator));
    }

    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if let Some(mut baseline) = existing {
        let samples = calibrator.samples().to_vec();
        // Run the same checks as an upright calibration.
        calibrator.finish(now).context("the slouch recording failed")?;
        baseline.record_slouch(&samples, now);
        let path = profile::save(&data_dir, &args.profile, &baseline)?;
        println!("Slouch recorded into profile {} ({}).", args.profile, path.display());
        print_summary(&baseline);
        return Ok(ExitCode::SUCCESS);
    }
    let baseline = calibrator.finish(now).context("calibration failed")?;
    let path = profile::save(&data_dir, &args.profile, &baseline)?;
    println!("Saved profile {} ({}).", args.profile, path.display());
    print_summary(&baseline);
    Ok(ExitCode::SUCCESS)
}

/// One line of progress: frames used and rejected, by reason.
fn progress(calibrator: &Calibrator) -> String {
    let c = calibrator.counts();
    let mut line = format!("frames: {} used, {} rejected", c.used, c.rejected());
    let reasons: Vec<String> =
        c.rejections().iter().map(|(v, n)| format!("{n} {}", v.as_str())).collect();
    if !reasons.is_empty() {
        line.push_str(&format!(" ({})", reasons.join(", ")));
    }
    line
}

fn print_summary(baseline: &Baseline) {
    println!(
        "Baseline: {} frames, {}x{}, model {}",
        baseline.frames,
        baseline.image_width,
        baseline.image_height,
        display::model_name(baseline.backend)
    );
    println!("  {:<28} {:>10} {:>10} {:>10}", "measure", "median", "spread", "slouch");
    for kind in MeasureKind::ALL {
        let Some(stat) = baseline.stats.get(&kind) else { continue };
        let slouch =
            baseline.slouch_median(kind).map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"));
        println!("  {:<28} {:>10.3} {:>10.3} {:>10}", kind.as_str(), stat.median, stat.mad, slouch);
    }
}
