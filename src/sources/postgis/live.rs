//! Live PostGIS layers: nothing is held whole; the map, selections and
//! statistics ask the server for what they need.
//!
//! - **Statistics** are summed in the server (`count(*)` and
//!   `sum(ST_Area(geom::geography))` grouped by the land-use value), over the
//!   whole table, a lon/lat box, a drawn polygon or an expression, and only the
//!   sums cross the network. They are then arranged by the same hierarchical,
//!   balanced-rounding table as a file's ([`ServerStats`]).
//! - **Selections** return the ids of the rows that intersect a box or polygon
//!   (`&&` against the GiST index, then `ST_Intersects`) and satisfy an
//!   expression.
//! - **The map** asks for the rows of the view, capped in number and simplified
//!   for the zoom (`ST_SimplifyPreserveTopology`).
//!
//! Expressions translate to SQL (see [`crate::expr::Expr::to_sql`]); those that
//! cannot are evaluated here over the attribute rows of the query's area.

use geo::{Coord, Geometry, LineString, MultiPolygon, Rect};
use postgres::types::ToSql;

use super::{
    Address, ServerFault, TableMeta, bind, classify, connect, fault, filter_sql, table_meta,
};
use crate::expr::{Expr, SqlContext, SqlParam, quote_ident};
use crate::io::parse::ParsedFeature;
use crate::model::{AttrValue, FieldRoles, Layer};
use crate::selection::SelectOp;
use crate::sources::{FileCrs, LayerBuilder, LoadControl, LoadError, LoadOptions};

/// Where a query looks.
#[derive(Debug, Clone, PartialEq)]
pub enum Region {
    Whole,
    /// A lon/lat point (a click).
    Point(Coord<f64>),
    /// A lon/lat box.
    Rect(Rect<f64>),
    /// A drawn lon/lat polygon (or several): the rows that intersect it, or with
    /// `within` only those wholly inside it.
    Polygon {
        area: MultiPolygon<f64>,
        within: bool,
    },
    /// The rows a drawn lon/lat line crosses.
    Line(LineString<f64>),
    /// A selection built up by steps, as the window's tools make it: each
    /// region replaces, adds to, toggles or takes away from the ones before, so
    /// that the whole selection is one predicate the server evaluates (and sums)
    /// at once.
    Combined(Vec<(Region, SelectOp)>),
}

/// What a statistic groups by.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveGrouping {
    /// Land-use classes, from the column the layer's roles name as land use (and
    /// the shares column, for mixed uses split by share).
    Classes,
    /// The raw values of one column.
    Field(String),
}

/// A parameter of a live query.
enum Param {
    Sql(SqlParam),
    Bytes(Vec<u8>),
}

/// An open live table: a read-only session and what the catalogue says.
pub struct LiveTable {
    pub address: Address,
    pub meta: TableMeta,
    /// The field roles the table's columns take, as a file with these fields
    /// would have them.
    pub roles: FieldRoles,
    shown: String,
    client: postgres::Client,
    filter: Option<String>,
}

/// The sums of a live statistic, in the shape `stats::stats_of` takes: a layer
/// of one row per distinct group value, and each row's index repeated as many
/// times as the table has rows of that value, with the group's area spread
/// evenly over them. Summing them back gives the server's count and area, so the
/// table, its rounding and its notes come from the same code as a file's.
pub struct ServerStats {
    pub layer: Layer,
    pub features: Vec<usize>,
    pub areas_m2: Vec<f64>,
    /// Rows summed in the server.
    pub rows: u64,
}

impl LiveTable {
    /// Connects and reads the table's catalogue entry.
    pub fn open(address: &Address, options: &LoadOptions) -> Result<LiveTable, LoadError> {
        let shown = address.to_string();
        let mut client = connect(address)?;
        let meta = table_meta(&mut client, address)?;
        let filter = filter_sql(address, &shown)?;
        let names: Vec<String> = meta.columns.iter().map(|c| c.name.clone()).collect();
        let roles = FieldRoles::detect(&names, &options.role_overrides);
        Ok(LiveTable {
            address: address.clone(),
            meta,
            roles,
            shown,
            client,
            filter,
        })
    }

