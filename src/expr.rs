//! Attribute expressions in the style of QGIS's "select by expression":
//!
//! ```text
//! "YDDM" LIKE '1001%' AND "RJL" >= 1.5
//! "status" IN ('储备', '规划') OR name IS NULL
//! NOT ($area > 10000 * 3)
//! ```
//!
//! Operators: `=`, `<>`/`!=`, `<`, `<=`, `>`, `>=`, `[NOT] LIKE`, `[NOT] ILIKE`,
//! `[NOT] IN (…)`, `[NOT] BETWEEN a AND b`, `IS [NOT] NULL`, `AND`, `OR`, `NOT`,
//! `+ - * /`, parentheses. Operands: numbers, single-quoted strings (`''` is a quote),
//! field names double-quoted (`""` is a quote) or bare (letters, digits, `_`, also
//! Chinese), `TRUE`, `FALSE`, `NULL`, and the computed values `$area` (ellipsoidal
//! area in m²), `$id` (the feature's id) and `$class` (its land-use code).
//!
//! Logic is SQL's three-valued logic: a comparison with NULL is NULL and a row is
//! selected only when the whole expression is TRUE. A number compared with a text
//! that reads as a number compares numerically (so `"RJL" >= 1.5` works on a text
//! field holding `"2.0"`); two texts compare as text (so codes keep their leading
//! zeros). `LIKE` is case-sensitive with `%` and `_`
//! wildcards and `\` as the escape; `ILIKE` ignores case.
//!
//! Positions in errors are 1-based character columns of the expression text.

mod sql;

use std::borrow::Cow;

use rayon::prelude::*;

pub use sql::{SqlCondition, SqlContext, SqlKind, SqlParam, quote_ident};

use crate::landuse::LanduseTable;
use crate::model::{AttrValue, Layer};

/// A parse or binding error, with the column (1-based, in characters) it points at.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ExprError {
    pub column: usize,
    pub message: String,
}

impl ExprError {
    fn at(column: usize, message: impl Into<String>) -> ExprError {
        ExprError {
            column,
            message: message.into(),
        }
    }

