//! PostGIS tables as layers: the city's cadastre, its land survey and every
//! district's plan on a shared PostgreSQL server, opened wherever a file opens.
//!
//! A table is addressed as `postgresql://USER@HOST:PORT/DB?layer=SCHEMA.TABLE`
//! ([`address`]). It is used in one of two ways:
//!
//! - **loaded** (the default, for tables up to a few million rows): streamed
//!   through a server-side cursor in batches, with progress and cancel, into the
//!   same [`LayerBuilder`] as every file, so its counts, areas and selections
//!   are the file's ([`read`]);
//! - **live** (`mode=live`, any size): nothing is held whole; the map, selections
//!   and statistics ask the server for what they need ([`live`]).
//!
//! parcelview never writes to the database: every session is opened with
//! `default_transaction_read_only=on`, table and column names are quoted
//! identifiers of names the catalogue lists, every value is a bound parameter,
//! and the project owner's `where=` filter is checked ([`check_filter`]) and run
//! inside that read-only session.

pub mod address;
pub mod live;

use std::time::Duration;

use geo::Geometry;
use postgres::types::ToSql;
use rayon::prelude::*;

pub use address::{Address, AddressError, Mode, is_address, is_address_path, remember_password};

use super::{FileCrs, LayerBuilder, LayerInfo, LoadControl, LoadError, LoadOptions};
use crate::crs::Crs;
use crate::expr::{SqlKind, SqlParam, quote_ident};
use crate::io::parse::ParsedFeature;
use crate::model::AttrValue;

/// Rows fetched from the cursor at a time; their geometries decode in parallel.
const BATCH: i32 = 20_000;

/// How long to wait for a server before saying it cannot be reached.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong with a database layer, for a headline in the interface
/// language; the server's own words go in the error's detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFault {
    /// The address itself is wrong (see [`AddressError`]).
    Address,
    /// No server answers at the host and port (stopped, firewalled, wrong port).
    Unreachable,
    /// The user name or password was refused, or a password is needed and none
    /// was given.
    Authentication,
    /// The server has no database of that name.
    NoDatabase,
    /// No table or view with a geometry column of that name, or no such column.
    NoSuchTable,
    /// The connection broke after it was made (the server stopped, the network
    /// dropped).
    ConnectionLost,
    /// The server cancelled a statement that ran past the statement timeout.
    Timeout,
    /// The server refused what was asked (no read permission, a read-only
    /// violation).
    Permission,
    /// A table name or filter was refused before it was sent.
    Refused,
    /// TLS was required, which this build cannot do.
    Tls,
    /// Any other error the server reported.
    Query,
}

impl ServerFault {
    /// The key of this fault's headline in the interface's message table.
    pub fn key(self) -> &'static str {
        match self {
            ServerFault::Address => "db_address",
            ServerFault::Unreachable => "db_unreachable",
            ServerFault::Authentication => "db_authentication",
            ServerFault::NoDatabase => "db_no_database",
            ServerFault::NoSuchTable => "db_no_such_table",
            ServerFault::ConnectionLost => "db_connection_lost",
            ServerFault::Timeout => "db_timeout",
            ServerFault::Permission => "db_permission",
            ServerFault::Refused => "db_refused",
            ServerFault::Tls => "db_tls",
            ServerFault::Query => "db_query",
        }
    }
}

impl std::fmt::Display for ServerFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ServerFault::Address => "the address cannot be used",
            ServerFault::Unreachable => "the database server cannot be reached",
            ServerFault::Authentication => "the server refused the user name or password",
            ServerFault::NoDatabase => "the server has no such database",
            ServerFault::NoSuchTable => "no such table or column",
            ServerFault::ConnectionLost => "the connection to the server was lost",
            ServerFault::Timeout => "the server cancelled a statement that ran too long",
            ServerFault::Permission => "the server refused the request",
            ServerFault::Refused => "refused before sending",
            ServerFault::Tls => "TLS is required but not available",
            ServerFault::Query => "the server reported an error",
        })
    }
}