    /// The address as messages show it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn column_name(&self, slot: Option<usize>) -> Option<String> {
        slot.and_then(|k| self.meta.columns.get(k))
            .map(|c| c.name.clone())
    }

    /// The land-use column, if the table has one.
    pub fn landuse_column(&self) -> Option<String> {
        self.column_name(self.roles.landuse)
    }

    /// The lon/lat extent of the (filtered) table.
    pub fn extent(&mut self) -> Result<Option<Rect<f64>>, LoadError> {
        let mut sql = format!(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent({})::box2d AS e FROM {}",
            self.meta.lon_lat_sql(),
            self.meta.from_sql()
        );
        if let Some(f) = &self.filter {
            sql.push_str(&format!(" WHERE {f}"));
        }
        sql.push_str(") s");
        let row = self
            .client
            .query_one(sql.as_str(), &[])
            .map_err(|e| classify(&self.shown, &e, true))?;
        let get = |k: usize| row.try_get::<_, Option<f64>>(k).ok().flatten();
        Ok(match (get(0), get(1), get(2), get(3)) {
            (Some(a), Some(b), Some(c), Some(d)) => Some(Rect::new((a, b), (c, d))),
            _ => None,
        })
    }

    /// The lon/lat extent from the planner's statistics (`ST_EstimatedExtent`,
    /// a catalogue read instead of a scan of every row), for a map to open on;
    /// the exact [`LiveTable::extent`] when the address filters the table, the
    /// statistics are missing, or the table has no SRID.
    pub fn extent_fast(&mut self) -> Result<Option<Rect<f64>>, LoadError> {
        if self.filter.is_none() && self.meta.srid != 0 {
            let sql = format!(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Transform(ST_SetSRID(ST_EstimatedExtent($1, $2, $3)::geometry, {}), 4326) AS e) s",
                self.meta.srid
            );
            let estimate = self.client.query_one(
                sql.as_str(),
                &[
                    &self.meta.schema,
                    &self.meta.table,
                    &self.meta.geometry_column,
                ],
            );
            if let Ok(row) = estimate {
                let get = |k: usize| row.try_get::<_, Option<f64>>(k).ok().flatten();
                if let (Some(a), Some(b), Some(c), Some(d)) = (get(0), get(1), get(2), get(3)) {
                    return Ok(Some(Rect::new((a, b), (c, d))));
                }
            }
        }
        self.extent()
    }

    /// The conditions of a region, filter and expression, with their parameters,
    /// and the expression when it could not be translated (to be evaluated on the
    /// client).
    fn conditions<'e>(
        &self,
        region: &Region,
        expr: Option<&'e Expr>,
        params: &mut Vec<Param>,
    ) -> (Vec<String>, Option<&'e Expr>) {
        let mut out: Vec<String> = self.filter.iter().cloned().collect();
        out.extend(self.region_conditions(region, params));
        let mut rest = None;
        if let Some(e) = expr {
            let columns = self.meta.sql_columns();
            let area = self.meta.area_sql();
            let ctx = SqlContext {
                columns: &columns,
                area_sql: &area,
                first_param: params.len() + 1,
            };
            match e.to_sql(&ctx) {
                Ok(c) => {
                    out.push(c.sql);
                    params.extend(c.params.into_iter().map(Param::Sql));
                }
                Err(_) => rest = Some(e),
            }
        }
        (out, rest)
    }

    /// The conditions of a region alone (without the address's filter).
    fn region_conditions(&self, region: &Region, params: &mut Vec<Param>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let g = self.meta.geom_sql();
        let ll = self.meta.lon_lat_sql();
        // The index is on the table's own coordinates: the query shape goes to
        // them (widened by 0.01°, about 1 km, so that a box bent by the
        // projection still covers every candidate), and the exact test is made
        // in lon/lat, as the client makes it.
        let index_box = |shape: &str| match self.meta.srid {
            4326 => format!("{g} && {shape}"),
            0 => format!("{g} && ST_SetSRID({shape}, 0)"),
            srid => format!("{g} && ST_Transform(ST_Expand(ST_Envelope({shape}), 0.01), {srid})"),
        };
        match region {
            Region::Whole => {}
            Region::Rect(r) => {
                let n = params.len();
                let shape = format!(
                    "ST_MakeEnvelope(${}, ${}, ${}, ${}, 4326)",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4
                );
                params.extend(
                    [r.min().x, r.min().y, r.max().x, r.max().y]
                        .map(|v| Param::Sql(SqlParam::Number(v))),
                );
                out.push(index_box(&shape));
                out.push(format!("ST_Intersects({ll}, {shape})"));
            }
            Region::Point(p) => {
                let n = params.len();
                let shape = format!("ST_SetSRID(ST_MakePoint(${}, ${}), 4326)", n + 1, n + 2);
                params.extend([p.x, p.y].map(|v| Param::Sql(SqlParam::Number(v))));
                out.push(index_box(&shape));
                out.push(format!("ST_Intersects({ll}, {shape})"));
            }
            Region::Polygon { area, within } => {
                let mut wkb = Vec::new();
                crate::sources::wkb::write(&Geometry::MultiPolygon(area.clone()), &mut wkb);
                params.push(Param::Bytes(wkb));
                let shape = format!("ST_GeomFromWKB(${}, 4326)", params.len());
                out.push(index_box(&shape));
                if *within {
                    out.push(format!("ST_CoveredBy({ll}, {shape})"));
                } else {
                    out.push(format!("ST_Intersects({ll}, {shape})"));
                }
            }
            Region::Line(line) => {
                let mut wkb = Vec::new();
                crate::sources::wkb::write(&Geometry::LineString(line.clone()), &mut wkb);
                params.push(Param::Bytes(wkb));
                let shape = format!("ST_GeomFromWKB(${}, 4326)", params.len());
                out.push(index_box(&shape));
                out.push(format!("ST_Intersects({ll}, {shape})"));
            }
            Region::Combined(steps) => {
                // Each step's test is a boolean; the steps fold left into one.
                // `IS DISTINCT FROM` is a toggle that stays true or false where
                // either side is NULL.
                let mut folded: Option<String> = None;
                for (step, op) in steps {
                    let test = Self::joined(&self.region_conditions(step, params));
                    folded = Some(match (folded, op) {
                        (None, SelectOp::Subtract) => "FALSE".to_string(),
                        (None, _) | (Some(_), SelectOp::Replace) => test,
                        (Some(a), SelectOp::Add) => format!("({a} OR {test})"),
                        (Some(a), SelectOp::Subtract) => {
                            format!("({a} AND NOT coalesce({test}, FALSE))")
                        }
                        (Some(a), SelectOp::Toggle) => {
                            format!(
                                "(coalesce({a}, FALSE) IS DISTINCT FROM coalesce({test}, FALSE))"
                            )
                        }
                    });
                }
                out.push(folded.unwrap_or_else(|| "FALSE".to_string()));
            }
        }
        out
    }

    fn query(&mut self, sql: &str, params: Vec<Param>) -> Result<Vec<postgres::Row>, LoadError> {
        let mut bound: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(params.len());
        for p in params {
            match p {
                Param::Sql(s) => bound.extend(bind(&[s])),
                Param::Bytes(b) => bound.push(Box::new(b)),
            }
        }
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
        self.client
            .query(sql, &refs)
            .map_err(|e| classify(&self.shown, &e, true))
    }

    /// Conditions as one boolean (TRUE when there are none).
    fn joined(conditions: &[String]) -> String {
        if conditions.is_empty() {
            "TRUE".to_string()
        } else {
            format!("({})", conditions.join(" AND "))
        }
    }

    fn where_clause(conditions: &[String]) -> String {
        if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        }
    }

    /// The attribute rows (no geometry) of a region, with their areas, as a
    /// layer: the client's view of what an untranslatable expression needs.
    fn attribute_rows(
        &mut self,
        conditions: &[String],
        params: Vec<Param>,
        options: &LoadOptions,
    ) -> Result<(Layer, Vec<String>), LoadError> {
        let mut select: Vec<String> = vec![format!("{}::float8", self.meta.area_sql())];
        select.push(match self.meta.order_column() {
            Some(c) => format!("{}::text", quote_ident(c)),
            None => "NULL::text".into(),
        });
        select.extend(self.meta.columns.iter().map(|c| c.select_sql()));
        let mut sql = format!(
            "SELECT {} FROM {}{}",
            select.join(", "),
            self.meta.from_sql(),
            Self::where_clause(conditions)
        );
        if let Some(o) = self.meta.order_column() {
            sql.push_str(&format!(" ORDER BY {}", quote_ident(o)));
        }
        let rows = self.query(&sql, params)?;
        let mut builder = LayerBuilder::new(None);
        let names: Vec<String> = self.meta.columns.iter().map(|c| c.name.clone()).collect();
        let slots = builder.columns_for(&names);
        builder.reserve(rows.len());
        let mut areas = Vec::with_capacity(rows.len());
        let mut ids = Vec::with_capacity(rows.len());
        for r in &rows {
            areas.push(r.try_get::<_, Option<f64>>(0).ok().flatten().unwrap_or(0.0));
            let id: Option<String> = r.try_get(1).ok().flatten();
            ids.push(id.clone().unwrap_or_default());
            let mut props = Vec::new();
            for (k, c) in self.meta.columns.iter().enumerate() {
                if let Some(v) = super::row_value(r, k + 2, c) {
                    props.push((k as u32, v));
                }
            }
            let mut f = ParsedFeature::plain(None, props);
            f.id = id.map(|i| i.as_str().into());
            let index = builder.seen;
            builder.seen += 1;
            builder.push(&slots, f, index);
        }
        let name = self.address.layer_name();
        let mut layer = builder.finish(
            FileCrs::Absent,
            &self.shown,
            &name,
            options,
            LoadControl::default(),
        )?;
        layer.area_m2 = areas;
        Ok((layer, ids))
    }

    /// The column that names rows, or an error saying how to give one.
    fn order_column(&self) -> Result<String, LoadError> {
        self.meta.order_column().map(str::to_string).ok_or_else(|| {
            fault(
                &self.shown,
                ServerFault::NoSuchTable,
                "the table has no primary key to name its rows: add &id=COLUMN to the address",
            )
        })
    }

    /// An expression that does not translate, evaluated here over the
    /// attribute rows the conditions select: the rows as a layer, their ids and
    /// the rows (indices into the layer) for which it is true.
    fn filter_on_client(
        &mut self,
        e: &Expr,
        conditions: &[String],
        params: Vec<Param>,
        options: &LoadOptions,
    ) -> Result<(Layer, Vec<String>, Vec<usize>), LoadError> {
        let (layer, ids) = self.attribute_rows(conditions, params, options)?;
        let bound = e
            .bind(&layer)
            .map_err(|err| fault(&self.shown, ServerFault::Query, format!("--where: {err}")))?;
        let features = bound.filter(&layer, None);
        Ok((layer, ids, features))
    }

    /// The sums of a statistic over a region (and an expression), summed in the
    /// server where the expression translates.
    pub fn stats(
        &mut self,
        region: &Region,
        expr: Option<&Expr>,
        grouping: &LiveGrouping,
        options: &LoadOptions,
    ) -> Result<ServerStats, LoadError> {
        let mut params = Vec::new();
        let (conditions, rest) = self.conditions(region, expr, &mut params);
        if let Some(e) = rest {
            // Evaluated on the client over the region's attribute rows.
            let (layer, _, features) = self.filter_on_client(e, &conditions, params, options)?;
            let areas_m2 = layer.area_m2.clone();
            return Ok(ServerStats {
                rows: features.len() as u64,
                layer,
                features,
                areas_m2,
            });
        }
        let keys = self.group_keys(grouping)?;
        let key_sql: Vec<String> = keys
            .iter()
            .map(|k| format!("{}::text", quote_ident(k)))
            .collect();
        let positions: Vec<String> = (1..=keys.len()).map(|k| k.to_string()).collect();
        let sql = format!(
            "SELECT {}, count(*)::int8, COALESCE(sum({}), 0)::float8 FROM {}{} GROUP BY {} ORDER BY {}",
            key_sql.join(", "),
            self.meta.area_sql(),
            self.meta.from_sql(),
            Self::where_clause(&conditions),
            positions.join(", "),
            positions.join(", "),
        );
        let rows = self.query(&sql, params)?;
        let n = keys.len();
        let groups = rows
            .iter()
            .map(|r| {
                let values = (0..n)
                    .map(|k| r.try_get::<_, Option<String>>(k).ok().flatten())
                    .collect();
                let count = r.try_get::<_, i64>(n).unwrap_or(0).max(0) as usize;
                (values, count, r.try_get::<_, f64>(n + 1).unwrap_or(0.0))
            })
            .collect();
        self.sums_layer(&keys, groups, options)
    }

    /// The columns a statistic groups by: the field, or the land-use column (and
    /// the shares column, which mixed uses split by share need).
    fn group_keys(&self, grouping: &LiveGrouping) -> Result<Vec<String>, LoadError> {
        Ok(match grouping {
            LiveGrouping::Field(f) => {
                let c = self
                    .meta
                    .columns
                    .iter()
                    .find(|c| c.name == *f)
                    .or_else(|| {
                        self.meta
                            .columns
                            .iter()
                            .find(|c| c.name.to_lowercase() == f.to_lowercase())
                    })
                    .ok_or_else(|| {
                        fault(
                            &self.shown,
                            ServerFault::NoSuchTable,
                            format!("no column named '{f}'"),
                        )
                    })?;
                vec![c.name.clone()]
            }
            LiveGrouping::Classes => {
                let landuse = self.landuse_column().ok_or_else(|| {
                    fault(
                        &self.shown,
                        ServerFault::NoSuchTable,
                        "no land-use column found (looked for landuse, YDDM, YDXZ, 用地代码, …); name it with --role landuse=FIELD",
                    )
                })?;
                let mut keys = vec![landuse];
                // Mixed uses split by share need the shares column beside the code.
                let shares = crate::stats::tree::SHARE_FIELDS
                    .iter()
                    .find(|s| self.meta.columns.iter().any(|c| c.name == **s))
                    .map(|s| s.to_string());
                keys.extend(shares);
                keys
            }
        })
    }

    /// The sums of each group (its key values, row count and area in m²) as the
    /// layer and features `stats_of` takes.
    fn sums_layer(
        &self,
        keys: &[String],
        groups: Vec<(Vec<Option<String>>, usize, f64)>,
        options: &LoadOptions,
    ) -> Result<ServerStats, LoadError> {
        let mut builder = LayerBuilder::new(None);
        let slots = builder.columns_for(keys);
        builder.reserve(groups.len());
        let mut group_areas = Vec::with_capacity(groups.len());
        let mut counts = Vec::with_capacity(groups.len());
        for (values, count, area) in groups {
            let props = values
                .into_iter()
                .enumerate()
                .filter_map(|(k, v)| v.map(|t| (k as u32, AttrValue::Text(t.as_str().into()))))
                .collect();
            counts.push(count);
            group_areas.push(if count > 0 { area / count as f64 } else { 0.0 });
            let index = builder.seen;
            builder.seen += 1;
            builder.push(&slots, ParsedFeature::plain(None, props), index);
        }
        let name = self.address.layer_name();
        let mut layer = builder.finish(
            FileCrs::Absent,
            &self.shown,
            &name,
            options,
            LoadControl::default(),
        )?;
        layer.area_m2 = group_areas.clone();
        let rows_total: usize = counts.iter().sum();
        let mut features = Vec::with_capacity(rows_total);
        for (i, c) in counts.iter().enumerate() {
            features.extend(std::iter::repeat_n(i, *c));
        }
        Ok(ServerStats {
            layer,
            features,
            areas_m2: group_areas,
            rows: rows_total as u64,
        })
    }

    /// A drawn selection and its statistic from one query: the ids and areas of
    /// the rows (sorted by id as text) and their sums by group, so that the
    /// server tests and measures each row once. An expression that does not
    /// translate falls back to [`LiveTable::select_ids`] and
    /// [`LiveTable::stats`].
    pub fn select_with_stats(
        &mut self,
        region: &Region,
        expr: Option<&Expr>,
        grouping: &LiveGrouping,
        options: &LoadOptions,
    ) -> Result<(Vec<(String, f64)>, ServerStats), LoadError> {
        let order = self.order_column()?;
        let mut params = Vec::new();
        let (conditions, rest) = self.conditions(region, expr, &mut params);
        if rest.is_some() {
            let ids = self.select_ids(region, expr, options)?;
            let stats = self.stats(region, expr, grouping, options)?;
            return Ok((ids, stats));
        }
        let keys = self.group_keys(grouping)?;
        let key_sql: Vec<String> = keys
            .iter()
            .map(|k| format!("{}::text", quote_ident(k)))
            .collect();
        let sql = format!(
            "SELECT {}::text, {}::float8, {} FROM {}{}",
            quote_ident(&order),
            self.meta.area_sql(),
            key_sql.join(", "),
            self.meta.from_sql(),
            Self::where_clause(&conditions),
        );
        let rows = self.query(&sql, params)?;
        let mut ids: Vec<(String, f64)> = Vec::with_capacity(rows.len());
        let mut sums: std::collections::BTreeMap<Vec<Option<String>>, (usize, f64)> =
            Default::default();
        for r in &rows {
            let area = r.try_get::<_, f64>(1).unwrap_or(0.0);
            if let Some(id) = r.try_get::<_, Option<String>>(0).ok().flatten() {
                ids.push((id, area));
            }
            let key: Vec<Option<String>> = (0..keys.len())
                .map(|k| r.try_get::<_, Option<String>>(k + 2).ok().flatten())
                .collect();
            let e = sums.entry(key).or_default();
            e.0 += 1;
            e.1 += area;
        }
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        let groups = sums.into_iter().map(|(k, (c, a))| (k, c, a)).collect();
        Ok((ids, self.sums_layer(&keys, groups, options)?))
    }

    /// The ids and areas (m²) of the rows in a region that satisfy an
    /// expression, sorted by id as text.
    pub fn select_ids(
        &mut self,
        region: &Region,
        expr: Option<&Expr>,
        options: &LoadOptions,
    ) -> Result<Vec<(String, f64)>, LoadError> {
        let order = self.order_column()?;
        let mut params = Vec::new();
        let (conditions, rest) = self.conditions(region, expr, &mut params);
        let mut out: Vec<(String, f64)> = if let Some(e) = rest {
            let (layer, ids, features) = self.filter_on_client(e, &conditions, params, options)?;
            features
                .into_iter()
                .map(|i| {
                    (
                        ids.get(i).cloned().unwrap_or_default(),
                        layer.area_m2.get(i).copied().unwrap_or(0.0),
                    )
                })
                .collect()
        } else {
            let sql = format!(
                "SELECT {}::text, {}::float8 FROM {}{}",
                quote_ident(&order),
                self.meta.area_sql(),
                self.meta.from_sql(),
                Self::where_clause(&conditions),
            );
            self.query(&sql, params)?
                .iter()
                .filter_map(|r| {
                    let id: String = r.try_get::<_, Option<String>>(0).ok().flatten()?;
                    Some((id, r.try_get::<_, f64>(1).unwrap_or(0.0)))
                })
                .collect()
        };
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// The planner's estimate of the rows a region holds (`EXPLAIN`, which
    /// reads no rows), or `None` when the server gives none.
    fn estimate_rows(&mut self, region: &Region) -> Option<f64> {
        let mut params = Vec::new();
        let (mut conditions, _) = self.conditions(region, None, &mut params);
        // Only the index box: the planner cannot estimate an exact test on a
        // transformed geometry and takes it as one row.
        conditions.retain(|c| c.contains(" && "));
        let sql = format!(
            "EXPLAIN SELECT 1 FROM {}{}",
            self.meta.from_sql(),
            Self::where_clause(&conditions)
        );
        let rows = self.query(&sql, params).ok()?;
        let line: String = rows.first()?.try_get(0).ok()?;
        let after = line.split(" rows=").nth(1)?;
        after
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    }

    /// The rows a map view shows: lon/lat geometry simplified to
    /// `tolerance_deg` (about a pixel), the land-use value and the id, at most
    /// `cap` rows (the rest are counted in `more`).
    pub fn view_rows(
        &mut self,
        view: Rect<f64>,
        tolerance_deg: f64,
        cap: usize,
    ) -> Result<ViewRows, LoadError> {
        let mut params = Vec::new();
        let (conditions, _) = self.conditions(&Region::Rect(view), None, &mut params);
        let landuse = match self.landuse_column() {
            Some(c) => format!("{}::text", quote_ident(&c)),
            None => "NULL::text".into(),
        };
        let id = match self.meta.order_column() {
            Some(c) => format!("{}::text", quote_ident(c)),
            None => "NULL::text".into(),
        };
        params.push(Param::Sql(SqlParam::Number(tolerance_deg.max(0.0))));
        let tol = params.len();
        let (lon_lat, clause) = (self.meta.lon_lat_sql(), Self::where_clause(&conditions));
        let select = |from: &str| {
            format!(
                "SELECT ST_AsBinary(ST_Force2D(ST_SimplifyPreserveTopology({lon_lat}, ${tol}::float8))), {landuse}, {id} FROM {from}{clause} LIMIT {}",
                cap.saturating_add(1)
            )
        };
        // A view with far more rows than the cap (a whole city far out) is
        // drawn from a sample of the table's pages spread over it, rather than
        // from the first rows the scan meets, which would all lie in one corner.
        // The sample is twice the cap, so that it fills the cap, and repeatable,
        // so that the same view shows the same rows.
        let sample = self
            .estimate_rows(&Region::Rect(view))
            .filter(|e| *e > cap as f64 * 1.5)
            .map(|e| (2.0 * cap as f64 / e * 100.0).clamp(0.0001, 100.0));
        let from = self.meta.from_sql();
        let sampled = match sample {
            Some(pct) => {
                let params_again = {
                    let mut p = Vec::new();
                    let _ = self.conditions(&Region::Rect(view), None, &mut p);
                    p.push(Param::Sql(SqlParam::Number(tolerance_deg.max(0.0))));
                    p
                };
                // A view (not a table) cannot be sampled: it is then read as
                // the first rows of the view.
                self.query(
                    &select(&format!(
                        "{from} TABLESAMPLE SYSTEM ({pct:.6}) REPEATABLE (0)"
                    )),
                    params_again,
                )
                .ok()
            }
            None => None,
        };
        let is_sample = sampled.is_some();
        let rows = match sampled {
            Some(rows) => rows,
            None => self.query(&select(&from), params)?,
        };
        let more = is_sample || rows.len() > cap;
        let mut out = Vec::with_capacity(rows.len().min(cap));
        let mut bad = 0usize;
        for r in rows.iter().take(cap) {
            let wkb: Option<Vec<u8>> = r.try_get(0).ok().flatten();
            let geometry = match wkb.as_deref().map(crate::sources::wkb::read) {
                Some(Ok((Some(g), _))) => g,
                Some(Err(_)) => {
                    bad += 1;
                    continue;
                }
                _ => continue,
            };
            out.push(ViewRow {
                geometry,
                landuse: r.try_get(1).ok().flatten(),
                id: r.try_get(2).ok().flatten(),
            });
        }
        Ok(ViewRows {
            rows: out,
            more,
            sampled: is_sample,
            bad,
        })
    }
}

