//! Column roles (which column is the customer, the date, the amount…) and
//! their detection from header names in English, German, Dutch and French and
//! from the values below the header.

use std::borrow::Cow;

use rust_i18n::t;
use serde::{Deserialize, Serialize};

use super::values::{DateFormat, DecimalMark, parse_number};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    CustomerId,
    Timestamp,
    Amount,
    OrderId,
    Quantity,
    UnitPrice,
    PointsRedeemed,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::CustomerId,
        Role::Timestamp,
        Role::Amount,
        Role::OrderId,
        Role::Quantity,
        Role::UnitPrice,
        Role::PointsRedeemed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Role::CustomerId => "Customer id",
            Role::Timestamp => "Order date",
            Role::Amount => "Amount",
            Role::OrderId => "Order id",
            Role::Quantity => "Quantity",
            Role::UnitPrice => "Unit price",
            Role::PointsRedeemed => "Points redeemed",
        }
    }

    /// The role's name in the chosen language, for the mapping panel.
    pub fn display_name(self) -> Cow<'static, str> {
        match self {
            Role::CustomerId => t!("Customer id"),
            Role::Timestamp => t!("Order date"),
            Role::Amount => t!("Amount"),
            Role::OrderId => t!("Order id"),
            Role::Quantity => t!("Quantity"),
            Role::UnitPrice => t!("Unit price"),
            Role::PointsRedeemed => t!("Points redeemed"),
        }
    }

    /// The key used in import.json and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Role::CustomerId => "customer_id",
            Role::Timestamp => "timestamp",
            Role::Amount => "amount",
            Role::OrderId => "order_id",
            Role::Quantity => "quantity",
            Role::UnitPrice => "unit_price",
            Role::PointsRedeemed => "points_redeemed",
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Role::CustomerId | Role::Timestamp)
    }

    pub fn help(self) -> Cow<'static, str> {
        match self {
            Role::CustomerId => {
                t!(
                    "Who ordered: a customer number or an e-mail address. Kept as text exactly as written."
                )
            }
            Role::Timestamp => t!("When the order was placed: a date or a date and time."),
            Role::Amount => t!("The order's (or line's) value. Negative values are refunds."),
            Role::OrderId => {
                t!("Groups line items into orders. Without it every row counts as one order.")
            }
            Role::Quantity => {
                t!(
                    "Units on the line; with a unit price it gives the amount when no amount column exists."
                )
            }
            Role::UnitPrice => {
                t!(
                    "Price of one unit; amount = unit price × quantity when no amount column exists."
                )
            }
            Role::PointsRedeemed => {
                t!(
                    "Loyalty points the customer spent on the order; the Loyalty tab takes them from the oldest points."
                )
            }
        }
    }

    /// Normalised header names that name this role, most specific first.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Role::CustomerId => &[
                "customerid",
                "customer",
                "customerno",
                "customernumber",
                "customernr",
                "clientid",
                "client",
                "kunde",
                "kundennummer",
                "kundennr",
                "kundenid",
                "kunden",
                "klant",
                "klantnummer",
                "klantid",
                "klantnr",
                "idclient",
                "numeroclient",
                "noclient",
                "userid",
                "user",
                "respondentid",
                "respondent",
                "buyer",
                "email",
                "emailaddress",
                "mail",
                "emailadresse",
                "emailadres",
                "courriel",
                "contactid",
                "memberid",
                "accountid",
            ],
            Role::Timestamp => &[
                "orderdate",
                "orderts",
                "ordertimestamp",
                "ordertime",
                "date",
                "datum",
                "bestelldatum",
                "orderdatum",
                "besteldatum",
                "createdat",
                "created",
                "timestamp",
                "datetime",
                "invoicedate",
                "purchasedate",
                "transactiondate",
                "rechnungsdatum",
                "factuurdatum",
                "datecommande",
                "datedecommande",
                "datedachat",
                "time",
                "zeitpunkt",
                "orderedat",
                "placedat",
                "paidat",
                "bestellzeitpunkt",
                "besteltijd",
                "day",
                "tag",
                "dag",
            ],
            Role::Amount => &[
                "amount",
                "revenue",
                "umsatz",
                "betrag",
                "bedrag",
                "omzet",
                "total",
                "ordertotal",
                "totalamount",
                "sales",
                "montant",
                "montanttotal",
                "chiffredaffaires",
                "value",
                "ordervalue",
                "gesamt",
                "gesamtbetrag",
                "gesamtsumme",
                "summe",
                "totaal",
                "totaalbedrag",
                "bruttobetrag",
                "brutto",
                "netto",
                "gross",
                "net",
                "grandtotal",
                "subtotal",
                "price_total",
                "totalprice",
                "prixtotal",
            ],
            Role::OrderId => &[
                "orderid",
                "order",
                "ordernumber",
                "orderno",
                "ordernr",
                "invoice",
                "invoiceno",
                "invoiceid",
                "invoicenumber",
                "bestellung",
                "bestellnummer",
                "bestellnr",
                "bestellid",
                "auftragsnummer",
                "auftrag",
                "rechnungsnummer",
                "rechnungsnr",
                "ordernummer",
                "bestelnummer",
                "factuurnummer",
                "commande",
                "numerocommande",
                "nocommande",
                "idcommande",
                "transactionid",
                "receiptid",
                "bonnummer",
            ],
            Role::Quantity => &[
                "quantity", "qty", "menge", "anzahl", "aantal", "quantite", "stuck", "stueck",
                "units", "pieces",
            ],
            Role::PointsRedeemed => &[
                "pointsredeemed",
                "redeemedpoints",
                "pointsused",
                "pointsspent",
                "punkteeingelost",
                "eingelostepunkte",
                "ingewisseldepunten",
                "puntengebruikt",
                "pointsutilises",
            ],
            Role::UnitPrice => &[
                "unitprice",
                "price",
                "preis",
                "einzelpreis",
                "stuckpreis",
                "stueckpreis",
                "prijs",
                "stukprijs",
                "prix",
                "prixunitaire",
                "itemprice",
                "lineprice",
            ],
        }
    }
}

