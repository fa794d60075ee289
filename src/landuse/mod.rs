//! Land-use classes of the two Chinese standards, with codes, names and colours.
//!
//! The table is `assets/landuse-classes.tsv`, compiled into the binary: the 2023
//! national classification 国土空间调查、规划、用途管制用地用海分类指南 (codes like
//! `07`, `0701`, `070101`) and GB 50137-2011 (codes like `R`, `R2`). Its colours are
//! the standard drawing colours, each with the source it was taken from.

use std::collections::HashMap;

pub mod mixed;

pub use mixed::{LanduseValue, MixedCode, normalise_width, parse_shares};

/// Index of a class in [`LanduseTable::classes`].
pub type ClassId = u16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Standard {
    /// 国土空间调查、规划、用途管制用地用海分类指南 (2023).
    Gtkj2023,
    /// GB 50137-2011 城市用地分类与规划建设用地标准.
    Gb50137,
}

impl Standard {
    pub fn key(self) -> &'static str {
        match self {
            Standard::Gtkj2023 => "GTKJ2023",
            Standard::Gb50137 => "GB50137",
        }
    }

    pub fn parse(text: &str) -> Option<Standard> {
        match text
            .trim()
            .to_ascii_uppercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "GTKJ2023" | "2023" | "GTKJ" | "NATIONAL" => Some(Standard::Gtkj2023),
            "GB50137" | "GB" | "GB501372011" => Some(Standard::Gb50137),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LanduseClass {
    pub standard: Standard,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// 1, 2 or 3.
    pub level: u8,
    pub parent: Option<ClassId>,
    pub rgb: [u8; 3],
    /// Where the colour comes from.
    pub source: String,
}

/// How a raw value was matched to a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// The value is the class's code.
    Code,
    /// The value is the class's Chinese (or English) name.
    Name,
    /// The value starts with the code, followed by a name (`070101 二类城镇住宅用地`).
    CodePrefix,
    /// The value is a finer code that the table lacks; its nearest ancestor is used.
    Parent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    pub class: ClassId,
    pub kind: MatchKind,
}

#[derive(Debug)]
pub struct LanduseTable {
    pub classes: Vec<LanduseClass>,
    by_code: HashMap<(Standard, String), ClassId>,
    by_name: HashMap<String, ClassId>,
    /// 2023 class → GB 50137 class, for the classes the crosswalk names.
    to_gb50137: HashMap<ClassId, ClassId>,
}

/// Which standard's colours (and classes) the map and legend show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Palette {
    /// Each class in its own standard's colour (2023 codes in the 2023 palette).
    #[default]
    Gtkj2023,
    /// 2023 classes shown as their GB 50137 counterparts.
    Gb50137,
}

#[derive(Debug, thiserror::Error)]
#[error("land-use table line {line}: {reason}")]
pub struct TableError {
    pub line: usize,
    pub reason: String,
}

const BUNDLED_TSV: &str = include_str!("../../assets/landuse-classes.tsv");
/// The project's correspondence from the 2023 classes to GB 50137-2011, used to show
/// 2023-coded plans in the older palette. It is a display aid, not a legal
/// conversion: classes with no counterpart (留白用地, sea use) keep their own colour.
const CROSSWALK_TSV: &str = include_str!("../../assets/landuse-crosswalk.tsv");

