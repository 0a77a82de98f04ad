//! A map of what the network sees: each digit's last hidden features placed on a plane so that
//! digits the network represents alike lie close together. The layout is UMAP's (McInnes, Healy
//! and Melville, 2018): a fuzzy graph of each row's nearest neighbours, then stochastic gradient
//! descent that pulls the ends of its edges together and pushes randomly drawn pairs apart. PCA
//! gives an instant first frame and the start of the first layout; each later snapshot starts
//! from the layout before it, so that the map moves along the timeline instead of being redrawn.
//!
//! It runs in a browser worker, so it is single-threaded and deterministic: its randomness is a
//! seeded splitmix64 and [`sketch`]'s hash a fixed function of the column. Every map comes out
//! fitted to [-1, 1] (see [`pca`]), so the page draws it without knowing its scale.

/// A point of the map.
pub type Point = [f32; 2];

/// umap-learn's curve `1 / (1 + a d^2b)` for `min_dist` 0.1 and `spread` 1: neighbours settle
/// about 0.1 apart rather than on top of each other, so a cluster shows how many it holds.
const A: f32 = 1.576_943_5;
const B: f32 = 0.895_060_9;
/// Repulsive samples per attractive one (umap-learn's `negative_sample_rate`).
const NEGATIVES: f32 = 5.0;
/// Bound on one coordinate's gradient, so that a near-collision doesn't throw a point off the map.
const CLIP: f32 = 4.0;
/// umap-learn scales its start to span [-10, 10]: the scale at which `A` and `B` keep clusters
/// apart. The maps we are given span [-1, 1].
const START_SCALE: f32 = 10.0;
/// Noise added to the start, so that points on one spot (identical features, or a PCA of no
/// variance) have a direction to be pushed apart in.
const JITTER: f32 = 1e-4;
/// A run this long or longer starts at umap-learn's learning rate, 1. A shorter one refines a
/// warm start (about 80 epochs: 0.4), so that the map moves rather than being redrawn.
const FULL_EPOCHS: f32 = 200.0;
/// Steps of the binary search for each row's bandwidth (umap-learn's).
const SEARCH_STEPS: usize = 64;
/// A bandwidth no smaller than this fraction of the mean distance (umap-learn's
/// `MIN_K_DIST_SCALE`), so that a row whose neighbours are all at one distance still gets weights.
const MIN_SIGMA: f32 = 1e-3;
/// Power iterations per principal component at most; well separated data converges in a few.
const POWER_ITERATIONS: usize = 100;
/// Rows per block of the neighbour search: two blocks of 1024-float rows stay in the L2 cache.
const TILE: usize = 32;
/// Neighbours that [`place`] averages: enough to smooth over one odd neighbour.
const PLACE_K: usize = 10;
/// Keeps [`place`]'s weights finite when the new point equals a row.
const EPSILON: f32 = 1e-6;

/// The `k` nearest neighbours of every row, nearest first.
#[derive(Clone, Debug)]
pub struct Neighbours {
    /// Neighbours per row: the `k` asked for, at most the number of rows less one.
    pub k: usize,
    /// `n * k` row indices, row-major.
    pub index: Vec<u32>,
    /// `n * k` squared Euclidean distances, matching `index`.
    pub distance: Vec<f32>,
}

/// The 2 principal components of `features` (n rows of `dim` floats, row-major; `dim` 0 means no
/// rows): the first frame of the map, instant, and the start of the first layout. Power
/// iteration on the centred data with deflation, from a fixed start, with each component's sign
/// chosen so that its largest entry is positive: the same features give the same picture.
///
/// The map is fitted to [-1, 1]: centred on the middle of its bounding box and scaled alike on
/// both axes (keeping its shape) so that the larger axis spans exactly [-1, 1]. A map of one
/// spot (one row, identical rows) is all at the origin.
pub fn pca(features: &[f32], dim: usize) -> Vec<Point> {
    let centred = centre(features, dim);
    let first = component(&centred, dim, None, 1);
    let second = component(&centred, dim, Some(&first), 2);
    let points: Vec<Point> = rows(&centred, dim)
        .map(|row| [dot(row, &first), dot(row, &second)])
        .collect();
    fit(&points)
}