/// A load error for the layer at `shown` (the address without secrets).
pub(crate) fn fault(shown: &str, fault: ServerFault, detail: impl Into<String>) -> LoadError {
    LoadError::Server {
        address: shown.to_string(),
        fault,
        detail: detail.into(),
    }
}

/// Classifies a client error. `connected` tells an unreachable server (the
/// connection was never made) from a lost one.
pub(crate) fn classify(shown: &str, e: &postgres::Error, connected: bool) -> LoadError {
    if let Some(db) = e.as_db_error() {
        let kind = match db.code().code() {
            "28P01" | "28000" => ServerFault::Authentication,
            "3D000" => ServerFault::NoDatabase,
            "42P01" | "42703" | "3F000" => ServerFault::NoSuchTable,
            "57014" => ServerFault::Timeout,
            "57P01" | "57P02" | "57P03" | "08006" | "08003" => ServerFault::ConnectionLost,
            "42501" | "25006" => ServerFault::Permission,
            _ => ServerFault::Query,
        };
        let mut detail = db.message().to_string();
        if let Some(h) = db.hint() {
            detail.push_str(&format!(" ({h})"));
        }
        return fault(shown, kind, detail);
    }
    let text = e.to_string();
    // The client's own errors carry no kind we can match on; their words are
    // stable ("password missing" when the server asks for one and none is known).
    if text.contains("password missing") {
        return fault(
            shown,
            ServerFault::Authentication,
            "the server asks for a password: set PGPASSWORD, add it to ~/.pgpass, or type it in 连接数据库",
        );
    }
    if e.is_closed() || connected {
        return fault(shown, ServerFault::ConnectionLost, text);
    }
    fault(shown, ServerFault::Unreachable, text)
}

/// Opens a read-only session to the server of `address`.
pub fn connect(address: &Address) -> Result<postgres::Client, LoadError> {
    let shown = address.to_string();
    let ssl = match address.sslmode {
        address::SslMode::Disable => postgres::config::SslMode::Disable,
        address::SslMode::Allow | address::SslMode::Prefer => postgres::config::SslMode::Prefer,
        _ => {
            return Err(fault(
                &shown,
                ServerFault::Tls,
                "this build of parcelview has no TLS client; use sslmode=prefer or disable on a trusted network, or an SSH tunnel",
            ));
        }
    };
    let mut config = postgres::Config::new();
    config
        .host(&address.host)
        .port(address.port)
        .dbname(&address.database)
        .user(&address.effective_user())
        .application_name("parcelview")
        .connect_timeout(CONNECT_TIMEOUT)
        .ssl_mode(ssl)
        // Read-only for every transaction of the session, and a cap on each
        // statement, whatever the server's defaults are.
        .options(&format!(
            "-c default_transaction_read_only=on -c statement_timeout={}s",
            address.timeout_s
        ));
    if let Some(p) = address::password_for(address) {
        config.password(p);
    }
    config
        .connect(postgres::NoTls)
        .map_err(|e| classify(&shown, &e, false))
}

/// A column of a table, as the loader and the translator use it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// The type's name in the catalogue (`int4`, `varchar`, `numeric`, …).
    pub type_name: String,
    pub kind: SqlKind,
}

impl Column {
    /// The column in a select list, cast to what the loader reads.
    pub(crate) fn select_sql(&self) -> String {
        let q = quote_ident(&self.name);
        match (self.kind, self.type_name.as_str()) {
            (SqlKind::Number, "int2" | "int4" | "int8") => format!("{q}::int8"),
            (SqlKind::Number, _) => format!("{q}::float8"),
            (SqlKind::Bool, _) => q,
            _ => format!("{q}::text"),
        }
    }

    fn is_integer(&self) -> bool {
        matches!(self.type_name.as_str(), "int2" | "int4" | "int8")
    }
}

