//! Coverage by network distance: how far a resident walks along the roads to a
//! facility, against its service radius.
//!
//! The walking graph (petgraph) is built from the roads layer:
//!
//! - Road surfaces (polygons, as plans draw 道路用地) are laid on a grid of
//!   [`GRID_CELL_M`] cells on the local plane: a cell is road when its centre is
//!   inside a surface or a surface's edge passes through it, so even a narrow
//!   road stays connected. Each road cell is a node, joined to its 16 neighbours
//!   (the 8 around it and the 8 a knight's move away, through a road cell), so a
//!   path's length is within about 3 % of the straight distance along a wide road
//!   in any direction.
//! - Centrelines (lines) are nodes at their vertices, joined along the lines; lines
//!   that share a vertex meet there, and a vertex on a road surface joins the
//!   surface's cell.
//! - Roads people do not walk along ([`NO_WALKING_LEVELS`]: 高速公路, 快速路, by the
//!   `等级` field) are left out, but for their cells within [`CROSSING_REACH_M`] of
//!   a walkable road: where a road crosses an expressway, both sides' reach meet
//!   and the crossing stays open; between crossings the expressway is a barrier.
//!
//! A facility and a parcel (its inside point) each step onto the network at the
//! nearest node, in a straight line. A parcel is reached from a facility when
//! that step, the walk along the graph and the facility's own step add up to no
//! more than the facility's radius. Every path is at least as long as the
//! straight line, so a parcel reached along the roads is always within the
//! straight-line radius too.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use geo::{Coord, Geometry, LineString, Polygon};
use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::visit::EdgeRef;
use rstar::{RTree, primitives::GeomWithData};
use serde::Serialize;

use super::coverage::{Facility, Residential};
use super::{AnalysisError, LocalFrame};
use crate::model::Layer;

/// The walking grid's cell, m.
pub const GRID_CELL_M: f64 = 10.0;
/// How far from a walkable road an expressway's cells stay walkable, m: a
/// crossing road's reach from both sides spans an expressway up to twice this
/// wide (the bundled 空港高速 is 60 m).
pub const CROSSING_REACH_M: f64 = 40.0;
/// Road levels (the `等级` field) that are not walked along.
pub const NO_WALKING_LEVELS: &[&str] = &["高速公路", "快速路", "expressway", "motorway"];
/// Fields that give a road's level, in order of preference.
pub const LEVEL_FIELDS: &[&str] = &["等级", "道路等级", "level"];
/// The largest grid the roads may need, in cells (a 60 km square at 10 m).
const MAX_GRID_CELLS: usize = 36_000_000;

/// A walk within 5 mm of the radius is within it.
const DISTANCE_TOLERANCE_M: f64 = 0.005;

