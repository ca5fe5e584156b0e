//! The stretch catalogue: what to suggest for each posture problem, for a break, and for long
//! sitting, and a rotation that picks the least recently shown one.
//!
//! The exercises and their doses follow `docs/research/ergonomics.md` §4.1 (desk-stretching and
//! exercise trials, physiotherapy handouts); the mapping from problems follows §4.2. Everything
//! is framed as relief and prevention: stretching is not shown to dissolve knots.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::posture::Problem;

/// What sort of advice a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An exercise to do now: a stretch, a movement, a strengthening move.
    Stretch,
    /// Something to do differently through the day.
    Habit,
    /// A change to the desk, screen or chair, made once.
    Setup,
    /// Self-massage and heat or cold for a sore spot.
    Massage,
}

/// One piece of advice, in the user's words: what to do, how much, and when not to.
///
/// The catalogue's entries borrow static text; a suggestion read back from a stored event owns
/// its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Stable snake_case name, for history and for tests.
    pub id: Cow<'static, str>,
    pub title: Cow<'static, str>,
    /// How to do it, in one or two sentences.
    pub how: Cow<'static, str>,
    /// How long or how often.
    pub dose: Cow<'static, str>,
    /// When to stop, or who should not do it.
    pub safety: Cow<'static, str>,
    pub kind: Kind,
}

/// What a suggestion is for: a posture problem, a break, or a long time spent sitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Problem(Problem),
    /// Something to do during a short break away from the desk.
    Break,
    /// Habits and self-care for someone who sits for long hours and gets knots.
    LongSitting,
}

const fn entry(
    id: &'static str,
    title: &'static str,
    kind: Kind,
    how: &'static str,
    dose: &'static str,
    safety: &'static str,
) -> Suggestion {
    Suggestion {
        id: Cow::Borrowed(id),
        title: Cow::Borrowed(title),
        how: Cow::Borrowed(how),
        dose: Cow::Borrowed(dose),
        safety: Cow::Borrowed(safety),
        kind,
    }
}