    /// The expression with a caret under the error's column, for terminals.
    pub fn pointer(&self, text: &str) -> String {
        let pad = " ".repeat(self.column.saturating_sub(1));
        format!("{text}\n{pad}^ {}", self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    /// A field name; `quoted` tells a double-quoted name from a bare word.
    Ident(String, bool),
    /// `$area`, `$id`, `$class`.
    Special(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    End,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    column: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let push = |out: &mut Vec<Token>, tok| out.push(Token { tok, column });
        match c {
            '(' => push(&mut out, Tok::LParen),
            ')' => push(&mut out, Tok::RParen),
            ',' => push(&mut out, Tok::Comma),
            '+' | '-' | '*' | '/' | '=' => push(
                &mut out,
                Tok::Op(match c {
                    '+' => "+",
                    '-' => "-",
                    '*' => "*",
                    '/' => "/",
                    _ => "=",
                }),
            ),
            '<' | '>' | '!' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('<', Some('=')) => ("<=", 2),
                    ('<', Some('>')) => ("<>", 2),
                    ('<', _) => ("<", 1),
                    ('>', Some('=')) => (">=", 2),
                    ('>', _) => (">", 1),
                    ('!', Some('=')) => ("<>", 2),
                    _ => return Err(ExprError::at(column, "'!' must be followed by '='")),
                };
                push(&mut out, Tok::Op(op));
                i += len;
                continue;
            }
            '\'' | '"' => {
                let quote = c;
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            let what = if quote == '\'' {
                                "string"
                            } else {
                                "field name"
                            };
                            return Err(ExprError::at(column, format!("unterminated {what}")));
                        }
                        Some(&q) if q == quote => {
                            if chars.get(j + 1) == Some(&quote) {
                                s.push(quote);
                                j += 2;
                            } else {
                                j += 1;
                                break;
                            }
                        }
                        Some(&ch) => {
                            s.push(ch);
                            j += 1;
                        }
                    }
                }
                let tok = if quote == '\'' {
                    Tok::Str(s)
                } else {
                    if s.is_empty() {
                        return Err(ExprError::at(column, "empty field name"));
                    }
                    Tok::Ident(s, true)
                };
                push(&mut out, tok);
                i = j;
                continue;
            }
            '$' => {
                let mut j = i + 1;
                while chars
                    .get(j)
                    .is_some_and(|ch| ch.is_alphanumeric() || *ch == '_')
                {
                    j += 1;
                }
                let name: String = chars
                    .get(i + 1..j)
                    .unwrap_or_default()
                    .iter()
                    .collect::<String>()
                    .to_lowercase();
                if !matches!(name.as_str(), "area" | "id" | "class") {
                    return Err(ExprError::at(
                        column,
                        format!("unknown value ${name} (known: $area, $id, $class)"),
                    ));
                }
                push(&mut out, Tok::Special(name));
                i = j;
                continue;
            }
            c if c.is_ascii_digit()
                || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let mut j = i;
                while chars
                    .get(j)
                    .is_some_and(|ch| ch.is_ascii_digit() || *ch == '.')
                {
                    j += 1;
                }
                if chars.get(j).is_some_and(|ch| *ch == 'e' || *ch == 'E') {
                    let mut k = j + 1;
                    if chars.get(k).is_some_and(|ch| *ch == '+' || *ch == '-') {
                        k += 1;
                    }
                    if chars.get(k).is_some_and(|ch| ch.is_ascii_digit()) {
                        j = k;
                        while chars.get(j).is_some_and(|ch| ch.is_ascii_digit()) {
                            j += 1;
                        }
                    }
                }
                let s: String = chars.get(i..j).unwrap_or_default().iter().collect();
                let v: f64 = s
                    .parse()
                    .map_err(|_| ExprError::at(column, format!("bad number {s}")))?;
                push(&mut out, Tok::Num(v));
                i = j;
                continue;
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut j = i;
                while chars
                    .get(j)
                    .is_some_and(|ch| ch.is_alphanumeric() || *ch == '_')
                {
                    j += 1;
                }
                let word: String = chars.get(i..j).unwrap_or_default().iter().collect();
                push(&mut out, Tok::Ident(word, false));
                i = j;
                continue;
            }
            other => {
                return Err(ExprError::at(
                    column,
                    format!("unexpected character '{other}'"),
                ));
            }
        }
        i += 1;
    }
    out.push(Token {
        tok: Tok::End,
        column: chars.len() + 1,
    });
    Ok(out)
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

