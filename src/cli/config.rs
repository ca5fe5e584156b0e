//! `knotless config [show]`: the configuration in effect, as TOML a config file could hold,
//! with where each value came from (default, file, env or flag) and the file that was read.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Result;

use super::GlobalArgs;
use super::settings::Settings;
use crate::config::Source;

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: Option<ConfigAction>,
}

#[derive(Debug, Clone, Copy, clap::Subcommand)]
pub enum ConfigAction {
    /// Print the configuration in effect and where each value came from (the default).
    Show,
}

pub fn run(global: &GlobalArgs, args: ConfigArgs) -> Result<ExitCode> {
    let settings = Settings::load(global)?;
    match args.action.unwrap_or(ConfigAction::Show) {
        ConfigAction::Show => {
            let text = show(&settings);
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Column the source comments start at, when the setting is shorter.
const COMMENT_COLUMN: usize = 44;

/// The effective configuration as TOML, each value followed by `# <source>`.
pub fn show(settings: &Settings) -> String {
    let mut out = String::from(
        "# The configuration in effect: default, file, env or flag after each value.\n",
    );
    match &settings.file {
        Some((path, origin)) => {
            let _ = writeln!(out, "# Config file: {} (from {origin})", path.display());
        }
        None => {
            let looked = crate::config::default_config_file(&settings.env)
                .map(|p| format!(" ({} does not exist)", p.display()))
                .unwrap_or_default();
            let _ = writeln!(out, "# Config file: none{looked}");
        }
    }
    let mut section = String::new();
    for (key, value) in settings.config.entries() {
        let (table, name) = key.rsplit_once('.').unwrap_or(("", key.as_str()));
        if table != section {
            section = table.to_owned();
            let _ = write!(out, "\n[{section}]\n");
        }
        let source = settings.source(&key);
        let line = match (value, key.as_str()) {
            (Some(value), _) => format!("{name} = {value}"),
            // Unset: say what is used instead.
            (None, "paths.data_dir") => match settings.config.data_dir(&settings.env) {
                Ok(dir) => {
                    let dir = toml::Value::String(dir.display().to_string());
                    format!("data_dir = {dir}")
                }
                Err(e) => format!("# data_dir: {e}"),
            },
            (None, "camera.name") => "# name: unset (camera.index chooses)".to_owned(),
            (None, _) => format!("# {name}: unset"),
        };
        let pad = COMMENT_COLUMN.saturating_sub(line.chars().count()).max(1);
        let _ = writeln!(out, "{line}{:pad$}# {}", "", describe(source, &key));
    }
    out
}

/// A source, with the environment variable's name for `env`.
fn describe(source: Source, key: &str) -> String {
    match (source, key) {
        (Source::Env, "paths.data_dir") => format!("env ({})", crate::config::ENV_DATA_DIR),
        (source, _) => source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};

    fn settings(file: Option<&std::path::Path>, env: Env, data_dir: Option<&str>) -> Settings {
        let global = GlobalArgs {
            models: None,
            ort_lib: None,
            config: file.map(|f| f.to_path_buf()),
            data_dir: data_dir.map(Into::into),
        };
        Settings::load_with(&global, env).expect("loads")
    }

    fn line<'a>(text: &'a str, start: &str) -> &'a str {
        text.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("{start}\n{text}"))
    }

    #[test]
    fn each_value_names_its_source() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[camera]\nfov_deg = 78.0\n[monitor]\nmodel = \"movenet\"\n")
            .expect("written");
        let env = Env::from_pairs([("KNOTLESS_DATA_DIR", "/from/env")]);
        let text = show(&settings(Some(&file), env.clone(), None));
        assert!(text.contains(&format!("# Config file: {} (from --config)", file.display())));
        assert!(line(&text, "fov_deg = 78.0 ").ends_with("# file"), "{text}");
        assert!(line(&text, "model = \"movenet\" ").ends_with("# file"), "{text}");
        assert!(line(&text, "width = 640 ").ends_with("# default"), "{text}");
        assert!(line(&text, "data_dir = \"/from/env\" ").ends_with("# env (KNOTLESS_DATA_DIR)"));
        let text = show(&settings(Some(&file), env, Some("/from/flag")));
        assert!(line(&text, "data_dir = \"/from/flag\" ").ends_with("# flag"), "{text}");
    }

    #[test]
    fn the_output_is_a_config_file_for_the_same_settings() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[coach]\nalert_after_s = 300\n[alerts]\ncommand = \"true\"\n")
            .expect("written");
        let s = settings(Some(&file), Env::from_pairs([("HOME", "/home/me")]), None);
        let text = show(&s);
        let again = Config::from_toml(&text, std::path::Path::new("shown.toml")).expect("parses");
        let mut expected = s.config.clone();
        expected.paths.data_dir = Some("/home/me/.local/share/knotless".into());
        assert_eq!(again, expected);
        assert!(line(&text, "# name: unset").ends_with("# default"), "{text}");
        assert!(text.contains("# Config file:"), "{text}");
    }
}