/// A grid step to a neighbour (columns, rows) and the cells it passes between,
/// one of which must be road.
type Step = (i64, i64, &'static [(i64, i64)]);

/// A node key for centreline vertices: 1 cm.
const VERTEX_KEY_M: f64 = 0.01;

/// The walking graph of a roads layer, on a residential layer's plane.
pub struct RoadGraph {
    pub graph: UnGraph<Coord<f64>, f64>,
    nodes: RTree<GeomWithData<[f64; 2], u32>>,
    /// Nodes made from surface cells and from centreline vertices.
    pub cell_nodes: usize,
    pub line_nodes: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    Empty,
    Walk,
    Barrier,
}

struct Grid {
    origin: Coord<f64>,
    nx: usize,
    ny: usize,
    cells: Vec<Cell>,
}

impl Grid {
    fn index(&self, i: i64, j: i64) -> Option<usize> {
        (i >= 0 && j >= 0 && (i as usize) < self.nx && (j as usize) < self.ny)
            .then(|| j as usize * self.nx + i as usize)
    }

    fn cell_of(&self, p: Coord<f64>) -> (i64, i64) {
        (
            ((p.x - self.origin.x) / GRID_CELL_M).floor() as i64,
            ((p.y - self.origin.y) / GRID_CELL_M).floor() as i64,
        )
    }

    fn centre(&self, i: usize, j: usize) -> Coord<f64> {
        Coord {
            x: self.origin.x + (i as f64 + 0.5) * GRID_CELL_M,
            y: self.origin.y + (j as f64 + 0.5) * GRID_CELL_M,
        }
    }

    fn mark(&mut self, i: i64, j: i64, kind: Cell) {
        if let Some(k) = self.index(i, j)
            && let Some(c) = self.cells.get_mut(k)
            && (*c == Cell::Empty || kind == Cell::Walk)
        {
            *c = kind;
        }
    }

    /// Marks the cells whose centres a polygon covers, row by row, and the cells
    /// its edges pass through.
    fn fill(&mut self, p: &Polygon<f64>, kind: Cell) {
        let rings: Vec<&LineString<f64>> =
            std::iter::once(p.exterior()).chain(p.interiors()).collect();
        let Some(bb) = geo::BoundingRect::bounding_rect(p) else {
            return;
        };
        let (_, j0) = self.cell_of(bb.min());
        let (_, j1) = self.cell_of(bb.max());
        let mut xs: Vec<f64> = Vec::new();
        for j in j0.max(0)..=j1.min(self.ny as i64 - 1) {
            let y = self.origin.y + (j as f64 + 0.5) * GRID_CELL_M;
            xs.clear();
            for ring in &rings {
                for l in ring.lines() {
                    let (a, b) = (l.start, l.end);
                    if (a.y <= y) != (b.y <= y) {
                        xs.push(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x));
                    }
                }
            }
            xs.sort_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                if let [x0, x1] = pair {
                    let i0 = ((x0 - self.origin.x) / GRID_CELL_M - 0.5).ceil() as i64;
                    let i1 = ((x1 - self.origin.x) / GRID_CELL_M - 0.5).floor() as i64;
                    for i in i0..=i1 {
                        self.mark(i, j, kind);
                    }
                }
            }
        }
        for ring in &rings {
            for l in ring.lines() {
                let len = (l.end.x - l.start.x).hypot(l.end.y - l.start.y);
                let steps = (len / (GRID_CELL_M / 4.0)).ceil().max(1.0) as usize;
                for k in 0..=steps {
                    let t = k as f64 / steps as f64;
                    let p = Coord {
                        x: l.start.x + (l.end.x - l.start.x) * t,
                        y: l.start.y + (l.end.y - l.start.y) * t,
                    };
                    let (i, j) = self.cell_of(p);
                    self.mark(i, j, kind);
                }
            }
        }
    }
}

/// Whether a road feature is one people walk along.
fn walkable(layer: &Layer, level_col: Option<usize>, feature: usize) -> bool {
    let Some(c) = level_col else {
        return true;
    };
    let level = layer.value(feature, c).to_text().unwrap_or_default();
    !NO_WALKING_LEVELS
        .iter()
        .any(|l| level.trim().eq_ignore_ascii_case(l))
}

