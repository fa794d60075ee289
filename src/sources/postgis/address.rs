//! The address of a PostGIS table, as a planner writes it wherever a file path
//! goes: `postgresql://USER@HOST:PORT/DB?layer=SCHEMA.TABLE` with the optional
//! `geom=COLUMN`, `id=COLUMN`, `where=FILTER`, `sslmode=`, `mode=load|live` and
//! `timeout=SECONDS`.
//!
//! Passwords are never part of an address: an address ends up in project files,
//! messages and window titles. The password comes from `PGPASSWORD`, from
//! `~/.pgpass` (or `PGPASSFILE`), or from the 连接数据库 dialog, which keeps it in
//! this process's memory only ([`remember_password`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How a table is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Streamed whole into memory, like a file (tables up to a few million rows).
    #[default]
    Load,
    /// Queried per view, per selection and per statistic; nothing is held whole.
    Live,
}

/// TLS as the address asks for it. The build has no TLS client, so `require` and
/// stronger modes are refused with a clear message rather than silently sent in
/// the clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    Disable,
    Allow,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A parsed address. `Display` prints it back without anything secret (there is
/// nothing secret in it: a password in the address is refused when parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub user: Option<String>,
    pub host: String,
    pub port: u16,
    pub database: String,
    /// The schema and table of `layer=`; the schema is `None` when the address
    /// gives the table alone (it is then looked up in every schema).
    pub schema: Option<String>,
    pub table: Option<String>,
    pub geometry_column: Option<String>,
    pub id_column: Option<String>,
    /// The project owner's SQL filter (`where=`), checked by
    /// [`super::sql::check_filter`] before it is used.
    pub filter: Option<String>,
    pub sslmode: SslMode,
    pub mode: Mode,
    /// The statement timeout (seconds); 0 is none.
    pub timeout_s: u32,
}

/// Statements that run longer than this are cancelled by the server, so that a
/// runaway query against a city-wide table never hangs the window.
pub const DEFAULT_TIMEOUT_S: u32 = 120;

/// Why an address cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("an address starts with postgresql:// or postgres://")]
    Scheme,
    #[error(
        "the address holds a password; passwords are kept out of addresses (which end up in project files): use PGPASSWORD, ~/.pgpass or the 连接数据库 dialog"
    )]
    PasswordInAddress,
    #[error("the port '{0}' is not a number from 1 to 65535")]
    Port(String),
    #[error(
        "the address names no database (postgresql://USER@HOST:PORT/DATABASE?layer=SCHEMA.TABLE)"
    )]
    NoDatabase,
    #[error("unknown parameter '{0}' (use layer, geom, id, where, sslmode, mode, timeout)")]
    UnknownParameter(String),
    #[error("'{name}={value}': {reason}")]
    BadValue {
        name: String,
        value: String,
        reason: String,
    },
    #[error("'%' not followed by two hex digits in '{0}'")]
    Escape(String),
}

/// Whether a path or text is a database address rather than a file.
pub fn is_address(text: &str) -> bool {
    let t = text.trim_start();
    ["postgresql://", "postgres://"]
        .iter()
        .any(|s| t.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s)))
}

/// Whether a path is a database address (as the CLI and projects pass it).
pub fn is_address_path(path: &Path) -> bool {
    path.to_str().is_some_and(is_address)
}

/// Decodes `%XX` escapes (and `+` as a space in query values, as HTML forms and
/// most URL tools write it).
fn percent_decode(text: &str, plus_is_space: bool) -> Result<String, AddressError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| AddressError::Escape(text.to_string()))?;
                out.push(hex);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Escapes what would break a query value: `%`, `&`, `=`, `+`, `#` and spaces.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' | '&' | '=' | '+' | '#' | ' ' | '?' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

