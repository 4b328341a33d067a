//! The CLV tables as frames and JSON, for the report and the exports.

use polars::prelude::*;
use serde_json::json;

use super::by_segment::ClvSegmentRow;
use super::{ClvRow, ModelComparison, ModelFit, SpendModel};

/// `clv.csv`: one row per customer, in the column order of the issue.
pub fn customers_frame(rows: &[&ClvRow]) -> PolarsResult<DataFrame> {
    let floats = |f: fn(&ClvRow) -> f64| rows.iter().map(|r| f(r)).collect::<Vec<f64>>();
    let options =
        |f: fn(&ClvRow) -> Option<f64>| rows.iter().map(|r| f(r)).collect::<Vec<Option<f64>>>();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                crate::data::CUSTOMER_ID.into(),
                rows.iter()
                    .map(|r| r.customer_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "frequency".into(),
                rows.iter().map(|r| r.frequency).collect::<Vec<_>>(),
            ),
            Column::new("recency_weeks".into(), floats(|r| r.recency_weeks)),
            Column::new("t_weeks".into(), floats(|r| r.t_weeks)),
            Column::new("monetary_value".into(), options(|r| r.monetary_value)),
            Column::new("p_alive".into(), floats(|r| r.p_alive)),
            Column::new(
                "expected_purchases".into(),
                floats(|r| r.expected_purchases),
            ),
            Column::new(
                "expected_avg_spend".into(),
                options(|r| r.expected_avg_spend),
            ),
            Column::new("clv".into(), options(|r| r.clv)),
        ],
    )
}

/// The falling-P(alive) list: the CLV columns plus P(alive) 30 days earlier.
pub fn watch_list_frame(rows: &[&ClvRow]) -> PolarsResult<DataFrame> {
    let mut frame = customers_frame(rows)?;
    frame.with_column(Column::new(
        "p_alive_30_days_earlier".into(),
        rows.iter()
            .map(|r| r.p_alive_30_days_earlier)
            .collect::<Vec<_>>(),
    ))?;
    Ok(frame)
}

