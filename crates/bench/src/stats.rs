//! Medians, spreads and percentiles of measured samples.

use std::time::Duration;

/// Samples in milliseconds, sorted.
#[derive(Debug, Clone)]
pub struct Samples(Vec<f64>);

impl Samples {
    pub fn new(durations: impl IntoIterator<Item = Duration>) -> Self {
        let mut ms: Vec<f64> = durations
            .into_iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        Self(ms)
    }

    /// The value below which `p` (0–100) of the samples fall.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = (p / 100.0 * (self.0.len() - 1) as f64).round() as usize;
        self.0[rank.min(self.0.len() - 1)]
    }

    pub fn median(&self) -> f64 {
        self.percentile(50.0)
    }

    /// Smallest and largest sample.
    pub fn spread(&self) -> (f64, f64) {
        (
            self.0.first().copied().unwrap_or(f64::NAN),
            self.0.last().copied().unwrap_or(f64::NAN),
        )
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_known_samples() {
        let s = Samples::new((1..=100).map(Duration::from_millis));
        assert_eq!(s.median(), 51.0);
        assert_eq!(s.percentile(95.0), 95.0);
        assert_eq!(s.spread(), (1.0, 100.0));
    }
}