/// Every suggestion. The first entry is the fallback when nothing else fits.
static CATALOGUE: [Suggestion; 26] = [
    entry(
        "walk_break",
        "Walk break",
        Kind::Habit,
        "Stand up and walk for a minute or two: fetch water, take the stairs, go to a window. \
         Moving does more than just standing up.",
        "1-3 min, every 20-30 min if you can",
        "Go at an easy pace; if walking hurts, keep it short and on the flat.",
    ),
    entry(
        "march_in_place",
        "March on the spot",
        Kind::Stretch,
        "Warm up before you stretch: march on the spot or walk around, lifting your knees and \
         swinging your arms loosely.",
        "1-2 min, before any stretch",
        "Hold the desk if your balance is unsteady; it is a warm-up, so keep it easy.",
    ),
    entry(
        "chin_tuck",
        "Chin tuck",
        Kind::Stretch,
        "Sit tall with your eyes level and glide your head straight back, as if making a double \
         chin, without nodding down or tipping up. Two fingers on the chin can guide it.",
        "Hold 5-10 s, 10 times",
        "Stop if it brings on a headache, dizziness or more neck pain; do not push the head back \
         into a tilt.",
    ),
    entry(
        "upper_trap_stretch",
        "Side-of-neck stretch (upper trapezius)",
        Kind::Stretch,
        "Sit tall and hold the seat of your chair with one hand to keep that shoulder down, then \
         tilt the other ear towards the free shoulder. The free hand may rest lightly on your \
         head for a little more stretch.",
        "20-30 s, 2-3 times each side",
        "A gentle pull only; stop at once if you feel pain, tingling or numbness down the arm.",
    ),
    entry(
        "levator_stretch",
        "Neck-to-shoulder-blade stretch (levator scapulae)",
        Kind::Stretch,
        "Hold the chair seat with one hand, turn your head about 45 degrees away from that side \
         and look down towards the opposite armpit. Rest the other hand on the back of your \
         head to guide it, without pulling.",
        "20-30 s, 2-3 times each side",
        "Keep the stretched side's shoulder down; mild tension only, never pain.",
    ),
    entry(
        "doorway_pec",
        "Doorway chest stretch",
        Kind::Stretch,
        "Rest your forearms on a door frame, elbows bent at about a right angle at or just below \
         shoulder height, and step one foot through until you feel a stretch across the chest. \
         Keep your back upright and your shoulders down.",
        "15-30 s, 2-3 times",
        "Go very gently, or skip it, if a shoulder has ever dislocated or is frozen; stop if \
         your hand tingles, and do not hang on the shoulder joint.",
    ),
    entry(
        "thoracic_extension",
        "Upper-back extension over the chair",
        Kind::Stretch,
        "Sit back so the top of the backrest meets your mid or upper back, put your hands behind \
         your head with elbows wide, and gently arch your upper back over the backrest with the \
         chin slightly tucked, then come back up.",
        "8-10 slow repetitions",
        "Avoid after recent spine surgery or with osteoporosis or a spine fracture; move from \
         the upper back, not the lower back, and stop if pain spreads.",
    ),
    entry(
        "shoulder_blade_squeeze",
        "Shoulder-blade squeeze",
        Kind::Stretch,
        "Sit tall and draw your shoulder blades back and slightly down, as if tucking them into \
         your back pockets; hold, then let go.",
        "Hold 5 s, 10 times",
        "Keep your shoulders away from your ears and do not arch your lower back.",
    ),
    entry(
        "shoulder_rolls",
        "Shoulder rolls",
        Kind::Stretch,
        "Lift your shoulders towards your ears, roll them back and down slowly, and let them \
         drop. Or shrug as you breathe in and let go as you breathe out.",
        "5-10 slow backward rolls",
        "Keep it slow and within a comfortable range.",
    ),
    entry(
        "overhead_arm_stretch",
        "Overhead arm stretch",
        Kind::Stretch,
        "Raise one arm, bend the elbow so your hand drops between your shoulder blades, and \
         press gently on that elbow with the other hand.",
        "15-30 s each side, twice",
        "Press gently; skip it if the shoulder is painful or was recently injured.",
    ),
    entry(
        "reach_and_lean",
        "Reach up and lean",
        Kind::Stretch,
        "Reach up with both arms, fingers laced and palms to the ceiling, and grow tall; then \
         lean slowly to one side and then the other.",
        "10-15 s each side, twice",
        "Avoid with acute shoulder pain; lean only as far as is comfortable, without twisting.",
    ),
    entry(
        "eyes_20_20_20",
        "20-20-20 eye break",
        Kind::Habit,
        "Every 20 minutes, look at something at least 6 metres (20 feet) away for at least 20 \
         seconds, and blink a few times.",
        "20 s, every 20 min",
        "If your eyes stay sore, dry or blurry, have them checked: you may need glasses for \
         screen distance.",
    ),
    entry(
        "eyes_not_neck",
        "Look down with your eyes",
        Kind::Habit,
        "To read the bottom of the screen or look at the keyboard, lower your eyes rather than \
         bending your neck, and keep your head balanced over your shoulders.",
        "All day; check yourself whenever you notice it",
        "If you have to bend your neck to see the screen at all, the screen is too low: raise \
         it.",
    ),
    entry(
        "band_raise",
        "Exercise-band raise",
        Kind::Stretch,
        "Stand on the middle of an exercise band with an end in each hand and raise your arms, \
         slightly forwards, to shoulder height; lower them slowly.",
        "2 min a day, 5 days a week",
        "Start with a light band and build up gradually; stop if a shoulder hurts.",
    ),
    entry(
        "knot_massage",
        "Massage the knot",
        Kind::Massage,
        "Find the tender knot and massage it gently with your fingertips or knuckles in small \
         circles. It works best after a warm shower, when the muscle is already relaxed.",
        "1-2 min per spot, once or twice a day",
        "Firm but never painful pressure; stay off the front and sides of the neck and off \
         bruised or inflamed skin.",
    ),
    entry(
        "ball_or_roller",
        "Tennis ball or foam roller",
        Kind::Massage,
        "Put a tennis ball between your upper back and a wall, or lie on a foam roller, and lean \
         in, rolling slowly over the tight spots beside the shoulder blades.",
        "1-2 min, resting 20-30 s on a tender spot",
        "Keep the ball off the spine and the neck; ease off if you feel numbness, tingling or \
         sharp pain.",
    ),
    entry(
        "hot_cold_packs",
        "Hot and cold packs",
        Kind::Massage,
        "Alternate a warm pack and a cold pack over the sore area, always with a towel between \
         the pack and your skin.",
        "A few minutes of each, switching 2-3 times",
        "Never put a pack straight on the skin; no heat on a fresh injury or swelling, and no \
         cold if you have poor circulation or numb skin.",
    ),
    entry(
        "raise_screen",
        "Raise the screen",
        Kind::Setup,
        "Raise the screen so its top edge is at or just below eye level; put a laptop on a stand \
         or a stack of books and use a separate keyboard and mouse.",
        "Once; check again whenever you change desk",
        "Use a stable stand; with bifocals or varifocals keep the screen a little lower so you \
         do not tip your head back.",
    ),
    entry(
        "lower_screen",
        "Lower the screen",
        Kind::Setup,
        "Lower the screen until its top edge is at or slightly below eye level, so you look \
         straight ahead or slightly down, never up.",
        "Once",
        "If the stand will not go lower, raise your chair instead and support your feet.",
    ),
    entry(
        "move_back",
        "Move back from the screen",
        Kind::Setup,
        "Sit back so the screen is about an arm's length away (at least 50 cm), and make the \
         text bigger instead of leaning in to read it.",
        "Once; make larger text your default",
        "If you still lean in to read, have your eyes tested.",
    ),
    entry(
        "chair_fit",
        "A chair that fits",
        Kind::Setup,
        "Set the chair so your feet rest flat, knees are about level with your hips, the \
         backrest supports your lower back and the armrests let your shoulders relax. If it \
         will not adjust, add a footrest or cushion, or try another chair.",
        "Once, then whenever something changes",
        "Change one thing at a time and give yourself a day or two to get used to it.",
    ),
    entry(
        "stand_to_work",
        "Stand to work for a while",
        Kind::Habit,
        "Try standing for part of the day at a standing desk or a high counter, switching \
         between sitting and standing; standing still for hours is no better, so keep moving.",
        "Start with 15-30 min a few times a day, building up to about 2 h over a workday",
        "Wear supportive shoes and shift your weight; sit again if your legs, feet or back \
         ache.",
    ),
    entry(
        "walk_often",
        "Walk in short, frequent stretches",
        Kind::Habit,
        "Build walking into the day: take calls on your feet, use the stairs or a printer \
         further away. Several short walks do more than one long one.",
        "A few minutes every half hour",
        "Go at an easy pace and wear comfortable shoes.",
    ),
    entry(
        "see_physio",
        "See a physiotherapist",
        Kind::Habit,
        "If the pain or knots keep coming back, see a physiotherapist or a doctor for an \
         assessment and exercises that fit you.",
        "When it persists for more than 2-3 weeks, or sooner if it gets worse",
        "Get help promptly for numbness, tingling or weakness in an arm, a severe headache, \
         dizziness, or pain after an injury.",
    ),
    entry(
        "centre_screen",
        "Centre your work",
        Kind::Setup,
        "Put the screen and keyboard straight in front of you, and use a headset or the speaker \
         instead of holding a phone between ear and shoulder.",
        "Once",
        "With two screens used equally, centre the pair; with a main one, centre that.",
    ),
    entry(
        "relax_shoulders_setup",
        "Lower the desk or armrests",
        Kind::Setup,
        "If your shoulders creep up while you type, lower the desk or the armrests (or raise \
         the chair) until your elbows rest at about desk height with relaxed shoulders.",
        "Once",
        "If raising the chair leaves your feet dangling, add a footrest.",
    ),
];

