//! Round-trip time statistics (min, average, max, population standard deviation) in milliseconds.

use serde::Serialize;
use std::time::Duration;

/// Summary of a set of round-trip times, all in milliseconds.
#[derive(
    Debug, Clone, Copy, PartialEq, Default, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct RttStats {
    pub min: f64,
    pub avg: f64,
    pub max: f64,
    pub stddev: f64,
}

impl RttStats {
    /// Statistics over the given samples; `None` when there are none.
    pub fn from_durations(samples: impl IntoIterator<Item = Duration>) -> Option<Self> {
        Self::from_millis(samples.into_iter().map(|d| d.as_secs_f64() * 1e3))
    }

    /// Statistics over samples already in milliseconds (Welford's running mean and variance).
    pub fn from_millis(samples: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut n = 0u64;
        let (mut mean, mut m2) = (0.0f64, 0.0f64);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for x in samples {
            n += 1;
            let delta = x - mean;
            mean += delta / n as f64;
            m2 += delta * (x - mean);
            min = min.min(x);
            max = max.max(x);
        }
        (n > 0).then(|| RttStats {
            min,
            avg: mean,
            max,
            stddev: (m2 / n as f64).sqrt(),
        })
    }
}

/// Rounds milliseconds to microsecond precision for output.
pub fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// A duration as milliseconds rounded to microseconds.
pub fn ms(d: Duration) -> f64 {
    round_ms(d.as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_has_no_stats() {
        assert_eq!(RttStats::from_millis([]), None);
    }

    #[test]
    fn single_sample() {
        let s = RttStats::from_millis([2.5]).map(|s| (s.min, s.avg, s.max, s.stddev));
        assert_eq!(s, Some((2.5, 2.5, 2.5, 0.0)));
    }

    #[test]
    fn population_stddev_matches_ping_mdev() {
        // ping's mdev for 1, 2, 3, 4 ms is sqrt(mean(x^2) - mean(x)^2) = sqrt(7.5 - 6.25) = 1.118.
        let s = RttStats::from_millis([1.0, 2.0, 3.0, 4.0]).unwrap_or_else(|| unreachable!());
        assert_eq!((s.min, s.max), (1.0, 4.0));
        assert!((s.avg - 2.5).abs() < 1e-12);
        assert!((s.stddev - 1.118_033_988_7).abs() < 1e-9);
    }

    #[test]
    fn durations_convert_to_millis() {
        let s = RttStats::from_durations([Duration::from_micros(1500), Duration::from_micros(500)]);
        assert_eq!(s.map(|s| s.avg), Some(1.0));
        assert_eq!(ms(Duration::from_nanos(1_234_567)), 1.235);
    }
}