impl RoadGraph {
    /// The walking graph of a roads layer on `frame`'s plane.
    pub fn from_layer(roads: &Layer, frame: &LocalFrame) -> Result<RoadGraph, AnalysisError> {
        let level_col = LEVEL_FIELDS.iter().find_map(|f| roads.field_index(f));
        let mut surfaces: Vec<(Polygon<f64>, Cell)> = Vec::new();
        let mut lines: Vec<LineString<f64>> = Vec::new();
        for (i, g) in roads.geometries.iter().enumerate() {
            let Some(g) = g else { continue };
            let walk = walkable(roads, level_col, i);
            let Some(local) = frame.geometry_to_local(g) else {
                continue;
            };
            collect(&local, walk, &mut surfaces, &mut lines);
        }
        let mut bb: Option<geo::Rect<f64>> = None;
        for (p, _) in &surfaces {
            if let Some(r) = geo::BoundingRect::bounding_rect(p) {
                bb = Some(bb.map_or(r, |b| crate::model::rect_union(b, r)));
            }
        }
        let mut graph: UnGraph<Coord<f64>, f64> = UnGraph::default();
        let mut grid = None;
        if let Some(bb) = bb {
            let origin = Coord {
                x: bb.min().x - GRID_CELL_M,
                y: bb.min().y - GRID_CELL_M,
            };
            let nx = (bb.width() / GRID_CELL_M).ceil() as usize + 3;
            let ny = (bb.height() / GRID_CELL_M).ceil() as usize + 3;
            if nx.saturating_mul(ny) > MAX_GRID_CELLS {
                return Err(AnalysisError::MissingLayer(format!(
                    "{}: the roads span {:.0} × {:.0} km, more than the walking grid takes",
                    roads.name,
                    bb.width() / 1000.0,
                    bb.height() / 1000.0
                )));
            }
            let mut g = Grid {
                origin,
                nx,
                ny,
                cells: vec![Cell::Empty; nx * ny],
            };
            // Barriers first, so that walkable surfaces over them win.
            for (p, kind) in surfaces.iter().filter(|(_, k)| *k == Cell::Barrier) {
                g.fill(p, *kind);
            }
            for (p, kind) in surfaces.iter().filter(|(_, k)| *k == Cell::Walk) {
                g.fill(p, *kind);
            }
            open_crossings(&mut g);
            grid = Some(g);
        }
        let mut cell_node: Vec<u32> = Vec::new();
        let mut cell_nodes = 0;
        if let Some(g) = &grid {
            cell_node = vec![u32::MAX; g.cells.len()];
            for j in 0..g.ny {
                for i in 0..g.nx {
                    let k = j * g.nx + i;
                    if g.cells.get(k) == Some(&Cell::Walk) {
                        let n = graph.add_node(g.centre(i, j));
                        if let Some(slot) = cell_node.get_mut(k) {
                            *slot = n.index() as u32;
                        }
                        cell_nodes += 1;
                    }
                }
            }
            let walk = |i: i64, j: i64| {
                g.index(i, j)
                    .and_then(|k| cell_node.get(k))
                    .copied()
                    .filter(|n| *n != u32::MAX)
            };
            // Half of the 16 neighbours (the other half adds each edge again); a
            // knight's move needs one of the two cells it passes between.
            const STEPS: [Step; 8] = [
                (1, 0, &[]),
                (0, 1, &[]),
                (1, 1, &[]),
                (1, -1, &[]),
                (2, 1, &[(1, 0), (1, 1)]),
                (1, 2, &[(0, 1), (1, 1)]),
                (2, -1, &[(1, 0), (1, -1)]),
                (1, -2, &[(0, -1), (1, -1)]),
            ];
            for j in 0..g.ny as i64 {
                for i in 0..g.nx as i64 {
                    let Some(a) = walk(i, j) else { continue };
                    for (di, dj, via) in STEPS {
                        let Some(b) = walk(i + di, j + dj) else {
                            continue;
                        };
                        if !via.is_empty()
                            && !via.iter().any(|(vi, vj)| walk(i + vi, j + vj).is_some())
                        {
                            continue;
                        }
                        let len = (di as f64).hypot(dj as f64) * GRID_CELL_M;
                        graph.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), len);
                    }
                }
            }
        }
        // Centrelines: a node per distinct vertex.
        let mut vertex_node: HashMap<(i64, i64), NodeIndex> = HashMap::new();
        let mut line_nodes = 0;
        let key = |c: Coord<f64>| {
            (
                (c.x / VERTEX_KEY_M).round() as i64,
                (c.y / VERTEX_KEY_M).round() as i64,
            )
        };
        for line in &lines {
            let mut last: Option<(NodeIndex, Coord<f64>)> = None;
            for &c in &line.0 {
                let n = match vertex_node.get(&key(c)) {
                    Some(&n) => n,
                    None => {
                        let n = graph.add_node(c);
                        vertex_node.insert(key(c), n);
                        line_nodes += 1;
                        // A vertex on a road surface joins its cell.
                        if let Some(g) = &grid {
                            let (i, j) = g.cell_of(c);
                            if let Some(cell) = g
                                .index(i, j)
                                .and_then(|k| cell_node.get(k))
                                .copied()
                                .filter(|n| *n != u32::MAX)
                            {
                                let centre = graph
                                    .node_weight(NodeIndex::new(cell as usize))
                                    .copied()
                                    .unwrap_or(c);
                                let d = (centre.x - c.x).hypot(centre.y - c.y);
                                graph.add_edge(n, NodeIndex::new(cell as usize), d);
                            }
                        }
                        n
                    }
                };
                if let Some((m, p)) = last
                    && m != n
                {
                    graph.add_edge(m, n, (p.x - c.x).hypot(p.y - c.y));
                }
                last = Some((n, c));
            }
        }
        let nodes = RTree::bulk_load(
            graph
                .node_indices()
                .filter_map(|n| {
                    let c = graph.node_weight(n)?;
                    Some(GeomWithData::new([c.x, c.y], n.index() as u32))
                })
                .collect(),
        );
        Ok(RoadGraph {
            graph,
            nodes,
            cell_nodes,
            line_nodes,
        })
    }

    /// The nearest node to a plane point and the straight distance to it.
    pub fn snap(&self, p: Coord<f64>) -> Option<(NodeIndex, f64)> {
        let hit = self.nodes.nearest_neighbor(&[p.x, p.y])?;
        let [x, y] = *hit.geom();
        Some((NodeIndex::new(hit.data as usize), (x - p.x).hypot(y - p.y)))
    }

    /// For every node, the least of (a source's start + the walk from it), from
    /// several sources at once; nodes beyond `limit` are left at infinity.
    pub fn multi_source(&self, sources: &[(NodeIndex, f64)], limit: f64) -> Vec<f64> {
        let mut best = vec![f64::INFINITY; self.graph.node_count()];
        let mut heap = BinaryHeap::new();
        for &(n, start) in sources {
            if let Some(b) = best.get_mut(n.index())
                && start < *b
            {
                *b = start;
                heap.push(State {
                    cost: start,
                    node: n,
                });
            }
        }
        while let Some(State { cost, node }) = heap.pop() {
            if cost > best.get(node.index()).copied().unwrap_or(f64::INFINITY) || cost > limit {
                continue;
            }
            for e in self.graph.edges(node) {
                let next = if e.source() == node {
                    e.target()
                } else {
                    e.source()
                };
                let c = cost + *e.weight();
                if let Some(b) = best.get_mut(next.index())
                    && c < *b
                {
                    *b = c;
                    heap.push(State {
                        cost: c,
                        node: next,
                    });
                }
            }
        }
        best
    }
}