/// The suggestions for each target, best first (the first one is shown first).
fn ids_for(target: Target) -> &'static [&'static str] {
    match target {
        Target::Problem(Problem::NeckFlexion) => {
            &["chin_tuck", "eyes_not_neck", "thoracic_extension", "levator_stretch", "raise_screen"]
        }
        Target::Problem(Problem::HeadDrop) => &[
            "chin_tuck",
            "thoracic_extension",
            "shoulder_blade_squeeze",
            "doorway_pec",
            "chair_fit",
        ],
        Target::Problem(Problem::TooClose) => &["move_back", "eyes_20_20_20", "chin_tuck"],
        Target::Problem(Problem::HeadTilt) => {
            &["upper_trap_stretch", "reach_and_lean", "centre_screen", "levator_stretch"]
        }
        Target::Problem(Problem::UnevenShoulders) => {
            &["reach_and_lean", "upper_trap_stretch", "centre_screen", "ball_or_roller"]
        }
        Target::Problem(Problem::ShruggedShoulders) => &[
            "shoulder_rolls",
            "upper_trap_stretch",
            "levator_stretch",
            "relax_shoulders_setup",
            "knot_massage",
        ],
        Target::Problem(Problem::ScreenTooLow) => {
            &["raise_screen", "chair_fit", "chin_tuck", "thoracic_extension"]
        }
        Target::Problem(Problem::ScreenTooHigh) => {
            &["lower_screen", "chair_fit", "chin_tuck", "upper_trap_stretch"]
        }
        Target::Break => &[
            "walk_break",
            "march_in_place",
            "reach_and_lean",
            "overhead_arm_stretch",
            "doorway_pec",
            "shoulder_rolls",
            "eyes_20_20_20",
        ],
        Target::LongSitting => &[
            "stand_to_work",
            "walk_often",
            "band_raise",
            "knot_massage",
            "ball_or_roller",
            "hot_cold_packs",
            "chair_fit",
            "see_physio",
        ],
    }
}