/// Which column plays which role, plus how the date column is written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColumnMapping {
    pub customer_id: Option<String>,
    pub timestamp: Option<String>,
    pub amount: Option<String>,
    pub order_id: Option<String>,
    pub quantity: Option<String>,
    pub unit_price: Option<String>,
    pub points_redeemed: Option<String>,
    pub date_format: Option<DateFormat>,
}

impl ColumnMapping {
    pub fn get(&self, role: Role) -> Option<&str> {
        match role {
            Role::CustomerId => self.customer_id.as_deref(),
            Role::Timestamp => self.timestamp.as_deref(),
            Role::Amount => self.amount.as_deref(),
            Role::OrderId => self.order_id.as_deref(),
            Role::Quantity => self.quantity.as_deref(),
            Role::UnitPrice => self.unit_price.as_deref(),
            Role::PointsRedeemed => self.points_redeemed.as_deref(),
        }
    }

    fn slot(&mut self, role: Role) -> &mut Option<String> {
        match role {
            Role::CustomerId => &mut self.customer_id,
            Role::Timestamp => &mut self.timestamp,
            Role::Amount => &mut self.amount,
            Role::OrderId => &mut self.order_id,
            Role::Quantity => &mut self.quantity,
            Role::UnitPrice => &mut self.unit_price,
            Role::PointsRedeemed => &mut self.points_redeemed,
        }
    }

    /// Gives `role` to `column`, taking it away from any other role first so
    /// that one column never plays two roles.
    pub fn set(&mut self, role: Role, column: Option<String>) {
        if let Some(name) = &column {
            for other in Role::ALL {
                if other != role && self.get(other) == Some(name.as_str()) {
                    *self.slot(other) = None;
                }
            }
        }
        if role == Role::Timestamp && self.timestamp != column {
            self.date_format = None;
        }
        *self.slot(role) = column;
    }