/// A parsed expression tree. Field names are kept as written until [`Expr::bind`]
/// resolves them against a layer.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Field {
        name: String,
        column: usize,
    },
    Area,
    Id,
    Class,
    Neg(Box<Node>),
    Arith(Arith, Box<Node>, Box<Node>),
    Cmp(Cmp, Box<Node>, Box<Node>),
    Like {
        value: Box<Node>,
        pattern: Box<Node>,
        negated: bool,
        case_insensitive: bool,
    },
    In {
        value: Box<Node>,
        list: Vec<Node>,
        negated: bool,
    },
    Between {
        value: Box<Node>,
        low: Box<Node>,
        high: Box<Node>,
        negated: bool,
    },
    IsNull(Box<Node>, bool),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        // The token list always ends with `End`, and `pos` never passes it; the
        // constant is for the impossible empty list.
        const END: Token = Token {
            tok: Tok::End,
            column: 0,
        };
        self.tokens
            .get(self.pos)
            .or(self.tokens.last())
            .unwrap_or(&END)
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    /// Whether the next token is the keyword `kw` (bare, any case).
    fn at_keyword(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(w, false) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.at_keyword(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), ExprError> {
        let t = self.next();
        if t.tok == tok {
            Ok(())
        } else {
            Err(ExprError::at(
                t.column,
                format!("expected {what}, found {}", describe(&t.tok)),
            ))
        }
    }

    fn or(&mut self) -> Result<Node, ExprError> {
        let mut left = self.and()?;
        while self.eat_keyword("OR") {
            let right = self.and()?;
            left = Node::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let mut left = self.not()?;
        while self.eat_keyword("AND") {
            let right = self.not()?;
            left = Node::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Node, ExprError> {
        if self.eat_keyword("NOT") {
            return Ok(Node::Not(Box::new(self.not()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Node, ExprError> {
        let left = self.sum()?;
        let t = self.peek().clone();
        if let Tok::Op(op) = t.tok {
            let cmp = match op {
                "=" => Some(Cmp::Eq),
                "<>" => Some(Cmp::Ne),
                "<" => Some(Cmp::Lt),
                "<=" => Some(Cmp::Le),
                ">" => Some(Cmp::Gt),
                ">=" => Some(Cmp::Ge),
                _ => None,
            };
            if let Some(cmp) = cmp {
                self.pos += 1;
                let right = self.sum()?;
                return Ok(Node::Cmp(cmp, Box::new(left), Box::new(right)));
            }
        }
        if self.eat_keyword("IS") {
            let negated = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                let t = self.peek();
                return Err(ExprError::at(
                    t.column,
                    format!("expected NULL after IS, found {}", describe(&t.tok)),
                ));
            }
            return Ok(Node::IsNull(Box::new(left), negated));
        }
        let negated = self.eat_keyword("NOT");
        if self.at_keyword("LIKE") || self.at_keyword("ILIKE") {
            let case_insensitive = self.at_keyword("ILIKE");
            self.pos += 1;
            let pattern = self.sum()?;
            return Ok(Node::Like {
                value: Box::new(left),
                pattern: Box::new(pattern),
                negated,
                case_insensitive,
            });
        }
        if self.eat_keyword("IN") {
            self.expect(Tok::LParen, "'(' after IN")?;
            let mut list = vec![self.sum()?];
            loop {
                let t = self.next();
                match t.tok {
                    Tok::Comma => list.push(self.sum()?),
                    Tok::RParen => break,
                    other => {
                        return Err(ExprError::at(
                            t.column,
                            format!(
                                "expected ',' or ')' in the IN list, found {}",
                                describe(&other)
                            ),
                        ));
                    }
                }
            }
            return Ok(Node::In {
                value: Box::new(left),
                list,
                negated,
            });
        }
        if self.eat_keyword("BETWEEN") {
            let low = self.sum()?;
            if !self.eat_keyword("AND") {
                let t = self.peek();
                return Err(ExprError::at(
                    t.column,
                    format!("expected AND in BETWEEN, found {}", describe(&t.tok)),
                ));
            }
            let high = self.sum()?;
            return Ok(Node::Between {
                value: Box::new(left),
                low: Box::new(low),
                high: Box::new(high),
                negated,
            });
        }
        if negated {
            // `NOT` here must have been followed by LIKE, IN or BETWEEN.
            let t = self.peek();
            return Err(ExprError::at(
                t.column,
                format!(
                    "expected LIKE, IN or BETWEEN after NOT, found {}",
                    describe(&t.tok)
                ),
            ));
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Node, ExprError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek().tok {
                Tok::Op("+") => Arith::Add,
                Tok::Op("-") => Arith::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.product()?;
            left = Node::Arith(op, Box::new(left), Box::new(right));
        }
    }

    fn product(&mut self) -> Result<Node, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek().tok {
                Tok::Op("*") => Arith::Mul,
                Tok::Op("/") => Arith::Div,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.unary()?;
            left = Node::Arith(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        if self.peek().tok == Tok::Op("-") {
            self.pos += 1;
            return Ok(match self.unary()? {
                Node::Num(v) => Node::Num(-v),
                other => Node::Neg(Box::new(other)),
            });
        }
        if self.peek().tok == Tok::Op("+") {
            self.pos += 1;
            return self.unary();
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let t = self.next();
        match t.tok {
            Tok::Num(v) => Ok(Node::Num(v)),
            Tok::Str(s) => Ok(Node::Str(s)),
            Tok::Special(s) => Ok(match s.as_str() {
                "area" => Node::Area,
                "id" => Node::Id,
                _ => Node::Class,
            }),
            Tok::LParen => {
                let inner = self.or()?;
                self.expect(Tok::RParen, "')'")?;
                Ok(inner)
            }
            Tok::Ident(w, true) => Ok(Node::Field {
                name: w,
                column: t.column,
            }),
            Tok::Ident(w, false) => {
                let upper = w.to_ascii_uppercase();
                match upper.as_str() {
                    "NULL" => Ok(Node::Null),
                    "TRUE" => Ok(Node::Bool(true)),
                    "FALSE" => Ok(Node::Bool(false)),
                    "AND" | "OR" | "NOT" | "LIKE" | "ILIKE" | "IN" | "IS" | "BETWEEN" => Err(
                        ExprError::at(t.column, format!("expected a value, found {upper}")),
                    ),
                    _ => Ok(Node::Field {
                        name: w,
                        column: t.column,
                    }),
                }
            }
            other => Err(ExprError::at(
                t.column,
                format!("expected a value, found {}", describe(&other)),
            )),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => format!("number {v}"),
        Tok::Str(s) => format!("string '{s}'"),
        Tok::Ident(w, true) => format!("field \"{w}\""),
        Tok::Ident(w, false) => format!("'{w}'"),
        Tok::Special(s) => format!("${s}"),
        Tok::Op(o) => format!("'{o}'"),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::End => "the end of the expression".into(),
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    root: Node,
}

impl Expr {
    /// Parses expression text. An empty or blank text is an error: "select all" is
    /// a different command.
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        let tokens = lex(text)?;
        let mut p = Parser { tokens, pos: 0 };
        if p.peek().tok == Tok::End {
            return Err(ExprError::at(1, "the expression is empty"));
        }
        let root = p.or()?;
        let t = p.peek();
        if t.tok != Tok::End {
            return Err(ExprError::at(
                t.column,
                format!("expected AND, OR or the end, found {}", describe(&t.tok)),
            ));
        }
        Ok(Expr { root })
    }

    /// Resolves field names against a layer (exact, then case-insensitive), so
    /// evaluation reads columns by position.
    pub fn bind(&self, layer: &Layer) -> Result<Bound, ExprError> {
        Ok(Bound {
            root: bind_node(&self.root, layer)?,
        })
    }
}

fn bind_node(n: &Node, layer: &Layer) -> Result<BNode, ExprError> {
    let b = |n: &Node| bind_node(n, layer).map(Box::new);
    Ok(match n {
        Node::Null => BNode::Const(Val::Null),
        Node::Bool(v) => BNode::Const(Val::Bool(*v)),
        Node::Num(v) => BNode::Const(Val::Num(*v)),
        Node::Str(s) => BNode::Const(Val::Text(Cow::Owned(s.clone()))),
        Node::Field { name, column } => match layer.field_index(name) {
            Some(k) => BNode::Field(k),
            None => {
                let mut known: Vec<&str> = layer.fields.iter().map(String::as_str).collect();
                known.sort_unstable();
                let list = if known.is_empty() {
                    "the layer has no fields".to_string()
                } else {
                    format!("fields: {}", known.join(", "))
                };
                return Err(ExprError::at(
                    *column,
                    format!("no field named \"{name}\" ({list})"),
                ));
            }
        },
        Node::Area => BNode::Area,
        Node::Id => BNode::Id,
        Node::Class => BNode::Class,
        Node::Neg(x) => BNode::Neg(b(x)?),
        Node::Arith(op, l, r) => BNode::Arith(*op, b(l)?, b(r)?),
        Node::Cmp(op, l, r) => BNode::Cmp(*op, b(l)?, b(r)?),
        Node::Like {
            value,
            pattern,
            negated,
            case_insensitive,
        } => {
            // A constant pattern, the usual case, is compiled once.
            let compiled = match pattern.as_ref() {
                Node::Str(s) => Some(LikePattern::new(s, *case_insensitive)),
                _ => None,
            };
            BNode::Like {
                value: b(value)?,
                pattern: b(pattern)?,
                compiled,
                negated: *negated,
                case_insensitive: *case_insensitive,
            }
        }
        Node::In {
            value,
            list,
            negated,
        } => BNode::In {
            value: b(value)?,
            list: list
                .iter()
                .map(|n| bind_node(n, layer))
                .collect::<Result<_, _>>()?,
            negated: *negated,
        },
        Node::Between {
            value,
            low,
            high,
            negated,
        } => BNode::Between {
            value: b(value)?,
            low: b(low)?,
            high: b(high)?,
            negated: *negated,
        },
        Node::IsNull(x, negated) => BNode::IsNull(b(x)?, *negated),
        Node::Not(x) => BNode::Not(b(x)?),
        Node::And(l, r) => BNode::And(b(l)?, b(r)?),
        Node::Or(l, r) => BNode::Or(b(l)?, b(r)?),
    })
}

/// A value during evaluation. Text borrows from the layer where it can.
#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Text(Cow<'a, str>),
}

impl Val<'_> {
    fn num(&self) -> Option<f64> {
        match self {
            Val::Num(v) => Some(*v),
            Val::Bool(b) => Some(f64::from(u8::from(*b))),
            Val::Text(s) => {
                let t = s.trim();
                // Only plain numbers count: "35%" stays text in comparisons.
                t.parse::<f64>().ok().filter(|v| v.is_finite())
            }
            Val::Null => None,
        }
    }

    fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Val::Text(s) => Some(Cow::Borrowed(s.as_ref())),
            Val::Num(v) => Some(Cow::Owned(crate::model::format_float(*v))),
            Val::Bool(b) => Some(Cow::Owned(b.to_string())),
            Val::Null => None,
        }
    }

    /// The value as a truth value: NULL stays unknown; numbers are true when not 0.
    fn truth(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            Val::Null => None,
            Val::Num(v) => Some(*v != 0.0),
            Val::Text(_) => None,
        }
    }
}

/// A `LIKE` pattern split into literal characters and wildcards.
#[derive(Debug, Clone, PartialEq)]
struct LikePattern {
    items: Vec<LikeItem>,
    case_insensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum LikeItem {
    Char(char),
    One,
    Any,
}

impl LikePattern {
    fn new(pattern: &str, case_insensitive: bool) -> LikePattern {
        let mut items = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            items.push(match c {
                '%' => LikeItem::Any,
                '_' => LikeItem::One,
                '\\' => LikeItem::Char(chars.next().unwrap_or('\\')),
                c if case_insensitive => LikeItem::Char(fold(c)),
                c => LikeItem::Char(c),
            });
        }
        LikePattern {
            items,
            case_insensitive,
        }
    }

    /// Wildcard matching with backtracking to the last `%`: linear for patterns with
    /// one `%`, at worst the product of the two lengths.
    fn matches(&self, text: &str) -> bool {
        let t: Vec<char> = if self.case_insensitive {
            text.chars().map(fold).collect()
        } else {
            text.chars().collect()
        };
        let p = &self.items;
        let (mut ti, mut pi) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            match p.get(pi) {
                Some(LikeItem::Any) => {
                    star = Some((pi, ti));
                    pi += 1;
                }
                Some(LikeItem::One) => {
                    ti += 1;
                    pi += 1;
                }
                Some(LikeItem::Char(c)) if t.get(ti) == Some(c) => {
                    ti += 1;
                    pi += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        pi = sp + 1;
                        ti = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        p.get(pi..)
            .is_some_and(|rest| rest.iter().all(|i| *i == LikeItem::Any))
    }
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

#[derive(Debug, Clone, PartialEq)]
enum BNode {
    Const(Val<'static>),
    Field(usize),
    Area,
    Id,
    Class,
    Neg(Box<BNode>),
    Arith(Arith, Box<BNode>, Box<BNode>),
    Cmp(Cmp, Box<BNode>, Box<BNode>),
    Like {
        value: Box<BNode>,
        pattern: Box<BNode>,
        compiled: Option<LikePattern>,
        negated: bool,
        case_insensitive: bool,
    },
    In {
        value: Box<BNode>,
        list: Vec<BNode>,
        negated: bool,
    },
    Between {
        value: Box<BNode>,
        low: Box<BNode>,
        high: Box<BNode>,
        negated: bool,
    },
    IsNull(Box<BNode>, bool),
    Not(Box<BNode>),
    And(Box<BNode>, Box<BNode>),
    Or(Box<BNode>, Box<BNode>),
}

/// An expression bound to one layer's fields, ready to evaluate per feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    root: BNode,
}

impl Bound {
    /// Whether feature `i` is selected: the expression is TRUE (not FALSE or NULL).
    pub fn matches(&self, layer: &Layer, i: usize) -> bool {
        eval(&self.root, layer, i).truth() == Some(true)
    }

    /// The features (ascending) among `candidates`, or all of the layer, for which
    /// the expression is TRUE. Runs in parallel.
    pub fn filter(&self, layer: &Layer, candidates: Option<&[usize]>) -> Vec<usize> {
        match candidates {
            Some(c) => c
                .par_iter()
                .copied()
                .filter(|&i| self.matches(layer, i))
                .collect(),
            None => (0..layer.len())
                .into_par_iter()
                .filter(|&i| self.matches(layer, i))
                .collect(),
        }
    }
}

/// Parses, binds and runs an expression over a whole layer.
pub fn select_where(layer: &Layer, text: &str) -> Result<Vec<usize>, ExprError> {
    Ok(Expr::parse(text)?.bind(layer)?.filter(layer, None))
}

fn attr(v: &AttrValue) -> Val<'_> {
    match v {
        AttrValue::Null => Val::Null,
        AttrValue::Bool(b) => Val::Bool(*b),
        AttrValue::Int(i) => Val::Num(*i as f64),
        AttrValue::Float(f) if f.is_finite() => Val::Num(*f),
        AttrValue::Float(_) => Val::Null,
        AttrValue::Text(s) => Val::Text(Cow::Borrowed(s.as_str())),
    }
}

fn from_bool(b: Option<bool>) -> Val<'static> {
    b.map_or(Val::Null, Val::Bool)
}

fn eval<'a>(n: &'a BNode, layer: &'a Layer, i: usize) -> Val<'a> {
    match n {
        // Constant text is lent, not copied, so `IN ('储备', '规划')` over a million
        // rows allocates nothing.
        BNode::Const(Val::Text(s)) => Val::Text(Cow::Borrowed(s.as_ref())),
        BNode::Const(v) => v.clone(),
        BNode::Field(k) => attr(layer.value(i, *k)),
        BNode::Area => layer.area_m2.get(i).copied().map_or(Val::Null, Val::Num),
        BNode::Id => Val::Text(Cow::Owned(layer.feature_id(i))),
        BNode::Class => layer
            .class
            .get(i)
            .copied()
            .flatten()
            .and_then(|c| LanduseTable::global().class(c))
            .map_or(Val::Null, |c| Val::Text(Cow::Borrowed(c.code.as_str()))),
        BNode::Neg(x) => eval(x, layer, i).num().map_or(Val::Null, |v| Val::Num(-v)),
        BNode::Arith(op, l, r) => {
            let (Some(a), Some(b)) = (eval(l, layer, i).num(), eval(r, layer, i).num()) else {
                return Val::Null;
            };
            let v = match op {
                Arith::Add => a + b,
                Arith::Sub => a - b,
                Arith::Mul => a * b,
                Arith::Div if b == 0.0 => return Val::Null,
                Arith::Div => a / b,
            };
            Val::Num(v)
        }
        BNode::Cmp(op, l, r) => from_bool(compare(&eval(l, layer, i), &eval(r, layer, i)).map(
            |o| match op {
                Cmp::Eq => o.is_eq(),
                Cmp::Ne => o.is_ne(),
                Cmp::Lt => o.is_lt(),
                Cmp::Le => o.is_le(),
                Cmp::Gt => o.is_gt(),
                Cmp::Ge => o.is_ge(),
            },
        )),
        BNode::Like {
            value,
            pattern,
            compiled,
            negated,
            case_insensitive,
        } => {
            let v = eval(value, layer, i);
            let Some(text) = v.text() else {
                return Val::Null;
            };
            let hit = match compiled {
                Some(p) => p.matches(&text),
                None => {
                    let pv = eval(pattern, layer, i);
                    let Some(pt) = pv.text() else {
                        return Val::Null;
                    };
                    LikePattern::new(&pt, *case_insensitive).matches(&text)
                }
            };
            Val::Bool(hit != *negated)
        }
        BNode::In {
            value,
            list,
            negated,
        } => {
            let v = eval(value, layer, i);
            if v == Val::Null {
                return Val::Null;
            }
            // SQL: a match is TRUE; no match with a NULL in the list is NULL.
            let mut saw_null = false;
            for item in list {
                match compare(&v, &eval(item, layer, i)) {
                    Some(o) if o.is_eq() => return Val::Bool(!*negated),
                    Some(_) => {}
                    None => saw_null = true,
                }
            }
            if saw_null {
                Val::Null
            } else {
                Val::Bool(*negated)
            }
        }
        BNode::Between {
            value,
            low,
            high,
            negated,
        } => {
            let v = eval(value, layer, i);
            let lo = compare(&v, &eval(low, layer, i)).map(|o| o.is_ge());
            let hi = compare(&v, &eval(high, layer, i)).map(|o| o.is_le());
            from_bool(and3(lo, hi).map(|b| b != *negated))
        }
        BNode::IsNull(x, negated) => {
            let null = matches!(eval(x, layer, i), Val::Null);
            Val::Bool(null != *negated)
        }
        BNode::Not(x) => from_bool(eval(x, layer, i).truth().map(|b| !b)),
        BNode::And(l, r) => {
            let a = eval(l, layer, i).truth();
            if a == Some(false) {
                return Val::Bool(false);
            }
            from_bool(and3(a, eval(r, layer, i).truth()))
        }
        BNode::Or(l, r) => {
            let a = eval(l, layer, i).truth();
            if a == Some(true) {
                return Val::Bool(true);
            }
            let b = eval(r, layer, i).truth();
            from_bool(match (a, b) {
                (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            })
        }
    }
}

fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Compares two values; `None` when either is NULL. Two texts compare as text, so
/// codes with leading zeros (`'0701' < '1001'`) order as codes; a number against a
/// text that reads as a number compares numerically.
fn compare(a: &Val, b: &Val) -> Option<std::cmp::Ordering> {
    if matches!(a, Val::Null) || matches!(b, Val::Null) {
        return None;
    }
    let both_text = matches!(a, Val::Text(_)) && matches!(b, Val::Text(_));
    if !both_text && let (Some(x), Some(y)) = (a.num(), b.num()) {
        return x.partial_cmp(&y);
    }
    let (x, y) = (a.text()?, b.text()?);
    Some(x.as_ref().cmp(y.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        let p = |s: &str| LikePattern::new(s, false);
        assert!(p("1001%").matches("100101"));
        assert!(p("1001%").matches("1001"));
        assert!(!p("1001%").matches("100"));
        assert!(p("%园%").matches("光电产业园区"));
        assert!(p("_0_").matches("101"));
        assert!(!p("_0_").matches("1011"));
        assert!(p("a%b%c").matches("aXXbYYc"));
        assert!(!p("a%b%c").matches("aXXcYYb"));
        assert!(p("100\\%").matches("100%"));
        assert!(!p("100\\%").matches("1000"));
        assert!(LikePattern::new("ab%", true).matches("ABC"));
        assert!(!p("ab%").matches("ABC"));
    }

    #[test]
    fn precedence_and_errors() {
        assert!(Expr::parse("a = 1 OR b = 2 AND c = 3").is_ok());
        let e = Expr::parse("\"RJL\" >= ").unwrap_err();
        assert_eq!(e.column, 10);
        let e = Expr::parse("a IN (1, 2").unwrap_err();
        assert_eq!(e.column, 11);
        let e = Expr::parse("name = 'abc").unwrap_err();
        assert_eq!(e.column, 8);
        assert!(e.message.contains("unterminated"));
        let e = Expr::parse("a = 1 b").unwrap_err();
        assert_eq!(e.column, 7);
        assert!(Expr::parse("   ").is_err());
        let e = Expr::parse("a ! 1").unwrap_err();
        assert_eq!(e.column, 3);
    }
}
