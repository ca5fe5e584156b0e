//! `knotless pose IMAGE...`: keypoints and posture measures for each image, as a table or JSON,
//! optionally drawn and assessed against a calibration profile.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

use super::{EXIT_ERROR, EXIT_NO_PERSON, GlobalArgs};
use crate::display;
use crate::pose::{Backend, HeadPose, Keypoint, Pose, PoseEstimator, WorldPoint, draw};
use crate::posture::{
    Assessment, Baseline, Features, Measures, PostureAngles, PostureModel, ProfileName, Unit,
};

#[derive(Debug, clap::Args)]
pub struct PoseArgs {
    /// Image files (JPEG or PNG).
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<PathBuf>,

    /// Pose model to use [default: monitor.model from the config].
    #[arg(long, value_enum)]
    pub model: Option<Backend>,

    /// Print one JSON object per image, one per line.
    #[arg(long)]
    pub json: bool,

    /// Draw the skeleton onto a copy of the image: a PNG file for one image, a folder for
    /// several (one `<name>.png` each).
    #[arg(long, value_name = "OUT")]
    pub draw: Option<PathBuf>,

    /// Threads for inference [default: monitor.threads from the config].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Also assess each image against this calibration profile.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<ProfileName>,
}

/// What the posture layer adds to each image's report.
struct Posture {
    config: crate::config::Config,
    baseline: Option<Baseline>,
}

impl Posture {
    fn measures(&self, pose: &Pose) -> Measures {
        let options = self.config.posture.measure_options(pose.model);
        crate::posture::measure_with(pose, &self.config.camera.model(), &options)
    }

    /// The posture angles against the profile, where its baseline has the face mesh.
    fn angles(&self, measures: &Measures) -> Option<PostureAngles> {
        let features = Features::of(measures, self.baseline.as_ref()?)?;
        Some(PostureModel::FITTED.angles(&features))
    }

    fn assessment(&self, measures: &Measures) -> Option<Assessment> {
        let baseline = self.baseline.as_ref()?;
        Some(crate::posture::assess(measures, baseline, &self.config.posture.thresholds))
    }
}

#[derive(Serialize)]
struct ImageReport<'a> {
    image: &'a str,
    width: u32,
    height: u32,
    model: String,
    person: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    presence: Option<f32>,
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    keypoints: Ordered<Keypoint>,
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    world: Ordered<WorldPoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head: Option<HeadPose>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measures: Option<Measures>,
    /// Changes from the profile's calibrated posture, degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    angles: Option<PostureAngles>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assessment: Option<Assessment>,
}

/// A JSON object whose keys keep landmark order.
struct Ordered<V>(Vec<(&'static str, V)>);

impl<V> Ordered<V> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

pub fn run(global: &GlobalArgs, args: PoseArgs) -> Result<ExitCode> {
    let mut settings = super::settings::Settings::load(global)?;
    if let Some(model) = args.model {
        settings.set_by_flag("--model", "monitor.model", |c| c.monitor.model = model)?;
    }
    if let Some(threads) = args.threads {
        settings.set_by_flag("--threads", "monitor.threads", |c| c.monitor.threads = threads)?;
    }
    let model = settings.config.monitor.model;
    let threads = settings.config.monitor.threads;
    let draw_dir = match (&args.draw, args.images.len()) {
        (Some(out), n) if n > 1 => {
            std::fs::create_dir_all(out).with_context(|| {
                format!("could not create the drawing folder {}", out.display())
            })?;
            Some(out.clone())
        }
        _ => None,
    };
    let baseline = match &args.profile {
        Some(name) => {
            let baseline = settings.load_profile(name)?;
            if baseline.backend != model {
                eprintln!(
                    "knotless: profile {name} was calibrated with {}, not {}: measures may not \
                     compare",
                    display::model_name(baseline.backend),
                    display::model_name(model)
                );
            }
            Some(baseline)
        }
        None => None,
    };
    let posture = Posture { config: settings.config, baseline };
    let files = global.model_files();
    let mut estimator = crate::pose::load_estimator_with(model, &files, threads)
        .context("could not load the pose model")?;

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut failed, mut nobody) = (0usize, 0usize);
    for path in &args.images {
        match analyse(estimator.as_mut(), path) {
            Ok((image, pose)) => {
                if pose.is_none() {
                    nobody += 1;
                }
                print_pose(&mut out, path, &image, pose.as_ref(), model, args.json, &posture)?;
                if let Some(target) = &args.draw {
                    let target = match &draw_dir {
                        Some(dir) => dir.join(drawn_name(path)),
                        None => target.clone(),
                    };
                    let mut canvas = image;
                    if let Some(pose) = &pose {
                        draw::draw_pose(&mut canvas, pose);
                    }
                    canvas
                        .save(&target)
                        .with_context(|| format!("could not write {}", target.display()))?;
                }
            }
            Err(err) => {
                failed += 1;
                eprintln!("knotless: {}", super::describe_error(&err));
            }
        }
    }
    out.flush()?;
    Ok(if failed > 0 {
        ExitCode::from(EXIT_ERROR)
    } else if nobody > 0 {
        ExitCode::from(EXIT_NO_PERSON)
    } else {
        ExitCode::SUCCESS
    })
}

fn drawn_name(path: &Path) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    PathBuf::from(format!("{stem}.png"))
}