/// `clv_by_segment.csv`.
pub fn segments_frame(tables: &[(&str, &[ClvSegmentRow])]) -> PolarsResult<DataFrame> {
    let rows: Vec<(&str, &ClvSegmentRow)> = tables
        .iter()
        .flat_map(|(dimension, table)| table.iter().map(move |r| (*dimension, r)))
        .collect();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "dimension".into(),
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "segment".into(),
                rows.iter()
                    .map(|r| r.1.segment.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "customers".into(),
                rows.iter().map(|r| r.1.customers).collect::<Vec<_>>(),
            ),
            Column::new(
                "total_clv".into(),
                rows.iter().map(|r| r.1.total_clv).collect::<Vec<_>>(),
            ),
            Column::new(
                "average_clv".into(),
                rows.iter().map(|r| r.1.average_clv).collect::<Vec<_>>(),
            ),
            Column::new(
                "average_p_alive".into(),
                rows.iter().map(|r| r.1.average_p_alive).collect::<Vec<_>>(),
            ),
            Column::new(
                "expected_purchases".into(),
                rows.iter()
                    .map(|r| r.1.expected_purchases)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "clv_low".into(),
                rows.iter().map(|r| r.1.clv_low).collect::<Vec<_>>(),
            ),
            Column::new(
                "clv_high".into(),
                rows.iter().map(|r| r.1.clv_high).collect::<Vec<_>>(),
            ),
            Column::new(
                "expected_purchases_low".into(),
                rows.iter()
                    .map(|r| r.1.expected_purchases_low)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "expected_purchases_high".into(),
                rows.iter()
                    .map(|r| r.1.expected_purchases_high)
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

/// Each parameter's standard error and 95 % interval, by name.
fn intervals_json(intervals: &[super::intervals::ParameterInterval]) -> serde_json::Value {
    intervals
        .iter()
        .map(|i| {
            (
                i.name.to_string(),
                json!({ "standard_error": i.standard_error, "low_95": i.low, "high_95": i.high }),
            )
        })
        .collect::<serde_json::Map<String, serde_json::Value>>()
        .into()
}

/// `clv_model.json`.
pub fn model_json(fit: &ModelFit) -> serde_json::Value {
    let parameters: serde_json::Map<String, serde_json::Value> = fit
        .model
        .parameters()
        .into_iter()
        .map(|(name, value)| (name.to_string(), json!(value)))
        .collect();
    let spend = match &fit.spend {
        SpendModel::Fitted {
            model,
            log_likelihood,
            customers,
            intervals,
        } => json!({
            "model": "gamma-gamma",
            "parameters": { "p": model.p, "q": model.q, "gamma": model.gamma },
            "standard_errors": intervals_json(intervals),
            "log_likelihood": log_likelihood,
            "customers": customers,
            "population_mean_spend": model.population_mean(),
        }),
        SpendModel::Unavailable(reason) => json!({ "model": null, "reason": reason }),
    };
    let holdout = match fit.holdout() {
        Some(Ok(check)) => json!({
            "parameters": check
                .model
                .parameters()
                .into_iter()
                .map(|(name, value)| (name.to_string(), json!(value)))
                .collect::<serde_json::Map<String, serde_json::Value>>(),
            "log_likelihood": check.log_likelihood,
            "calibration_end": check.calibration_end,
            "holdout_end_exclusive": check.holdout_end,
            "weeks": check.weekly.len(),
            "customers": check.customers,
            "actual_repeat_purchases": check.actual_total(),
            "predicted_repeat_purchases": check.predicted_total(),
            "mae_per_customer": check.mae_per_customer,
        }),
        Some(Err(reason)) => json!({ "error": reason }),
        None => serde_json::Value::Null,
    };
    let chosen_by = match (&fit.comparison, fit.settings.pick_best_model) {
        (Some(Ok(comparison)), true) if comparison.best == Some(fit.model.kind()) => {
            "best on the holdout"
        }
        _ => "chosen",
    };
    json!({
        "model": fit.model.kind().key(),
        "model_chosen_by": chosen_by,
        "parameters": parameters,
        "standard_errors": intervals_json(&fit.parameter_intervals),
        "log_likelihood": fit.log_likelihood,
        "customers": fit.customers,
        "distinct_customer_summaries": fit.distinct_rows,
        "calibration_end": fit.calibration_end,
        "as_of": fit.as_of,
        "horizon_weeks": fit.settings.horizon_weeks,
        "clv_months": fit.settings.clv_months,
        "discount_rate": fit.settings.discount_rate_monthly,
        "time_unit": "weeks",
        "month_days": 30,
        "spend_model": spend,
        "fit_and_score_ms": fit.fit_ms,
        "holdout": holdout,
    })
}

/// `clv_model_comparison.csv`: one row per purchase model on the holdout;
/// a model that could not be fitted has empty figures and says why.
pub fn comparison_frame(comparison: &ModelComparison) -> PolarsResult<DataFrame> {
    let checks = &comparison.checks;
    let figure = |f: fn(&super::HoldoutCheck) -> f64| -> Vec<Option<f64>> {
        checks.iter().map(|(_, c)| c.as_ref().ok().map(f)).collect()
    };
    DataFrame::new(
        checks.len(),
        vec![
            Column::new(
                "model".into(),
                checks.iter().map(|(k, _)| k.key()).collect::<Vec<_>>(),
            ),
            Column::new(
                "calibration_end".into(),
                vec![comparison.calibration_end.to_string(); checks.len()],
            ),
            Column::new("holdout_weeks".into(), vec![comparison.weeks; checks.len()]),
            Column::new(
                "customers".into(),
                checks
                    .iter()
                    .map(|(_, c)| c.as_ref().ok().map(|c| c.customers as u64))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "actual_repeat_purchases".into(),
                figure(|c| c.actual_total()),
            ),
            Column::new(
                "predicted_repeat_purchases".into(),
                figure(|c| c.predicted_total()),
            ),
            Column::new("total_error".into(), figure(|c| c.total_error())),
            Column::new("mae_per_customer".into(), figure(|c| c.mae_per_customer)),
            Column::new("log_likelihood".into(), figure(|c| c.log_likelihood)),
            Column::new(
                "best".into(),
                checks
                    .iter()
                    .map(|(k, _)| comparison.best == Some(*k))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "not_fitted_because".into(),
                checks
                    .iter()
                    .map(|(_, c)| c.as_ref().err().cloned())
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}
