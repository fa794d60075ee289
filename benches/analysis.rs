//! Benchmarks of the airport new town's analyses (`cargo bench --bench analysis`):
//!
//! - the clearance check (净空) of 100 000 generated parcels around Nanhu airport,
//!   about 26 km × 18 km, all of them under or beside the surfaces;
//! - straight-line life-circle coverage of the same 100 000 parcels, all taken
//!   as residential, by 1 000 facilities of one type (500 m radius, scattered
//!   over the parcels), and the whole bundled project's coverage;
//! - network coverage of the bundled district: the walking graph from its roads
//!   and every facility type's walk.
//!
//! Each line is the median of several runs. A plain bench binary, like the
//! others: the measured steps take tens to hundreds of milliseconds.

mod common;

use common::{median, ms};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use geo::Coord;
use parcelview::analysis::clearance;
use parcelview::analysis::command;
use parcelview::analysis::coverage::{self, Facility, Residential};
use parcelview::analysis::network::{self, RoadGraph};
use parcelview::analysis::ols::Surfaces;
use parcelview::analysis::runway::Runway;
use parcelview::generate::{ParcelOptions, write_parcels};
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::project::Project;

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn main() {
    let maps = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("maps");
    let airport = parcelview::io::load_path(
        &maps.join("airport.geojson"),
        &LoadOptions::default(),
        Default::default(),
    )
    .expect("airport layer");
    let surfaces = Surfaces::new(Runway::from_layer(&airport, None, None).expect("runway"));

    let mut bytes = Vec::new();
    write_parcels(
        &mut bytes,
        &ParcelOptions {
            count: 100_000,
            seed: 42,
            ..Default::default()
        },
    )
    .expect("generate parcels");
    let parcels = load_bytes(&bytes, "bench", &LoadOptions::default()).expect("load");
    let n = parcels.len();

    let (t, result) = time(5, || clearance::check_layer(&parcels, &surfaces, 0.0));
    println!(
        "clearance: {n} parcels in {:.1} ms ({} under the surfaces, {} conflicts)",
        ms(t),
        result.covered,
        result.conflicts
    );

    let (t, contours) = time(3, || surfaces.contours(10.0, 25.0));
    let vertices: usize = contours
        .iter()
        .flat_map(|c| c.lines_lon_lat.iter())
        .map(|l| l.0.len())
        .sum();
    println!(
        "contours of the surfaces every 10 m (25 m grid): {} levels, {vertices} vertices in {:.1} ms",
        contours.len(),
        ms(t)
    );

    // Every parcel residential; 1 000 facilities on a jittered grid over them.
    let all: Vec<usize> = (0..n).collect();
    let (t_plane, residential) = time(3, || {
        Residential::of_features(&parcels, &all).expect("plane")
    });
    let bb = parcels.bbox().expect("extent");
    let facilities: Vec<Facility> = (0..1000)
        .map(|k| {
            let (i, j) = (k % 40, k / 40);
            let jitter = |s: usize| ((s * 7919) % 97) as f64 / 97.0 - 0.5;
            let x = bb.min().x + bb.width() * ((i as f64 + 0.5 + 0.6 * jitter(k)) / 40.0);
            let y = bb.min().y + bb.height() * ((j as f64 + 0.5 + 0.6 * jitter(k + 13)) / 25.0);
            Facility {
                feature: k,
                id: k.to_string(),
                name: format!("设施{k}"),
                kind: "小学".into(),
                lon_lat: Coord { x, y },
                radius_m: Some(500.0),
                radius_source: Some(coverage::RadiusSource::Field),
            }
        })
        .collect();
    let (t_cover, cover) = time(5, || coverage::straight_line(&residential, &facilities));
    let t0 = cover.types.first().expect("one type");
    println!(
        "coverage, straight line: {} parcels × {} facilities in {:.1} ms (plus {:.1} ms putting the parcels on the plane): {:.1} % covered, {} wholly and {} partly outside",
        residential.parcels.len(),
        facilities.len(),
        ms(t_cover),
        ms(t_plane),
        t0.covered_share * 100.0,
        t0.wholly_outside,
        t0.partly_outside
    );

    let project = Project::open(&maps.join("airport-city.json")).expect("bundled project");
    let (t, (result, _)) = time(5, || command::project_coverage(&project).expect("coverage"));
    println!(
        "coverage of the bundled project (straight line and network, {} types): {:.1} ms",
        result.types.len(),
        ms(t)
    );
    let parcels = command::project_parcels(&project).expect("parcels");
    let roads = command::project_roads(&project).expect("roads");
    let (facility_layer, field) = command::project_facilities(&project).expect("facilities");
    let fs = coverage::read_facilities(facility_layer, field);
    let residential = Residential::of_layer(parcels).expect("residential");
    let (t_graph, graph) = time(5, || {
        RoadGraph::from_layer(roads, &residential.frame).expect("graph")
    });
    let (types, _) = coverage::by_type(&fs);
    let (t_walk, reached) = time(5, || {
        types
            .values()
            .map(|f| network::network_coverage(&graph, &residential, f).reached_parcels)
            .sum::<usize>()
    });
    println!(
        "network coverage of the bundled district: graph of {} nodes, {} edges in {:.1} ms; {} types walked in {:.1} ms ({reached} parcel reaches); {:.1} ms in all",
        graph.graph.node_count(),
        graph.graph.edge_count(),
        ms(t_graph),
        types.len(),
        ms(t_walk),
        ms(t_graph + t_walk)
    );
}
