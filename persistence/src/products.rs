//! Products (产品) and the line items of deals and contracts: the catalogue
//! (an admin writes it), and replacing a deal's or a draft contract's lines,
//! whose sum becomes its amount.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::products::{Line, LineError};
use domain::scope::DataScope;

use crate::schema::{contracts, line_items as li, opportunities, products as p};
use crate::{DbConn, RepoError, naive};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = p)]
pub struct ProductRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: Option<String>,
    pub list_price: i64,
    pub currency: String,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = li)]
pub struct LineRow {
    pub id: i64,
    pub opportunity_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub position: i32,
    pub product_id: i64,
    pub quantity: i64,
    pub unit_price: i64,
    pub discount_bp: i32,
    pub total: i64,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub code: String,
    pub name: String,
    pub unit: Option<String>,
    pub list_price: i64,
    pub currency: String,
}

/// Adds a product to the catalogue (a taken code is `Conflict(ProductCode)`).
pub fn create(conn: &mut DbConn, new: &NewProduct, now: DateTime<Utc>) -> Result<ProductRow, RepoError> {
    let id: i64 = conn.transaction(|c| {
        diesel::insert_into(p::table)
            .values((
                p::code.eq(&new.code),
                p::name.eq(&new.name),
                p::unit.eq(&new.unit),
                p::list_price.eq(new.list_price),
                p::currency.eq(&new.currency),
                p::created_at.eq(naive(now)),
                p::updated_at.eq(naive(now)),
            ))
            .returning(p::id)
            .get_result(c)
    })?;
    Ok(p::table.find(id).select(ProductRow::as_select()).first(conn)?)
}