    pub fn role_of(&self, column: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| self.get(*r) == Some(column))
    }

    /// Applies the user's choices on top of a detected mapping: a role the
    /// user set wins; a role the user left open keeps the detection.
    pub fn overlay(&self, user: &ColumnMapping) -> ColumnMapping {
        let mut merged = self.clone();
        for role in Role::ALL {
            if let Some(column) = user.get(role) {
                merged.set(role, Some(column.to_string()));
            }
        }
        if user.date_format.is_some() {
            merged.date_format = user.date_format;
        }
        merged
    }
}

/// What a column's header and first values say about it.
#[derive(Clone, Debug)]
pub struct ColumnProfile {
    pub name: String,
    /// Non-empty values from the start of the column, as text.
    pub sample: Vec<String>,
    /// The column holds numbers natively (Parquet).
    pub native_numeric: bool,
    /// The column holds dates natively (Parquet).
    pub native_temporal: bool,
}

impl ColumnProfile {
    fn share(&self, test: impl Fn(&str) -> bool) -> f64 {
        if self.sample.is_empty() {
            return 0.0;
        }
        self.sample.iter().filter(|v| test(v)).count() as f64 / self.sample.len() as f64
    }

    pub fn numeric_share(&self, mark: DecimalMark) -> f64 {
        if self.native_numeric {
            return 1.0;
        }
        self.share(|v| parse_number(v, mark).is_some())
    }

    fn distinct_share(&self) -> f64 {
        if self.sample.is_empty() {
            return 0.0;
        }
        let distinct: std::collections::HashSet<&String> = self.sample.iter().collect();
        distinct.len() as f64 / self.sample.len() as f64
    }
}

/// Lower-case letters and digits only, umlauts folded: `Umsatz (€)` becomes
/// `umsatz`, `Kunden-Nr.` becomes `kundennr`, `Quantité` becomes `quantite`.
pub fn normalise_header(header: &str) -> String {
    header
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'ä' => Some('a'),
            'ö' => Some('o'),
            'ü' => Some('u'),
            'ß' => Some('s'),
            'é' | 'è' | 'ê' => Some('e'),
            'à' | 'â' => Some('a'),
            'ç' => Some('c'),
            c if c.is_ascii_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// How well a header names a role: 3 exact, 2 it starts or ends with a
/// synonym, 0 not at all.
fn header_score(role: Role, header: &str) -> u8 {
    let norm = normalise_header(header);
    if norm.is_empty() {
        return 0;
    }
    let synonyms = role.synonyms();
    if synonyms.iter().any(|s| norm == s.replace('_', "")) {
        return 3;
    }
    let partial = synonyms
        .iter()
        .filter(|s| s.len() >= 4)
        .any(|s| norm.starts_with(*s) || norm.ends_with(*s));
    if partial { 2 } else { 0 }
}

/// The date format that reads the most of a column's values, and a second
/// one when it reads the values equally well (`01/02/2024` both ways).
#[derive(Clone, Debug, PartialEq)]
pub struct DateGuess {
    pub format: DateFormat,
    pub share: f64,
    pub rival: Option<DateFormat>,
}

/// Tries every format on `values` (a whole column's distinct values, or a
/// sample). Digit-only formats need `header_says_date`.
pub fn guess_date_format<'a>(
    values: impl IntoIterator<Item = &'a str> + Clone,
    header_says_date: bool,
) -> Option<DateGuess> {
    let total = values
        .clone()
        .into_iter()
        .filter(|v| !v.trim().is_empty())
        .count();
    if total == 0 {
        return None;
    }
    let mut scored: Vec<(DateFormat, usize)> = DateFormat::ALL
        .into_iter()
        .filter(|f| header_says_date || !f.needs_header_hint())
        .map(|f| {
            let ok = values
                .clone()
                .into_iter()
                .filter(|v| f.parse(v).is_some())
                .count();
            (f, ok)
        })
        .filter(|(_, ok)| *ok > 0)
        .collect();
    // Most values read first; on a tie prefer the European reading, since
    // most of our users are in Europe; the tie itself is reported.
    scored.sort_by_key(|(f, ok)| (std::cmp::Reverse(*ok), *f != DateFormat::DayMonthYearSlash));
    let (format, ok) = *scored.first()?;
    let rival = scored
        .get(1)
        .filter(|(_, other)| *other == ok)
        .map(|(f, _)| *f);
    Some(DateGuess {
        format,
        share: ok as f64 / total as f64,
        rival,
    })
}

