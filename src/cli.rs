//! The headless commands: `info`, `stats`, `select`, `generate`.
//!
//! Every command prints deterministic (sorted) output so scripts and tests can rely
//! on it. Errors are returned to `main`, which prints them once on one line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use geo::{Coord, Rect};
use serde_json::json;

use crate::crs::Crs;
use crate::io::{LoadControl, LoadOptions, atomic_write, load_path};
use crate::model::{FieldRole, Layer, geometry_type_name};
use crate::selection::{self, AreaMode};
use crate::stats::{self, AreaMethod, BalanceTable, Grouping, MixedMode, StatsOptions, StatsTable};

mod postgis;

#[derive(Parser, Debug)]
#[command(
    name = "parcelview",
    version,
    about = "Planning viewer and headless GIS tools for the Jiaxing airport new town (空港新城)",
    long_about = None
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command: GeoJSON files or a project file to open in the app
    /// (default: the bundled airport-city project).
    pub files: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Describe a layer (GeoJSON, Shapefile, GeoPackage, FlatGeobuf, KML/KMZ, CSV):
    /// features, geometry types, CRS, extent, fields and roles; a GeoPackage's layers.
    Info(InfoArgs),
    /// Area statistics: the land-use balance table or a breakdown by a field.
    Stats(StatsArgs),
    /// Select the features that intersect a point, a box or a polygon.
    Select(SelectArgs),
    /// Write a report of selected parcels: a summary (map, balance table,
    /// indicators, parcel list) or report cards (maps, attributes, boundary points,
    /// nearby facilities), as .pdf, .xlsx, .csv or .geojson.
    Report(ReportArgs),
    /// Draw a map image (PNG) of a file or project over the offline basemap, with
    /// the selection highlighted, a legend, a scale bar and a north arrow.
    Render(RenderArgs),
    /// Write a project's bookmarks (its briefing) as a PDF handout, one page a
    /// slide: title, map with legend, caption.
    Handout(HandoutArgs),
    /// Check every parcel's 限高 against the airport's obstacle limitation surfaces
    /// (净空, ICAO Annex 14 code 4 precision approach), as a table, CSV or JSON, and
    /// an .xlsx.
    Clearance(AnalysisArgs),
    /// Life-circle (生活圈) coverage of residential land by each facility type, in a
    /// straight line and along the roads (GB 50180-2018 default radii).
    Coverage(AnalysisArgs),
    /// Generate data: synthetic parcel layers, or the bundled district.
    #[command(subcommand)]
    Generate(GenerateCommand),
}

#[derive(Args, Debug)]
pub struct AnalysisArgs {
    /// The project file.
    pub project: PathBuf,
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::analysis::command::OutputFormat,
    /// Also write the result as an Excel workbook (.xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// A GeoJSON file or a project file.
    pub input: PathBuf,
    /// The PNG to write.
    #[arg(long)]
    pub out: PathBuf,
    /// The lon/lat box to show: W,S,E,N (default: the selection, else everything).
    #[arg(long, value_parser = parse_bbox, allow_hyphen_values = true)]
    pub bbox: Option<Rect<f64>>,
    /// Image size in pixels: WxH.
    #[arg(long, value_parser = parse_size, default_value = "1600x1200")]
    pub size: (u32, u32),
    /// Resolution; lines and text are sized in points, so a higher DPI draws them
    /// with more pixels. Recorded in the PNG.
    #[arg(long, default_value_t = 150.0)]
    pub dpi: f32,
    /// Highlight the parcels for which this expression is true.
    #[arg(long = "where", value_name = "EXPR")]
    pub where_: Option<String>,
    /// Highlight these parcels, by id: ID,ID,…
    #[arg(long, value_delimiter = ',')]
    pub ids: Vec<String>,
    /// A title in the top-left corner (default: the project's title).
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
    /// Leave out the legend.
    #[arg(long)]
    pub no_legend: bool,
}

fn parse_page(text: &str) -> Result<crate::report::pdf::PageSetup, String> {
    crate::report::pdf::PageSetup::parse(text).ok_or_else(|| {
        format!("'{text}' is not a paper (use a4, a3, a4-landscape or a3-landscape)")
    })
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once(['x', 'X', '×'])
        .ok_or_else(|| format!("expected WxH, got '{text}'"))?;
    let p = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|v| (1..=20_000).contains(v))
            .ok_or_else(|| format!("'{v}' is not a size from 1 to 20000 px"))
    };
    Ok((p(w)?, p(h)?))
}