/// A heap entry, least cost first (ties by node, so the order is fixed).
#[derive(Clone, Copy, PartialEq)]
struct State {
    cost: f64,
    node: NodeIndex,
}

impl Eq for State {}

impl Ord for State {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .cost
            .total_cmp(&self.cost)
            .then_with(|| other.node.index().cmp(&self.node.index()))
    }
}

impl PartialOrd for State {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The polygons and lines of a plane geometry.
fn collect(
    g: &Geometry<f64>,
    walk: bool,
    surfaces: &mut Vec<(Polygon<f64>, Cell)>,
    lines: &mut Vec<LineString<f64>>,
) {
    let kind = if walk { Cell::Walk } else { Cell::Barrier };
    match g {
        Geometry::Polygon(p) => surfaces.push((p.clone(), kind)),
        Geometry::MultiPolygon(mp) => surfaces.extend(mp.0.iter().map(|p| (p.clone(), kind))),
        Geometry::Rect(r) => surfaces.push((r.to_polygon(), kind)),
        Geometry::Triangle(t) => surfaces.push((t.to_polygon(), kind)),
        // An expressway's centreline is not walked and joins nothing.
        Geometry::LineString(ls) if walk => lines.push(ls.clone()),
        Geometry::MultiLineString(mls) if walk => lines.extend(mls.0.iter().cloned()),
        Geometry::Line(l) if walk => lines.push(LineString(vec![l.start, l.end])),
        Geometry::GeometryCollection(gc) => {
            for g in &gc.0 {
                collect(g, walk, surfaces, lines);
            }
        }
        _ => {}
    }
}

/// Keeps the barrier cells within [`CROSSING_REACH_M`] of a walkable cell (by
/// grid steps, breadth first) as walkable, and drops the rest.
fn open_crossings(g: &mut Grid) {
    let reach = (CROSSING_REACH_M / GRID_CELL_M).round() as usize;
    let mut frontier: Vec<usize> = (0..g.cells.len())
        .filter(|&k| g.cells.get(k) == Some(&Cell::Walk))
        .collect();
    let mut opened: Vec<usize> = Vec::new();
    for _ in 0..reach {
        let mut next = Vec::new();
        for &k in &frontier {
            let (i, j) = ((k % g.nx) as i64, (k / g.nx) as i64);
            for (di, dj) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                if let Some(n) = g.index(i + di, j + dj)
                    && g.cells.get(n) == Some(&Cell::Barrier)
                {
                    if let Some(c) = g.cells.get_mut(n) {
                        *c = Cell::Empty;
                    }
                    opened.push(n);
                    next.push(n);
                }
            }
        }
        frontier = next;
    }
    for c in g.cells.iter_mut() {
        if *c == Cell::Barrier {
            *c = Cell::Empty;
        }
    }
    for k in opened {
        if let Some(c) = g.cells.get_mut(k) {
            *c = Cell::Walk;
        }
    }
}

