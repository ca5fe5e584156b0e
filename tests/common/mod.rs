//! Helpers shared by the integration tests: fixture paths and the real binary.
#![allow(dead_code)]

pub mod history;

use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn models_dir() -> PathBuf {
    knotless::pose::ModelFiles::default_dir()
}

/// The real `knotless` binary in an isolated environment: no config or data from $HOME.
pub fn knotless(home: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(knotless_process(home))
}

/// [`knotless`] as a plain process, to start and signal.
pub fn knotless_process(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("knotless"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NO_COLOR", "1");
    cmd
}

pub fn load_rgb(path: &Path) -> image::RgbImage {
    image::open(path).expect("fixture image").into_rgb8()
}

/// A recorded session of the demo's first `frames` frames (2 a second), in a new folder under
/// `parent`.
pub fn tiny_session(parent: &Path, frames: usize) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/session");
    let dir = parent.join(format!("session-{frames}"));
    std::fs::create_dir_all(&dir).expect("session folder");
    let mut index = String::from("file,t_ms\n");
    for i in 0..frames {
        let name = format!("{i:06}.jpg");
        std::fs::copy(demo.join(&name), dir.join(&name)).expect("copy a demo frame");
        index.push_str(&format!("{name},{}\n", i * 500));
    }
    std::fs::write(dir.join("frames.csv"), index).expect("frames.csv");
    dir
}
