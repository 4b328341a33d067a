//! The deck as one web page: charts as inline SVG, tables as HTML tables,
//! the style in the page. It references no other file and no network
//! address, so it opens the same in any browser, mailed or offline.

use super::{Deck, DeckTable, escape, is_figure};
use crate::chart::render::svg_string;

const STYLE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2rem auto;max-width:1200px;color:#1e1e1e;padding:0 1rem}\
h1{font-size:1.8rem}h2{font-size:1.3rem;margin-top:2.5rem}\
.facts{color:#404040}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}\
th,td{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}\
th{background:#e7e6e6}td.n{text-align:right;white-space:nowrap}\
.note,.caption{color:#595959;font-size:.85rem}\
svg{width:100%;height:auto;border:1px solid #eee}\
nav a{margin-right:1rem}";

/// The whole page.
pub fn page(deck: &Deck) -> Result<String, String> {
    let mut body = String::new();
    body.push_str(&format!("<h1>{}</h1>\n", escape(&deck.title)));
    body.push_str("<ul class=\"facts\">\n");
    for fact in &deck.facts {
        body.push_str(&format!("<li>{}</li>\n", escape(fact)));
    }
    body.push_str("</ul>\n");
    for table in &deck.tables {
        body.push_str(&table_html(table));
    }
    for chart in &deck.charts {
        let svg = svg_string(chart).map_err(|e| format!("chart '{}': {e}", chart.id))?;
        body.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n{}\n<p class=\"caption\">{}</p>\n</section>\n",
            escape(&chart.id),
            escape(&chart.title),
            with_view_box(&svg),
            escape(&chart.caption)
        ));
    }
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        crate::i18n::language().code(),
        escape(&deck.title)
    ))
}

fn table_html(table: &DeckTable) -> String {
    let mut html = format!(
        "<section>\n<h2>{}</h2>\n<table>\n<tr>",
        escape(&table.title)
    );
    for header in &table.header {
        html.push_str(&format!("<th>{}</th>", escape(header)));
    }
    html.push_str("</tr>\n");
    for row in &table.rows {
        html.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if i > 0 && is_figure(cell) {
                " class=\"n\""
            } else {
                ""
            };
            html.push_str(&format!("<td{class}>{}</td>", escape(cell)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str(&format!(
        "</table>\n<p class=\"note\">{}</p>\n</section>\n",
        escape(&table.note)
    ));
    html
}

/// The SVG scaled to the page's width: a `viewBox` in place of the fixed
/// pixel size, which the CSS then sets.
fn with_view_box(svg: &str) -> String {
    let (width, height) = crate::chart::render::SLIDE_SIZE;
    let fixed = format!("width=\"{width}\" height=\"{height}\"");
    if svg.contains("viewBox") {
        return svg.replacen(&fixed, "", 1);
    }
    svg.replacen(&fixed, &format!("viewBox=\"0 0 {width} {height}\""), 1)
}