/// Coverage of residential land by one type's facilities along the roads.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkCoverage {
    /// Residential area whose parcels are reached along the roads, m², and its
    /// share of all residential area.
    pub covered_area_m2: f64,
    pub covered_share: f64,
    /// The same rule in a straight line: the area of the parcels whose inside
    /// point is within a facility's radius, and its share, for comparison.
    pub straight_point_area_m2: f64,
    pub straight_point_share: f64,
    pub reached_parcels: usize,
    /// The ids of the parcels not reached, sorted.
    pub unreached_ids: Vec<String>,
    /// The longest straight step a facility takes onto the network, m.
    pub longest_facility_step_m: f64,
}

/// One type's coverage along the roads.
pub fn network_coverage(
    graph: &RoadGraph,
    residential: &Residential,
    facilities: &[&Facility],
) -> NetworkCoverage {
    let mut sources = Vec::new();
    let mut centres = Vec::new();
    let mut longest_step = 0.0_f64;
    for f in facilities {
        let (Some(r), Some(p)) = (f.radius_m, residential.frame.to_local(f.lon_lat)) else {
            continue;
        };
        centres.push((p, r));
        if let Some((n, step)) = graph.snap(p) {
            sources.push((n, step - r));
            longest_step = longest_step.max(step);
        }
    }
    // A node is of use only while some facility's budget is left (cost ≤ 0).
    let best = graph.multi_source(&sources, DISTANCE_TOLERANCE_M);
    let total: f64 = residential.parcels.iter().map(|p| p.area_m2).sum();
    let mut out = NetworkCoverage {
        covered_area_m2: 0.0,
        covered_share: 0.0,
        straight_point_area_m2: 0.0,
        straight_point_share: 0.0,
        reached_parcels: 0,
        unreached_ids: Vec::new(),
        longest_facility_step_m: longest_step,
    };
    for p in &residential.parcels {
        let reached = graph.snap(p.inside_local).is_some_and(|(n, step)| {
            best.get(n.index())
                .is_some_and(|b| b + step <= DISTANCE_TOLERANCE_M)
        });
        if reached {
            out.covered_area_m2 += p.area_m2;
            out.reached_parcels += 1;
        } else {
            out.unreached_ids.push(p.id.clone());
        }
        let straight = centres.iter().any(|(c, r)| {
            (c.x - p.inside_local.x).hypot(c.y - p.inside_local.y) <= *r + DISTANCE_TOLERANCE_M
        });
        if straight {
            out.straight_point_area_m2 += p.area_m2;
        }
    }
    if total > 0.0 {
        out.covered_share = out.covered_area_m2 / total;
        out.straight_point_share = out.straight_point_area_m2 / total;
    }
    out.unreached_ids.sort();
    out
}