/// What the catalogue says about a table with a geometry column.
#[derive(Debug, Clone, PartialEq)]
pub struct TableMeta {
    pub schema: String,
    pub table: String,
    pub geometry_column: String,
    pub srid: i32,
    pub geometry_type: String,
    /// The attribute columns, in the table's order (geometry columns left out).
    pub columns: Vec<Column>,
    /// The column that names features: `id=` or a single-column primary key that
    /// is not an integer.
    pub id_column: Option<String>,
    /// A single integer primary key, which orders the rows and is left out of the
    /// attributes.
    pub fid_column: Option<String>,
    /// The server's estimate of the rows (`reltuples`), when it has one.
    pub estimated_rows: Option<u64>,
}

impl TableMeta {
    /// The column rows are ordered by, so that a layer is the same every time.
    pub fn order_column(&self) -> Option<&str> {
        self.id_column.as_deref().or(self.fid_column.as_deref())
    }

    /// `"schema"."table"` for SQL.
    pub fn from_sql(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.table))
    }

    /// The geometry column for SQL.
    pub fn geom_sql(&self) -> String {
        quote_ident(&self.geometry_column)
    }

    /// The geometry in lon/lat (EPSG:4326) for SQL; a geometry without an SRID is
    /// taken as lon/lat, as a file without a CRS is.
    pub fn lon_lat_sql(&self) -> String {
        let g = self.geom_sql();
        match self.srid {
            4326 => g,
            0 => format!("ST_SetSRID({g}, 4326)"),
            _ => format!("ST_Transform({g}, 4326)"),
        }
    }

    /// A row's ellipsoidal area in m² for SQL (on WGS 84, by GeographicLib's
    /// algorithm, as parcelview measures files).
    pub fn area_sql(&self) -> String {
        format!("ST_Area({}::geography)", self.lon_lat_sql())
    }

    /// The CRS the table's geometry is in.
    pub fn file_crs(&self) -> FileCrs {
        match self.srid {
            0 => FileCrs::Absent,
            s => match u16::try_from(s).ok().and_then(Crs::from_epsg) {
                Some(c) => FileCrs::Known(c),
                None => FileCrs::Unknown(format!("EPSG:{s}")),
            },
        }
    }

    /// The attribute columns for the expression translator.
    pub fn sql_columns(&self) -> Vec<(String, SqlKind)> {
        self.columns
            .iter()
            .map(|c| (c.name.clone(), c.kind))
            .collect()
    }
}

fn kind_of(type_name: &str) -> SqlKind {
    match type_name {
        "int2" | "int4" | "int8" | "float4" | "float8" | "numeric" | "oid" => SqlKind::Number,
        "bool" => SqlKind::Bool,
        "text" | "varchar" | "bpchar" | "name" | "citext" | "char" => SqlKind::Text,
        _ => SqlKind::Other,
    }
}