impl Address {
    /// Parses an address. A password in it is refused (see the module's docs),
    /// and the error never repeats it.
    pub fn parse(text: &str) -> Result<Address, AddressError> {
        let t = text.trim();
        if !is_address(t) {
            return Err(AddressError::Scheme);
        }
        let rest = t.split_once("://").map(|(_, r)| r).unwrap_or_default();
        let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = main.split_once('/').unwrap_or((main, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let user = match userinfo {
            Some(u) if u.contains(':') => return Err(AddressError::PasswordInAddress),
            Some(u) if !u.is_empty() => Some(percent_decode(u, false)?),
            _ => None,
        };
        // An IPv6 host is written in brackets: [::1]:5432.
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            match v6.split_once(']') {
                Some((h, p)) => (h.to_string(), p.strip_prefix(':').unwrap_or("")),
                None => (v6.to_string(), ""),
            }
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p),
                None => (hostport.to_string(), ""),
            }
        };
        let host = if host.is_empty() {
            "localhost".to_string()
        } else {
            percent_decode(&host, false)?
        };
        let port = if port.is_empty() {
            5432
        } else {
            port.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| AddressError::Port(port.to_string()))?
        };
        let database = percent_decode(path.trim_end_matches('/'), false)?;
        if database.is_empty() {
            return Err(AddressError::NoDatabase);
        }
        let mut a = Address {
            user,
            host,
            port,
            database,
            schema: None,
            table: None,
            geometry_column: None,
            id_column: None,
            filter: None,
            sslmode: SslMode::default(),
            mode: Mode::default(),
            timeout_s: DEFAULT_TIMEOUT_S,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(name, true)?.to_ascii_lowercase();
            let value = percent_decode(value, true)?;
            let bad = |reason: &str| AddressError::BadValue {
                name: name.clone(),
                value: value.clone(),
                reason: reason.to_string(),
            };
            match name.as_str() {
                "layer" | "table" => {
                    let (schema, table) = split_qualified(&value).ok_or_else(|| {
                        bad("expected TABLE or SCHEMA.TABLE (double-quote names with dots)")
                    })?;
                    a.schema = schema;
                    a.table = Some(table);
                }
                "geom" | "geometry" => a.geometry_column = Some(value),
                "id" => a.id_column = Some(value),
                "where" => {
                    if !value.trim().is_empty() {
                        a.filter = Some(value)
                    }
                }
                "sslmode" => {
                    a.sslmode = match value.to_ascii_lowercase().as_str() {
                        "disable" => SslMode::Disable,
                        "allow" => SslMode::Allow,
                        "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        _ => {
                            return Err(bad(
                                "use disable, allow, prefer, require, verify-ca or verify-full",
                            ));
                        }
                    }
                }
                "mode" => {
                    a.mode = match value.to_ascii_lowercase().as_str() {
                        "load" | "loaded" => Mode::Load,
                        "live" => Mode::Live,
                        _ => return Err(bad("use load or live")),
                    }
                }
                "timeout" | "statement_timeout" => {
                    a.timeout_s = value
                        .parse()
                        .map_err(|_| bad("expected whole seconds, e.g. 60 (0 for none)"))?
                }
                // libpq's own names for a password are refused like userinfo's.
                "password" | "pass" => return Err(AddressError::PasswordInAddress),
                _ => return Err(AddressError::UnknownParameter(name)),
            }
        }
        Ok(a)
    }

    /// The same address naming another table (for a chooser that lists them).
    pub fn with_table(&self, schema: &str, table: &str) -> Address {
        Address {
            schema: Some(schema.to_string()),
            table: Some(table.to_string()),
            ..self.clone()
        }
    }

    /// `SCHEMA.TABLE` as the address writes it (names with dots or quotes are
    /// double-quoted).
    pub fn qualified_table(&self) -> Option<String> {
        let quote = |n: &str| {
            if n.contains('.') || n.contains('"') {
                format!("\"{}\"", n.replace('"', "\"\""))
            } else {
                n.to_string()
            }
        };
        let table = self.table.as_deref()?;
        Some(match &self.schema {
            Some(s) => format!("{}.{}", quote(s), quote(table)),
            None => quote(table),
        })
    }

    /// A short name for the layer: the table, else the database.
    pub fn layer_name(&self) -> String {
        self.table.clone().unwrap_or_else(|| self.database.clone())
    }

    /// The server as messages name it: `USER@HOST:PORT/DB`.
    pub fn server(&self) -> String {
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        format!("{user}{}:{}/{}", self.host, self.port, self.database)
    }

    /// The user to connect as: the address's, else `PGUSER`, else the login name.
    pub fn effective_user(&self) -> String {
        self.user
            .clone()
            .or_else(|| std::env::var("PGUSER").ok().filter(|u| !u.is_empty()))
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "postgres".to_string())
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "postgresql://")?;
        if let Some(u) = &self.user {
            write!(f, "{}@", percent_encode(u))?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            write!(f, "{}", self.host)?;
        }
        write!(f, ":{}/{}", self.port, percent_encode(&self.database))?;
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(t) = self.qualified_table() {
            params.push(("layer", t));
        }
        if let Some(g) = &self.geometry_column {
            params.push(("geom", g.clone()));
        }
        if let Some(i) = &self.id_column {
            params.push(("id", i.clone()));
        }
        if let Some(w) = &self.filter {
            params.push(("where", w.clone()));
        }
        if self.sslmode != SslMode::default() {
            let s = match self.sslmode {
                SslMode::Disable => "disable",
                SslMode::Allow => "allow",
                SslMode::Prefer => "prefer",
                SslMode::Require => "require",
                SslMode::VerifyCa => "verify-ca",
                SslMode::VerifyFull => "verify-full",
            };
            params.push(("sslmode", s.to_string()));
        }
        if self.mode == Mode::Live {
            params.push(("mode", "live".to_string()));
        }
        if self.timeout_s != DEFAULT_TIMEOUT_S {
            params.push(("timeout", self.timeout_s.to_string()));
        }
        for (k, (name, value)) in params.iter().enumerate() {
            let sep = if k == 0 { '?' } else { '&' };
            write!(f, "{sep}{name}={}", percent_encode(value))?;
        }
        Ok(())
    }
}