/// A value that can only be a customer: an e-mail address.
fn is_email(v: &str) -> bool {
    let v = v.trim();
    v.split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
}

/// The share of a column that must read as the role's type.
const CONTENT_SHARE: f64 = 0.9;

/// Detects the mapping from headers first, then from content for the roles
/// a header did not name.
pub fn detect(columns: &[ColumnProfile], mark: DecimalMark) -> ColumnMapping {
    let mut mapping = ColumnMapping::default();
    let mut taken: Vec<&str> = Vec::new();
    // Dates first: their content is the most distinctive, and `order_date`
    // must not be taken for an order id.
    let order = [
        Role::Timestamp,
        Role::Amount,
        Role::Quantity,
        Role::UnitPrice,
        Role::PointsRedeemed,
        Role::OrderId,
        Role::CustomerId,
    ];
    for role in order {
        let fits = |c: &ColumnProfile| content_fits(role, c, mark);
        let by_header = columns
            .iter()
            .filter(|c| !taken.contains(&c.name.as_str()))
            .map(|c| (header_score(role, &c.name), c))
            .filter(|(score, c)| *score > 0 && fits(c))
            .max_by_key(|(score, _)| *score)
            .map(|(_, c)| c);
        // A column whose header exactly names another role (a unit price,
        // say) is never taken for this one on its content alone.
        let names_other_role = |c: &ColumnProfile| {
            Role::ALL
                .iter()
                .any(|other| *other != role && header_score(*other, &c.name) == 3)
        };
        let by_content = || {
            columns
                .iter()
                .filter(|c| !taken.contains(&c.name.as_str()) && !names_other_role(c))
                .find(|c| content_alone_fits(role, c, mark))
        };
        // A column named exactly for a number role keeps it even when its
        // values do not read as numbers: the import then counts and shows
        // the values it cannot read instead of silently ignoring the column.
        let by_name_alone = || {
            matches!(
                role,
                Role::Amount | Role::Quantity | Role::UnitPrice | Role::PointsRedeemed
            )
            .then(|| {
                columns
                    .iter()
                    .find(|c| !taken.contains(&c.name.as_str()) && header_score(role, &c.name) == 3)
            })
            .flatten()
        };
        if let Some(column) = by_header.or_else(by_content).or_else(by_name_alone) {
            taken.push(column.name.as_str());
            mapping.set(role, Some(column.name.clone()));
            if role == Role::Timestamp {
                let says_date = header_score(Role::Timestamp, &column.name) > 0;
                mapping.date_format = if column.native_temporal {
                    None
                } else {
                    guess_date_format(column.sample.iter().map(String::as_str), says_date)
                        .map(|g| g.format)
                };
            }
        }
    }
    mapping
}

/// Whether a column whose header names `role` holds values of that role.
pub fn content_fits(role: Role, column: &ColumnProfile, mark: DecimalMark) -> bool {
    match role {
        Role::Timestamp => {
            column.native_temporal
                || guess_date_format(column.sample.iter().map(String::as_str), true)
                    .is_some_and(|g| g.share >= CONTENT_SHARE)
        }
        Role::Amount | Role::Quantity | Role::UnitPrice | Role::PointsRedeemed => {
            column.numeric_share(mark) >= CONTENT_SHARE
        }
        Role::CustomerId | Role::OrderId => !column.native_temporal,
    }
}

