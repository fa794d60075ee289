//! Attribute expressions: results against hand-written filters, three-valued logic,
//! and error positions.

use parcelview::expr::{Expr, select_where};
use parcelview::io::{LoadOptions, load_bytes};
use parcelview::model::{AttrValue, Layer};

fn layer_of(json: &str) -> Layer {
    load_bytes(json.as_bytes(), "t.geojson", &LoadOptions::default()).unwrap()
}

/// Six parcels with text and number fields, nulls and numbers given as text.
fn small() -> Layer {
    let feats = [
        r#"{"YDDM":"100101","RJL":1.5,"status":"储备","name":"甲"}"#,
        r#"{"YDDM":"100102","RJL":"2.0","status":"规划","name":null}"#,
        r#"{"YDDM":"0701","RJL":0.8,"status":"现状","name":"光电园"}"#,
        r#"{"YDDM":"1001","RJL":null,"status":"储备"}"#,
        r#"{"YDDM":"090101","RJL":3.2,"status":"规划","name":"It's"}"#,
        r#"{"YDDM":"1003","RJL":1.4,"status":"现状","name":"abc"}"#,
    ];
    let features: Vec<String> = feats
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let x = 120.0 + k as f64 * 0.01;
            format!(
                r#"{{"type":"Feature","properties":{p},"geometry":{{"type":"Polygon","coordinates":[[[{x},30],[{},30],[{},30.005],[{x},30.005],[{x},30]]]}}}}"#,
                x + 0.005,
                x + 0.005
            )
        })
        .collect();
    layer_of(&format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    ))
}