/// Splits `SCHEMA.TABLE` or `TABLE`, where either part may be double-quoted
/// (`"my.schema"."地块"`). `None` when the text is not such a name.
pub fn split_qualified(text: &str) -> Option<(Option<String>, String)> {
    let mut parts: Vec<String> = Vec::new();
    let mut chars = text.trim().chars().peekable();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    current.push('"');
                } else {
                    quoted = false;
                }
            }
            '"' if current.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            '.' if !quoted => {
                parts.push(std::mem::take(&mut current));
                was_quoted = false;
            }
            c if quoted || !was_quoted => current.push(c),
            _ => return None,
        }
    }
    if quoted {
        return None;
    }
    parts.push(current);
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    match parts.as_slice() {
        [t] => Some((None, t.clone())),
        [s, t] => Some((Some(s.clone()), t.clone())),
        _ => None,
    }
}

/// Passwords typed into the 连接数据库 dialog, by `USER@HOST:PORT/DB`; kept in this
/// process only, never written anywhere.
static TYPED_PASSWORDS: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);

/// Keeps a typed password for the server of `address` for the rest of the session.
pub fn remember_password(address: &Address, password: &str) {
    let key = password_key(address);
    if let Ok(mut guard) = TYPED_PASSWORDS.lock() {
        let map = guard.get_or_insert_with(HashMap::new);
        if password.is_empty() {
            map.remove(&key);
        } else {
            map.insert(key, password.to_string());
        }
    }
}

fn password_key(a: &Address) -> String {
    format!(
        "{}@{}:{}/{}",
        a.effective_user(),
        a.host,
        a.port,
        a.database
    )
}

/// The password for `address`: typed in the dialog, else `PGPASSWORD`, else the
/// first matching line of the password file. `None` when nothing gives one (the
/// server may not ask: trust or peer authentication).
pub fn password_for(address: &Address) -> Option<String> {
    if let Some(p) = TYPED_PASSWORDS.lock().ok().and_then(|g| {
        g.as_ref()
            .and_then(|m| m.get(&password_key(address)).cloned())
    }) {
        return Some(p);
    }
    if let Ok(p) = std::env::var("PGPASSWORD")
        && !p.is_empty()
    {
        return Some(p);
    }
    let file = pgpass_path()?;
    let text = std::fs::read_to_string(&file).ok()?;
    if !pgpass_permissions_ok(&file) {
        // libpq ignores a password file others can read; so does parcelview, so
        // that the same file behaves the same in psql and here.
        return None;
    }
    pgpass_lookup(
        &text,
        &address.host,
        address.port,
        &address.database,
        &address.effective_user(),
    )
}

fn pgpass_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    let home = PathBuf::from(home);
    if cfg!(windows) {
        return std::env::var_os("APPDATA")
            .map(|a| PathBuf::from(a).join("postgresql").join("pgpass.conf"));
    }
    Some(home.join(".pgpass"))
}