impl LanduseTable {
    /// The bundled table, parsed once. The bundled file is checked by a test, so a
    /// parse failure here can only come from a broken build; it yields an empty table
    /// rather than a panic.
    pub fn global() -> &'static LanduseTable {
        static CELL: std::sync::OnceLock<LanduseTable> = std::sync::OnceLock::new();
        CELL.get_or_init(|| {
            let mut t = LanduseTable::parse(BUNDLED_TSV).unwrap_or_else(|_| LanduseTable {
                classes: Vec::new(),
                by_code: HashMap::new(),
                by_name: HashMap::new(),
                to_gb50137: HashMap::new(),
            });
            // The bundled crosswalk is checked by a test; a line that does not resolve
            // is skipped rather than failing the whole table.
            let _ = t.add_crosswalk(CROSSWALK_TSV);
            t
        })
    }

    /// Parses the tab-separated table (header line first).
    pub fn parse(tsv: &str) -> Result<LanduseTable, TableError> {
        let mut classes: Vec<LanduseClass> = Vec::new();
        let mut parents: Vec<(usize, String)> = Vec::new();
        for (i, line) in tsv.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let err = |reason: &str| TableError {
                line: i + 1,
                reason: reason.to_string(),
            };
            let cols: Vec<&str> = line.split('\t').collect();
            let [std_col, code, name_zh, name_en, level, parent, r, g, b, ..] = cols.as_slice()
            else {
                return Err(err("expected at least 9 tab-separated columns"));
            };
            let standard = Standard::parse(std_col).ok_or_else(|| err("unknown standard"))?;
            let level: u8 = level.trim().parse().map_err(|_| err("bad level"))?;
            let channel = |s: &str| s.trim().parse::<u8>().map_err(|_| err("bad colour"));
            let rgb = [channel(r)?, channel(g)?, channel(b)?];
            parents.push((classes.len(), parent.trim().to_string()));
            classes.push(LanduseClass {
                standard,
                code: code.trim().to_string(),
                name_zh: name_zh.trim().to_string(),
                name_en: name_en.trim().to_string(),
                level,
                parent: None,
                rgb,
                source: cols
                    .get(9)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default(),
            });
        }
        let mut by_code = HashMap::new();
        for (i, c) in classes.iter().enumerate() {
            by_code.insert((c.standard, c.code.to_ascii_uppercase()), i as ClassId);
        }
        for (i, parent) in parents {
            if parent.is_empty() {
                continue;
            }
            let Some(standard) = classes.get(i).map(|c| c.standard) else {
                continue;
            };
            let id = by_code
                .get(&(standard, parent.to_ascii_uppercase()))
                .copied()
                .ok_or_else(|| TableError {
                    line: i + 2,
                    reason: format!("parent code {parent} is not in the table"),
                })?;
            if let Some(c) = classes.get_mut(i) {
                c.parent = Some(id);
            }
        }
        // Names resolve to the 2023 standard first: the same name (工业用地) exists in
        // both, and current plans use the 2023 codes.
        let mut by_name = HashMap::new();
        for standard in [Standard::Gtkj2023, Standard::Gb50137] {
            for (i, c) in classes.iter().enumerate() {
                if c.standard == standard {
                    by_name.entry(c.name_zh.clone()).or_insert(i as ClassId);
                    by_name
                        .entry(c.name_en.to_lowercase())
                        .or_insert(i as ClassId);
                }
            }
        }
        Ok(LanduseTable {
            classes,
            by_code,
            by_name,
            to_gb50137: HashMap::new(),
        })
    }

    /// Reads a crosswalk (header `gtkj2023 gb50137 note`, tab-separated). Returns the
    /// lines whose codes are not in the table.
    pub fn add_crosswalk(&mut self, tsv: &str) -> Vec<TableError> {
        let mut bad = Vec::new();
        for (i, line) in tsv.lines().enumerate().skip(1) {
            let mut cols = line.split('\t');
            let (Some(a), Some(b)) = (cols.next(), cols.next()) else {
                continue;
            };
            match (self.by_code(a), self.by_code(b)) {
                (Some(x), Some(y)) => {
                    self.to_gb50137.insert(x, y);
                }
                _ => bad.push(TableError {
                    line: i + 1,
                    reason: format!("unknown code {a} or {b}"),
                }),
            }
        }
        bad
    }

    /// The class to show for `id` in a palette: under GB 50137, a 2023 class maps to
    /// the counterpart of its nearest mapped ancestor; otherwise (or unmapped) itself.
    pub fn shown_as(&self, id: ClassId, palette: Palette) -> ClassId {
        if palette == Palette::Gtkj2023 {
            return id;
        }
        let mut cur = Some(id);
        while let Some(c) = cur {
            if let Some(&g) = self.to_gb50137.get(&c) {
                return g;
            }
            cur = self.class(c).and_then(|k| k.parent);
        }
        id
    }

    pub fn class(&self, id: ClassId) -> Option<&LanduseClass> {
        self.classes.get(id as usize)
    }

    /// Looks up a code in either standard (digits are the 2023 codes, letters GB 50137).
    pub fn by_code(&self, code: &str) -> Option<ClassId> {
        let upper = code.trim().to_ascii_uppercase();
        let standard = if upper.starts_with(|c: char| c.is_ascii_digit()) {
            Standard::Gtkj2023
        } else {
            Standard::Gb50137
        };
        self.by_code.get(&(standard, upper)).copied()
    }

    /// Resolves a raw land-use value: a code, a name, a code followed by a name, or a
    /// finer code whose ancestor is in the table. `None` for unknown values.
    pub fn resolve(&self, raw: &str) -> Option<Resolution> {
        let t = raw.trim();
        if t.is_empty() {
            return None;
        }
        if let Some(class) = self.by_code(t) {
            return Some(Resolution {
                class,
                kind: MatchKind::Code,
            });
        }
        if let Some(&class) = self
            .by_name
            .get(t)
            .or_else(|| self.by_name.get(&t.to_lowercase()))
        {
            return Some(Resolution {
                class,
                kind: MatchKind::Name,
            });
        }
        // A leading code token: "070101 二类城镇住宅用地", "R2二类居住用地", "M1(一类工业)".
        let token: String = t
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !token.is_empty()
            && token.len() < t.len()
            && let Some(class) = self.by_code(&token)
        {
            return Some(Resolution {
                class,
                kind: MatchKind::CodePrefix,
            });
        }
        let code = if token.is_empty() { t } else { token.as_str() };
        self.ancestor_of_unknown(code).map(|class| Resolution {
            class,
            kind: MatchKind::Parent,
        })
    }

    /// The nearest ancestor in the table of a finer code that the table lacks:
    /// 2023 codes lose two digits at a time (`08040301` → `080403`), GB 50137 codes one
    /// character (`R21` → `R2`).
    fn ancestor_of_unknown(&self, code: &str) -> Option<ClassId> {
        let code = code.trim();
        if !code.is_ascii() || code.len() < 2 {
            return None;
        }
        let digits = code.chars().all(|c| c.is_ascii_digit());
        let letter_then_digits = code.starts_with(|c: char| c.is_ascii_alphabetic())
            && code.chars().skip(1).all(|c| c.is_ascii_digit());
        let mut cut = code.to_string();
        loop {
            let step = if digits {
                2
            } else if letter_then_digits {
                1
            } else {
                return None;
            };
            if cut.len() <= step {
                return None;
            }
            cut.truncate(cut.len() - step);
            if let Some(id) = self.by_code(&cut) {
                return Some(id);
            }
        }
    }

    /// The class's ancestor at `level` (1–3); the class itself when it is at that
    /// level or coarser.
    pub fn at_level(&self, mut id: ClassId, level: u8) -> ClassId {
        while let Some(c) = self.class(id) {
            match c.parent {
                Some(p) if c.level > level => id = p,
                _ => break,
            }
        }
        id
    }

    /// The class's colour.
    pub fn rgb(&self, id: ClassId) -> [u8; 3] {
        self.class(id).map(|c| c.rgb).unwrap_or([200, 200, 200])
    }

    /// The classes of one standard, in table order.
    pub fn of_standard(
        &self,
        standard: Standard,
    ) -> impl Iterator<Item = (ClassId, &LanduseClass)> {
        self.classes
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.standard == standard)
            .map(|(i, c)| (i as ClassId, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosswalk_resolves_every_line_and_maps_by_nearest_ancestor() {
        let mut t = LanduseTable::parse(BUNDLED_TSV).unwrap();
        let bad = t.add_crosswalk(CROSSWALK_TSV);
        assert!(bad.is_empty(), "{bad:?}");
        let g = LanduseTable::global();
        let code = |id: ClassId| g.class(id).unwrap().code.clone();
        let shown = |c: &str| code(g.shown_as(g.by_code(c).unwrap(), Palette::Gb50137));
        assert_eq!(shown("070102"), "R2");
        assert_eq!(shown("100101"), "M1");
        assert_eq!(shown("0802"), "A3");
        assert_eq!(shown("090105"), "B4");
        // A class without its own line takes its parent's counterpart.
        assert_eq!(shown("090104"), "B1");
        assert_eq!(shown("1203"), "H2");
        // No counterpart: shown as itself.
        assert_eq!(shown("16"), "16");
        // GB 50137 codes and the 2023 palette are left alone.
        assert_eq!(shown("R2"), "R2");
        let id = g.by_code("070102").unwrap();
        assert_eq!(g.shown_as(id, Palette::Gtkj2023), id);
    }

    #[test]
    fn bundled_table_parses_whole() {
        let t = LanduseTable::parse(BUNDLED_TSV).unwrap();
        let lines = BUNDLED_TSV
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count();
        assert_eq!(t.classes.len(), lines);
        assert!(t.classes.len() > 200);
    }

    #[test]
    fn resolves_codes_names_and_parents() {
        let t = LanduseTable::global();
        let code = |id: ClassId| t.class(id).unwrap().code.clone();
        let r = t.resolve("070102").unwrap();
        assert_eq!((code(r.class), r.kind), ("070102".into(), MatchKind::Code));
        assert_eq!(t.class(r.class).unwrap().name_zh, "二类城镇住宅用地");
        assert_eq!(code(t.resolve("二类城镇住宅用地").unwrap().class), "070102");
        assert_eq!(code(t.resolve("工业用地").unwrap().class), "1001");
        assert_eq!(code(t.resolve("r2").unwrap().class), "R2");
        let p = t.resolve("R21").unwrap();
        assert_eq!((code(p.class), p.kind), ("R2".into(), MatchKind::Parent));
        assert_eq!(code(t.resolve("10010101").unwrap().class), "100101");
        assert_eq!(
            code(t.resolve("070101 一类城镇住宅用地").unwrap().class),
            "070101"
        );
        assert!(t.resolve("ZZ9").is_none());
        assert!(t.resolve("").is_none());
        let id = t.by_code("100102").unwrap();
        assert_eq!(code(t.at_level(id, 1)), "10");
        assert_eq!(code(t.at_level(id, 2)), "1001");
        assert_eq!(code(t.at_level(id, 3)), "100102");
        assert_eq!(t.rgb(t.by_code("1001").unwrap()), [187, 150, 116]);
    }
}