/// Changes a product's name, unit, price or whether it is offered.
pub fn change(
    conn: &mut DbConn,
    id: i64,
    name: Option<String>,
    unit: Option<Option<String>>,
    list_price: Option<i64>,
    active: Option<bool>,
    now: DateTime<Utc>,
) -> Result<ProductRow, RepoError> {
    let row: ProductRow = p::table.find(id).select(ProductRow::as_select()).first(conn)?;
    diesel::update(p::table.find(id))
        .set((
            p::name.eq(name.unwrap_or(row.name)),
            p::unit.eq(unit.unwrap_or(row.unit)),
            p::list_price.eq(list_price.unwrap_or(row.list_price)),
            p::active.eq(active.unwrap_or(row.active)),
            p::version.eq(p::version + 1),
            p::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(p::table.find(id).select(ProductRow::as_select()).first(conn)?)
}

/// The catalogue by id, after `after`; `q` matches code or name.
pub fn list(
    conn: &mut DbConn,
    q: Option<&str>,
    active: Option<bool>,
    after: Option<i64>,
    limit: u32,
) -> Result<Vec<ProductRow>, RepoError> {
    let mut query = p::table.into_boxed();
    if let Some(text) = q {
        let pattern = crate::like_pattern(text);
        query = query.filter(
            crate::lower(p::code)
                .like(pattern.clone())
                .escape('\\')
                .or(crate::lower(p::name).like(pattern).escape('\\')),
        );
    }
    if let Some(a) = active {
        query = query.filter(p::active.eq(a));
    }
    if let Some(a) = after {
        query = query.filter(p::id.gt(a));
    }
    Ok(query
        .order(p::id.asc())
        .limit(i64::from(limit))
        .select(ProductRow::as_select())
        .load(conn)?)
}

/// What the lines are of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    Deal(i64),
    Contract(i64),
}

/// One line as asked: the product, how many, the price (default the list
/// price) and the discount.
#[derive(Debug, Clone, Copy)]
pub struct LineInput {
    pub product_id: i64,
    pub quantity: i64,
    pub unit_price: Option<i64>,
    pub discount_bp: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum LinesError {
    #[error("no such record in your scope")]
    NotFound,
    #[error("only a draft contract's lines change")]
    NotDraft,
    #[error("line {0}: no such active product")]
    NoSuchProduct(usize),
    #[error("line {0}: {1:?}")]
    Line(usize, LineError),
    #[error("a contract's lines add up to more than zero")]
    ZeroContract,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for LinesError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use LinesError as E;
        use domain::problem::{ErrorCode, Refused};
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NotFound => Refused::not_found("contract"),
            E::NotDraft => Refused::conflict(ErrorCode::ContractState, "only a draft contract's lines change"),
            E::NoSuchProduct(i) => Refused::field(
                format!("lines.{i}.product_id"),
                FieldCode::NotFound,
                "no such active product",
            ),
            E::Line(i, e) => {
                use domain::products::LineError as L;
                let (code, why) = match e {
                    L::Quantity => (FieldCode::Range, "the quantity is at least one"),
                    L::UnitPrice => (FieldCode::Range, "the unit price is never negative"),
                    L::Discount => (FieldCode::Range, "a discount is 0 to 10000 basis points"),
                    // each is in range; together they are not
                    L::TooLarge => (
                        FieldCode::Relation,
                        "quantity × unit price is too large to be an amount",
                    ),
                };
                Refused::field(format!("lines.{i}"), code, why)
            }
            E::ZeroContract => Refused::field("lines", FieldCode::Range, "a contract's lines add up to more than zero"),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for LinesError {
    fn from(e: diesel::result::Error) -> Self {
        LinesError::Repo(e.into())
    }
}

/// The lines of a deal or a contract, in order.
pub fn lines_of(conn: &mut DbConn, of: Of) -> Result<Vec<LineRow>, RepoError> {
    let q = match of {
        Of::Deal(id) => li::table.filter(li::opportunity_id.eq(id)).into_boxed(),
        Of::Contract(id) => li::table.filter(li::contract_id.eq(id)).into_boxed(),
    };
    Ok(q.order(li::position.asc()).select(LineRow::as_select()).load(conn)?)
}

/// Replaces the line items of a deal or contract in the caller's scope
/// ([`set_lines`]); answers them, their sum, and the organisation's
/// currency the sum is in.
pub fn replace_lines(
    conn: &mut DbConn,
    by: &crate::scope::Principal,
    of: Of,
    lines: &[LineInput],
    now: DateTime<Utc>,
) -> Result<(Vec<LineRow>, i64, String), LinesError> {
    let scope = by.scope(conn)?;
    let (rows, amount) = set_lines(conn, &scope, of, lines, now)?;
    Ok((rows, amount, crate::contracts::policy(conn)?.currency))
}

/// Replaces the lines of a deal (any the caller may see) or of a draft
/// contract; their sum becomes its amount. Returns the lines and the amount.
pub fn set_lines(
    conn: &mut DbConn,
    scope: &DataScope,
    of: Of,
    lines: &[LineInput],
    now: DateTime<Utc>,
) -> Result<(Vec<LineRow>, i64), LinesError> {
    match of {
        Of::Deal(id) => {
            crate::opportunities::find_visible(conn, id, scope)?.ok_or(LinesError::NotFound)?;
            crate::opportunities::lock(conn, id)?;
        }
        Of::Contract(id) => {
            let c = crate::contracts::find_visible(conn, scope, id)?.ok_or(LinesError::NotFound)?;
            if c.status != "draft" {
                return Err(LinesError::NotDraft);
            }
        }
    }
    let ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    let offered: Vec<(i64, i64)> = p::table
        .filter(p::id.eq_any(ids))
        .filter(p::active.eq(true))
        .select((p::id, p::list_price))
        .load(conn)?;
    let mut priced = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let list_price = offered
            .iter()
            .find(|(id, _)| *id == l.product_id)
            .map(|(_, price)| *price)
            .ok_or(LinesError::NoSuchProduct(i))?;
        priced.push(Line {
            quantity: l.quantity,
            unit_price: l.unit_price.unwrap_or(list_price),
            discount_bp: l.discount_bp,
        });
    }
    let (totals, amount) = domain::products::amount(&priced).map_err(|(i, e)| LinesError::Line(i, e))?;
    match of {
        Of::Deal(id) => {
            diesel::delete(li::table.filter(li::opportunity_id.eq(id))).execute(conn)?;
            diesel::update(opportunities::table.find(id))
                .set((
                    opportunities::amount.eq(Some(amount)),
                    opportunities::version.eq(opportunities::version + 1),
                    opportunities::updated_at.eq(naive(now)),
                ))
                .execute(conn)?;
        }
        Of::Contract(_) if amount <= 0 => return Err(LinesError::ZeroContract),
        Of::Contract(id) => {
            diesel::delete(li::table.filter(li::contract_id.eq(id))).execute(conn)?;
            diesel::update(contracts::table.find(id))
                .set((
                    contracts::amount.eq(amount),
                    contracts::version.eq(contracts::version + 1),
                    contracts::updated_at.eq(naive(now)),
                ))
                .execute(conn)?;
        }
    }
    let (deal, contract) = match of {
        Of::Deal(id) => (Some(id), None),
        Of::Contract(id) => (None, Some(id)),
    };
    for (i, ((input, line), total)) in lines.iter().zip(&priced).zip(totals).enumerate() {
        diesel::insert_into(li::table)
            .values((
                li::opportunity_id.eq(deal),
                li::contract_id.eq(contract),
                li::position.eq(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                li::product_id.eq(input.product_id),
                li::quantity.eq(line.quantity),
                li::unit_price.eq(line.unit_price),
                li::discount_bp.eq(line.discount_bp),
                li::total.eq(total),
            ))
            .execute(conn)?;
    }
    Ok((lines_of(conn, of)?, amount))
}
