//! The window's deck: every chart its tabs show for the current settings,
//! as the user set them to be seen, and the key tables.

use crate::analysis::Results;
use crate::analysis::clv::charts::clv_definition;
use crate::analysis::cohort_charts::{CellValue, curves_as_shown, heatmap_spec};
use crate::analysis::loyalty_charts::{self, MembersView};
use crate::analysis::side_sources::SideResults;
use rust_i18n::t;

use super::{Deck, clv_table, kpi_table, segment_table};

/// How the tabs show what goes into the deck.
#[derive(Clone, Copy, Debug)]
pub struct ShownAs {
    pub curves_log_scale: bool,
    pub curves_from_period_one: bool,
    pub members: MembersView,
}

/// The deck of what is computed; `None` before the first results.
pub fn deck_of(
    source: &str,
    results: &Results,
    side: Option<&SideResults>,
    shown: ShownAs,
) -> Option<Deck> {
    let view = results.view.as_ref()?;
    let as_of = results.as_of?;
    let mut deck = Deck::new(source, as_of, &view.window);
    deck.add_chart(&view.activity.orders_chart);
    if let Some(revenue) = &view.activity.revenue_chart {
        deck.add_chart(revenue);
    }
    if let Some(overview) = &results.overview {
        if let Some(kpis) = &overview.overview {
            deck.tables.push(kpi_table(kpis));
        }
        if let Some(mrr) = &overview.mrr {
            deck.add_chart(&mrr.chart);
            deck.add_chart(&mrr.retention_chart);
        }
    }
    if let Some(cohorts) = &results.cohorts {
        deck.add_chart(&curves_as_shown(
            &cohorts.curves,
            shown.curves_log_scale,
            shown.curves_from_period_one,
        ));
        deck.add_chart(&heatmap_spec(
            &cohorts.overall,
            CellValue::Retention,
            "",
            &cohorts.window,
        ));
    }
    if let Some(segments) = &results.segments {
        let tables = &segments.tables;
        deck.tables
            .push(segment_table(&t!("RFM segments"), &tables.rfm_table));
        deck.add_chart(&tables.rfm_grid);
        deck.add_chart(&tables.rfm_sizes);
        if let Some(attribute) = &segments.attribute_table {
            deck.add_chart(&attribute.chart);
        }
        deck.add_chart(&segments.lifecycle.chart);
    }
    if let Some(clv) = &results.clv
        && clv.fit.is_ok()
    {
        let by = &clv.by_segment;
        deck.tables
            .push(clv_table(&by.segment_by, &by.table, &clv_definition()));
        deck.add_chart(&by.chart);
        for chart in clv.model_charts() {
            deck.add_chart(chart);
        }
    }
    if let Some(loyalty) = results.loyalty.as_ref().and_then(|l| l.current.as_ref()) {
        deck.add_chart(&loyalty_charts::members_per_tier_spec(
            loyalty,
            shown.members,
        ));
        deck.add_chart(&loyalty_charts::points_spec(loyalty));
        deck.add_chart(&loyalty_charts::liability_spec(loyalty));
    }
    if let Some(side) = side {
        if let Some(Ok(events)) = &side.events {
            for chart in [
                &events.activity_chart,
                &events.stickiness_chart,
                &events.retention_curves,
                &events.lifecycle_chart,
                &events.score_distribution,
            ] {
                deck.add_chart(chart);
            }
        }
        if let Some(Ok(survey)) = &side.survey {
            deck.add_chart(&survey.chart);
        }
    }
    Some(deck)
}
