//! Geo comparisons on the sphere: points within circles (great-circle distance) and polygons
//! (a point-in-polygon test on the rings), and regions containing points.

use crate::codec::json::{self, Json};

const EARTH_RADIUS_M: f64 = 6_371_000.0;

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Point(f64, f64),
    /// Polygons, each a list of rings (the first the outer one) of (lon, lat).
    Polygons(Vec<Vec<Vec<(f64, f64)>>>),
    Circle(f64, f64, f64),
}

fn position(v: &Json) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    let (lon, lat) = (a.first()?.as_f64()?, a.get(1)?.as_f64()?);
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some((lon, lat))
}

fn polygon(v: &Json) -> Option<Vec<Vec<(f64, f64)>>> {
    let rings = v.as_array()?;
    let out: Option<Vec<Vec<(f64, f64)>>> = rings.iter().map(|r| r.as_array()?.iter().map(position).collect()).collect();
    let out = out?;
    (!out.is_empty() && out.iter().all(|r| r.len() >= 4 && r.first() == r.last())).then_some(out)
}

/// Parses GeoJSON text: Point, Polygon, MultiPolygon or AeroCircle.
pub fn parse(text: &[u8]) -> Option<Shape> {
    let v = json::parse(text).ok()?;
    let coords = v.get("coordinates")?;
    match v.get("type")?.as_str()? {
        "Point" => position(coords).map(|(x, y)| Shape::Point(x, y)),
        "Polygon" => polygon(coords).map(|p| Shape::Polygons(vec![p])),
        "MultiPolygon" => {
            let ps: Option<Vec<_>> = coords.as_array()?.iter().map(polygon).collect();
            ps.filter(|p| !p.is_empty()).map(Shape::Polygons)
        }
        "AeroCircle" => {
            let a = coords.as_array()?;
            let (x, y) = position(a.first()?)?;
            let r = a.get(1)?.as_f64()?;
            (r >= 0.0).then_some(Shape::Circle(x, y, r))
        }
        _ => None,
    }
}

/// Great-circle distance in meters.
fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.1.to_radians(), b.1.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.0 - a.0).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

fn in_ring(p: (f64, f64), ring: &[(f64, f64)]) -> bool {
    let mut inside = false;
    let mut j = ring.len().saturating_sub(1);
    for i in 0..ring.len() {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > p.1) != (yj > p.1) && p.0 < (xj - xi) * (p.1 - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

fn region_contains(region: &Shape, p: (f64, f64)) -> bool {
    match region {
        Shape::Circle(x, y, r) => distance((*x, *y), p) <= *r,
        Shape::Polygons(ps) => ps.iter().any(|rings| {
            rings.first().is_some_and(|outer| in_ring(p, outer)) && !rings.iter().skip(1).any(|hole| in_ring(p, hole))
        }),
        Shape::Point(..) => false,
    }
}

/// `CmpGeo(candidate, query)`: a point within a region, or a region containing a point.
pub fn matches(candidate: &Shape, query: &Shape) -> bool {
    match (candidate, query) {
        (Shape::Point(x, y), region) => region_contains(region, (*x, *y)),
        (region, Shape::Point(x, y)) => region_contains(region, (*x, *y)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_in_regions() {
        let circle = parse(br#"{"type":"AeroCircle","coordinates":[[-122.0,37.5],1000.0]}"#).expect("circle");
        let p_in = parse(br#"{"type":"Point","coordinates":[-122.0,37.5]}"#).expect("point");
        let p_out = parse(br#"{"type":"Point","coordinates":[-122.1,37.5]}"#).expect("point");
        assert!(matches(&p_in, &circle));
        assert!(!matches(&p_out, &circle));
        let square = parse(br#"{"type":"Polygon","coordinates":[[[-123,37],[-121,37],[-121,38],[-123,38],[-123,37]]]}"#).expect("poly");
        assert!(matches(&p_in, &square));
        assert!(matches(&square, &p_in));
        assert!(!matches(&parse(br#"{"type":"Point","coordinates":[10,10]}"#).expect("p"), &square));
    }
}