/// Feature hashing ("count sketch") of each row from `dim` to `out` dims: column i is added to
/// bucket h(i) with sign s(i), where h and s come from a fixed integer hash of i (no state, so
/// every snapshot is hashed alike). Inner products, hence distances, are preserved in
/// expectation; networks whose last features are very wide (100,000) are sketched before the
/// neighbour search, which would otherwise take minutes. Returns n rows of `out` floats.
pub fn sketch(features: &[f32], dim: usize, out: usize) -> Vec<f32> {
    let buckets: Vec<(usize, f32)> = (0..dim as u64)
        .map(|i| {
            let hash = mix(i);
            let bucket = ((hash >> 1) % out.max(1) as u64) as usize;
            (bucket, if hash & 1 == 0 { 1.0 } else { -1.0 })
        })
        .collect();
    let rows = rows(features, dim);
    let mut sketched = vec![0.0; rows.len() * out];
    for (row, target) in rows.zip(sketched.chunks_exact_mut(out.max(1))) {
        for (&x, &(bucket, sign)) in row.iter().zip(&buckets) {
            target[bucket] += sign * x;
        }
    }
    sketched
}

/// The `k` nearest neighbours of every row of `features` (exact, squared Euclidean, excluding the
/// row itself; `k` is clamped to the number of rows less one). Each distance is
/// ‖a‖² + ‖b‖² − 2a·b with the norms computed once, each pair once (the two rows' lists are both
/// offered it), and the rows visited in blocks that stay in cache: 2,000 rows of 1,024 floats is
/// two billion multiplications, which this keeps to a fraction of a second.
pub fn neighbours(features: &[f32], dim: usize, k: usize) -> Neighbours {
    let rows: Vec<&[f32]> = rows(features, dim).collect();
    let n = rows.len();
    let k = k.min(n.saturating_sub(1));
    let norms: Vec<f32> = rows.iter().map(|row| dot(row, row)).collect();
    let mut nearest = vec![Vec::with_capacity(k + 1); n];
    for first in (0..n).step_by(TILE) {
        for second in (first..n).step_by(TILE) {
            for i in first..(first + TILE).min(n) {
                for j in (i + 1).max(second)..(second + TILE).min(n) {
                    let d = (norms[i] + norms[j] - 2.0 * dot(rows[i], rows[j])).max(0.0);
                    offer(&mut nearest[i], k, d, j as u32);
                    offer(&mut nearest[j], k, d, i as u32);
                }
            }
        }
    }
    let pairs = || nearest.iter().flatten();
    Neighbours {
        k,
        index: pairs().map(|&(_, j)| j).collect(),
        distance: pairs().map(|&(d, _)| d).collect(),
    }
}

/// The UMAP layout of the rows whose `neighbours` are given, from `start` (one point per row:
/// the PCA of the first snapshot, or the previous snapshot's layout), after `epochs` of SGD.
/// umap-learn's choices: fuzzy memberships from each row's distance to its nearest neighbour
/// (rho) and a bandwidth (sigma) that makes the memberships sum to log2(k), symmetrised as
/// a + b − ab; edges sampled in proportion to their weight; 5 repulsive samples per attractive
/// one; gradients clipped at 4; a learning rate falling linearly to 0. The learning rate starts
/// at 1 for 200 epochs or more and lower for shorter runs (see `FULL_EPOCHS`), as a warm start
/// should move the map rather than redraw it. `seed` makes the run repeatable. Fitted to
/// [-1, 1] like [`pca`]. Panics if `start` does not have one point per row of `neighbours`.
pub fn layout(neighbours: &Neighbours, start: &[Point], epochs: usize, seed: u64) -> Vec<Point> {
    assert!(
        neighbours.index.len() == start.len() * neighbours.k,
        "the start needs one point per row of the neighbours"
    );
    let mut rng = Rng(seed);
    let mut points: Vec<Point> = start
        .iter()
        .map(|p| p.map(|x| finite(x) * START_SCALE + JITTER * (rng.uniform() - 0.5)))
        .collect();
    let mut edges = fuzzy_graph(neighbours, epochs);
    let rate = (epochs as f32 / FULL_EPOCHS).min(1.0);
    for epoch in 0..epochs {
        let alpha = rate * (1.0 - epoch as f32 / epochs as f32);
        descend(&mut edges, &mut points, (epoch + 1) as f32, alpha, &mut rng);
    }
    fit(&points)
}

