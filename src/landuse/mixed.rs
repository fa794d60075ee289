//! Mixed-use land-use codes (混合用地): `R2/B1`, `070102/090101`, `0701+0901`,
//! `B1B2`, `B1、B2`, and the same in full-width characters (`Ｒ２／Ｂ１`).
//!
//! A mixed code lists two or more uses; by planning convention its first part is
//! the dominant use (主导用途). Parts that are not in the standard table are kept
//! as text so that they can be reported rather than silently dropped.

use super::{ClassId, LanduseTable, MatchKind, Resolution};

/// A land-use value made of several uses.
#[derive(Debug, Clone, PartialEq)]
pub struct MixedCode {
    /// The parts' codes joined by `/` in their given order (`070102/090101`): the
    /// key under which the combination is listed on its own.
    pub key: String,
    /// Each part as written (after width normalisation) and the class it resolves to.
    pub parts: Vec<(String, Option<ClassId>)>,
}

impl MixedCode {
    /// The dominant use: the first part, when it is a known class.
    pub fn dominant(&self) -> Option<ClassId> {
        self.parts.first().and_then(|p| p.1)
    }

    /// The parts that are not in the standard table.
    pub fn unknown_parts(&self) -> impl Iterator<Item = &str> {
        self.parts
            .iter()
            .filter(|p| p.1.is_none())
            .map(|p| p.0.as_str())
    }
}

/// What a raw land-use value is.
#[derive(Debug, Clone, PartialEq)]
pub enum LanduseValue {
    /// No value, or a value that is not a known code or name.
    Unknown,
    /// One class.
    Single(Resolution),
    /// Several uses.
    Mixed(MixedCode),
}

/// Replaces full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space by
/// their ASCII counterparts, as Chinese input methods often type codes in them.
pub fn normalise_width(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| match c as u32 {
                0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                0x3000 => ' ',
                _ => c,
            })
            .collect(),
    )
}

/// Characters that separate the uses of a mixed code (after width normalisation).
const SEPARATORS: &[char] = &['/', '+', '、', ',', ';', '&', '|', '\\'];

