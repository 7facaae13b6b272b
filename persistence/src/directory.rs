//! The user directory as a caller reads it: everyone sees names, roles and
//! departments; whose e-mail a caller may see (and search by) is decided by
//! their data scope, resolved here in the read's own transaction.

use domain::scope::DataScope;

use crate::scope::Reach;
use crate::users::{self, UserAfter, UserFilter, UserRow, UserSort};
use crate::{DbConn, RepoError};

/// A page of users as `viewer` may list them (an integration reaches all),
/// with the viewer's scope for
/// masking what they may not see (`domain::scope::may_see_contact_details`).
/// `q` matches e-mails only for viewers who may see them all, else a search
/// would reveal hidden addresses letter by letter.
pub fn list(
    conn: &mut DbConn,
    viewer: &impl Reach,
    filter: &UserFilter,
    sort: UserSort,
    descending: bool,
    after: Option<&UserAfter>,
    limit: u32,
) -> Result<(Vec<UserRow>, DataScope), RepoError> {
    let scope = viewer.scope_in(conn)?.into_owned();
    let filter = UserFilter {
        q_matches_email: scope == DataScope::All,
        ..filter.clone()
    };
    let rows = users::list(conn, &filter, sort, descending, after, limit)?;
    Ok((rows, scope))
}

/// One user as `viewer` may read them; `None` when there is no such user.
pub fn find(conn: &mut DbConn, viewer: &impl Reach, id: i64) -> Result<Option<(UserRow, DataScope)>, RepoError> {
    let scope = viewer.scope_in(conn)?.into_owned();
    Ok(crate::Found::found(users::find(conn, id))?.map(|row| (row, scope)))
}