/// Finds the table the address names (in `geometry_columns`, by parameters, so
/// no name is ever part of the SQL text before it is known to exist) and reads
/// its columns.
pub fn table_meta(
    client: &mut postgres::Client,
    address: &Address,
) -> Result<TableMeta, LoadError> {
    let shown = address.to_string();
    let Some(table) = address.table.as_deref() else {
        return Err(fault(
            &shown,
            ServerFault::NoSuchTable,
            "the address names no table: add ?layer=SCHEMA.TABLE (parcelview info ADDRESS lists them)",
        ));
    };
    let rows = client
        .query(
            "SELECT f_table_schema::text, f_table_name::text, f_geometry_column::text, srid, type::text \
             FROM geometry_columns \
             WHERE f_table_name = $1 AND ($2::text IS NULL OR f_table_schema = $2) \
               AND ($3::text IS NULL OR f_geometry_column = $3) \
             ORDER BY (f_table_schema = 'public') DESC, 1, 3",
            &[&table, &address.schema, &address.geometry_column],
        )
        .map_err(|e| classify(&shown, &e, true))?;
    let Some(row) = rows.first() else {
        let what = match (&address.schema, &address.geometry_column) {
            (Some(s), Some(g)) => format!("{s}.{table} with a geometry column {g}"),
            (Some(s), None) => format!("{s}.{table} with a geometry column"),
            (None, Some(g)) => format!("{table} with a geometry column {g}"),
            (None, None) => format!("{table} with a geometry column"),
        };
        return Err(fault(
            &shown,
            ServerFault::NoSuchTable,
            format!(
                "the database has no table or view {what} (parcelview info ADDRESS lists them)"
            ),
        ));
    };
    let schema: String = row.get(0);
    let table: String = row.get(1);
    let geometry_column: String = row.get(2);
    let srid: i32 = row.get(3);
    let geometry_type: String = row.get(4);
    let regclass = format!("{}.{}", quote_ident(&schema), quote_ident(&table));
    let cols = client
        .query(
            "SELECT a.attname::text, t.typname::text FROM pg_attribute a \
             JOIN pg_type t ON t.oid = a.atttypid \
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&regclass],
        )
        .map_err(|e| classify(&shown, &e, true))?;
    let columns: Vec<Column> = cols
        .iter()
        .map(|r| {
            let type_name: String = r.get(1);
            Column {
                name: r.get(0),
                kind: kind_of(&type_name),
                type_name,
            }
        })
        .filter(|c| !matches!(c.type_name.as_str(), "geometry" | "geography"))
        .collect();
    let primary: Vec<String> = client
        .query(
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = to_regclass($1) AND i.indisprimary",
            &[&regclass],
        )
        .map_err(|e| classify(&shown, &e, true))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // A single integer primary key (OGR's fid, a serial) orders and names the
    // features but is not an attribute, as a GeoPackage's fid is not.
    let mut columns = columns;
    let fid_column = match primary.as_slice() {
        [one] if address.id_column.is_none() => {
            let integer = columns.iter().any(|c| c.name == *one && c.is_integer());
            if integer {
                columns.retain(|c| c.name != *one);
                Some(one.clone())
            } else {
                None
            }
        }
        _ => None,
    };
    let id_column = match &address.id_column {
        Some(id) => {
            if !columns.iter().any(|c| c.name == *id) {
                let mut names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                names.sort_unstable();
                return Err(fault(
                    &shown,
                    ServerFault::NoSuchTable,
                    format!(
                        "id={id}: the table has no such column (columns: {})",
                        names.join(", ")
                    ),
                ));
            }
            Some(id.clone())
        }
        None if fid_column.is_some() => None,
        None => match primary.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
    };
    let estimate: Option<f32> = client
        .query_opt(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)",
            &[&regclass],
        )
        .map_err(|e| classify(&shown, &e, true))?
        .map(|r| r.get(0));
    Ok(TableMeta {
        schema,
        table,
        geometry_column,
        srid,
        geometry_type,
        columns,
        id_column,
        fid_column,
        estimated_rows: estimate.filter(|e| *e >= 0.0).map(|e| e as u64),
    })
}

/// Checks a project owner's SQL filter before it goes into `WHERE (…)`: one
/// condition, with balanced parentheses and quotes, and no statement separator,
/// comment, dollar quote, placeholder or backslash escape that could end the
/// condition early or hide what follows. The filter still runs in a read-only
/// session with the connecting user's rights.
pub fn check_filter(filter: &str) -> Result<(), String> {
    let mut depth: i32 = 0;
    let mut chars = filter.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                // A quoted string or identifier; a doubled quote stays inside.
                let mut closed = false;
                while let Some(d) = chars.next() {
                    if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                        } else {
                            closed = true;
                            break;
                        }
                    } else if d == '\\' {
                        return Err("backslashes are not allowed in the filter".into());
                    }
                }
                if !closed {
                    return Err(format!("a {c} is not closed"));
                }
            }
            ';' => return Err("the filter may not contain ';' (one condition only)".into()),
            '-' if chars.peek() == Some(&'-') => {
                return Err("the filter may not contain comments (--)".into());
            }
            '/' if chars.peek() == Some(&'*') => {
                return Err("the filter may not contain comments (/* */)".into());
            }
            '$' => {
                return Err(
                    "the filter may not contain '$' (dollar quotes or placeholders)".into(),
                );
            }
            '\\' => return Err("backslashes are not allowed in the filter".into()),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("a ')' closes more than was opened".into());
                }
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("a '(' is not closed".into());
    }
    Ok(())
}