#[cfg(unix)]
fn pgpass_permissions_ok(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 == 0)
}

#[cfg(not(unix))]
fn pgpass_permissions_ok(_path: &Path) -> bool {
    true
}

/// The password of the first line of a password file that matches, in libpq's
/// format: `host:port:database:user:password`, `*` matching anything, `\:` and
/// `\\` escapes, `#` comments.
pub fn pgpass_lookup(
    text: &str,
    host: &str,
    port: u16,
    database: &str,
    user: &str,
) -> Option<String> {
    let port = port.to_string();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields: Vec<String> = vec![String::new()];
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let (Some(n), Some(last)) = (chars.next(), fields.last_mut()) {
                        last.push(n);
                    }
                }
                ':' if fields.len() < 5 => fields.push(String::new()),
                c => {
                    if let Some(last) = fields.last_mut() {
                        last.push(c);
                    }
                }
            }
        }
        let [h, p, d, u, pw] = fields.as_slice() else {
            continue;
        };
        let m = |pattern: &str, value: &str| pattern == "*" || pattern == value;
        let host_matches = m(h, host) || (h == "localhost" && host == "127.0.0.1");
        if host_matches && m(p, &port) && m(d, database) && m(u, user) {
            return Some(pw.clone());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_parses_and_prints_back() {
        let a = Address::parse(
            "postgresql://planner@db.example:5433/jiaxing?layer=plan.parcels&geom=shape&id=dkbh&where=%22status%22%20%3D%20'%E8%A7%84%E5%88%92'&mode=live",
        )
        .unwrap();
        assert_eq!(a.user.as_deref(), Some("planner"));
        assert_eq!((a.host.as_str(), a.port), ("db.example", 5433));
        assert_eq!(a.database, "jiaxing");
        assert_eq!(a.schema.as_deref(), Some("plan"));
        assert_eq!(a.table.as_deref(), Some("parcels"));
        assert_eq!(a.geometry_column.as_deref(), Some("shape"));
        assert_eq!(a.filter.as_deref(), Some("\"status\" = '规划'"));
        assert_eq!(a.mode, Mode::Live);
        let again = Address::parse(&a.to_string()).unwrap();
        assert_eq!(again, a);
    }

    #[test]
    fn passwords_are_refused_and_never_echoed() {
        for text in [
            "postgresql://planner:s3cret@host/db?layer=t",
            "postgres://planner@host/db?layer=t&password=s3cret",
        ] {
            let e = Address::parse(text).unwrap_err();
            assert_eq!(e, AddressError::PasswordInAddress);
            assert!(!e.to_string().contains("s3cret"));
        }
    }

    #[test]
    fn quoted_names_split_on_the_right_dot() {
        assert_eq!(
            split_qualified(r#""my.schema"."地块""#),
            Some((Some("my.schema".into()), "地块".into()))
        );
        assert_eq!(split_qualified("parcels"), Some((None, "parcels".into())));
        assert_eq!(split_qualified("a.b.c"), None);
        assert_eq!(split_qualified("\"open"), None);
        assert_eq!(split_qualified("a..b"), None);
    }

    #[test]
    fn pgpass_lines_match_like_libpq() {
        let text = "# comment\nother:5432:*:*:no\ndb\\:host:*:jx:planner:a\\:b\n*:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(text, "db:host", 5432, "jx", "planner").as_deref(),
            Some("a:b")
        );
        assert_eq!(
            pgpass_lookup(text, "x", 1, "y", "z").as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup("h:1:d:u\n", "h", 1, "d", "u"), None);
    }

    #[test]
    fn defaults_and_bad_values() {
        let a = Address::parse("postgres:///jx").unwrap();
        assert_eq!(
            (a.host.as_str(), a.port, a.table.clone()),
            ("localhost", 5432, None)
        );
        assert!(matches!(
            Address::parse("postgresql://h:99999/db"),
            Err(AddressError::Port(_))
        ));
        assert_eq!(
            Address::parse("postgresql://h/"),
            Err(AddressError::NoDatabase)
        );
        assert!(matches!(
            Address::parse("postgresql://h/db?colour=red"),
            Err(AddressError::UnknownParameter(_))
        ));
    }
}
