//! Property tests standing in for fuzzing (`cargo fuzz` needs a nightly toolchain): the
//! recorded-session index reader, config parsing and frame decoding take arbitrary and mutated
//! input and answer with a value or a clean error, never a panic. The case count follows
//! `PROPTEST_CASES` (default 256); `BENCHMARKS.md` records a long run.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::Path;

use image::{ImageFormat, RgbImage};
use knotless::capture::CaptureError;
use knotless::capture::camera::{PixelFormat, RawFrame, decode};
use knotless::capture::image_file::decode_rgb;
use knotless::capture::recorded::parse_index;
use knotless::config::Config;
use proptest::prelude::*;

const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");
const DEMO_INDEX: &str = include_str!("../demo/session/frames.csv");

/// A byte-level edit of some seed input.
#[derive(Debug, Clone)]
enum Edit {
    Flip { at: usize, byte: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Delete { at: usize, len: usize },
    Truncate { at: usize },
    Duplicate { from: usize, len: usize, to: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Flip { at, byte }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        (any::<usize>(), 1..64usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        any::<usize>().prop_map(|at| Edit::Truncate { at }),
        (any::<usize>(), 1..64usize, any::<usize>()).prop_map(|(from, len, to)| Edit::Duplicate {
            from,
            len,
            to
        }),
    ]
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let n = b.len().max(1);
        match e {
            Edit::Flip { at, byte } => {
                if !b.is_empty() {
                    b[at % n] = *byte;
                }
            }
            Edit::Insert { at, bytes } => {
                let at = at % (b.len() + 1);
                b.splice(at..at, bytes.iter().copied());
            }
            Edit::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(b.len());
                if at < end {
                    b.drain(at..end);
                }
            }
            Edit::Truncate { at } => b.truncate(at % n),
            Edit::Duplicate { from, len, to } => {
                let from = from % n;
                let end = (from + len).min(b.len());
                let chunk: Vec<u8> = b.get(from..end).unwrap_or_default().to_vec();
                let to = to % (b.len() + 1);
                b.splice(to..to, chunk);
            }
        }
    }
    b
}

fn session_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["000000.jpg", "000001.jpg", "000002.jpg", "a.png"] {
        std::fs::write(dir.path().join(name), b"x").unwrap();
    }
    dir
}

fn check_index(text: &str, dir: &Path) {
    let index = dir.join("frames.csv");
    match parse_index(text, &index, dir) {
        Ok(entries) => {
            assert!(entries.first().is_none_or(|e| e.t_ms == 0));
            assert!(entries.windows(2).all(|w| w[0].t_ms <= w[1].t_ms));
            assert!(entries.iter().all(|e| e.file.starts_with(dir) && e.file.is_file()));
        }
        Err(CaptureError::Index { line, reason, .. }) => {
            let lines = text.lines().count().max(1);
            assert!(line >= 1 && line <= lines, "line {line} of {lines}: {reason}");
            assert!(!reason.is_empty());
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
}

fn image_bytes(format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(24, 16, |x, y| image::Rgb([x as u8 * 9, y as u8 * 13, 77]));
    let mut out = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut out), format).unwrap();
    out
}

proptest! {
    #[test]
    fn index_reader_takes_any_text(text in "(file|t_ms|phase|00000[0-3]\\.jpg|a\\.png|b\\.png|\\.\\./x|[0-9]{1,4}|-1|1e3|NaN|,|\\r|\\n| ){0,40}") {
        let dir = session_dir();
        check_index(&text, dir.path());
    }

    #[test]
    fn index_reader_takes_mutated_indexes(edits in prop::collection::vec(edit(), 1..6)) {
        let dir = session_dir();
        let seed = "file,t_ms,phase\n000000.jpg,0,good\n000001.jpg,500,good\n000002.jpg,1000,bad\na.png,1500,bad\n";
        let bytes = apply(seed.as_bytes(), &edits);
        check_index(&String::from_utf8_lossy(&bytes), dir.path());
    }

    #[test]
    fn index_reader_takes_arbitrary_unicode(text in any::<String>()) {
        let dir = session_dir();
        check_index(&text, dir.path());
    }

    #[test]
    fn config_parsing_takes_mutated_files(edits in prop::collection::vec(edit(), 1..6)) {
        let path = Path::new("/cfg/knotless.toml");
        let bytes = apply(DEFAULT_CONFIG.as_bytes(), &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = Config::from_toml(&text, path) {
            let message = e.to_string();
            prop_assert!(message.contains("/cfg/knotless.toml"), "{}", message);
        }
    }

    #[test]
    fn config_parsing_takes_arbitrary_toml_like_text(
        text in "(\\[(camera|monitor|posture|posture\\.thresholds|coach|alerts|paths|calibration)\\]|[a-z_]{1,12}|=|\"[a-z]{0,6}\"|-?[0-9]{1,4}(\\.[0-9])?|true|\\[|\\]|\\{|\\}|,|#|\\n| ){0,40}"
    ) {
        let path = Path::new("/cfg/knotless.toml");
        if let Err(e) = Config::from_toml(&text, path) {
            let message = e.to_string();
            prop_assert!(message.contains("/cfg/knotless.toml"), "{}", message);
        }
    }

    #[test]
    fn frame_files_decode_or_fail_cleanly(
        png in any::<bool>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let seed = image_bytes(if png { ImageFormat::Png } else { ImageFormat::Jpeg });
        let bytes = apply(&seed, &edits);
        if let Ok(image) = decode_rgb(&bytes) {
            prop_assert!(image.width() > 0 && image.height() > 0);
        }
    }

    #[test]
    fn camera_frames_decode_or_fail_cleanly(
        format in prop_oneof![
            Just(PixelFormat::Mjpeg), Just(PixelFormat::Yuyv), Just(PixelFormat::Nv12),
            Just(PixelFormat::Rgb24), Just(PixelFormat::Bgr24), Just(PixelFormat::Gray),
        ],
        width in prop_oneof![0..64u32, Just(u32::MAX), Just(1 << 16)],
        height in prop_oneof![0..64u32, Just(u32::MAX), Just(1 << 16)],
        edits in prop::collection::vec(edit(), 0..6),
        raw in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let data = if format == PixelFormat::Mjpeg {
            apply(&image_bytes(ImageFormat::Jpeg), &edits)
        } else {
            apply(&raw, &edits)
        };
        let frame = RawFrame { format, width, height, data };
        if let Ok(image) = decode(&frame) {
            prop_assert!(image.width() > 0 && image.height() > 0);
        }
    }
}

#[test]
fn the_demo_index_reads_whole_and_every_cut_of_it_reads_cleanly() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/session");
    let entries = parse_index(DEMO_INDEX, &demo.join("frames.csv"), &demo).unwrap();
    assert_eq!(entries.len(), DEMO_INDEX.lines().count() - 1);
    for cut in (0..DEMO_INDEX.len()).step_by(97) {
        if DEMO_INDEX.is_char_boundary(cut) {
            check_index(&DEMO_INDEX[..cut], &demo);
        }
    }
}