/// Every suggestion in the catalogue.
pub fn catalogue() -> &'static [Suggestion] {
    &CATALOGUE
}

/// The suggestion with this id.
pub fn by_id(id: &str) -> Option<&'static Suggestion> {
    CATALOGUE.iter().find(|s| s.id == id)
}

/// The suggestions for a target, best first.
pub fn for_target(target: Target) -> Vec<&'static Suggestion> {
    ids_for(target).iter().filter_map(|id| by_id(id)).collect()
}

fn index_of(id: &str) -> Option<usize> {
    CATALOGUE.iter().position(|s| s.id == id)
}

/// Remembers when each suggestion was last shown, so the next pick is the least recently shown
/// one (never shown counts as longest ago; ties go to the better-ranked one). Deterministic: the
/// same history gives the same picks.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// For each catalogue entry, the number of the pick that last showed it (0 = never).
    last_shown: Vec<u64>,
    picks: u64,
}

impl Default for Rotation {
    fn default() -> Self {
        Rotation { last_shown: vec![0; CATALOGUE.len()], picks: 0 }
    }
}

impl Rotation {
    pub fn new() -> Self {
        Self::default()
    }

    /// Picks the least recently shown suggestion for `target` among those `keep` accepts
    /// (among all of the target's if it accepts none), and remembers it as shown.
    pub fn pick(&mut self, target: Target, keep: impl Fn(&Suggestion) -> bool) -> Suggestion {
        let candidates: Vec<usize> = ids_for(target).iter().filter_map(|id| index_of(id)).collect();
        let kept: Vec<usize> =
            candidates.iter().copied().filter(|&i| keep(&CATALOGUE[i])).collect();
        let pool = if kept.is_empty() { candidates } else { kept };
        // min_by_key keeps the first of equal keys, so ties go to the better-ranked entry.
        let chosen = pool.into_iter().min_by_key(|&i| self.last_shown[i]).unwrap_or(0);
        self.picks += 1;
        self.last_shown[chosen] = self.picks;
        CATALOGUE[chosen].clone()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn all_targets() -> Vec<Target> {
        let mut targets: Vec<Target> = Problem::ALL.iter().map(|&p| Target::Problem(p)).collect();
        targets.extend([Target::Break, Target::LongSitting]);
        targets
    }

    #[test]
    fn every_suggestion_is_complete_and_short() {
        for s in catalogue() {
            for (field, text) in
                [("title", &s.title), ("how", &s.how), ("dose", &s.dose), ("safety", &s.safety)]
            {
                assert!(!text.trim().is_empty(), "{}: empty {field}", s.id);
                assert!(!text.contains("  "), "{}: double space in {field}", s.id);
            }
            let sentences = s.how.matches(". ").count() + 1;
            assert!(sentences <= 2, "{}: `how` has {sentences} sentences", s.id);
            assert!(s.how.ends_with('.'), "{}: `how` should be a sentence", s.id);
            assert!(
                s.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}: id is not snake_case",
                s.id
            );
        }
    }

    #[test]
    fn ids_are_unique_and_every_mapped_id_exists() {
        let mut seen = HashSet::new();
        for s in catalogue() {
            assert!(seen.insert(s.id.as_ref()), "duplicate id {}", s.id);
        }
        for target in all_targets() {
            for id in ids_for(target) {
                assert!(by_id(id).is_some(), "{target:?} names unknown suggestion {id}");
            }
        }
    }

    #[test]
    fn every_target_has_at_least_three_suggestions() {
        for target in all_targets() {
            let n = for_target(target).len();
            assert!(n >= 3, "{target:?} has only {n} suggestions");
        }
    }