#[derive(Args, Debug)]
pub struct HandoutArgs {
    /// The project file.
    pub project: PathBuf,
    /// The PDF to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Paper: a4, a3, a4-landscape, a3-landscape.
    #[arg(long, value_parser = parse_page, default_value = "a4-landscape")]
    pub page: crate::report::pdf::PageSetup,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportKindArg {
    Summary,
    Cards,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A parcel GeoJSON file, or a project file (its land-use layer is reported and
    /// its facility layer gives the cards' nearby facilities).
    pub input: PathBuf,
    /// Only parcels for which this expression is true.
    #[arg(long = "where", value_name = "EXPR")]
    pub where_: Option<String>,
    /// Only parcels intersecting this lon/lat box: W,S,E,N.
    #[arg(long, value_parser = parse_bbox, allow_hyphen_values = true)]
    pub bbox: Option<Rect<f64>>,
    /// Only these parcels, by id: ID,ID,…
    #[arg(long, value_delimiter = ',')]
    pub ids: Vec<String>,
    #[arg(long, value_enum, default_value = "summary")]
    pub kind: ReportKindArg,
    /// The output file; its extension chooses the format (.pdf, .xlsx, .csv,
    /// .geojson, or for GIS: .gpkg, .shp, .fgb, .kml).
    #[arg(long)]
    pub out: PathBuf,
    /// Paper for PDF: a4, a3, a4-landscape, a3-landscape.
    #[arg(long, value_parser = parse_page, default_value = "a4")]
    pub page: crate::report::pdf::PageSetup,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
    /// The report's title (default: the project's title or the file's name).
    #[arg(long)]
    pub title: Option<String>,
    /// How areas are measured in the summary.
    #[arg(long, value_enum, default_value = "ellipsoidal")]
    pub area: AreaArg,
    /// How mixed-use parcels are counted in the summary's balance table.
    #[arg(long, value_enum, default_value = "dominant")]
    pub mixed: MixedArg,
    /// Cards print the boundary points' Y with the zone number in front
    /// (40xxxxxx.xxx), as some cadastral submissions require.
    #[arg(long)]
    pub zone_prefix: bool,
    /// The layer of a multi-layer input file (a GeoPackage table).
    #[arg(long)]
    pub layer: Option<String>,
    /// For --out X.shp: the attributes' encoding (GBK, the default, as ArcGIS on
    /// Chinese Windows reads it; or UTF-8).
    #[arg(long)]
    pub encoding: Option<String>,
    /// For --out X.gpkg: the SRS the GeoPackage names, 4326 (the default) or 4490
    /// (CGCS2000; the coordinates are the same).
    #[arg(long)]
    pub srs: Option<u32>,
}

#[derive(Args, Debug, Clone)]
pub struct LayerArgs {
    /// The file: GeoJSON, Shapefile (.shp), GeoPackage (.gpkg), FlatGeobuf (.fgb),
    /// KML/KMZ or CSV.
    pub file: PathBuf,
    /// The file's CRS, overriding what it says (EPSG:4549, urn:ogc:def:crs:EPSG::4528,
    /// +proj=…, GCJ02 for AMap/DataV data, BD09 for Baidu's).
    #[arg(long)]
    pub crs: Option<String>,
    /// The layer of a multi-layer file (a GeoPackage table); `info` lists them.
    #[arg(long)]
    pub layer: Option<String>,
    /// The attributes' text encoding (GBK, UTF-8, Big5, 936, …), overriding a
    /// Shapefile's .cpg and language driver or a CSV's detection.
    #[arg(long)]
    pub encoding: Option<String>,
    /// Force a field role, e.g. `--role landuse=YDDM` (roles: id, landuse, far, density, green, height, name).
    #[arg(long = "role", value_name = "ROLE=FIELD")]
    pub roles: Vec<String>,
}

impl LayerArgs {
    /// A file with no options.
    fn of(path: &Path) -> LayerArgs {
        LayerArgs {
            file: path.to_path_buf(),
            crs: None,
            layer: None,
            encoding: None,
            roles: vec![],
        }
    }

    fn load(&self) -> anyhow::Result<Layer> {
        let options = self.options()?;
        Ok(load_path(&self.file, &options, LoadControl::default())?)
    }

    /// The load options the flags give.
    fn options(&self) -> anyhow::Result<LoadOptions> {
        let crs_override = self
            .crs
            .as_deref()
            .map(Crs::parse)
            .transpose()
            .with_context(|| format!("--crs {}", self.crs.as_deref().unwrap_or("")))?;
        let mut role_overrides = Vec::new();
        for r in &self.roles {
            let Some((role, field)) = r.split_once('=') else {
                bail!("--role {r}: expected ROLE=FIELD");
            };
            let role = FieldRole::from_key(role.trim()).with_context(|| {
                format!("--role {r}: unknown role '{role}' (id, landuse, far, density, green, height, name)")
            })?;
            role_overrides.push((role, field.trim().to_string()));
        }
        let options = LoadOptions {
            crs_override,
            role_overrides,
            name: None,
            layer: self.layer.clone(),
            encoding: self.encoding.clone(),
            bbox: None,
        };
        Ok(options)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum InfoFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    #[command(flatten)]
    pub layer: LayerArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: InfoFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum AreaArg {
    Ellipsoidal,
    #[value(name = "gauss-kruger", alias = "gk", alias = "plane")]
    GaussKruger,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum StandardArg {
    Gtkj2023,
    #[value(name = "gb50137")]
    Gb50137,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    Table,
    Csv,
    Json,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    pub layer: LayerArgs,
    /// Group by the raw values of this field.
    #[arg(long, conflicts_with = "by_class")]
    pub by_field: Option<String>,
    /// Group by land-use class at level 1, 2 or 3 (the default: level 2, the
    /// usual depth of a land-use balance table).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub by_class: Option<u8>,
    /// The classification of --by-class: the 2023 national classes, or the layer's
    /// classes shown as their GB 50137-2011 counterparts.
    #[arg(long, value_enum, default_value = "gtkj2023")]
    pub standard: StandardArg,
    /// How areas are measured.
    #[arg(long, value_enum, default_value = "ellipsoidal")]
    pub area: AreaArg,
    /// Central meridian (degrees E) for Gauss-Krüger areas; default: from the data.
    #[arg(long)]
    pub cm: Option<f64>,
    /// Only features intersecting this lon/lat box: W,S,E,N.
    #[arg(long, value_parser = parse_bbox, allow_hyphen_values = true)]
    pub bbox: Option<Rect<f64>>,
    /// Only features for which this expression is true, e.g.
    /// `"YDDM" LIKE '1001%' AND "RJL" >= 1.5` (with --bbox: both must hold).
    #[arg(long = "where", value_name = "EXPR")]
    pub where_: Option<String>,
    /// How mixed-use parcels (混合用地, R2/B1) are counted: under their dominant
    /// (first) use, each combination as its own row, or split by the shares a
    /// field gives (兼容比例, or --shares-field).
    #[arg(long, value_enum, default_value = "dominant")]
    pub mixed: MixedArg,
    /// The field that gives mixed parcels' shares for --mixed split (e.g. 70/30).
    #[arg(long, value_name = "FIELD")]
    pub shares_field: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: StatsFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum MixedArg {
    Dominant,
    Separate,
    Split,
}

impl MixedArg {
    fn mode(self) -> MixedMode {
        match self {
            MixedArg::Dominant => MixedMode::Dominant,
            MixedArg::Separate => MixedMode::Separate,
            MixedArg::Split => MixedMode::Split,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SelectFormat {
    Ids,
    Json,
    Geojson,
}

#[derive(Args, Debug)]
pub struct SelectArgs {
    #[command(flatten)]
    pub layer: LayerArgs,
    /// A lon/lat point: LON,LAT.
    #[arg(long, value_parser = parse_point, allow_hyphen_values = true, group = "query")]
    pub point: Option<Coord<f64>>,
    /// A lon/lat box: W,S,E,N.
    #[arg(long, value_parser = parse_bbox, allow_hyphen_values = true, group = "query")]
    pub bbox: Option<Rect<f64>>,
    /// A GeoJSON file with a polygon (its polygons are joined).
    #[arg(long, group = "query")]
    pub within: Option<PathBuf>,
    /// With --within: select only features wholly inside the polygon.
    #[arg(long)]
    pub fully_within: bool,
    /// An attribute expression, e.g. `"status" IN ('储备', '规划')`; alone it
    /// selects from the whole layer, with a spatial query both must hold.
    #[arg(long = "where", value_name = "EXPR")]
    pub where_: Option<String>,
    #[arg(long, value_enum, default_value = "ids")]
    pub format: SelectFormat,
}

#[derive(Subcommand, Debug)]
pub enum GenerateCommand {
    /// A synthetic parcel layer for tests and benchmarks.
    Parcels {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write CGCS2000 Gauss-Krüger (EPSG:4549) coordinates instead of lon/lat.
        #[arg(long)]
        projected: bool,
        #[arg(long)]
        out: PathBuf,
    },
    /// The bundled airport-city project (illustrative plan) into a folder.
    District {
        #[arg(long, default_value_t = crate::generate::DEFAULT_SEED)]
        seed: u64,
        /// The folder to write (e.g. maps/).
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_numbers<const N: usize>(text: &str, what: &str) -> Result<[f64; N], String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != N {
        return Err(format!(
            "expected {what} ({N} comma-separated numbers), got '{text}'"
        ));
    }
    let mut out = [0.0; N];
    for (slot, p) in out.iter_mut().zip(&parts) {
        *slot = p
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{p}' is not a number in '{text}'"))?;
    }
    Ok(out)
}

fn parse_point(text: &str) -> Result<Coord<f64>, String> {
    let [x, y] = parse_numbers::<2>(text, "LON,LAT")?;
    Ok(Coord { x, y })
}

fn parse_bbox(text: &str) -> Result<Rect<f64>, String> {
    let [w, s, e, n] = parse_numbers::<4>(text, "W,S,E,N")?;
    if w > e || s > n {
        return Err(format!("box '{text}' has west > east or south > north"));
    }
    Ok(Rect::new(Coord { x: w, y: s }, Coord { x: e, y: n }))
}

/// Runs a parsed command, writing to `out` and warnings to `err`.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<()> {
    match cli.command {
        None => crate::app::run(cli.files),
        Some(Command::Info(a)) => info(&a, out),
        Some(Command::Stats(a)) => stats_cmd(&a, out, err),
        Some(Command::Select(a)) => select_cmd(&a, out, err),
        Some(Command::Report(a)) => report_cmd(&a, out, err),
        Some(Command::Render(a)) => render_cmd(&a, out, err),
        Some(Command::Handout(a)) => handout_cmd(&a, out, err),
        Some(Command::Clearance(a)) => {
            crate::analysis::command::clearance_command(&a.project, a.format, a.out.as_deref(), out)
        }
        Some(Command::Coverage(a)) => {
            crate::analysis::command::coverage_command(&a.project, a.format, a.out.as_deref(), out)
        }
        Some(Command::Generate(g)) => generate_cmd(g, out),
    }
}

fn print_warnings(layer: &Layer, err: &mut dyn Write) -> anyhow::Result<()> {
    for w in &layer.warnings {
        writeln!(err, "warning: {}: {w}", layer.source)?;
    }
    Ok(())
}

/// The `bbox:` line of `info`.
fn write_bbox(bbox: Option<Rect<f64>>, out: &mut dyn Write) -> anyhow::Result<()> {
    match bbox {
        Some(r) => writeln!(
            out,
            "bbox:      {:.7},{:.7},{:.7},{:.7} (W,S,E,N lon/lat)",
            r.min().x,
            r.min().y,
            r.max().x,
            r.max().y
        )?,
        None => writeln!(out, "bbox:      (no geometry)")?,
    }
    Ok(())
}

fn info(a: &InfoArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    if let Some(address) = postgis::live_address(&a.layer.file)?
        && postgis::info(a, &address, out)?
    {
        return Ok(());
    }
    let layer = a.layer.load()?;
    // A GeoPackage's layers, the one read marked.
    let layers = match crate::sources::detect(&a.layer.file) {
        crate::sources::Format::GeoPackage => crate::sources::list_layers(&a.layer.file)?,
        _ => Vec::new(),
    };
    let bbox = layer.bbox();
    let roles: Vec<(&str, Option<&str>)> = FieldRole::ALL
        .iter()
        .map(|r| {
            (
                r.key(),
                layer
                    .roles
                    .get(*r)
                    .and_then(|i| layer.fields.get(i))
                    .map(String::as_str),
            )
        })
        .collect();
    let field_role = |i: usize| -> Option<&str> {
        FieldRole::ALL
            .iter()
            .find(|r| layer.roles.get(**r) == Some(i))
            .map(|r| r.key())
    };
    let types = layer.geometry_type_counts();
    if a.format == InfoFormat::Json {
        let v = json!({
            "file": layer.source,
            "features": layer.len(),
            "skipped": layer.skipped,
            "crs": layer.source_crs.label,
            "geometry_types": types.iter().map(|(t, n)| json!({"type": t, "count": n})).collect::<Vec<_>>(),
            "bbox": bbox.map(|r| vec![r.min().x, r.min().y, r.max().x, r.max().y]),
            "fields": layer.fields.iter().enumerate().map(|(i, f)| json!({"name": f, "role": field_role(i)})).collect::<Vec<_>>(),
            "roles": roles.iter().map(|(k, f)| (k.to_string(), json!(f))).collect::<serde_json::Map<_, _>>(),
            "total_area_m2": layer.area_m2.iter().sum::<f64>() + 0.0,
            "warnings": layer.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            "layers": layers.iter().map(|l| json!({"name": l.name, "geometry_type": l.geometry_type, "features": l.features, "srs": l.srs})).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(out, "file:      {}", layer.source)?;
    if !layers.is_empty() {
        writeln!(out, "layers:")?;
        for (k, l) in layers.iter().enumerate() {
            let read = match &a.layer.layer {
                Some(n) => *n == l.name,
                None => k == 0,
            };
            let mark = if read { "*" } else { " " };
            writeln!(
                out,
                "  {mark} {}  {}  {} features  {}",
                l.name, l.geometry_type, l.features, l.srs
            )?;
        }
    }
    writeln!(
        out,
        "features:  {} ({} skipped)",
        layer.len(),
        layer.skipped
    )?;
    writeln!(
        out,
        "crs:       {}{}",
        layer.source_crs.label,
        if layer.source_crs.is_geographic() {
            ""
        } else {
            " (reprojected to lon/lat)"
        }
    )?;
    let types_text: Vec<String> = types.iter().map(|(t, n)| format!("{t} {n}")).collect();
    writeln!(out, "geometry:  {}", types_text.join(", "))?;
    write_bbox(bbox, out)?;
    // + 0.0: an empty sum is -0.0, which would print as "-0.00".
    let total: f64 = layer.area_m2.iter().sum::<f64>() + 0.0;
    writeln!(
        out,
        "area:      {:.2} m² = {:.2} 公顷 = {:.2} 亩 (ellipsoidal)",
        total,
        total / stats::M2_PER_HA,
        total / stats::M2_PER_MU
    )?;
    writeln!(out, "fields:")?;
    for (i, f) in layer.fields.iter().enumerate() {
        match field_role(i) {
            Some(r) => writeln!(out, "  {f}  [{r}]")?,
            None => writeln!(out, "  {f}")?,
        }
    }
    if layer.warnings.is_empty() {
        writeln!(out, "warnings:  none")?;
    } else {
        writeln!(out, "warnings:  {}", layer.warnings.len())?;
        for w in &layer.warnings {
            writeln!(out, "  {w}")?;
        }
    }
    Ok(())
}

fn stats_cmd(a: &StatsArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<()> {
    if let Some(address) = postgis::live_address(&a.layer.file)?
        && address.mode == crate::sources::postgis::Mode::Live
    {
        return postgis::stats(a, &address, out, err);
    }
    if crate::project::is_project_file(&a.layer.file) {
        return project_stats_cmd(a, out, err);
    }
    let layer = a.layer.load()?;
    print_warnings(&layer, err)?;
    let method = match a.area {
        AreaArg::Ellipsoidal => AreaMethod::Ellipsoidal,
        AreaArg::GaussKruger => AreaMethod::gauss_kruger_for(&layer, a.cm),
    };
    let (grouping, level) = stats_grouping(a, &[&layer])?;
    let mut selected = a.bbox.map(|r| selection::in_rect(&layer, r));
    if let Some(text) = &a.where_ {
        selected = Some(filter_where(&layer, text, selected.as_deref())?);
    }
    let areas = stats::feature_areas(&layer, method)?;
    let part = stats::Part {
        layer: &layer,
        features: selected.as_deref(),
        areas_m2: &areas,
    };
    let table = stats::stats_of(&[part], &grouping, level, method, &stats_options(a));
    let balance = matches!(grouping, Grouping::Class(_))
        .then(|| BalanceTable::new(&table, None, level, None));
    let warnings: Vec<String> = layer.warnings.iter().map(|w| w.to_string()).collect();
    write_stats(
        a,
        &table,
        None,
        balance.as_ref(),
        layer.skipped,
        &warnings,
        out,
    )
}

fn stats_options(a: &StatsArgs) -> StatsOptions {
    StatsOptions {
        mixed: a.mixed.mode(),
        shares_field: a.shares_field.clone(),
    }
}

/// The grouping `stats` asks for: a field (which one of the layers must have), or
/// land-use classes (which one of them must carry).
fn stats_grouping(a: &StatsArgs, layers: &[&Layer]) -> anyhow::Result<(Grouping, u8)> {
    let level = a.by_class.unwrap_or(2);
    if let Some(f) = &a.by_field {
        if !layers.iter().any(|l| l.field_index(f).is_some()) {
            let fields: Vec<&str> = layers
                .iter()
                .flat_map(|l| l.fields.iter().map(String::as_str))
                .collect();
            let source = layers.first().map(|l| l.source.as_str()).unwrap_or("");
            bail!(
                "{source}: no field named '{f}' (fields: {})",
                fields.join(", ")
            );
        }
        return Ok((Grouping::Field(f.clone()), 1));
    }
    if !layers.iter().any(|l| l.roles.landuse.is_some()) {
        let source = layers.first().map(|l| l.source.as_str()).unwrap_or("");
        bail!(
            "{source}: no land-use field found (looked for landuse, YDDM, YDXZ, 用地代码, …); name it with --role landuse=FIELD"
        );
    }
    let palette = match a.standard {
        StandardArg::Gtkj2023 => crate::landuse::Palette::Gtkj2023,
        StandardArg::Gb50137 => crate::landuse::Palette::Gb50137,
    };
    Ok((Grouping::Class(palette), level))
}

/// `stats PROJECT`: the balance of the project's plan (all its layers: parcels,
/// roads, water) and, where it has one, its present state.
fn project_stats_cmd(
    a: &StatsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    let project = crate::project::Project::open(&a.layer.file)?;
    for n in &project.notes {
        writeln!(err, "warning: {n}")?;
    }
    for l in &project.layers {
        match &l.data {
            Ok(d) => print_warnings(d, err)?,
            Err(e) => writeln!(err, "warning: {}: {e}", l.spec.name)?,
        }
    }
    let sets = project.balance_layers();
    if sets.plan.is_empty() {
        bail!(
            "{}: the project names no plan layers for its balance (\"balance\": {{\"plan\": [...]}}) and has no layer styled by land use",
            a.layer.file.display()
        );
    }
    let mut all: Vec<&Layer> = sets.plan.clone();
    all.extend(&sets.present);
    let (grouping, level) = stats_grouping(a, &all)?;
    let method = match (a.area, sets.plan.first()) {
        (AreaArg::GaussKruger, Some(first)) => AreaMethod::gauss_kruger_for(first, a.cm),
        _ => AreaMethod::Ellipsoidal,
    };
    // An expression is applied to each layer that has its columns; a layer without
    // them is left out of the table, with a warning, rather than failing the rest.
    let mut where_errors: Vec<String> = Vec::new();
    let mut bound: Vec<(String, Result<Vec<usize>, String>)> = Vec::new();
    for l in &all {
        let mut selected = a.bbox.map(|r| selection::in_rect(l, r));
        if let Some(text) = &a.where_ {
            match filter_where(l, text, selected.as_deref()) {
                Ok(hits) => selected = Some(hits),
                Err(e) => {
                    where_errors.push(e.to_string());
                    bound.push((l.source.clone(), Err(e.to_string())));
                    continue;
                }
            }
        }
        bound.push((
            l.source.clone(),
            Ok(selected.unwrap_or_else(|| (0..l.len()).collect())),
        ));
    }
    if a.where_.is_some() && where_errors.len() == all.len() {
        bail!("{}", where_errors.join("\n"));
    }
    for (source, r) in &bound {
        if let Err(e) = r {
            writeln!(err, "warning: {source}: left out of the table: {e}")?;
        }
    }
    let features_of = |l: &Layer| -> Option<Vec<usize>> {
        bound
            .iter()
            .find(|(s, _)| *s == l.source)
            .map(|(_, r)| r.clone().unwrap_or_default())
    };
    let balance = crate::project::project_balance(
        &sets,
        &grouping,
        level,
        method,
        &stats_options(a),
        &features_of,
    )?;
    let skipped = all.iter().map(|l| l.skipped).sum();
    let mut warnings: Vec<String> = Vec::new();
    for l in &all {
        warnings.extend(l.warnings.iter().map(|w| format!("{}: {w}", l.name)));
    }
    for m in &sets.missing {
        warnings.push(format!(
            "the balance layer '{m}' is missing or could not be read"
        ));
    }
    let table = matches!(grouping, Grouping::Class(_)).then_some(&balance.table);
    write_stats(
        a,
        &balance.plan,
        balance.present.as_ref(),
        table,
        skipped,
        &warnings,
        out,
    )
}

/// Prints a statistics table in the format `stats` was asked for.
fn write_stats(
    a: &StatsArgs,
    table: &StatsTable,
    present: Option<&StatsTable>,
    balance: Option<&BalanceTable>,
    skipped: usize,
    warnings: &[String],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match a.format {
        StatsFormat::Json => {
            let mut v = serde_json::to_value(table)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert("skipped".into(), json!(skipped));
                obj.insert("warnings".into(), json!(warnings));
                obj.insert(
                    "standard".into(),
                    json!(match a.standard {
                        StandardArg::Gtkj2023 => "gtkj2023",
                        StandardArg::Gb50137 => "gb50137",
                    }),
                );
                if let Some(p) = present {
                    obj.insert("present".into(), serde_json::to_value(p)?);
                }
                if let Some(b) = balance {
                    obj.insert("balance".into(), serde_json::to_value(b)?);
                }
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        StatsFormat::Csv => match balance {
            Some(b) if b.has_present => write_balance_csv(b, out)?,
            _ => write_stats_csv(table, out)?,
        },
        StatsFormat::Table => match balance {
            Some(b) => write_balance_table(b, out)?,
            None => write_stats_table(table, false, out)?,
        },
    }
    Ok(())
}

/// A balance with 现状 and 规划 as CSV: the printed rows with their level.
pub fn write_balance_csv(b: &BalanceTable, out: &mut dyn Write) -> std::io::Result<()> {
    let mut head = vec!["level".to_string()];
    head.extend(b.headings(true));
    writeln!(
        out,
        "{}",
        head.iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(",")
    )?;
    for r in b.all_rows() {
        let mut cells = vec![r.level.to_string()];
        cells.extend(b.cells(r));
        writeln!(
            out,
            "{}",
            cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(",")
        )?;
    }
    Ok(())
}

/// The balance table for reading in a terminal: title, unit line, the rows with
/// finer levels indented, the total, the notes and the indicators.
pub fn write_balance_table(b: &BalanceTable, out: &mut dyn Write) -> std::io::Result<()> {
    let head = b.headings(true);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in b.all_rows() {
        let mut cells = b.cells(r);
        let indent = "  ".repeat(usize::from(r.level.saturating_sub(1)));
        if let Some(c) = cells.get_mut(0) {
            *c = format!("{indent}{c}");
        }
        if let Some(c) = cells.get_mut(1) {
            *c = format!("{indent}{c}");
        }
        rows.push(cells);
    }
    let mut widths: Vec<usize> = head.iter().map(|h| display_width(h)).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(display_width(c));
        }
    }
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| pad(c, *w, i >= 2))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let total_width = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    writeln!(out, "{}", b.title)?;
    writeln!(out, "{}", b.unit)?;
    writeln!(out, "{}", line(&head))?;
    writeln!(out, "{}", "-".repeat(total_width))?;
    let n = rows.len();
    for (i, r) in rows.iter().enumerate() {
        if i + 1 == n {
            writeln!(out, "{}", "-".repeat(total_width))?;
        }
        writeln!(out, "{}", line(r))?;
    }
    for note in &b.notes {
        writeln!(out, "注：{note}")?;
    }
    write_indicators(&b.indicators, out)
}

/// The planning indicators as lines of 指标 值 单位 （口径）.
fn write_indicators(ind: &stats::Indicators, out: &mut dyn Write) -> std::io::Result<()> {
    let rows = stats::indicator_rows(ind, true);
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "规划指标")?;
    for r in rows {
        writeln!(
            out,
            "  {}  {}  （{}）",
            r.label,
            format!("{:.*} {}", r.decimals, r.value, r.unit).trim_end(),
            r.basis
        )?;
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The statistics table as CSV: exact m², balanced 2-decimal 公顷, 亩 and %.
pub fn write_stats_csv(t: &StatsTable, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "key,name,count,area_m2,area_ha,area_mu,share_pct")?;
    for g in &t.groups {
        writeln!(
            out,
            "{},{},{},{:.3},{:.2},{:.2},{:.2}",
            csv_field(&g.key),
            csv_field(g.name.as_deref().unwrap_or("")),
            g.count,
            g.area_m2,
            g.area_ha_rounded,
            g.area_mu_rounded,
            g.share_pct_rounded
        )?;
    }
    writeln!(
        out,
        "合计,,{},{:.3},{:.2},{:.2},{:.2}",
        t.features,
        t.total_area_m2,
        t.total_area_ha_rounded,
        t.total_area_mu_rounded,
        if t.total_area_m2 > 0.0 { 100.0 } else { 0.0 }
    )
}

/// Display width of a string in a terminal: CJK characters take two columns.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 && !(0xFF61..=0xFFDC).contains(&(c as u32)) {
                2
            } else {
                1
            }
        })
        .sum()
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// The statistics table for reading in a terminal, in the 用地平衡表 layout.
pub fn write_stats_table(
    t: &StatsTable,
    by_class: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let header: [&str; 6] = if by_class {
        [
            "用地代码",
            "用地名称",
            "地块数",
            "面积（公顷）",
            "面积（亩）",
            "比例（%）",
        ]
    } else {
        [
            "取值",
            "名称",
            "要素数",
            "面积（公顷）",
            "面积（亩）",
            "比例（%）",
        ]
    };
    let mut rows: Vec<[String; 6]> = t
        .groups
        .iter()
        .map(|g| {
            [
                if g.key.is_empty() {
                    "（空）".into()
                } else {
                    g.key.clone()
                },
                g.name.clone().unwrap_or_else(|| {
                    if by_class && !g.key.is_empty() {
                        "（未识别代码）".into()
                    } else {
                        String::new()
                    }
                }),
                g.count.to_string(),
                format!("{:.2}", g.area_ha_rounded),
                format!("{:.2}", g.area_mu_rounded),
                format!("{:.2}", g.share_pct_rounded),
            ]
        })
        .collect();
    rows.push([
        "合计".into(),
        String::new(),
        t.features.to_string(),
        format!("{:.2}", t.total_area_ha_rounded),
        format!("{:.2}", t.total_area_mu_rounded),
        format!("{:.2}", if t.total_area_m2 > 0.0 { 100.0 } else { 0.0 }),
    ]);
    let mut widths = header.map(display_width);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(display_width(c));
        }
    }
    // Field values have no class name: their table leaves that column out.
    let shown: Vec<usize> = if by_class {
        (0..6).collect()
    } else {
        vec![0, 2, 3, 4, 5]
    };
    let line = |cells: &[String; 6]| -> String {
        shown
            .iter()
            .filter_map(|&i| Some(pad(cells.get(i)?, *widths.get(i)?, i >= 2)))
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(&header.map(String::from)))?;
    let total_width = shown.iter().filter_map(|&i| widths.get(i)).sum::<usize>()
        + 2 * shown.len().saturating_sub(1);
    writeln!(out, "{}", "-".repeat(total_width))?;
    for (i, r) in rows.iter().enumerate() {
        if i + 1 == rows.len() {
            writeln!(out, "{}", "-".repeat(total_width))?;
        }
        writeln!(out, "{}", line(r))?;
    }
    writeln!(out, "{}", t.method.describe_zh())?;
    for note in &t.notes {
        writeln!(out, "注：{note}")?;
    }
    write_indicators(&t.indicators, out)
}

/// The polygon of `--within FILE`: the union of the file's polygons.
fn within_area(path: &Path) -> anyhow::Result<geo::MultiPolygon<f64>> {
    let area_layer = LayerArgs::of(path).load()?;
    let polys: Vec<geo::Polygon<f64>> = area_layer
        .geometries
        .iter()
        .flatten()
        .filter_map(selection::polygonal)
        .flat_map(|mp| mp.0)
        .collect();
    if polys.is_empty() {
        bail!("{}: contains no polygon to select with", path.display());
    }
    // Overlapping polygons are joined, so the query is their union.
    Ok(polys
        .into_iter()
        .map(|p| geo::MultiPolygon(vec![p]))
        .reduce(|a, b| geo::BooleanOps::union(&a, &b))
        .unwrap_or_else(|| geo::MultiPolygon(vec![])))
}

fn select_cmd(a: &SelectArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<()> {
    if let Some(address) = postgis::live_address(&a.layer.file)?
        && address.mode == crate::sources::postgis::Mode::Live
    {
        return postgis::select(a, &address, out);
    }
    let layer = a.layer.load()?;
    print_warnings(&layer, err)?;
    let hits: Option<Vec<usize>> = if let Some(p) = a.point {
        Some(selection::at_point(&layer, p))
    } else if let Some(r) = a.bbox {
        Some(selection::in_rect(&layer, r))
    } else if let Some(path) = &a.within {
        let mode = if a.fully_within {
            AreaMode::Within
        } else {
            AreaMode::Intersects
        };
        let area = within_area(path)?;
        Some(selection::in_polygon(&layer, &area, mode))
    } else {
        None
    };
    let hits = match (&a.where_, hits) {
        (Some(text), hits) => filter_where(&layer, text, hits.as_deref())?,
        (None, Some(hits)) => hits,
        (None, None) => bail!(
            "give one of --point LON,LAT, --bbox W,S,E,N, --within POLYGON.geojson or --where EXPR"
        ),
    };
    let mut ids: Vec<(String, usize)> = hits.iter().map(|&i| (layer.feature_id(i), i)).collect();
    ids.sort();
    match a.format {
        SelectFormat::Ids => {
            for (id, _) in &ids {
                writeln!(out, "{id}")?;
            }
        }
        SelectFormat::Json => {
            let v = json!({
                "count": ids.len(),
                "ids": ids.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
                "area_m2": ids.iter().map(|(_, i)| layer.area_m2.get(*i).copied().unwrap_or(0.0)).sum::<f64>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        SelectFormat::Geojson => {
            crate::io::write::write_features_geojson(&layer, ids.iter().map(|(_, i)| *i), out)?
        }
    }
    Ok(())
}

/// What a report is made from: every drawable layer with its image style (the
/// parcels among them), which one holds the parcels and which the facilities, the
/// offline basemap of a project, and a title.
struct ReportInput {
    layers: Vec<(Layer, crate::render::map_image::ImageStyle)>,
    parcels: usize,
    facilities: Option<usize>,
    basemap: Option<crate::render::Basemap>,
    title: String,
    /// The title block's lines from the project (编制单位, disclaimer).
    sheet: crate::render::map_image::SheetInfo,
    /// A project's whole-plan balance (plan and present state over the planning
    /// area), printed when the report covers the whole plan.
    plan_balance: Option<BalanceTable>,
}

/// The parcels to report from a file or project: the land-use layer, the facility
/// layer (projects only), the layers and basemap the report's maps draw, and a title.
fn report_input(
    path: &std::path::Path,
    layer_name: Option<&str>,
    area: AreaArg,
    options: &StatsOptions,
    whole_plan: bool,
    chinese: bool,
    err: &mut dyn Write,
) -> anyhow::Result<ReportInput> {
    use crate::render::map_image::{self, ImageStyle};
    if crate::project::is_project_file(path) {
        let project = crate::project::Project::open(path)?;
        let basemap = project.offline_basemap();
        let method = match (area, project.balance_layers().plan.first()) {
            (AreaArg::GaussKruger, Some(first)) => AreaMethod::gauss_kruger_for(first, None),
            _ => AreaMethod::Ellipsoidal,
        };
        let plan_balance = if whole_plan {
            plan_balance_table(&project, 2, method, options)?
        } else {
            None
        };
        let title = project.file.title_in(chinese).to_string();
        let sheet = project.file.sheet_info(chinese);
        let sources = project.file.basemap.sources.clone();
        let mut layers = Vec::new();
        let mut parcels = None;
        let mut facilities = None;
        for l in project.layers {
            let basemap_role = l.spec.role.as_deref() == Some("basemap");
            let data = match l.data {
                Ok(d) => d,
                Err(e) => {
                    writeln!(err, "warning: {}: {e}", l.spec.name)?;
                    continue;
                }
            };
            // The parcels are the shown layer styled by land use (not the basemap's
            // water or roads, which may carry land-use codes too, nor a hidden layer
            // of present land use kept for comparison). The basemap's water and
            // roads stay on the maps, which name them and list their classes.
            let style = map_image::project_image_style(&l.spec, &l.path, &sources);
            if parcels.is_none()
                && !basemap_role
                && l.spec.visible
                && data.roles.landuse.is_some()
                && l.spec.style.kind == "landuse"
            {
                parcels = Some(layers.len());
            } else if facilities.is_none() && l.spec.style.kind == "symbols" {
                facilities = Some(layers.len());
            } else if !l.spec.visible {
                continue;
            }
            let Some(style) = style else {
                continue;
            };
            layers.push((data, style));
        }
        let parcels = parcels.with_context(|| {
            format!(
                "{}: the project has no layer with a land-use field",
                path.display()
            )
        })?;
        Ok(ReportInput {
            layers,
            parcels,
            facilities,
            basemap: Some(basemap),
            title,
            sheet,
            plan_balance,
        })
    } else {
        let layer = LayerArgs {
            layer: layer_name.map(str::to_string),
            ..LayerArgs::of(path)
        }
        .load()?;
        let title = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        Ok(ReportInput {
            layers: vec![(layer, ImageStyle::landuse())],
            parcels: 0,
            facilities: None,
            basemap: None,
            title,
            sheet: Default::default(),
            plan_balance: None,
        })
    }
}

fn report_cmd(a: &ReportArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<()> {
    use crate::report::{self, ReportLang};
    let gis = crate::sources::ExportFormat::of_path(&a.out);
    if gis.is_none() {
        report::format_of(&a.out)?;
    }
    crate::io::write::refuse_input_overwrite(&a.out, &[a.input.as_path()])?;
    let options = StatsOptions {
        mixed: a.mixed.mode(),
        shares_field: None,
    };
    // The whole plan is reported when nothing narrows the parcels; only then is
    // its balance computed.
    let whole_plan = a.where_.is_none() && a.bbox.is_none() && a.ids.is_empty();
    let lang = match a.lang {
        LangArg::Zh => ReportLang::Zh,
        LangArg::En => ReportLang::En,
    };
    let input = report_input(
        &a.input,
        a.layer.as_deref(),
        a.area,
        &options,
        whole_plan,
        lang == ReportLang::Zh,
        err,
    )?;
    let layer = &input
        .layers
        .get(input.parcels)
        .context("the parcel layer is missing")?
        .0;
    print_warnings(layer, err)?;
    let mut features: Option<Vec<usize>> = a.bbox.map(|r| selection::in_rect(layer, r));
    if let Some(text) = &a.where_ {
        features = Some(filter_where(layer, text, features.as_deref())?);
    }
    if !a.ids.is_empty() {
        features = Some(with_ids(layer, &a.ids, features.as_deref())?);
    }
    let features = features.unwrap_or_else(|| (0..layer.len()).collect());
    if features.is_empty() {
        bail!(
            "{}: the selection is empty; nothing to report",
            layer.source
        );
    }
    if gis.is_some() {
        return export_gis(a, layer, &features, out);
    }
    let kind = match a.kind {
        ReportKindArg::Summary => report::ReportKind::Summary,
        ReportKindArg::Cards => report::ReportKind::Cards,
    };
    let title = a
        .title
        .clone()
        .unwrap_or_else(|| report::default_title(layer, &features, &input.title, kind, lang));
    let method = match a.area {
        AreaArg::Ellipsoidal => AreaMethod::Ellipsoidal,
        AreaArg::GaussKruger => AreaMethod::gauss_kruger_for(layer, None),
    };
    let request = report::ReportRequest {
        layer,
        facilities: input
            .facilities
            .and_then(|k| input.layers.get(k))
            .map(|(l, _)| l),
        features: &features,
        kind,
        lang,
        title: &title,
        method,
        page: a.page,
        map: report::MapContext {
            layers: input.layers.iter().map(|(l, s)| (l, s.clone())).collect(),
            basemap: input.basemap.as_ref(),
            sheet: input.sheet.clone(),
        },
        options,
        balance: input.plan_balance.as_ref(),
        zone_prefix: a.zone_prefix,
    };
    report::write_report(
        &request,
        &a.out,
        &[a.input.as_path()],
        &report::Progress::new(),
    )?;
    writeln!(
        out,
        "{}: {} parcels, {}",
        a.out.display(),
        features.len(),
        match a.kind {
            ReportKindArg::Summary => "summary",
            ReportKindArg::Cards => "report cards",
        }
    )?;
    Ok(())
}

/// `report --out X.gpkg|X.shp|X.fgb|X.kml`: the selected features with their
/// attributes and computed areas, and the fields renamed to fit the format.
fn export_gis(
    a: &ReportArgs,
    layer: &Layer,
    features: &[usize],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let options = crate::sources::ExportOptions {
        encoding: a.encoding.clone(),
        srs: a.srs,
    };
    let summary =
        crate::sources::export_features(layer, features, &a.out, &options, &[a.input.as_path()])?;
    let files: Vec<String> = summary
        .files
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    writeln!(out, "{}: {} features", files.join(", "), summary.features)?;
    for (from, to) in &summary.renamed {
        writeln!(out, "  field {from} → {to}")?;
    }
    for n in &summary.notes {
        writeln!(out, "  note: {n}")?;
    }
    Ok(())
}

/// The printed balance of a project's whole plan by class at `level`, with its
/// present state; `None` when the project has no plan layers.
fn plan_balance_table(
    project: &crate::project::Project,
    level: u8,
    method: AreaMethod,
    options: &StatsOptions,
) -> anyhow::Result<Option<BalanceTable>> {
    let sets = project.balance_layers();
    if sets.plan.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        crate::project::project_balance(
            &sets,
            &Grouping::Class(crate::landuse::Palette::Gtkj2023),
            level,
            method,
            options,
            &|_| None,
        )?
        .table,
    ))
}

fn handout_cmd(a: &HandoutArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<()> {
    use crate::render::map_image;
    use crate::report::{self, ReportLang, SlideLayer};
    if !crate::project::is_project_file(&a.project) {
        bail!(
            "{}: not a parcelview project (a handout is made from a project's bookmarks)",
            a.project.display()
        );
    }
    let project = crate::project::Project::open(&a.project)?;
    for n in &project.notes {
        writeln!(err, "warning: {n}")?;
    }
    if project.file.bookmarks.is_empty() {
        bail!("{}: the project has no bookmarks", a.project.display());
    }
    let basemap = project.offline_basemap();
    let mut layers = Vec::new();
    for l in &project.layers {
        match &l.data {
            Ok(d) if l.spec.role.as_deref() != Some("basemap") => layers.push(SlideLayer {
                name: &l.spec.name,
                layer: d,
                style: map_image::image_style(&l.spec.name, &l.spec.style),
                visible: l.spec.visible,
            }),
            Ok(_) => {}
            Err(e) => writeln!(err, "warning: {}: {e}", l.spec.name)?,
        }
    }
    let lang = match a.lang {
        LangArg::Zh => ReportLang::Zh,
        LangArg::En => ReportLang::En,
    };
    // The 净空 layer is drawn on the slides that name it, as the window shows it.
    let surfaces = crate::analysis::command::project_surfaces(&project)
        .ok()
        .map(|s| crate::analysis::clearance::surfaces_layer(&s));
    if let Some(l) = &surfaces {
        layers.push(SlideLayer {
            name: crate::analysis::CLEARANCE_LAYER,
            layer: l,
            style: crate::analysis::clearance::surfaces_image_style(lang == ReportLang::Zh),
            visible: false,
        });
    }
    let title = match (lang, &project.file.title_en) {
        (ReportLang::En, Some(t)) => t.clone(),
        _ => project.file.title.clone(),
    };
    let inputs: Vec<&std::path::Path> = std::iter::once(a.project.as_path())
        .chain(project.layers.iter().map(|l| l.path.as_path()))
        .collect();
    // The whole plan's balance (level 1, with the present state) for slides that
    // show statistics without a selection.
    let plan_balance = plan_balance_table(
        &project,
        1,
        AreaMethod::Ellipsoidal,
        &StatsOptions::default(),
    )?;
    let warnings = report::write_handout(
        &project.file.bookmarks,
        &layers,
        Some(&basemap),
        &title,
        project
            .file
            .sheet_info(lang == ReportLang::Zh)
            .disclaimer
            .as_deref(),
        lang,
        a.page,
        plan_balance.as_ref(),
        &a.out,
        &inputs,
        &report::Progress::new(),
    )?;
    for w in warnings {
        writeln!(err, "warning: {w}")?;
    }
    writeln!(
        out,
        "{}: {} slides, {}",
        a.out.display(),
        project.file.bookmarks.len(),
        a.page.name()
    )?;
    Ok(())
}

fn render_cmd(a: &RenderArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<()> {
    use crate::render::map_image::{self, ImageLayer, ImageStyle, MapImage};
    crate::io::write::refuse_input_overwrite(&a.out, &[a.input.as_path()])?;
    // Layers with their image styles; a project also gives the offline basemap.
    let (layers, basemap, project_title): (
        Vec<(Layer, ImageStyle)>,
        Option<crate::render::Basemap>,
        String,
    ) = if crate::project::is_project_file(&a.input) {
        let project = crate::project::Project::open(&a.input)?;
        let basemap = project.offline_basemap();
        let title = project.file.title.clone();
        let sources = project.file.basemap.sources.clone();
        let mut layers = Vec::new();
        for l in project.layers {
            // The basemap paints its water and roads; their layers stay in the
            // image to name the roads and canals and to list their classes.
            let Some(style) = map_image::project_image_style(&l.spec, &l.path, &sources)
                .filter(|_| l.spec.visible)
            else {
                continue;
            };
            match l.data {
                Ok(d) => layers.push((d, style)),
                Err(e) => writeln!(err, "warning: {}: {e}", l.spec.name)?,
            }
        }
        (layers, Some(basemap), title)
    } else {
        let layer = LayerArgs::of(&a.input).load()?;
        print_warnings(&layer, err)?;
        let style = if layer.roles.landuse.is_some() {
            ImageStyle::landuse()
        } else {
            ImageStyle::plain(map_image::ImagePaint::Fill([200, 200, 200]))
        };
        let title = a
            .input
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        (vec![(layer, style)], None, title)
    };
    // The highlight goes on the first land-use layer (the parcels).
    let target = layers
        .iter()
        .position(|(l, style)| {
            l.roles.landuse.is_some() && style.paint == map_image::ImagePaint::Landuse
        })
        .or_else(|| layers.iter().position(|(l, _)| l.roles.landuse.is_some()))
        .unwrap_or(0);
    let mut selected: Vec<usize> = Vec::new();
    if let Some((layer, _)) = layers.get(target) {
        if let Some(text) = &a.where_ {
            selected = filter_where(layer, text, None)?;
        }
        if !a.ids.is_empty() {
            selected.extend(with_ids(layer, &a.ids, None)?);
            selected.sort_unstable();
            selected.dedup();
        }
    }
    let all_bbox = layers
        .iter()
        .filter_map(|(l, _)| l.bbox())
        .reduce(crate::model::rect_union);
    let bbox = a
        .bbox
        .or_else(|| layers.get(target).and_then(|(l, _)| l.bbox_of(&selected)))
        .or(all_bbox)
        .with_context(|| format!("{}: nothing to draw", a.input.display()))?;
    let empty: Vec<usize> = Vec::new();
    let image = MapImage {
        layers: layers
            .iter()
            .enumerate()
            .map(|(k, (layer, style))| ImageLayer {
                layer,
                style: style.clone(),
                selected: if k == target { &selected } else { &empty },
            })
            .collect(),
        basemap: basemap.as_ref(),
        bbox,
        width_px: a.size.0,
        height_px: a.size.1,
        dpi: a.dpi,
        title: Some(a.title.clone().unwrap_or(project_title)),
        chinese: a.lang == LangArg::Zh,
        legend: !a.no_legend,
        spotlight: false,
        sheet: Default::default(),
    };
    let pixmap = map_image::render(&image)?;
    let png = map_image::encode_png(&pixmap, a.dpi)?;
    crate::io::atomic_write(&a.out, |w| w.write_all(&png))?;
    writeln!(
        out,
        "{}: {}×{} px at {} dpi, {} highlighted",
        a.out.display(),
        a.size.0,
        a.size.1,
        a.dpi,
        selected.len()
    )?;
    Ok(())
}

/// The features (of `candidates`, or all) whose id is one of `ids`; an id that
/// matches none is an error naming it.
fn with_ids(
    layer: &Layer,
    ids: &[String],
    candidates: Option<&[usize]>,
) -> anyhow::Result<Vec<usize>> {
    let wanted: std::collections::BTreeSet<&str> = ids.iter().map(|s| s.trim()).collect();
    let all: Vec<usize>;
    let base = match candidates {
        Some(c) => c,
        None => {
            all = (0..layer.len()).collect();
            &all
        }
    };
    let hits: Vec<usize> = base
        .iter()
        .copied()
        .filter(|&i| wanted.contains(layer.feature_id(i).as_str()))
        .collect();
    let found: std::collections::BTreeSet<String> =
        hits.iter().map(|&i| layer.feature_id(i)).collect();
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|id| !found.contains(*id))
        .collect();
    if !missing.is_empty() {
        bail!("{}: no parcel with id {}", layer.source, missing.join(", "));
    }
    Ok(hits)
}

/// The features (of `candidates`, or all) for which an expression holds; a parse
/// error shows the expression with a caret under the column at fault.
fn filter_where(
    layer: &Layer,
    text: &str,
    candidates: Option<&[usize]>,
) -> anyhow::Result<Vec<usize>> {
    let bound = crate::expr::Expr::parse(text)
        .and_then(|e| e.bind(layer))
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: bad --where expression at {e}\n{}",
                layer.source,
                e.pointer(text)
            )
        })?;
    Ok(bound.filter(layer, candidates))
}

fn generate_cmd(g: GenerateCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    match g {
        GenerateCommand::Parcels {
            count,
            seed,
            projected,
            out: path,
        } => {
            let options = crate::generate::ParcelOptions {
                count,
                seed,
                projected,
                ..Default::default()
            };
            atomic_write(&path, |w| {
                crate::generate::write_parcels(w, &options).map_err(std::io::Error::other)
            })?;
            writeln!(out, "wrote {count} parcels to {}", path.display())?;
        }
        GenerateCommand::District { seed, out: dir } => {
            for path in crate::generate::write_district(&dir, seed)? {
                writeln!(out, "wrote {}", path.display())?;
            }
        }
    }
    Ok(())
}

/// `true` if the path names a GeoJSON file by its extension.
pub fn is_geojson(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("geojson" | "json")
    )
}

#[allow(dead_code)]
fn type_name(layer: &Layer, i: usize) -> &'static str {
    geometry_type_name(layer.geometries.get(i).and_then(|g| g.as_ref()))
}
