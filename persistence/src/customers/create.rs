//! `POST /customers` as one operation: the caller's scope, the custom field
//! values checked against the definitions, the customer (dedup on the
//! normalised name and credit code, name index, tags, audit, event) and its
//! custom values, all in the caller's transaction.

use chrono::{DateTime, Utc};
use domain::custom_fields::CustomEntity;
use serde_json::{Map, Value};

use crate::scope::Principal;
use crate::{Db, DbConn, custom_fields};

use super::write::{
    Actor, CustomerWriteError, LookAlike, NewCustomer, Stored, insert_new, look_alikes, owner_name, stored,
};

/// A created customer and its custom field values.
#[derive(Debug, Clone)]
pub struct Created {
    pub customer: Stored,
    pub custom_fields: Map<String, Value>,
}

/// Creates a customer owned by the caller (or by a user the caller may
/// assign to). Refuses bad custom values before anything is written, and a
/// company that already exists ([`CustomerWriteError::Exists`]). The
/// look-alikes to double-check are a read for after the commit
/// ([`create_and_compare`]): advice, not a rule, so the writers' queue does
/// not wait on that search.
pub fn create(
    conn: &mut DbConn,
    by: &Principal,
    new: NewCustomer,
    custom: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<Created, CustomerWriteError> {
    let scope = by.scope(conn)?;
    let cells =
        custom_fields::check(conn, CustomEntity::Customer, custom, true)?.map_err(CustomerWriteError::CustomFields)?;
    let actor = Actor {
        user_id: by.user_id,
        scope: &scope,
    };
    let mut outbox = crate::events::Outbox::load(conn)?;
    let tagged = !new.tags.is_empty();
    let row = insert_new(conn, &actor, &mut outbox, new, now)?;
    custom_fields::save(conn, CustomEntity::Customer, row.id, &cells)?;
    // what was written is read back as stored (normalised), but a new
    // customer given no custom values or no tags has none: two statements
    // fewer in the writers' queue
    let custom_fields = if cells.is_empty() {
        Map::new()
    } else {
        custom_fields::values_of(conn, CustomEntity::Customer, row.id)?
    };
    let customer = if tagged {
        stored(conn, row)?
    } else {
        Stored {
            owner_name: owner_name(conn, row.owner_id)?,
            row,
            tags: Vec::new(),
        }
    };
    Ok(Created {
        customer,
        custom_fields,
    })
}

/// [`create`] in its own write transaction, then the look-alikes of the new
/// name read after the commit, best first.
pub fn create_and_compare(
    db: &Db,
    by: &Principal,
    new: NewCustomer,
    custom: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<(Created, Vec<LookAlike>), CustomerWriteError> {
    let created = db.write(|conn| create(conn, by, new, custom, now))?;
    let (key, id) = (&created.customer.row.name_key, created.customer.row.id);
    let common = db.shared::<super::name_index::CommonGrams>();
    let similar = db.run(|conn| look_alikes(conn, key, &[id], &common))?;
    Ok((created, similar))
}