impl LanduseTable {
    /// Reads a raw land-use value: a single code or name (see
    /// [`LanduseTable::resolve`]), or a mixed code of several uses.
    pub fn resolve_value(&self, raw: &str) -> LanduseValue {
        let text = normalise_width(raw.trim());
        let text = text.trim();
        if text.is_empty() {
            return LanduseValue::Unknown;
        }
        // A whole code or name wins, so that a name that happens to hold a
        // separator is not taken apart.
        if let Some(r) = self.resolve(text)
            && matches!(r.kind, MatchKind::Code | MatchKind::Name)
        {
            return LanduseValue::Single(r);
        }
        let mut tokens: Vec<&str> = text
            .split(SEPARATORS)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        let mut pieces: Vec<String> = Vec::new();
        if tokens.len() == 1 {
            // Codes separated by spaces only count when every token is a code, so
            // that "070101 一类城镇住宅用地" stays one class with its name.
            let words: Vec<&str> = text.split_whitespace().collect();
            if words.len() > 1 && words.iter().all(|w| self.by_code(w).is_some()) {
                tokens = words;
            } else if let Some(split) = self.split_concatenated(text) {
                pieces = split;
            }
        }
        if pieces.is_empty() && tokens.len() > 1 {
            pieces = tokens.iter().map(|t| t.to_string()).collect();
        }
        if pieces.len() < 2 {
            return self
                .resolve(text)
                .map_or(LanduseValue::Unknown, LanduseValue::Single);
        }
        let mut parts: Vec<(String, Option<ClassId>)> = Vec::new();
        for piece in pieces {
            let class = self.resolve(&piece).map(|r| r.class);
            // A use named twice is one use.
            if parts
                .iter()
                .any(|(t, c)| (class.is_some() && *c == class) || *t == piece)
            {
                continue;
            }
            parts.push((piece, class));
        }
        match parts.as_slice() {
            [] => LanduseValue::Unknown,
            [(_, Some(class))] => LanduseValue::Single(Resolution {
                class: *class,
                kind: MatchKind::Code,
            }),
            [(_, None)] => LanduseValue::Unknown,
            _ => {
                let key = parts
                    .iter()
                    .map(|(t, c)| {
                        c.and_then(|c| self.class(c))
                            .map_or_else(|| t.clone(), |k| k.code.clone())
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                LanduseValue::Mixed(MixedCode { key, parts })
            }
        }
    }

    /// Splits GB 50137 codes written together (`B1B2`, `R2B1`): an ASCII run of
    /// letter-and-digits codes with at least two letters, every piece a known code.
    fn split_concatenated(&self, text: &str) -> Option<Vec<String>> {
        if !text.chars().all(|c| c.is_ascii_alphanumeric())
            || !text.starts_with(|c: char| c.is_ascii_alphabetic())
        {
            return None;
        }
        let mut pieces: Vec<String> = Vec::new();
        for c in text.chars() {
            match pieces.last_mut() {
                Some(last) if c.is_ascii_digit() => last.push(c),
                _ => pieces.push(c.to_string()),
            }
        }
        (pieces.len() >= 2 && pieces.iter().all(|p| self.by_code(p).is_some())).then_some(pieces)
    }
}

/// Reads the shares of a mixed parcel's uses from text such as `70/30`, `7:3`,
/// `60%,40%` or `0.6 0.4`, scaled to fractions that add up to 1. `None` when the
/// text holds no positive numbers or not `parts` of them.
pub fn parse_shares(text: &str, parts: usize) -> Option<Vec<f64>> {
    let text = normalise_width(text);
    let numbers: Vec<f64> = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    let sum: f64 = numbers.iter().sum();
    if numbers.len() != parts || sum <= 0.0 || !sum.is_finite() {
        return None;
    }
    Some(numbers.iter().map(|n| n / sum).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(t: &LanduseTable, id: Option<ClassId>) -> String {
        id.and_then(|c| t.class(c))
            .map(|c| c.code.clone())
            .unwrap_or_default()
    }

    #[test]
    fn every_spelling_of_a_mixed_code_reads_as_its_parts() {
        let t = LanduseTable::global();
        for (raw, key) in [
            ("R2/B1", "R2/B1"),
            ("070102/090101", "070102/090101"),
            ("0701/0901", "0701/0901"),
            ("B1B2", "B1/B2"),
            ("B1、B2", "B1/B2"),
            ("R2+B1", "R2/B1"),
            ("Ｒ２／Ｂ１", "R2/B1"),
            ("r2 / b1", "R2/B1"),
            ("0701 0901", "0701/0901"),
            ("070102，090101", "070102/090101"),
        ] {
            match t.resolve_value(raw) {
                LanduseValue::Mixed(m) => {
                    assert_eq!(m.key, key, "{raw}");
                    assert!(m.unknown_parts().next().is_none(), "{raw}");
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
        let LanduseValue::Mixed(m) = t.resolve_value("070102/090101") else {
            panic!()
        };
        assert_eq!(code(t, m.dominant()), "070102");
    }

    #[test]
    fn single_codes_names_and_unknown_parts() {
        let t = LanduseTable::global();
        let single = |raw: &str| match t.resolve_value(raw) {
            LanduseValue::Single(r) => code(t, Some(r.class)),
            other => panic!("{raw}: {other:?}"),
        };
        assert_eq!(single("Ｒ２"), "R2");
        assert_eq!(single("070101 一类城镇住宅用地"), "070101");
        assert_eq!(single("R21"), "R2");
        assert_eq!(single("R2/R2"), "R2");
        assert_eq!(single("工业用地"), "1001");
        assert_eq!(t.resolve_value(""), LanduseValue::Unknown);
        assert_eq!(t.resolve_value("ZZ9"), LanduseValue::Unknown);
        let LanduseValue::Mixed(m) = t.resolve_value("R2/ZZ9") else {
            panic!()
        };
        assert_eq!(m.key, "R2/ZZ9");
        assert_eq!(m.unknown_parts().collect::<Vec<_>>(), vec!["ZZ9"]);
        let LanduseValue::Mixed(m) = t.resolve_value("ZZ9/R2") else {
            panic!()
        };
        assert_eq!(m.dominant(), None);
    }

    #[test]
    fn shares_in_every_common_spelling() {
        assert_eq!(parse_shares("70/30", 2), Some(vec![0.7, 0.3]));
        assert_eq!(parse_shares("7:3", 2), Some(vec![0.7, 0.3]));
        assert_eq!(parse_shares("60%,40%", 2), Some(vec![0.6, 0.4]));
        assert_eq!(parse_shares("０.５ ０.５", 2), Some(vec![0.5, 0.5]));
        assert_eq!(parse_shares("70/30", 3), None);
        assert_eq!(parse_shares("", 2), None);
        assert_eq!(parse_shares("0/0", 2), None);
    }
}