/// The `WHERE` text of the address's filter (checked), or nothing.
pub(crate) fn filter_sql(address: &Address, shown: &str) -> Result<Option<String>, LoadError> {
    match &address.filter {
        None => Ok(None),
        Some(f) => {
            check_filter(f).map_err(|reason| {
                fault(shown, ServerFault::Refused, format!("where={f}: {reason}"))
            })?;
            Ok(Some(format!("({f})")))
        }
    }
}

/// Bound parameters as the client takes them.
pub(crate) fn bind(params: &[SqlParam]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                SqlParam::Number(v) => Box::new(*v),
                SqlParam::Text(t) => Box::new(t.clone()),
            }
        })
        .collect()
}

/// The value of column `c` at `at` in a row selected with [`Column::select_sql`].
pub(crate) fn row_value(r: &postgres::Row, at: usize, c: &Column) -> Option<AttrValue> {
    match c.kind {
        SqlKind::Number if c.is_integer() => r
            .try_get::<_, Option<i64>>(at)
            .ok()
            .flatten()
            .map(AttrValue::Int),
        SqlKind::Number => r
            .try_get::<_, Option<f64>>(at)
            .ok()
            .flatten()
            .map(AttrValue::Float),
        SqlKind::Bool => r
            .try_get::<_, Option<bool>>(at)
            .ok()
            .flatten()
            .map(AttrValue::Bool),
        _ => r
            .try_get::<_, Option<String>>(at)
            .ok()
            .flatten()
            .map(|t| AttrValue::Text(t.as_str().into())),
    }
}

/// The tables and views with a geometry column, for a chooser and `info`.
pub fn list_layers(address: &Address) -> Result<Vec<LayerInfo>, LoadError> {
    let shown = address.to_string();
    let mut client = connect(address)?;
    let rows = client
        .query(
            "SELECT g.f_table_schema::text, g.f_table_name::text, g.f_geometry_column::text, g.srid, g.type::text, \
                    COALESCE(c.reltuples, -1)::float8 \
             FROM geometry_columns g \
             LEFT JOIN pg_namespace n ON n.nspname = g.f_table_schema \
             LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = g.f_table_name \
             WHERE g.f_table_schema NOT IN ('pg_catalog', 'information_schema', 'topology', 'tiger') \
             ORDER BY 1, 2, 3",
            &[],
        )
        .map_err(|e| classify(&shown, &e, true))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let schema: String = r.get(0);
        let table: String = r.get(1);
        let srid: i32 = r.get(3);
        let estimate: f64 = r.get(5);
        out.push(LayerInfo {
            name: format!("{schema}.{table}"),
            geometry_type: r.get(4),
            // A table never analysed has no estimate (-1); 0 is shown for it.
            features: if estimate > 0.0 { estimate as u64 } else { 0 },
            srs: if srid > 0 {
                format!("EPSG:{srid}")
            } else {
                "undefined".into()
            },
        });
    }
    Ok(out)
}