impl ViewRows {
    /// The rows as a layer the map draws and the tools select in: each row's
    /// geometry with its id and land-use value (under the table's own column
    /// name, so that the field roles, colours and labels are a file's).
    pub fn into_layer(self, table: &LiveTable, options: &LoadOptions) -> Result<Layer, LoadError> {
        let mut builder = LayerBuilder::new(None);
        let landuse = table.landuse_column();
        let names: Vec<String> = landuse.iter().cloned().collect();
        let slots = builder.columns_for(&names);
        builder.reserve(self.rows.len());
        for row in self.rows {
            let props = match (&landuse, row.landuse) {
                (Some(_), Some(v)) => vec![(0u32, AttrValue::Text(v.as_str().into()))],
                _ => Vec::new(),
            };
            let mut f = ParsedFeature::plain(Some(row.geometry), props);
            f.id = row.id.map(|i| i.as_str().into());
            let index = builder.seen;
            builder.seen += 1;
            builder.push(&slots, f, index);
        }
        let name = table.address.layer_name();
        builder.finish(
            FileCrs::Absent,
            &table.shown,
            &name,
            options,
            LoadControl::default(),
        )
    }
}

/// One row of a map view.
#[derive(Debug, Clone)]
pub struct ViewRow {
    pub geometry: Geometry<f64>,
    pub landuse: Option<String>,
    pub id: Option<String>,
}

/// The rows of a map view.
#[derive(Debug, Clone, Default)]
pub struct ViewRows {
    pub rows: Vec<ViewRow>,
    /// Whether the view holds more rows than the cap.
    pub more: bool,
    /// Whether the rows are a sample of the table's pages (the view held far
    /// more rows than the cap).
    pub sampled: bool,
    /// Rows whose geometry could not be decoded (left out).
    pub bad: usize,
}