/// Where a new point with features `one` lands on `layout` (the layout of the rows of
/// `features`): the mean of the map positions of its 10 nearest rows in feature space, weighted
/// by 1 / (distance + ε), so that a point equal to a row lands on it. Rerunning the layout for
/// one drawn digit would move the whole map. The origin if there are no rows.
pub fn place(features: &[f32], dim: usize, layout: &[Point], one: &[f32]) -> Point {
    let mut nearest = Vec::with_capacity(PLACE_K + 1);
    for (i, row) in rows(features, dim).take(layout.len()).enumerate() {
        let d = lanes(row, one, |a, b| (a - b) * (a - b));
        offer(&mut nearest, PLACE_K, d, i as u32);
    }
    let (mut sum, mut total) = ([0.0; 2], 0.0);
    for &(d, i) in &nearest {
        let weight = 1.0 / (d.sqrt() + EPSILON);
        let [x, y] = layout[i as usize];
        sum = [sum[0] + weight * x, sum[1] + weight * y];
        total += weight;
    }
    if total > 0.0 {
        sum.map(|s| finite(s / total))
    } else {
        [0.0; 2]
    }
}

/// How well the map keeps the labels apart: the fraction of points whose label is the most
/// common among their `k` nearest other points on the map (ties go to the label met nearest,
/// as a k-NN classifier would break them). About 0.1 for random labels of 10 classes, near 1 for
/// clean clusters: a number the user can follow along the timeline. 0 with fewer than 2 points.
pub fn agreement(layout: &[Point], labels: &[u8], k: usize) -> f32 {
    let n = layout.len().min(labels.len());
    let k = k.min(n.saturating_sub(1));
    if k == 0 {
        return 0.0;
    }
    let agreeing = (0..n)
        .filter(|&i| vote(&layout[..n], labels, i, k) == labels[i])
        .count();
    agreeing as f32 / n as f32
}

/// The most common label among the `k` nearest other points of point `i` on the map.
fn vote(layout: &[Point], labels: &[u8], i: usize, k: usize) -> u8 {
    let mut nearest = Vec::with_capacity(k + 1);
    for (j, &p) in layout.iter().enumerate().filter(|&(j, _)| j != i) {
        let (_, d) = difference(layout[i], p);
        offer(&mut nearest, k, d, j as u32);
    }
    let mut counts = [0u32; 256];
    for &(_, j) in &nearest {
        counts[labels[j as usize] as usize] += 1;
    }
    let most = counts.iter().max().copied().unwrap_or(0);
    nearest
        .iter()
        .map(|&(_, j)| labels[j as usize])
        .find(|&label| counts[label as usize] == most)
        .unwrap_or(labels[i])
}

/// The rows of a row-major matrix; none when `dim` is 0.
fn rows(features: &[f32], dim: usize) -> std::slice::ChunksExact<'_, f32> {
    features.chunks_exact(dim.max(1))
}

/// Offers a candidate `(distance, index)` to a list of at most `k` kept nearest first. A bounded
/// insertion list: most candidates are turned away by one comparison with the farthest.
fn offer(nearest: &mut Vec<(f32, u32)>, k: usize, distance: f32, index: u32) {
    if nearest.len() == k && nearest.last().is_none_or(|&(far, _)| distance >= far) {
        return;
    }
    let at = nearest.partition_point(|&(d, _)| d <= distance);
    nearest.insert(at, (distance, index));
    nearest.truncate(k);
}

/// `a · b`.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    lanes(a, b, |x, y| x * y)
}