/// The loaded mode: streams the whole table (or the rows of the address's
/// filter) into the builder, ordered by the id column so that the layer is the
/// same every time.
pub fn read(
    address: &Address,
    options: &LoadOptions,
    control: LoadControl,
    builder: &mut LayerBuilder,
) -> Result<FileCrs, LoadError> {
    let shown = address.to_string();
    let mut client = connect(address)?;
    let meta = table_meta(&mut client, address)?;
    let filter = filter_sql(address, &shown)?;
    builder.reserve(meta.estimated_rows.unwrap_or(0) as usize);
    // Progress is counted in rows against the server's estimate.
    builder.total_bytes = meta.estimated_rows.filter(|n| *n > 0);
    let names: Vec<String> = meta.columns.iter().map(|c| c.name.clone()).collect();
    let slots = builder.columns_for(&names);
    let fid_sql = match &meta.fid_column {
        Some(f) => format!("{}::int8", quote_ident(f)),
        None => "NULL::int8".to_string(),
    };
    let mut select: Vec<String> = vec![
        format!("ST_AsBinary(ST_Force2D({}))", meta.geom_sql()),
        fid_sql,
    ];
    select.extend(meta.columns.iter().map(Column::select_sql));
    let mut sql = format!("SELECT {} FROM {}", select.join(", "), meta.from_sql());
    let mut conditions: Vec<String> = filter.into_iter().collect();
    let mut params: Vec<SqlParam> = Vec::new();
    if let Some(b) = options.bbox {
        conditions.push(format!(
            "{} && ST_MakeEnvelope($1, $2, $3, $4, 4326)",
            meta.lon_lat_sql()
        ));
        params.extend([b.min().x, b.min().y, b.max().x, b.max().y].map(SqlParam::Number));
    }
    if !conditions.is_empty() {
        sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    if let Some(order) = meta.order_column() {
        sql.push_str(&format!(" ORDER BY {}", quote_ident(order)));
    }
    let id_slot = meta
        .id_column
        .as_ref()
        .and_then(|id| meta.columns.iter().position(|c| c.name == *id));
    let bound = bind(&params);
    let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(|e| classify(&shown, &e, true))?;
    let portal = tx
        .bind(sql.as_str(), &refs)
        .map_err(|e| classify(&shown, &e, true))?;
    type Row = (Option<Vec<u8>>, Vec<(u32, AttrValue)>, Option<String>);
    loop {
        builder.progress(control, builder.seen as u64, &shown)?;
        let rows = tx
            .query_portal(&portal, BATCH)
            .map_err(|e| classify(&shown, &e, true))?;
        if rows.is_empty() {
            break;
        }
        let batch: Vec<Row> = rows
            .iter()
            .map(|r| {
                let wkb: Option<Vec<u8>> = r.try_get(0).ok().flatten();
                let mut props = Vec::with_capacity(meta.columns.len());
                let mut id = r
                    .try_get::<_, Option<i64>>(1)
                    .ok()
                    .flatten()
                    .map(|f| f.to_string());
                for (k, c) in meta.columns.iter().enumerate() {
                    let at = k + 2;
                    let v = row_value(r, at, c);
                    if let Some(v) = v {
                        if Some(k) == id_slot {
                            id = v.to_text();
                        }
                        props.push((k as u32, v));
                    }
                }
                (wkb, props, id)
            })
            .collect();
        let decoded: Vec<Result<Option<Geometry<f64>>, String>> = batch
            .par_iter()
            .map(|(wkb, _, _)| match wkb {
                Some(b) => super::wkb::read(b).map(|(g, _)| g),
                None => Ok(None),
            })
            .collect();
        for ((_, props, id), geometry) in batch.into_iter().zip(decoded) {
            let index = builder.seen;
            builder.seen += 1;
            match geometry {
                Ok(geometry) => {
                    let mut f = ParsedFeature::plain(geometry, props);
                    f.id = id.map(|i| i.as_str().into());
                    builder.push(&slots, f, index)
                }
                Err(reason) => builder.skip(index, id, format!("bad geometry: {reason}")),
            }
        }
    }
    tx.commit().map_err(|e| classify(&shown, &e, true))?;
    Ok(meta.file_crs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_that_could_end_the_condition_are_refused() {
        assert!(check_filter("\"status\" = '规划' AND far > 1.5").is_ok());
        assert!(check_filter("name = 'O''Brien (east)'").is_ok());
        for bad in [
            "1=1; DROP TABLE parcels",
            "1=1 -- and the rest",
            "1=1 /* hidden */",
            "a) OR (b",
            "(a",
            "name = 'open",
            "$$x$$ = '1'",
            "name = E'\\'' ; drop",
        ] {
            assert!(check_filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn faults_have_headline_keys() {
        let e = fault(
            "postgresql://h:1/db",
            ServerFault::Timeout,
            "canceling statement",
        );
        assert!(e.to_string().contains("postgresql://h:1/db"));
        assert_eq!(ServerFault::Timeout.key(), "db_timeout");
    }
}
