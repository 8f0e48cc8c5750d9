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

type V3 = [f64; 3];

fn unit(p: (f64, f64)) -> V3 {
    let (lon, lat) = (p.0.to_radians(), p.1.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn cross(a: V3, b: V3) -> V3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn sign(a: V3, b: V3, c: V3) -> i8 {
    let d = dot(cross(a, b), c);
    if d > 0.0 { 1 } else if d < 0.0 { -1 } else { 0 }
}

/// Whether the great-circle arcs AB and CD cross (S2's crossing rule on orientations).
fn arcs_cross(a: V3, b: V3, c: V3, d: V3) -> bool {
    let acb = -sign(a, b, c);
    acb != 0 && acb == sign(a, b, d) && acb == -sign(c, d, b) && acb == sign(c, d, a)
}

/// A point in a ring on the sphere: edges are great-circle arcs (so a ring may cross the
/// antimeridian or circle a pole) and the inside is the smaller side, as S2 normalises loops.
/// The arc from the ring's centre to the point crosses the ring an even number of times when
/// the point is inside.
fn in_ring(p: (f64, f64), ring: &[(f64, f64)]) -> bool {
    let verts: Vec<V3> = ring.iter().map(|&v| unit(v)).collect();
    let n = verts.len().saturating_sub(1);
    if n < 3 {
        return false;
    }
    let sum = verts[..n].iter().fold([0.0; 3], |s, v| [s[0] + v[0], s[1] + v[1], s[2] + v[2]]);
    let len = dot(sum, sum).sqrt();
    if len < 1e-12 {
        return false;
    }
    let c = [sum[0] / len, sum[1] / len, sum[2] / len];
    let q = unit(p);
    // A ring within the hemisphere around its centre keeps its inside there too.
    if verts[..n].iter().all(|v| dot(*v, c) > 0.0) && dot(q, c) <= 0.0 {
        return false;
    }
    let crossings = (0..n).filter(|&i| arcs_cross(c, q, verts[i], verts[i + 1])).count();
    crossings % 2 == 0
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
