//! Translating a selection expression into a SQL condition for a database layer,
//! so that the server filters its own rows (`--where` and 按条件选择 on a live
//! PostGIS layer).
//!
//! Every literal becomes a bound parameter and every field a quoted identifier of
//! a column the table really has, so nothing typed reaches the SQL text. Where
//! SQL would not decide as the client's evaluator does (a text field compared
//! with a number, `$id`, `$class`), the translation is refused with the reason,
//! and the caller evaluates the expression on the client over the rows of the
//! query's area instead.

use super::{Arith, Cmp, Expr, Node};

/// The kind of a database column, as far as translation needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlKind {
    Number,
    Text,
    Bool,
    /// Anything else (dates, arrays): only `IS NULL` translates.
    Other,
}

/// A bound parameter of a translated condition.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlParam {
    Number(f64),
    Text(String),
}

/// A translated condition: SQL text with `$n` placeholders and their values.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlCondition {
    pub sql: String,
    pub params: Vec<SqlParam>,
}

/// The columns a translation may name, and the SQL of a row's area in m².
pub struct SqlContext<'a> {
    /// Column names with their kinds, as the table has them.
    pub columns: &'a [(String, SqlKind)],
    /// The SQL of `$area` (e.g. `ST_Area("geom"::geography)`).
    pub area_sql: &'a str,
    /// The number of the first placeholder (`$1` when the condition stands alone).
    pub first_param: usize,
}

/// Quotes an identifier for PostgreSQL: double quotes, inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The type of a translated value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Null,
    Bool,
    Number,
    Text,
    Other,
}

struct Translator<'a, 'b> {
    ctx: &'a SqlContext<'b>,
    params: Vec<SqlParam>,
}

impl Expr {
    /// The expression as a SQL condition over a table with `ctx.columns`, or why
    /// it cannot be translated exactly.
    pub fn to_sql(&self, ctx: &SqlContext) -> Result<SqlCondition, String> {
        let mut t = Translator {
            ctx,
            params: Vec::new(),
        };
        let (sql, ty) = t.node(&self.root)?;
        match ty {
            Ty::Bool | Ty::Null => Ok(SqlCondition {
                sql,
                params: t.params,
            }),
            _ => Err("the expression is not a condition (true or false)".into()),
        }
    }
}

impl Translator<'_, '_> {
    fn param(&mut self, p: SqlParam) -> String {
        let cast = match p {
            SqlParam::Number(_) => "float8",
            SqlParam::Text(_) => "text",
        };
        self.params.push(p);
        format!("${}::{cast}", self.ctx.first_param + self.params.len() - 1)
    }

    fn column(&self, name: &str) -> Result<(String, Ty), String> {
        let cols = self.ctx.columns;
        let found = cols
            .iter()
            .find(|(c, _)| c == name)
            .or_else(|| {
                cols.iter()
                    .find(|(c, _)| c.to_lowercase() == name.to_lowercase())
            })
            .ok_or_else(|| format!("the table has no column \"{name}\""))?;
        let ty = match found.1 {
            SqlKind::Number => Ty::Number,
            SqlKind::Text => Ty::Text,
            SqlKind::Bool => Ty::Bool,
            SqlKind::Other => Ty::Other,
        };
        Ok((quote_ident(&found.0), ty))
    }

    /// Two sides that SQL compares as the client does: both numbers (or
    /// booleans), or both texts (compared by code point, as the client does,
    /// whatever the database's collation).
    fn comparable(&self, l: (String, Ty), r: (String, Ty)) -> Result<(String, String), String> {
        match (l.1, r.1) {
            (Ty::Number, Ty::Number) | (Ty::Bool, Ty::Bool) => Ok((l.0, r.0)),
            (Ty::Text, Ty::Text) => Ok((format!("{} COLLATE \"C\"", l.0), r.0)),
            (Ty::Null, _) | (_, Ty::Null) => Ok((l.0, r.0)),
            _ => Err(
                "a text is compared with a number, which the server would decide differently"
                    .into(),
            ),
        }
    }

