//! The formulas of the metric catalogue, one function each, so the app, the
//! report and the tests share a single definition. Rates are fractions
//! (0.75 is shown as 75 %); `None` where the denominator is zero.

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0).then(|| numerator / denominator)
}

/// Customers of a cohort still active after a period ÷ customers in the cohort.
pub fn retention_rate(active: u64, cohort_size: u64) -> Option<f64> {
    ratio(active as f64, cohort_size as f64)
}

/// (CE − CN) ÷ CS: customers at the end, less the new ones, over the
/// customers at the start.
pub fn product_retention_rate(start: u64, end: u64, new: u64) -> Option<f64> {
    ratio(end as f64 - new as f64, start as f64)
}

/// Customers lost during the period ÷ customers at the start.
pub fn churn_rate(lost: u64, start: u64) -> Option<f64> {
    ratio(lost as f64, start as f64)
}

/// Customers with more than one order in the period ÷ customers with at least one.
pub fn repeat_purchase_rate(repeat_customers: u64, customers: u64) -> Option<f64> {
    ratio(repeat_customers as f64, customers as f64)
}

/// Subscription CLV: monthly price × months subscribed.
pub fn subscription_clv(monthly_price: f64, months: f64) -> f64 {
    monthly_price * months
}

/// ARPU form: average revenue per user × average customer lifetime.
pub fn arpu_clv(arpu: f64, lifetime: f64) -> f64 {
    arpu * lifetime
}

/// Purchase form: average purchase value × purchases per year × lifetime in years.
pub fn purchase_clv(
    average_purchase_value: f64,
    purchases_per_year: f64,
    lifetime_years: f64,
) -> f64 {
    average_purchase_value * purchases_per_year * lifetime_years
}

/// Net Promoter Score: % promoters − % detractors, from −100 to 100.
pub fn nps(promoters: u64, detractors: u64, responses: u64) -> Option<f64> {
    ratio(
        100.0 * (promoters as f64 - detractors as f64),
        responses as f64,
    )
}

/// DAU ÷ MAU; above 0.2 counts as good engagement.
pub fn stickiness(dau: u64, mau: u64) -> Option<f64> {
    ratio(dau as f64, mau as f64)
}

/// Customer engagement score: Σ over event names of count × weight.
pub fn engagement_score(counts_and_weights: impl IntoIterator<Item = (u64, f64)>) -> f64 {
    counts_and_weights
        .into_iter()
        .map(|(count, weight)| count as f64 * weight)
        .sum()
}

/// Customer satisfaction: satisfied answers ÷ all answers.
pub fn csat(satisfied: u64, responses: u64) -> Option<f64> {
    ratio(satisfied as f64, responses as f64)
}

/// Expected lifetime in years from an annual churn rate (1 ÷ churn), capped
/// so that a period without churn does not promise an eternal customer.
pub fn lifetime_years(annual_churn: Option<f64>, cap_years: f64) -> f64 {
    match annual_churn {
        Some(churn) if churn > 0.0 => (1.0 / churn).min(cap_years),
        _ => cap_years,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked examples of the metric catalogue (shared/docs/metrics.md).
    #[test]
    fn activity_examples_of_the_catalogue() {
        assert_eq!(stickiness(500, 2_000), Some(0.25));
        // create project 5, assign task 4, complete task 3; 2, 3 and 4 times.
        assert_eq!(engagement_score([(2, 5.0), (3, 4.0), (4, 3.0)]), 34.0);
    }

    #[test]
    fn survey_examples_of_the_catalogue() {
        assert_eq!(nps(60, 10, 100), Some(50.0));
        assert_eq!(nps(70, 10, 100), Some(60.0));
        assert_eq!(csat(400, 500), Some(0.8));
        assert_eq!(nps(0, 0, 0), None);
    }

    #[test]
    fn catalogue_examples() {
        assert_eq!(retention_rate(75, 100), Some(0.75));
        assert_eq!(product_retention_rate(200, 210, 30), Some(0.9));
        assert_eq!(churn_rate(50, 1000), Some(0.05));
        assert_eq!(repeat_purchase_rate(40, 100), Some(0.4));
        assert_eq!(repeat_purchase_rate(200, 1000), Some(0.2));
        assert_eq!(subscription_clv(10.0, 12.0), 120.0);
        assert_eq!(purchase_clv(50.0, 4.0, 5.0), 1000.0);
        assert_eq!(arpu_clv(20.0, 3.0), 60.0);
    }

    #[test]
    fn product_retention_never_exceeds_one_without_churn_or_growth() {
        // Keeping every customer and winning none sits at exactly 100 %.
        assert_eq!(product_retention_rate(500, 500, 0), Some(1.0));
        assert_eq!(churn_rate(0, 0), None);
    }

    #[test]
    fn lifetime_is_capped() {
        assert_eq!(lifetime_years(Some(0.25), 10.0), 4.0);
        assert_eq!(lifetime_years(Some(0.01), 10.0), 10.0);
        assert_eq!(lifetime_years(None, 10.0), 10.0);
    }
}