fn analyse(
    estimator: &mut (dyn PoseEstimator + Send),
    path: &Path,
) -> Result<(image::RgbImage, Option<Pose>)> {
    let image = load_image(path)?;
    // Unrelated images: no tracking from one to the next.
    estimator.reset();
    let pose = estimator
        .estimate(&image)
        .with_context(|| format!("pose estimation failed on {}", path.display()))?;
    Ok((image, pose))
}

/// Reads an image file, naming the file in any error.
pub fn load_image(path: &Path) -> Result<image::RgbImage> {
    crate::capture::image_file::read_rgb(path).with_context(|| path.display().to_string())
}

fn print_pose(
    out: &mut impl Write,
    path: &Path,
    image: &image::RgbImage,
    pose: Option<&Pose>,
    backend: Backend,
    json: bool,
    posture: &Posture,
) -> Result<()> {
    let name = path.display().to_string();
    let measures = pose.map(|p| posture.measures(p));
    let assessment = measures.as_ref().and_then(|m| posture.assessment(m));
    let angles = measures.as_ref().and_then(|m| posture.angles(m));
    if json {
        let report = ImageReport {
            image: &name,
            width: image.width(),
            height: image.height(),
            model: display::model_key(backend).to_owned(),
            person: pose.is_some(),
            presence: pose.map(|p| p.presence),
            keypoints: Ordered(
                pose.map(|p| p.points().map(|(k, v)| (k.as_str(), v)).collect())
                    .unwrap_or_default(),
            ),
            world: Ordered(
                pose.map(|p| {
                    p.points().filter_map(|(k, _)| p.world(k).map(|w| (k.as_str(), w))).collect()
                })
                .unwrap_or_default(),
            ),
            head: pose.and_then(|p| p.head),
            measures,
            angles,
            assessment: assessment.clone(),
        };
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(());
    }
    let Some(pose) = pose else {
        writeln!(out, "{name} ({}x{}): nobody found", image.width(), image.height())?;
        return Ok(());
    };
    writeln!(
        out,
        "{name} ({}x{}, {}, presence {:.2})",
        image.width(),
        image.height(),
        display::model_name(backend),
        pose.presence
    )?;
    writeln!(out, "  {:<18} {:>8} {:>8} {:>6}", "keypoint", "x", "y", "score")?;
    for (k, p) in pose.points() {
        writeln!(out, "  {:<18} {:>8.1} {:>8.1} {:>6.2}", k.as_str(), p.x, p.y, p.score)?;
    }
    if let Some(measures) = &measures {
        writeln!(out, "  {:<28} {:>10} {:>8}", "measure", "value", "quality")?;
        for (kind, m) in measures.iter() {
            writeln!(out, "  {:<28} {:>10.3} {:>8.2}", kind.as_str(), m.value, m.quality)?;
        }
    }
    if let Some(a) = &angles {
        writeln!(out, "  {:<28} {:>10}", "angle (change, deg)", "value")?;
        for (name, v) in [
            ("head_pitch", a.head_pitch_deg),
            ("thorax_pitch", a.thorax_pitch_deg),
            ("neck_flexion", a.neck_flexion_deg),
            ("trunk_lean", a.trunk_lean_deg),
            ("head_tilt", a.head_tilt_deg),
            ("side_lean", a.side_lean_deg),
            ("forward_head (cm)", a.forward_head_cm),
        ] {
            writeln!(out, "  {name:<28} {v:>10.1}")?;
        }
    }
    if let Some(assessment) = &assessment {
        writeln!(out, "  {:<20} {:>8} {:>10}  measure", "problem", "level", "deviation")?;
        for f in &assessment.findings {
            let level = display::level_name(f.level);
            let (value, unit) = match f.deviation.unit {
                Unit::Fraction => (f.deviation.value * 100.0, "%".to_owned()),
                unit => (f.deviation.value, unit.to_string()),
            };
            writeln!(
                out,
                "  {:<20} {:>8} {:>7.1} {:<3} {}",
                f.problem.as_str(),
                level,
                value,
                unit,
                f.deviation.measure.as_str()
            )?;
        }
    }
    Ok(())
}