    fn node(&mut self, n: &Node) -> Result<(String, Ty), String> {
        Ok(match n {
            Node::Null => ("NULL".into(), Ty::Null),
            Node::Bool(b) => (if *b { "TRUE" } else { "FALSE" }.into(), Ty::Bool),
            Node::Num(v) => (self.param(SqlParam::Number(*v)), Ty::Number),
            Node::Str(s) => (self.param(SqlParam::Text(s.clone())), Ty::Text),
            Node::Field { name, .. } => self.column(name)?,
            Node::Area => (format!("({})", self.ctx.area_sql), Ty::Number),
            Node::Id => return Err("$id is worked out on the client".into()),
            Node::Class => return Err("$class is worked out on the client".into()),
            Node::Neg(x) => {
                let (s, ty) = self.node(x)?;
                if ty != Ty::Number {
                    return Err("minus of a value that is not a number".into());
                }
                (format!("(-{s})"), Ty::Number)
            }
            Node::Arith(op, l, r) => {
                let (ls, lt) = self.node(l)?;
                let (rs, rt) = self.node(r)?;
                if lt != Ty::Number || rt != Ty::Number {
                    return Err("arithmetic on a value that is not a number".into());
                }
                let sql = match op {
                    Arith::Add => format!("({ls} + {rs})"),
                    Arith::Sub => format!("({ls} - {rs})"),
                    Arith::Mul => format!("({ls} * {rs})"),
                    // The client gives NULL for a division by zero; SQL would fail.
                    Arith::Div => format!("({ls}::float8 / NULLIF({rs}, 0))"),
                };
                (sql, Ty::Number)
            }
            Node::Cmp(op, l, r) => {
                let l = self.node(l)?;
                let r = self.node(r)?;
                let (ls, rs) = self.comparable(l, r)?;
                let o = match op {
                    Cmp::Eq => "=",
                    Cmp::Ne => "<>",
                    Cmp::Lt => "<",
                    Cmp::Le => "<=",
                    Cmp::Gt => ">",
                    Cmp::Ge => ">=",
                };
                (format!("({ls} {o} {rs})"), Ty::Bool)
            }
            Node::Like {
                value,
                pattern,
                negated,
                case_insensitive,
            } => {
                let (vs, vt) = self.node(value)?;
                let (ps, pt) = self.node(pattern)?;
                if !matches!(vt, Ty::Text | Ty::Null) || !matches!(pt, Ty::Text | Ty::Null) {
                    return Err("LIKE on a value that is not text".into());
                }
                // PostgreSQL's LIKE has the client's wildcards and its backslash
                // escape.
                let op = match (negated, case_insensitive) {
                    (false, false) => "LIKE",
                    (true, false) => "NOT LIKE",
                    (false, true) => "ILIKE",
                    (true, true) => "NOT ILIKE",
                };
                (format!("({vs} {op} {ps})"), Ty::Bool)
            }
            Node::In {
                value,
                list,
                negated,
            } => {
                if list.is_empty() {
                    return Err("IN with an empty list".into());
                }
                let v = self.node(value)?;
                let mut items = Vec::with_capacity(list.len());
                let mut lhs = v.0.clone();
                for item in list {
                    let it = self.node(item)?;
                    let (l, r) = self.comparable(v.clone(), it)?;
                    lhs = l;
                    items.push(r);
                }
                let op = if *negated { "NOT IN" } else { "IN" };
                (format!("({lhs} {op} ({}))", items.join(", ")), Ty::Bool)
            }
            Node::Between {
                value,
                low,
                high,
                negated,
            } => {
                let v = self.node(value)?;
                let lo = self.node(low)?;
                let hi = self.node(high)?;
                let (vs, ls) = self.comparable(v.clone(), lo)?;
                let (_, hs) = self.comparable(v, hi)?;
                let op = if *negated { "NOT BETWEEN" } else { "BETWEEN" };
                (format!("({vs} {op} {ls} AND {hs})"), Ty::Bool)
            }
            Node::IsNull(x, negated) => {
                let (s, _) = self.node(x)?;
                let op = if *negated { "IS NOT NULL" } else { "IS NULL" };
                (format!("({s} {op})"), Ty::Bool)
            }
            Node::Not(x) => {
                let (s, ty) = self.node(x)?;
                if !matches!(ty, Ty::Bool | Ty::Null) {
                    return Err("NOT of a value that is not a condition".into());
                }
                (format!("(NOT {s})"), Ty::Bool)
            }
            Node::And(l, r) | Node::Or(l, r) => {
                let (ls, lt) = self.node(l)?;
                let (rs, rt) = self.node(r)?;
                if !matches!(lt, Ty::Bool | Ty::Null) || !matches!(rt, Ty::Bool | Ty::Null) {
                    return Err("AND/OR of a value that is not a condition".into());
                }
                let op = if matches!(n, Node::And(..)) {
                    "AND"
                } else {
                    "OR"
                };
                (format!("({ls} {op} {rs})"), Ty::Bool)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Vec<(String, SqlKind)> {
        vec![
            ("landuse".into(), SqlKind::Text),
            ("FAR".into(), SqlKind::Number),
            ("状态".into(), SqlKind::Text),
            ("done".into(), SqlKind::Bool),
        ]
    }

    fn sql(text: &str) -> Result<SqlCondition, String> {
        let cols = ctx();
        Expr::parse(text).unwrap().to_sql(&SqlContext {
            columns: &cols,
            area_sql: "ST_Area(\"geom\"::geography)",
            first_param: 1,
        })
    }

    #[test]
    fn literals_become_parameters_and_fields_quoted_identifiers() {
        let c = sql("\"landuse\" LIKE '1001%' AND far >= 1.5 AND \"状态\" IN ('规划', '储备')")
            .unwrap();
        assert_eq!(
            c.sql,
            "(((\"landuse\" LIKE $1::text) AND (\"FAR\" >= $2::float8)) AND (\"状态\" COLLATE \"C\" IN ($3::text, $4::text)))"
        );
        assert_eq!(
            c.params,
            vec![
                SqlParam::Text("1001%".into()),
                SqlParam::Number(1.5),
                SqlParam::Text("规划".into()),
                SqlParam::Text("储备".into()),
            ]
        );
    }

    #[test]
    fn hostile_text_stays_a_parameter() {
        let c = sql("\"landuse\" = ''' ; DROP TABLE parcels; --'").unwrap();
        assert_eq!(c.sql, "(\"landuse\" COLLATE \"C\" = $1::text)");
        assert_eq!(
            c.params,
            vec![SqlParam::Text("' ; DROP TABLE parcels; --".into())]
        );
    }

    #[test]
    fn what_sql_would_decide_differently_is_refused() {
        assert!(sql("\"landuse\" = 701").is_err());
        assert!(sql("$id = 'A-1'").is_err());
        assert!(sql("\"nope\" = 1").is_err());
        assert!(sql("far").is_err());
        assert!(sql("$area / 10000 > 2 AND done").is_ok());
    }
}