/// The sum of `f(a[i], b[i])`, in 16 independent accumulators so that LLVM vectorises it (a
/// plain sum is a chain of dependent additions it must keep in order).
#[inline(always)]
fn lanes(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let (a, b) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: f32 = a
        .remainder()
        .iter()
        .zip(b.remainder())
        .map(|(&x, &y)| f(x, y))
        .sum();
    let mut sums = [0.0f32; 16];
    for (a, b) in a.zip(b) {
        for lane in 0..16 {
            sums[lane] += f(a[lane], b[lane]);
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// The rows less their mean.
fn centre(features: &[f32], dim: usize) -> Vec<f32> {
    let n = rows(features, dim).len();
    let mut mean = vec![0.0f32; dim];
    for row in rows(features, dim) {
        mean.iter_mut()
            .zip(row)
            .for_each(|(m, &x)| *m += x / n as f32);
    }
    rows(features, dim)
        .flat_map(|row| row.iter().zip(&mean).map(|(&x, &m)| x - m))
        .collect()
}

/// The leading principal direction of the centred rows, orthogonal to `previous`, by power
/// iteration from a start drawn from `salt`. All zeros if no variance is left.
fn component(centred: &[f32], dim: usize, previous: Option<&[f32]>, salt: u64) -> Vec<f32> {
    let mut rng = Rng(salt);
    let mut v: Vec<f32> = (0..dim).map(|_| rng.uniform() - 0.5).collect();
    for _ in 0..POWER_ITERATIONS {
        let mut next = vec![0.0f32; dim];
        for row in rows(centred, dim) {
            add_scaled(&mut next, dot(row, &v), row);
        }
        if let Some(previous) = previous {
            let along = dot(&next, previous);
            add_scaled(&mut next, -along, previous);
        }
        let norm = dot(&next, &next).sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return vec![0.0; dim];
        }
        next.iter_mut().for_each(|x| *x /= norm);
        let converged = dot(&next, &v) > 1.0 - 1e-6;
        v = next;
        if converged {
            break;
        }
    }
    let largest = v
        .iter()
        .copied()
        .fold(0.0f32, |l, x| if x.abs() > l.abs() { x } else { l });
    let sign = if largest < 0.0 { -1.0 } else { 1.0 };
    v.iter().map(|x| x * sign).collect()
}

/// `target += scale * x`.
fn add_scaled(target: &mut [f32], scale: f32, x: &[f32]) {
    target.iter_mut().zip(x).for_each(|(t, &x)| *t += scale * x);
}

/// The points moved and scaled alike on both axes so that they fit [-1, 1], the larger axis
/// exactly; all at the origin if they are one spot.
fn fit(points: &[Point]) -> Vec<Point> {
    let (mut low, mut high) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
    for p in points {
        for axis in 0..2 {
            low[axis] = low[axis].min(p[axis]);
            high[axis] = high[axis].max(p[axis]);
        }
    }
    let half = ((high[0] - low[0]).max(high[1] - low[1])) / 2.0;
    let scale = if half > 0.0 && half.is_finite() {
        1.0 / half
    } else {
        0.0
    };
    let middle = [0, 1].map(|axis| finite((low[axis] + high[axis]) / 2.0));
    points
        .iter()
        .map(|p| [0, 1].map(|axis| finite((p[axis] - middle[axis]) * scale)))
        .collect()
}

/// `x`, or 0 where it is not finite: a map with NaN in it draws nothing.
fn finite(x: f32) -> f32 {
    if x.is_finite() { x } else { 0.0 }
}

/// An edge of the fuzzy graph, one direction of it, with umap-learn's sampling schedule: it is
/// sampled every `period` epochs (1 for the heaviest edge), next at epoch `next`, and its
/// repulsive samples are due from epoch `next_negative`.
struct Edge {
    head: u32,
    tail: u32,
    period: f32,
    next: f32,
    next_negative: f32,
}

/// The symmetric fuzzy graph of the neighbours, both directions of each edge, without the edges
/// too light to be sampled once in `epochs` (as umap-learn drops them).
fn fuzzy_graph(neighbours: &Neighbours, epochs: usize) -> Vec<Edge> {
    let k = neighbours.k;
    if k == 0 {
        return Vec::new();
    }
    let weights = memberships(neighbours);
    let index = &neighbours.index;
    let mut undirected = Vec::with_capacity(index.len());
    for (at, (&j, &a)) in index.iter().zip(&weights).enumerate() {
        let i = (at / k) as u32;
        let back = (j as usize * k..(j as usize + 1) * k).find(|&t| index[t] == i);
        match back {
            Some(_) if j < i => continue, // Counted from j's row.
            Some(t) => undirected.push((i, j, a + weights[t] - a * weights[t])),
            None => undirected.push((i, j, a)),
        }
    }
    let heaviest = undirected.iter().map(|e| e.2).fold(0.0, f32::max);
    let lightest = heaviest / epochs.max(1) as f32;
    let edge = |head, tail, period| Edge {
        head,
        tail,
        period,
        next: period,
        next_negative: period / NEGATIVES,
    };
    undirected
        .into_iter()
        .filter(|&(_, _, w)| w >= lightest && w > 0.0)
        .flat_map(|(i, j, w)| [edge(i, j, heaviest / w), edge(j, i, heaviest / w)])
        .collect()
}

/// Each row's fuzzy membership of its neighbours, `exp(-(d - rho) / sigma)` over distances (not
/// squared), with rho the distance to the nearest neighbour not on the same spot: every row is
/// fully connected to at least its nearest, however sparse its region.
fn memberships(neighbours: &Neighbours) -> Vec<f32> {
    let distances: Vec<f32> = neighbours.distance.iter().map(|d| d.sqrt()).collect();
    let mean = distances.iter().sum::<f32>() / distances.len().max(1) as f32;
    distances
        .chunks_exact(neighbours.k)
        .flat_map(|row| {
            let (rho, sigma) = bandwidth(row, mean);
            row.iter().map(move |&d| {
                if d - rho <= 0.0 || sigma == 0.0 {
                    1.0
                } else {
                    (-(d - rho) / sigma).exp()
                }
            })
        })
        .collect()
}

/// A row's rho and sigma: sigma found by binary search so that the memberships sum to log2(k),
/// which gives every row the same effective number of neighbours whatever its density.
fn bandwidth(row: &[f32], mean: f32) -> (f32, f32) {
    let rho = row.iter().copied().find(|&d| d > 0.0).unwrap_or(0.0);
    let target = (row.len() as f32).log2();
    let (mut low, mut high, mut sigma) = (0.0f32, f32::INFINITY, 1.0f32);
    for _ in 0..SEARCH_STEPS {
        let sum: f32 = row
            .iter()
            .map(|&d| (-(d - rho).max(0.0) / sigma).exp())
            .sum();
        if (sum - target).abs() < 1e-5 {
            break;
        }
        if sum > target {
            high = sigma;
        } else {
            low = sigma;
        }
        sigma = if high.is_finite() {
            (low + high) / 2.0
        } else {
            sigma * 2.0
        };
    }
    let local = if rho > 0.0 {
        row.iter().sum::<f32>() / row.len() as f32
    } else {
        mean
    };
    (rho, sigma.max(MIN_SIGMA * local))
}

/// One epoch of SGD: each edge due pulls its ends together and pushes its head away from
/// random points, at learning rate `alpha`.
fn descend(edges: &mut [Edge], points: &mut [Point], epoch: f32, alpha: f32, rng: &mut Rng) {
    for edge in edges.iter_mut().filter(|edge| edge.next <= epoch) {
        let (head, tail) = (edge.head as usize, edge.tail as usize);
        attract(points, head, tail, alpha);
        edge.next += edge.period;
        let every = edge.period / NEGATIVES;
        let negatives = ((epoch - edge.next_negative) / every).max(0.0) as usize;
        for _ in 0..negatives {
            let other = rng.below(points.len());
            repel(points, head, other, alpha);
        }
        edge.next_negative += negatives as f32 * every;
    }
}

/// Moves `head` and `tail` toward each other along the gradient of UMAP's attraction.
fn attract(points: &mut [Point], head: usize, tail: usize, alpha: f32) {
    let (diff, d2) = difference(points[head], points[tail]);
    if d2 > 0.0 {
        let power = d2.powf(B - 1.0); // One powf: d2^B is power * d2.
        let by = step(diff, -2.0 * A * B * power / (A * power * d2 + 1.0), alpha);
        shift(&mut points[head], by);
        shift(&mut points[tail], by.map(|x| -x));
    }
}

/// Moves `head` away from `other` along the gradient of UMAP's repulsion; `other` stays, as in
/// umap-learn. Points on one spot have no direction to part in (the start's jitter avoids them).
fn repel(points: &mut [Point], head: usize, other: usize, alpha: f32) {
    let (diff, d2) = difference(points[head], points[other]);
    if d2 > 0.0 {
        let push = 2.0 * B / ((0.001 + d2) * (A * d2.powf(B) + 1.0));
        shift(&mut points[head], step(diff, push, alpha));
    }
}

/// `coefficient * diff`, each coordinate clipped, at learning rate `alpha`.
fn step(diff: Point, coefficient: f32, alpha: f32) -> Point {
    diff.map(|x| (coefficient * x).clamp(-CLIP, CLIP) * alpha)
}

/// `point += by`.
fn shift(point: &mut Point, by: Point) {
    point[0] += by[0];
    point[1] += by[1];
}

/// `a − b` and its squared length.
fn difference(a: Point, b: Point) -> (Point, f32) {
    let diff = [a[0] - b[0], a[1] - b[1]];
    (diff, diff[0] * diff[0] + diff[1] * diff[1])
}

/// splitmix64's finaliser: a fixed hash of a 64-bit integer whose bits all depend on all of its.
fn mix(x: u64) -> u64 {
    let x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// splitmix64: tiny, fast, and good enough for sampling; the state is the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in 0..n (n below 2³²), by multiplication rather than a biased modulo.
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A standard normal draw (Box-Muller).
    fn gaussian(rng: &mut Rng) -> f32 {
        let u = rng.uniform().max(1e-7);
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * rng.uniform()).cos()
    }

    /// `clusters` Gaussian blobs of `per` rows each in `dim` dimensions: unit noise around
    /// centres drawn with standard deviation `spread`. Rows interleave the clusters.
    fn blobs(clusters: usize, per: usize, dim: usize, spread: f32) -> (Vec<f32>, Vec<u8>) {
        let mut rng = Rng(7);
        let centres: Vec<f32> = (0..clusters * dim)
            .map(|_| spread * gaussian(&mut rng))
            .collect();
        let labels: Vec<u8> = (0..clusters * per).map(|i| (i % clusters) as u8).collect();
        let features = labels
            .iter()
            .flat_map(|&c| centres[c as usize * dim..][..dim].to_vec())
            .map(|m| m + gaussian(&mut rng))
            .collect();
        (features, labels)
    }

    /// The pipeline of a first snapshot: neighbours, PCA start, 200 epochs.
    fn first_map(features: &[f32], dim: usize) -> (Neighbours, Vec<Point>) {
        let neighbours = neighbours(features, dim, 15);
        let map = layout(&neighbours, &pca(features, dim), 200, 1);
        (neighbours, map)
    }

    fn fitted(points: &[Point]) -> bool {
        points
            .iter()
            .flatten()
            .all(|x| x.is_finite() && x.abs() <= 1.0 + 1e-6)
    }

    #[test]
    fn clusters_come_apart_and_random_labels_do_not() {
        let (features, labels) = blobs(10, 30, 50, 3.0);
        let (_, map) = first_map(&features, 50);
        assert!(fitted(&map));
        let clean = agreement(&map, &labels, 10);
        assert!(clean > 0.9, "agreement {clean}");
        let mut rng = Rng(3);
        let random: Vec<u8> = labels.iter().map(|_| rng.below(10) as u8).collect();
        let noise = agreement(&map, &random, 10);
        assert!(noise < 0.3, "agreement of random labels {noise}");
    }

    #[test]
    fn pca_separates_two_blobs_along_x() {
        let (features, labels) = blobs(2, 50, 50, 3.0);
        let map = pca(&features, 50);
        assert!(fitted(&map));
        let side = |label| map.iter().zip(&labels).filter(move |&(_, &l)| l == label);
        let (low, high) = if map[0][0] < 0.0 { (0, 1) } else { (1, 0) };
        let low_max = side(low).map(|(p, _)| p[0]).fold(f32::MIN, f32::max);
        let high_min = side(high).map(|(p, _)| p[0]).fold(f32::MAX, f32::min);
        assert!(low_max < high_min, "{low_max} {high_min}");
    }

    #[test]
    fn neighbours_match_brute_force() {
        let (n, dim, k) = (70, 37, 6);
        let mut rng = Rng(11);
        let features: Vec<f32> = (0..n * dim).map(|_| gaussian(&mut rng)).collect();
        let found = neighbours(&features, dim, k);
        for i in 0..n {
            let row = |r: usize| &features[r * dim..][..dim];
            let mut all: Vec<(f32, u32)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| {
                    (
                        row(i)
                            .iter()
                            .zip(row(j))
                            .map(|(a, b)| (a - b) * (a - b))
                            .sum(),
                        j as u32,
                    )
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (s, &(d, j)) in all[..k].iter().enumerate() {
                assert_eq!(found.index[i * k + s], j, "row {i}");
                assert!((found.distance[i * k + s] - d).abs() < 1e-3 * d.max(1.0));
            }
        }
    }

    #[test]
    fn place_of_a_row_lands_on_it() {
        let (features, _) = blobs(10, 30, 50, 3.0);
        let (_, map) = first_map(&features, 50);
        for i in [0, 7, 299] {
            let p = place(&features, 50, &map, &features[i * 50..][..50]);
            let (_, d2) = difference(p, map[i]);
            assert!(d2.sqrt() < 0.01, "row {i}: {p:?} vs {:?}", map[i]);
        }
    }

    #[test]
    fn sketch_keeps_nearest_neighbours() {
        let (wide, out) = (4000, 256);
        let (features, labels) = blobs(10, 20, wide, 1.0);
        let sketched = sketch(&features, wide, out);
        assert_eq!(sketched.len(), labels.len() * out);
        let kept = neighbours(&sketched, out, 1).index;
        let same = kept
            .iter()
            .enumerate()
            .filter(|&(i, &j)| labels[i] == labels[j as usize]);
        assert_eq!(same.count(), labels.len());
    }

    #[test]
    fn warm_start_moves_the_map_little() {
        let (features, labels) = blobs(10, 30, 50, 3.0);
        let (neighbours, first) = first_map(&features, 50);
        let pca = pca(&features, 50);
        let moved = |map: &[Point]| {
            let total: f32 = first
                .iter()
                .zip(map)
                .map(|(&a, &b)| difference(a, b).1.sqrt())
                .sum();
            total / first.len() as f32
        };
        let (mut warm, mut redrawn) = (0.0, 0.0);
        for seed in 2..5 {
            let map = layout(&neighbours, &first, 80, seed);
            assert!(agreement(&map, &labels, 10) > 0.9);
            warm += moved(&map) / 3.0;
            redrawn += moved(&layout(&neighbours, &pca, 200, seed)) / 3.0;
        }
        assert!(
            warm < 0.2 && warm < redrawn / 2.0,
            "mean movement {warm}, redrawn {redrawn}"
        );
    }

    #[test]
    fn same_seed_same_map() {
        let (features, _) = blobs(3, 10, 8, 3.0);
        let neighbours = neighbours(&features, 8, 15);
        let start = pca(&features, 8);
        assert_eq!(
            layout(&neighbours, &start, 50, 9),
            layout(&neighbours, &start, 50, 9)
        );
    }

    #[test]
    fn degenerate_inputs_give_finite_points() {
        let identical: Vec<f32> = (0..6).flat_map(|_| [1.0, 2.0, 3.0]).collect();
        let cases: [(&[f32], usize); 6] = [
            (&[], 3),
            (&[1.0, 2.0, 3.0], 3),
            (&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3),
            (&identical, 3),
            (&[0.0; 12], 3),
            (&[], 0),
        ];
        for (features, dim) in cases {
            let n = rows(features, dim).len();
            let start = pca(features, dim);
            let neighbours = neighbours(features, dim, 15);
            assert_eq!(
                (start.len(), neighbours.k),
                (n, n.saturating_sub(1).min(15))
            );
            let map = layout(&neighbours, &start, 30, 1);
            assert!(
                fitted(&start) && fitted(&map),
                "{features:?}: {start:?} {map:?}"
            );
            let placed = place(features, dim, &map, &[1.0, 1.0, 1.0][..dim]);
            assert!(placed.iter().all(|x| x.is_finite()));
            assert!(agreement(&map, &vec![0; n], 5).is_finite());
            assert_eq!(sketch(features, dim, 2).len(), n * 2);
        }
    }

    /// `cargo test --release --lib embedding -- --ignored --nocapture`: the worker's cost per
    /// snapshot, 2,000 rows of 784 features.
    #[test]
    #[ignore]
    fn timing() {
        let (features, _) = blobs(10, 200, 784, 1.0);
        let clock = std::time::Instant::now();
        let start = pca(&features, 784);
        let projected = clock.elapsed();
        let neighbours = neighbours(&features, 784, 15);
        let searched = clock.elapsed();
        let map = layout(&neighbours, &start, 200, 1);
        let laid = clock.elapsed();
        println!(
            "pca {projected:?}, neighbours {:?}, layout {:?}",
            searched - projected,
            laid - searched
        );
        assert!(fitted(&map));
    }
}