fn sel(layer: &Layer, text: &str) -> Vec<usize> {
    select_where(layer, text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn the_issue_examples_select_what_they_say() {
    let l = small();
    assert_eq!(
        sel(&l, r#""YDDM" LIKE '1001%' AND "RJL" >= 1.5"#),
        vec![0, 1]
    );
    assert_eq!(sel(&l, r#""status" IN ('储备', '规划')"#), vec![0, 1, 3, 4]);
    assert_eq!(sel(&l, r#""name" IS NULL"#), vec![1, 3]);
    assert_eq!(sel(&l, r#"name IS NOT NULL"#), vec![0, 2, 4, 5]);
}

#[test]
fn operators_and_precedence() {
    let l = small();
    assert_eq!(sel(&l, "RJL = 1.5"), vec![0]);
    assert_eq!(sel(&l, "RJL <> 1.5"), vec![1, 2, 4, 5]);
    assert_eq!(sel(&l, "RJL != 1.5"), vec![1, 2, 4, 5]);
    assert_eq!(sel(&l, "RJL < 1.5"), vec![2, 5]);
    assert_eq!(sel(&l, "RJL <= 1.5"), vec![0, 2, 5]);
    assert_eq!(sel(&l, "RJL > 1.5"), vec![1, 4]);
    assert_eq!(sel(&l, "rjl BETWEEN 1 AND 2"), vec![0, 1, 5]);
    assert_eq!(sel(&l, "RJL NOT BETWEEN 1 AND 2"), vec![2, 4]);
    // AND binds tighter than OR; parentheses change it.
    assert_eq!(sel(&l, "RJL > 3 OR RJL < 1 AND status = '规划'"), vec![4]);
    assert_eq!(sel(&l, "(RJL > 3 OR RJL < 1) AND status = '现状'"), vec![2]);
    assert_eq!(sel(&l, "NOT status = '储备'"), vec![1, 2, 4, 5]);
    assert_eq!(sel(&l, "status NOT IN ('储备')"), vec![1, 2, 4, 5]);
    assert_eq!(sel(&l, "YDDM NOT LIKE '10%'"), vec![2, 4]);
    assert_eq!(sel(&l, "name ILIKE 'ABC'"), vec![5]);
    assert_eq!(sel(&l, "name LIKE 'ABC'"), Vec::<usize>::new());
    assert_eq!(sel(&l, "name = 'It''s'"), vec![4]);
    assert_eq!(sel(&l, "name LIKE '%园'"), vec![2]);
    assert_eq!(sel(&l, "RJL * 2 >= 4 - 0.5"), vec![1, 4]);
    assert_eq!(sel(&l, "-RJL < -3"), vec![4]);
    assert_eq!(sel(&l, "$area > 0 AND $id = '2'"), vec![2]);
    assert_eq!(sel(&l, "TRUE"), vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(sel(&l, "FALSE OR NULL"), Vec::<usize>::new());
    // Numbers compare as numbers even where the file gave them as text.
    assert_eq!(sel(&l, "RJL = 2"), vec![1]);
    // Codes compare as text when a side is not a number.
    assert_eq!(sel(&l, "YDDM > '1001'"), vec![0, 1, 5]);
}

#[test]
fn nulls_follow_three_valued_logic() {
    let l = small();
    // Feature 3 has RJL null: neither RJL > 1 nor NOT (RJL > 1) selects it.
    assert!(!sel(&l, "RJL > 1").contains(&3));
    assert!(!sel(&l, "NOT (RJL > 1)").contains(&3));
    // NULL OR TRUE is TRUE; NULL AND FALSE is FALSE.
    assert!(sel(&l, "RJL > 1 OR status = '储备'").contains(&3));
    assert_eq!(
        sel(&l, "NOT (RJL > 1 AND status = 'x')"),
        vec![0, 1, 2, 3, 4, 5]
    );
    assert_eq!(sel(&l, "RJL IN (1.5, NULL)"), vec![0]);
    assert_eq!(sel(&l, "RJL NOT IN (1.5, NULL)"), Vec::<usize>::new());
    assert_eq!(sel(&l, "RJL = NULL"), Vec::<usize>::new());
}

#[test]
fn errors_point_at_the_column() {
    let cases: [(&str, usize, &str); 12] = [
        ("", 1, "empty"),
        ("RJL >", 6, "expected a value"),
        ("RJL >= 1.5 AND", 15, "expected a value"),
        ("(RJL > 1", 9, "expected ')'"),
        ("status IN '储备'", 11, "'(' after IN"),
        ("status IN ('a' 'b')", 16, "',' or ')'"),
        ("name = 'abc", 8, "unterminated string"),
        ("\"name = 1", 1, "unterminated field name"),
        ("RJL > 1 RJL", 9, "expected AND, OR"),
        ("name IS 1", 9, "expected NULL"),
        ("a # 1", 3, "unexpected character '#'"),
        ("x NOT = 1", 7, "after NOT"),
    ];
    for (text, column, message) in cases {
        let e = Expr::parse(text).unwrap_err();
        assert_eq!(e.column, column, "{text:?}: {e}");
        assert!(e.message.contains(message), "{text:?}: {e}");
    }
    // Columns count characters, not bytes, so Chinese text points right.
    let e = Expr::parse("状态 = '储备' 和").unwrap_err();
    assert_eq!(e.column, 11, "{e}");
    let l = small();
    let e = Expr::parse("RJL > 1 AND \"面积\" > 3")
        .unwrap()
        .bind(&l)
        .unwrap_err();
    assert_eq!(e.column, 13);
    assert!(e.message.contains("no field named \"面积\""), "{e}");
    assert!(e.message.contains("RJL, YDDM, name, status"), "{e}");
    assert!(
        e.pointer("RJL > 1 AND \"面积\" > 3")
            .ends_with("            ^ no field named \"面积\" (fields: RJL, YDDM, name, status)")
    );
}

#[test]
fn generated_layer_matches_hand_written_filters() {
    let mut bytes = Vec::new();
    parcelview::generate::write_parcels(
        &mut bytes,
        &parcelview::generate::ParcelOptions {
            count: 5000,
            seed: 11,
            ..Default::default()
        },
    )
    .unwrap();
    let l = load_bytes(&bytes, "g.geojson", &LoadOptions::default()).unwrap();
    let col = |name: &str| l.field_index(name).unwrap();
    let (landuse, far, status) = (col("landuse"), col("far"), col("status"));
    let text = |i: usize, k: usize| l.value(i, k).to_text().unwrap_or_default();
    let num = |i: usize, k: usize| l.value(i, k).as_f64();
    let want: Vec<usize> = (0..l.len())
        .filter(|&i| text(i, landuse).starts_with("10") && num(i, far).is_some_and(|f| f >= 1.5))
        .collect();
    assert!(!want.is_empty() && want.len() < l.len());
    assert_eq!(sel(&l, "landuse LIKE '10%' AND far >= 1.5"), want);
    let statuses: Vec<String> = {
        let mut s: Vec<String> = (0..l.len()).map(|i| text(i, status)).collect();
        s.sort();
        s.dedup();
        s
    };
    let first = &statuses[0];
    let want: Vec<usize> = (0..l.len())
        .filter(|&i| &text(i, status) != first || num(i, far).is_some_and(|f| f < 1.0))
        .collect();
    assert_eq!(sel(&l, &format!("status <> '{first}' OR far < 1")), want);
    // Every feature is either selected by an expression or by its negation, except
    // where the expression is NULL.
    let a = sel(&l, "far > 2");
    let b = sel(&l, "NOT far > 2");
    let nulls = (0..l.len())
        .filter(|&i| matches!(l.value(i, far), AttrValue::Null))
        .count();
    assert_eq!(a.len() + b.len() + nulls, l.len());
}