/// Whether a column fits `role` on its values alone, with no header hint.
fn content_alone_fits(role: Role, column: &ColumnProfile, mark: DecimalMark) -> bool {
    match role {
        Role::Timestamp => {
            column.native_temporal
                || guess_date_format(column.sample.iter().map(String::as_str), false)
                    .is_some_and(|g| g.share >= CONTENT_SHARE)
        }
        // A money column has fractions; ids and quantities do not.
        Role::Amount => {
            column.numeric_share(mark) >= CONTENT_SHARE
                && column.share(|v| v.contains([',', '.'])) >= 0.5
                && column.distinct_share() > 0.2
        }
        Role::CustomerId => {
            column.share(is_email) >= CONTENT_SHARE
                || (!column.native_numeric
                    && column.numeric_share(mark) < CONTENT_SHARE
                    && column.distinct_share() > 0.05
                    && column.sample.iter().all(|v| v.len() <= 64))
        }
        Role::OrderId | Role::Quantity | Role::UnitPrice | Role::PointsRedeemed => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, values: &[&str]) -> ColumnProfile {
        ColumnProfile {
            name: name.into(),
            sample: values.iter().map(|v| v.to_string()).collect(),
            native_numeric: false,
            native_temporal: false,
        }
    }

    #[test]
    fn headers_in_four_languages() {
        for (customer, date, amount) in [
            ("customer_id", "order_date", "revenue"),
            ("Kundennummer", "Bestelldatum", "Umsatz (€)"),
            ("klant", "orderdatum", "bedrag"),
            ("client", "date_commande", "montant"),
        ] {
            let cols = [
                profile(customer, &["001", "002", "003"]),
                profile(date, &["2024-01-01", "2024-01-02", "2024-01-03"]),
                profile(amount, &["10,50", "3,20", "7"]),
            ];
            let m = detect(&cols, DecimalMark::Comma);
            assert_eq!(m.customer_id.as_deref(), Some(customer), "{customer}");
            assert_eq!(m.timestamp.as_deref(), Some(date), "{date}");
            assert_eq!(m.amount.as_deref(), Some(amount), "{amount}");
            assert_eq!(m.date_format, Some(DateFormat::Iso));
        }
    }

    #[test]
    fn order_date_is_not_an_order_id() {
        let cols = [
            profile("order_id", &["A1", "A2", "A3"]),
            profile("order_date", &["01.02.2024", "13.02.2024", "14.02.2024"]),
            profile("email", &["a@x.de", "b@x.de", "c@x.nl"]),
        ];
        let m = detect(&cols, DecimalMark::Dot);
        assert_eq!(m.order_id.as_deref(), Some("order_id"));
        assert_eq!(m.timestamp.as_deref(), Some("order_date"));
        assert_eq!(m.customer_id.as_deref(), Some("email"));
        assert_eq!(m.date_format, Some(DateFormat::DayMonthYearDot));
    }

    #[test]
    fn content_finds_unnamed_columns() {
        let cols = [
            profile("column_1", &["a@x.de", "b@y.nl", "c@z.be"]),
            profile(
                "column_2",
                &[
                    "2024-01-01 10:00:00",
                    "2024-02-01 11:00:00",
                    "2024-03-01 12:00:00",
                ],
            ),
            profile("column_3", &["10.50", "3.20", "7.99"]),
        ];
        let m = detect(&cols, DecimalMark::Dot);
        assert_eq!(m.customer_id.as_deref(), Some("column_1"));
        assert_eq!(m.timestamp.as_deref(), Some("column_2"));
        assert_eq!(m.amount.as_deref(), Some("column_3"));
    }

    #[test]
    fn slash_dates_are_decided_from_the_column() {
        let european = ["01/02/2024", "13/02/2024"];
        let g = guess_date_format(european.iter().copied(), false).unwrap();
        assert_eq!((g.format, g.rival), (DateFormat::DayMonthYearSlash, None));
        let american = ["01/02/2024", "02/13/2024"];
        let g = guess_date_format(american.iter().copied(), false).unwrap();
        assert_eq!((g.format, g.rival), (DateFormat::MonthDayYearSlash, None));
        let unclear = ["01/02/2024", "03/04/2024"];
        let g = guess_date_format(unclear.iter().copied(), false).unwrap();
        assert_eq!(g.format, DateFormat::DayMonthYearSlash);
        assert_eq!(g.rival, Some(DateFormat::MonthDayYearSlash));
    }

    #[test]
    fn setting_a_role_frees_the_column_elsewhere() {
        let mut m = ColumnMapping {
            amount: Some("total".into()),
            ..Default::default()
        };
        m.set(Role::OrderId, Some("total".into()));
        assert_eq!(m.amount, None);
        assert_eq!(m.order_id.as_deref(), Some("total"));
    }
}
