//! Line breaking for every output (PDF flow, PNG title blocks): at spaces in Latin
//! text and between any two characters in Chinese, which has no spaces, with the
//! 避头尾 rules of Chinese typesetting: no line starts with closing punctuation or
//! ends with an opening bracket. Widths are the bundled font's advances
//! ([`text_advance`]), in whatever unit `size` is given in.

use super::canvas::text_advance;

/// `text` broken into lines no wider than `max_w` (in `size`'s unit): at spaces in Latin
/// text and between any two characters in Chinese, which has no spaces, but
/// never before closing punctuation (，。、）：；) nor after an opening bracket —
/// 避头尾 as Chinese typesetting has it. A word wider than the line is broken where it must be.
pub fn wrap(text: &str, size: f32, max_w: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in words_with_spaces(para) {
            let candidate = format!("{line}{word}");
            if text_advance(candidate.trim_end(), size) <= max_w || line.is_empty() {
                line = candidate;
            } else {
                lines.push(line.trim_end().to_string());
                line = word.trim_start().to_string();
            }
            // A single word wider than the line is broken by characters.
            while text_advance(line.trim_end(), size) > max_w && line.chars().count() > 1 {
                let mut head = String::new();
                for c in line.chars() {
                    let next = format!("{head}{c}");
                    if text_advance(&next, size) > max_w && !head.is_empty() {
                        break;
                    }
                    head = next;
                }
                let rest = line[head.len()..].to_string();
                lines.push(head);
                line = rest;
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Opening brackets a line must not end with.
const NO_LINE_END: &str = "（《「『【〔([";

/// Closing punctuation a line must not start with.
const NO_LINE_START: &str = "，。、：；！？）》」』】〕%％,.;:!?)]";

/// The pieces a line may break between, each with its trailing spaces: a Latin
/// word, or one CJK character with any closing punctuation after it.
fn words_with_spaces(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        let cjk = !c.is_ascii();
        if NO_LINE_START.contains(c) {
            cur.push(c);
            continue;
        }
        if c == ' ' {
            cur.push(c);
            continue;
        }
        // A new piece starts after a space, at a CJK character, or after one, but
        // never right after an opening bracket (避尾: a line does not end with one).
        let opened = cur
            .chars()
            .next_back()
            .is_some_and(|p| NO_LINE_END.contains(p));
        let ends = !opened
            && (cur.ends_with(' ')
                || cjk
                || cur
                    .chars()
                    .next_back()
                    .is_some_and(|p| !p.is_ascii() && !NO_LINE_START.contains(p)));
        if ends && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The unbreakable words of `text`, without their spaces.
pub fn words(text: &str) -> Vec<String> {
    words_with_spaces(text)
        .into_iter()
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character_and_never_starts_a_line_with_closing_punctuation() {
        let text = "嘉兴高新区空港新城光伏新能源产业园，高端汽车零部件与光电信息产业园（示意），用地平衡表";
        for max_w in [40.0, 61.0, 97.0, 150.0] {
            let lines = wrap(text, 10.0, max_w);
            assert!(lines.len() > 1, "{max_w}: {lines:?}");
            assert_eq!(lines.concat(), text, "{max_w}");
            for line in &lines {
                assert!(text_advance(line, 10.0) <= max_w + 10.0, "{line}");
                let first = line.chars().next().unwrap();
                assert!(!NO_LINE_START.contains(first), "{max_w}: {lines:?}");
                let last = line.chars().next_back().unwrap();
                assert!(!NO_LINE_END.contains(last), "{max_w}: {lines:?}");
            }
        }
        let latin = wrap("Land-use balance of the photovoltaic park", 10.0, 80.0);
        assert!(
            latin
                .iter()
                .all(|w| !w.starts_with(' ') && !w.ends_with(' '))
        );
        assert_eq!(latin.join(" "), "Land-use balance of the photovoltaic park");
    }
}