    #[test]
    fn every_suggestion_is_offered_somewhere() {
        let used: HashSet<&str> = all_targets().into_iter().flat_map(ids_for).copied().collect();
        for s in catalogue() {
            assert!(used.contains(s.id.as_ref()), "{} is never suggested", s.id);
        }
    }

    #[test]
    fn every_problem_has_a_stretch_and_workstation_problems_have_setup_advice() {
        for p in Problem::ALL {
            let kinds: Vec<Kind> = for_target(Target::Problem(p)).iter().map(|s| s.kind).collect();
            assert!(kinds.contains(&Kind::Stretch), "{p:?} has no stretch");
        }
        for p in [Problem::ScreenTooLow, Problem::ScreenTooHigh, Problem::TooClose] {
            let first = for_target(Target::Problem(p))[0];
            assert_eq!(first.kind, Kind::Setup, "{p:?} should lead with set-up advice");
        }
    }

    /// The advice the product exists to give is all in the catalogue.
    #[test]
    fn catalogue_covers_the_core_advice() {
        let checks: &[(&str, &[&str])] = &[
            ("knot_massage", &["fingertips", "knuckles", "small circles", "warm shower"]),
            ("ball_or_roller", &["tennis ball", "wall", "foam roller"]),
            ("march_in_place", &["march on the spot", "before you stretch"]),
            ("overhead_arm_stretch", &["between your shoulder blades", "elbow"]),
            ("reach_and_lean", &["both arms", "lean"]),
            ("band_raise", &["exercise band"]),
            ("hot_cold_packs", &["warm pack", "cold pack", "towel"]),
            ("raise_screen", &["eye level"]),
            ("chair_fit", &["chair"]),
            ("stand_to_work", &["standing"]),
            ("walk_often", &["short"]),
            ("see_physio", &["physiotherapist"]),
            ("chin_tuck", &["double chin"]),
            ("upper_trap_stretch", &["ear"]),
            ("levator_stretch", &["armpit"]),
            ("doorway_pec", &["door frame"]),
            ("thoracic_extension", &["backrest"]),
            ("shoulder_blade_squeeze", &["shoulder blades"]),
            ("shoulder_rolls", &["roll"]),
            ("eyes_20_20_20", &["20 seconds"]),
            ("walk_break", &["walk"]),
            ("move_back", &["arm's length"]),
        ];
        for (id, phrases) in checks {
            let s = by_id(id).unwrap_or_else(|| panic!("missing {id}"));
            let text = format!("{} {}", s.title, s.how).to_lowercase();
            for phrase in *phrases {
                assert!(text.contains(phrase), "{id} should mention {phrase:?}: {text}");
            }
        }
    }

    #[test]
    fn rotation_never_repeats_back_to_back_and_shows_all_in_turn() {
        for target in all_targets() {
            let mut rotation = Rotation::new();
            let n = for_target(target).len();
            let picks: Vec<String> =
                (0..n * 3).map(|_| rotation.pick(target, |_| true).id.into_owned()).collect();
            for pair in picks.windows(2) {
                assert_ne!(pair[0], pair[1], "{target:?} repeated {}", pair[0]);
            }
            let first_round: HashSet<&String> = picks[..n].iter().collect();
            assert_eq!(first_round.len(), n, "{target:?}: first round should show each once");
            assert_eq!(picks[0], ids_for(target)[0], "{target:?}: best first");
        }
    }

    #[test]
    fn rotation_respects_the_filter_and_falls_back_when_it_rejects_all() {
        let mut rotation = Rotation::new();
        let setup =
            rotation.pick(Target::Problem(Problem::ScreenTooLow), |s| s.kind == Kind::Setup);
        assert_eq!(setup.kind, Kind::Setup);
        let stretch =
            rotation.pick(Target::Problem(Problem::ScreenTooLow), |s| s.kind == Kind::Stretch);
        assert_eq!(stretch.kind, Kind::Stretch);
        let any = rotation.pick(Target::Problem(Problem::TooClose), |_| false);
        assert!(ids_for(Target::Problem(Problem::TooClose)).contains(&any.id.as_ref()));
    }

    #[test]
    fn suggestions_round_trip_through_json() {
        let s = catalogue()[2].clone();
        let json = serde_json::to_string(&s).expect("serializes");
        assert!(json.contains(r#""kind":"stretch""#), "{json}");
        let back: Suggestion = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, s);
    }
}
